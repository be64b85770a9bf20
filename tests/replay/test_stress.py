"""Stress streams through the real scorer, grouping and alert policy (tests/fixtures/replay/stress/).

Every stream is held to the same four rules: a glitch burst alerts by its third mention, one severe
post (safety, security, legal) alerts at once, ordinary chatter raises nothing, and no incident
pages more than three times. Each stream runs mention by mention (`run_replay`, as `monitor replay`
does), and again in polls of several items per brand (`Pipeline.process`, as the worker does).

Scorer misjudgments found while writing these are collected in `chatter.SCORER_MISJUDGED` and kept
out of the streams whose expectation they would break; s14 mixes them back in (now scored right).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.base import Mention as Item
from monitor.config import AppConfig, load_config
from monitor.db import make_engine, make_session_factory, upgrade
from monitor.incidents.service import auto_resolve
from monitor.pipeline import Pipeline
from monitor.replay import prepare_database, read_stream, replay_config, run_replay
from tests.support.episodes import per_episode

ROOT = Path(__file__).resolve().parents[2]
STRESS = ROOT / "tests" / "fixtures" / "replay" / "stress"
CONFIG = ROOT / "tests" / "fixtures" / "replay" / "brands.toml"
MONITOR = Path(sys.executable).parent / "monitor"


@dataclass(frozen=True)
class Burst:
    """A problem that must page, triggered by one of `by` (a glitch's first three mentions, a
    severe post itself, a rising outage's first dozen)."""

    brand: str
    category: str
    by: tuple[str, ...]


@dataclass(frozen=True)
class Expect:
    bursts: tuple[Burst, ...] = ()
    # (brand, category) pairs allowed to page beyond the bursts (a rising outage's escalations)
    also: frozenset[tuple[str, str]] = frozenset()
    # exact incident count when known
    incidents: int | None = None
    events: tuple[str, ...] | None = None  # the exact event sequence, when it matters
    quiet: bool = False  # nothing at all may page
    # Pages the shipped detector is known to get wrong, by trigger id (docs/detection.md, "Known
    # misses"): set aside with their incidents, but each must still happen, so a retrain that fixes
    # one fails here until the entry is removed.
    known_false: frozenset[str] = frozenset()


def _single(brand: str, category: str, rid: str) -> Burst:
    return Burst(brand, category, (rid,))  # must page on this very post


AIR, TEL, BANK, RET, JEW, GRO = (
    "SkyBridge Airlines",
    "Lumen Mobile",
    "Crescent Bank",
    "Marlow & Finch",
    "Aurelia Jewelry",
    "Pantry Lane",
)
PRICE = "pricing_error"

STREAMS: dict[str, Expect] = {
    "s01_busy_airline_quiet_day": Expect(quiet=True),
    "s02_airline_error_fare": Expect(bursts=(Burst(AIR, PRICE, ("fare1", "fare2", "fare3")),), incidents=1),
    "s03_telco_outage_rising": Expect(
        bursts=(Burst(TEL, "outage", tuple(f"out{i:02d}" for i in range(1, 13))),),
        incidents=1,
        # "random but my Lumen Mobile autopay discount kicked in this month that's all" reads as
        # security to the detector (p 0.66); with a second such post it pages
        known_false=frozenset({"t044"}),
    ),
    "s04_coupon_stacking_slow": Expect(bursts=(Burst(RET, PRICE, ("cp1", "cp2", "cp3")),), incidents=1),
    "s05_hundred_percent_off_fast": Expect(
        bursts=(Burst(GRO, PRICE, ("off1", "off2", "off3")),), incidents=1
    ),
    "s06_safety_singles": Expect(
        bursts=(
            _single(GRO, "safety", "safe_allergy"),
            _single("Voltaic Scooters", "safety", "safe_fire"),
            _single("TinyTots Toys", "safety", "safe_choke"),
            _single("Ember Grill", "safety", "safe_poison"),
            _single("FitForge", "safety", "safe_injury"),
        ),
        incidents=5,
        events=("incident.opened",) * 5,
    ),
    "s07_security_legal": Expect(
        bursts=(_single(BANK, "security", "sec1"), _single(RET, "legal", "leg1")),
        incidents=2,
        events=("incident.opened",) * 2,
        # "random but Crescent Bank app face ID login is quick" reads as security (p 0.53) and
        # reopens the bank's incident: docs/detection.md, "Known misses"
        known_false=frozenset({"b009"}),
    ),
    "s08_glitch_regression_3days": Expect(
        bursts=(
            Burst(JEW, PRICE, ("d1g1", "d1g2", "d1g3")),
            Burst(JEW, PRICE, ("d2g1", "d2g2", "d2g3")),
            Burst(JEW, PRICE, ("d3g1", "d3g2", "d3g3")),
        ),
    ),
    "s09_clustered_grumbles": Expect(quiet=True),
    "s10_crossposts_and_memes": Expect(bursts=(Burst(RET, PRICE, ("mg1", "mg2", "mg3")),), incidents=1),
    "s11_busy_telco_quiet_day": Expect(quiet=True),
    "s12_decimal_glitch_hourly": Expect(bursts=(Burst(RET, PRICE, ("dec1", "dec2", "dec3")),), incidents=1),
    "s13_three_quiet_days": Expect(quiet=True),
}
# The scorer used to file "gate agent was so patient ... give her a raise", "landed early ... waited
# for a gate ... but fine" as service failures, and "seat pitch is brutal ... filing a report" as an
# outage: on a busy brand they added up to a paging "incident". Praise, shrug and hyperbole damps
# (monitor/scoring/lexicon_situations.py) keep them quiet now.
SCORER_NOISE = "s14_busy_airline_scorer_noise"


def _records(name: str) -> dict[str, dict[str, Any]]:
    lines = (STRESS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return {r["id"]: r for r in map(json.loads, lines)}


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def check(
    name: str, alerts: list[dict[str, Any]], expect: Expect, *, latency: timedelta = timedelta(0)
) -> None:
    """The four rules, and the stream's own expectations; `latency`: how late a poll may deliver."""
    recs = _records(name)
    per_incident = Counter(a["incident_id"] for a in alerts)
    assert all(n <= 3 for n in per_episode(alerts).values()), f"an episode paged more than 3 times: {alerts}"
    if expect.known_false:
        seen = {a["trigger_mention_id"] for a in alerts}
        assert expect.known_false <= seen, f"{name}: a known false page no longer happens: {alerts}"
        # an incident a known-false post opened is set aside whole; a known-false post that
        # reopened a real incident (a chatter post read as "it came back") only loses its own page
        wrong = {
            a["incident_id"]
            for a in alerts
            if a["trigger_mention_id"] in expect.known_false and a["event"] == "incident.opened"
        }
        alerts = [
            a
            for a in alerts
            if a["incident_id"] not in wrong and a["trigger_mention_id"] not in expect.known_false
        ]
        per_incident = Counter(a["incident_id"] for a in alerts)
    if expect.quiet:
        assert alerts == [], f"{name}: ordinary chatter paged: {alerts}"
        return
    allowed = {(b.brand, b.category) for b in expect.bursts} | expect.also
    stray = [a for a in alerts if (a["brand"], a["category"]) not in allowed]
    assert not stray, f"{name}: chatter paged: {stray}"
    for burst in expect.bursts:
        last = max(_time(recs[rid]["published_at"]) for rid in burst.by)
        hits = [
            a
            for a in alerts
            if (a["brand"], a["category"]) == (burst.brand, burst.category)
            and a["trigger_mention_id"] in burst.by
            and _time(a["alert_at"]) <= last + latency
        ]
        assert hits, f"{name}: {burst.brand} {burst.category} did not page by {burst.by[-1]}: {alerts}"
    if expect.incidents is not None:
        assert len(per_incident) == expect.incidents, alerts
    if expect.events is not None:
        assert tuple(a["event"] for a in alerts) == expect.events, alerts


def replay_in_process(name: str, config: AppConfig) -> list[dict[str, Any]]:
    out, err = io.StringIO(), io.StringIO()
    assert run_replay(str(STRESS / f"{name}.jsonl"), config, out, err) == 0, err.getvalue()
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.fixture(scope="module")
def config() -> AppConfig:
    return load_config(CONFIG)


def test_every_stress_stream_has_an_expectation() -> None:
    names = {p.stem for p in STRESS.glob("*.jsonl")}
    assert names == set(STREAMS) | {SCORER_NOISE}
    assert len(STREAMS) >= 10


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_stream_one_mention_at_a_time(name: str, config: AppConfig) -> None:
    check(name, replay_in_process(name, config), STREAMS[name])


def test_busy_airline_with_the_chatter_the_scorer_misjudges(config: AppConfig) -> None:
    check(SCORER_NOISE, replay_in_process(SCORER_NOISE, config), Expect(quiet=True))


def test_the_command_agrees_on_a_regression_stream(config: AppConfig) -> None:
    name = "s08_glitch_regression_3days"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    proc = subprocess.run(
        [str(MONITOR), "replay", str(STRESS / f"{name}.jsonl"), "--config", str(CONFIG)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    alerts = [json.loads(line) for line in proc.stdout.splitlines()]
    check(name, alerts, STREAMS[name])
    # each day's glitch is told on its first sure post; escalations as voices come are extra news
    news = [a["event"] for a in alerts if a["event"] != "incident.escalated"]
    assert news == ["incident.opened", "incident.regressed", "incident.opened"], alerts
    assert alerts == replay_in_process(name, config)


# --- the worker's path: several items per poll --------------------------------------------------


def _item(r: Any) -> Item:
    return Item(external_id=str(r.id), text=r.text, published_at=r.published_at, raw={}, **r.fields)


def replay_in_polls(
    name: str, config: AppConfig, tmp: Path, *, every: timedelta, one_source: bool = False
) -> list[dict[str, Any]]:
    """Like `monitor replay`, but the worker's way: each poll (on the clock, every `every`) hands
    Pipeline.process all the items published since the last one, one call per source and brand
    (per brand with `one_source`: as if one source carried them all), at the poll's time."""
    records, bad = read_stream(STRESS / f"{name}.jsonl", io.StringIO())
    assert not bad
    cfg = replay_config(config, records)
    url = f"sqlite:///{tmp / 'polls.db'}"
    upgrade(url)
    engine = make_engine(url)
    alerts: list[dict[str, Any]] = []
    try:
        with make_session_factory(engine)() as session:
            start = records[0].published_at
            sources = prepare_database(session, cfg, records)
            pipeline = Pipeline(cfg)
            polls: dict[datetime, list[Any]] = defaultdict(list)
            midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
            for rec in records:
                k = (rec.published_at - midnight) // every
                polls[midnight + (k + 1) * every].append(rec)
            origin: dict[int, Any] = {}
            for now in sorted(polls):
                auto_resolve(session, config=cfg, now=now)
                calls: dict[tuple[str, str | None], list[Any]] = defaultdict(list)
                for rec in polls[now]:
                    calls[(polls[now][0].source if one_source else rec.source, rec.brand)].append(rec)
                for (src, brand), recs in calls.items():
                    items = [_item(r) for r in recs]
                    result = pipeline.process(
                        session, source_id=sources[src], items=items, now=now, forced_brand=brand
                    )
                    for row, r in zip(result.stored, recs, strict=True):
                        origin[row.id] = r.id
                    for c in result.changes:
                        if c.notify:
                            alerts.append(
                                {
                                    "alert_at": now.isoformat(),
                                    "incident_id": c.incident_id,
                                    "brand": c.brand,
                                    "category": c.category,
                                    "severity": c.severity,
                                    "mention_count": c.mention_count,
                                    "trigger_mention_id": origin.get(c.trigger_mention_id),
                                    "event": c.event,
                                }
                            )
                session.commit()
    finally:
        engine.dispose()
    return alerts


def test_a_glitch_burst_in_one_poll_is_one_message(config: AppConfig, tmp_path: Path) -> None:
    # hourly polls: the whole burst (off1..off8, 19:02-19:21) and the hour's chatter in one batch
    name = "s05_hundred_percent_off_fast"
    alerts = replay_in_polls(name, config, tmp_path, every=timedelta(hours=1), one_source=True)
    check(name, alerts, STREAMS[name], latency=timedelta(hours=1))
    # one message, opened (not opened then escalated), triggered where the policy first pages (the
    # first post: the detector is sure of it), and it already counts every pricing mention of the
    # burst (off4, "100 percent off", and off6, "for zero dollars", too since the scorer learned them)
    assert [(a["event"], a["trigger_mention_id"], a["mention_count"]) for a in alerts] == [
        ("incident.opened", "off1", 8)
    ]
    assert alerts[0]["severity"] == 1 and alerts[0]["alert_at"].startswith("2025-06-10T20:00")


@pytest.mark.parametrize(
    "name",
    [
        "s02_airline_error_fare",
        "s03_telco_outage_rising",
        "s06_safety_singles",
        "s08_glitch_regression_3days",
        "s10_crossposts_and_memes",
        "s11_busy_telco_quiet_day",
    ],
)
def test_stream_in_polls(name: str, config: AppConfig, tmp_path: Path) -> None:
    every = timedelta(minutes=10)
    check(name, replay_in_polls(name, config, tmp_path, every=every), STREAMS[name], latency=every)
