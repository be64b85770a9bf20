"""`monitor worker` processes SIGKILLed at random (seeded) points of a burst on PostgreSQL, one and
two of them, with two loopback feeds of one brand and loopback Slack and webhook sinks that
sometimes fail or hang.

Afterwards: every published item is stored exactly once, one incident per brand and category, every
incident state change reached both sinks at least once and any repeat is the same message (same
`X-Monitor-Delivery`, same Slack body), and no source-health notice went out for a healthy feed.
The figures are printed and written to test-artifacts/faults_kill_<n>_workers.json.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from subprocess import Popen

import pytest
from sqlalchemy import create_engine, func, select

from monitor.alerts.messages import delivery_ref
from monitor.alerts.models import AlertDelivery
from monitor.incidents.models import Incident
from monitor.mentions.models import Mention
from tests.support.proc import start_monitor, wait_until
from tests.support.servers import Reply, Request, ScriptedServer, rss

pytestmark = pytest.mark.postgres

_SLACK_REF = re.compile(r"ref ([0-9a-f]{10}) ")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FEED = {"Content-Type": "application/rss+xml"}
KILLS = 6
PUBLISH_SECONDS = 30.0
SETTLE_SECONDS = 150  # after the last kill: a dead worker's outbox claims expire in 60 s at worst

CALM = [
    "Helzberg stores open late this week for the holidays.",
    "Picked up my anniversary ring at Helzberg today, the staff were lovely.",
    "Does Helzberg do free ring resizing? Asking for a friend.",
    "Helzberg has a new bridal collection out this month.",
]
OUTAGE = [
    "Helzberg website is down, every page gives a 503 error",
    "Can't log in to Helzberg, the site has been down for an hour",
    "Helzberg checkout page won't load at all, outage?",
]
GLITCH = [
    "OMG everything in my Helzberg cart is $0.00 at checkout?! Is this real??",
    "Helzberg site glitch: diamond earrings ringing up at $0 — free at checkout right now",
    "Is anyone else seeing Helzberg prices at $0.00? Just ordered a $900 necklace for nothing lol",
    "Helzberg pricing error: every bracelet shows $0.00 in the cart, checkout goes through",
    "Helzberg glitch still live, rings are $0 at checkout, order confirmed",
]


@dataclass
class Burst:
    """A feed whose items (guids `<prefix><n>`) appear one by one over PUBLISH_SECONDS: calm posts,
    a pricing-glitch story throughout and an outage story in the second half."""

    prefix: str
    count: int = 60
    started: float = field(default_factory=time.monotonic)

    def ids(self) -> set[str]:
        return {f"{self.prefix}{i}" for i in range(self.count)}

    def items(self) -> list[dict[str, str]]:
        now = format_datetime(datetime.now(UTC), usegmt=True)
        due = int((time.monotonic() - self.started) / PUBLISH_SECONDS * self.count) + 1
        out = []
        for i in range(min(due, self.count)):
            text = CALM[i % len(CALM)]
            if i % 5 == 4:
                text = GLITCH[(i // 5) % len(GLITCH)]
            elif i % 5 == 2 and i >= self.count // 2:  # a second story starts halfway
                text = OUTAGE[(i // 5) % len(OUTAGE)]
            out.append(
                {
                    "guid": f"{self.prefix}{i}",
                    "title": f"post {i}",
                    "link": f"http://{self.prefix}.example/p{i}",
                    "description": f"{text} #{self.prefix}{i}",
                    "pubDate": now,
                }
            )
        return list(reversed(out))  # newest first, like a forum feed

    def reply(self, request: Request) -> Reply:
        return Reply(200, rss(self.items()), FEED)

    def done(self) -> bool:
        return time.monotonic() - self.started >= PUBLISH_SECONDS


class Sink:
    """A receiver that answers 500 sometimes and hangs past the send timeout now and then; it
    records every message it processed (a hung answer still counts: the receiver had it)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.accepted: list[tuple[str, bytes]] = []  # (X-Monitor-Delivery or "", body)
        self.refused = 0

    def reply(self, request: Request) -> Reply:
        with self.lock:
            roll = self.rng.random()
            if roll < 0.2:
                self.refused += 1
                return Reply(500, "internal_error")
            self.accepted.append((request.headers.get("x-monitor-delivery", ""), request.body))
            return Reply(200, "ok", hang=12.0 if roll > 0.95 else 0.0)


@dataclass
class Workers:
    """N `monitor worker` processes; kill() SIGKILLs one at a random point of its run, then restarts it."""

    n: int
    cfg: Path
    db: str
    logs: Path
    rng: random.Random
    procs: list[Popen[bytes]] = field(default_factory=list)
    starts: int = 0

    def start(self, slot: int) -> Popen[bytes]:
        self.starts += 1
        log = self.logs / f"worker{slot}-{self.starts}.log"
        proc = start_monitor("worker", "--config", str(self.cfg), db_url=self.db, log=log)
        # kill points fall inside the work, not in the start-up (loading the detector takes seconds)
        wait_until(
            lambda: "running" in log.read_text() or proc.poll() is not None, timeout=60, message="start"
        )
        assert proc.poll() is None, log.read_text()[-3000:]
        return proc

    def __enter__(self) -> Workers:
        self.procs = [self.start(i) for i in range(self.n)]
        return self

    def kill_one(self) -> float:
        slot = self.rng.randrange(self.n)
        delay = self.rng.uniform(0.2, 3.0)
        time.sleep(delay)
        proc = self.procs[slot]
        assert proc.poll() is None, f"worker {slot} died on its own ({proc.returncode})"
        proc.kill()
        proc.wait()
        self.procs[slot] = self.start(slot)
        return delay

    def __exit__(self, *exc: object) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def _config(path: Path, feeds: list[str], slack: str, hook: str) -> Path:
    # two feeds of one brand: their batches run at once, the case that deadlocked on PostgreSQL
    sources = "".join(
        f'[[sources]]\nname = "forum-{i}"\nkind = "rss"\nurl = "{url}"\ninterval_seconds = 1\n'
        for i, url in enumerate(feeds)
    )
    path.write_text(
        f"""
[[brands]]
name = "Helzberg"
query = "helzberg"
{sources}[[channels]]
name = "team-slack"
kind = "slack"
url = "{slack}"
[[channels]]
name = "ops-hook"
kind = "webhook"
url = "{hook}"
[worker]
tick_seconds = 0.2
lease_seconds = 10
"""
    )
    return path


def _figures(db: str, published: set[str], slack: Sink, hook: Sink) -> dict[str, object]:
    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            stored = conn.scalar(select(func.count()).select_from(Mention))
            distinct = conn.scalar(select(func.count(func.distinct(Mention.external_id))))
            external = set(conn.scalars(select(Mention.external_id)))
            stories = conn.execute(
                select(Incident.brand_id, Incident.category, func.count()).group_by(
                    Incident.brand_id, Incident.category
                )
            ).all()
            rows = conn.execute(
                select(
                    AlertDelivery.dedupe_key,
                    AlertDelivery.channel_kind,
                    AlertDelivery.event,
                    AlertDelivery.status,
                    AlertDelivery.payload,
                )
            ).all()
    finally:
        engine.dispose()
    changes = [r for r in rows if r.event.startswith("incident.")]
    # the receiver's view: a webhook by its X-Monitor-Delivery, a Slack message by its "ref" line
    seen = Counter(key for key, _ in hook.accepted)
    refs = {delivery_ref(r.dedupe_key): r.dedupe_key for r in rows}
    for _, body in slack.accepted:
        found = _SLACK_REF.search(body.decode())
        seen[refs.get(found.group(1), f"unknown ref {found.group(1)}") if found else "no ref"] += 1
    undelivered = [
        (r.dedupe_key, r.status, seen[r.dedupe_key])
        for r in changes
        if r.status != "delivered" or not seen[r.dedupe_key]
    ]
    known = {r.dedupe_key for r in rows}
    return {
        "items_published": len(published),
        "items_stored": stored,
        "items_duplicated": stored - distinct,
        "items_lost": sorted(published - external),
        "incidents_per_story": [n for *_, n in stories],
        "state_changes": len({r.dedupe_key.split(":", 1)[1] for r in changes}),
        "messages_due": len(changes),  # one per state change and channel
        "messages_delivered": sum(1 for r in changes if seen[r.dedupe_key]),
        "messages_duplicated": sum(max(0, seen[r.dedupe_key] - 1) for r in changes),
        "undelivered": undelivered,
        "unknown_messages": [k for k in seen if k not in known],
        "source_notices": [r.event for r in rows if r.event.startswith("source.")],
        "sink_refusals": slack.refused + hook.refused,
    }


@pytest.mark.parametrize("workers", [1, 2])
def test_workers_killed_mid_burst_lose_nothing_and_repeat_only_the_same_message(tmp_path, pg_url, workers):
    rng = random.Random(9000 + workers)
    slack, hook = Sink(seed=workers), Sink(seed=100 + workers)
    with ScriptedServer() as srv:
        bursts = [Burst("a"), Burst("b")]
        feeds = [f"{srv.url}/feed-{b.prefix}.xml" for b in bursts]
        cfg = _config(tmp_path / "kill.toml", feeds, f"{srv.url}/slack", f"{srv.url}/hook")
        for burst in bursts:
            srv.routes[f"/feed-{burst.prefix}.xml"] = burst.reply
        published = set().union(*(b.ids() for b in bursts))
        srv.routes["/slack"] = slack.reply
        srv.routes["/hook"] = hook.reply
        kills = []
        with Workers(workers, cfg, pg_url, tmp_path, rng) as pool:
            for burst in bursts:
                burst.started = time.monotonic()
            for _ in range(KILLS):
                kills.append(round(pool.kill_one(), 2))
            last_kill = time.monotonic()

            def settled() -> bool:
                figures = _figures(pg_url, published, slack, hook)
                return (
                    all(b.done() for b in bursts)
                    and not figures["items_lost"]
                    and figures["state_changes"] > 0
                    and not figures["undelivered"]
                )

            try:
                wait_until(
                    settled,
                    timeout=SETTLE_SECONDS,
                    interval=1,
                    message="every item stored and alert delivered",
                )
            finally:
                figures = _figures(pg_url, published, slack, hook)
                figures["settled_s_after_last_kill"] = round(time.monotonic() - last_kill, 1)
                figures |= {
                    "workers": workers,
                    "kills": len(kills),
                    "kill_delays_s": kills,
                    "seed": 9000 + workers,
                }
                ARTIFACTS.mkdir(exist_ok=True)
                out = ARTIFACTS / f"faults_kill_{workers}_workers.json"
                out.write_text(json.dumps(figures, indent=2) + "\n")
                print(f"\nkill test, {workers} worker(s): {json.dumps(figures)}")
            assert all(p.poll() is None for p in pool.procs)

    assert figures["items_lost"] == [] and figures["items_stored"] == len(published)
    assert figures["items_duplicated"] == 0
    assert figures["incidents_per_story"] and all(n == 1 for n in figures["incidents_per_story"])
    assert figures["undelivered"] == []
    assert figures["unknown_messages"] == []  # a repeat is the same delivery id / the same Slack message
    assert figures["source_notices"] == []  # the feeds never failed: no "failing"/"recovered" notice
