#!/usr/bin/env python3
"""How many alerts a crash right after a receiver's 2xx would send twice (docs/alerts.md).

    python tools/alert_crash_window.py --kills 10 --seed 7

Each run queues 20 Slack and 20 webhook messages, starts `monitor worker` on a fresh SQLite
database with both channels on a loopback receiver, and SIGKILLs the worker 1 ms after the
receiver answers a randomly chosen request with 200. A message is counted as resent when the
receiver got it but the outbox does not say delivered (a restarted worker sends it again once the
lease expires). To compare with another revision, run it with `ALERT_TREE=DIR` pointing at that
checkout (e.g. `git archive <rev> | tar -x -C DIR`): both the tool and the worker then use its code.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

TREE = str(Path(os.environ.get("ALERT_TREE") or Path(__file__).resolve().parent.parent).resolve())
sys.path.insert(0, TREE)

from monitor.alerts.models import AlertDelivery  # noqa: E402
from monitor.db import make_engine, make_session_factory, upgrade, utcnow  # noqa: E402
from tests.support.servers import Reply, Request, ScriptedServer  # noqa: E402

ROWS_PER_CHANNEL = 20
CHANNELS = (("slack", "slack"), ("hook", "webhook"))


def _queue(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    now = utcnow()
    with make_session_factory(engine)() as s:
        for name, kind in CHANNELS:
            for i in range(ROWS_PER_CHANNEL):
                key = f"{name}:incident:{i}:v1"
                s.add(
                    AlertDelivery(
                        dedupe_key=key,
                        channel=name,
                        channel_kind=kind,
                        event="incident.opened",
                        payload={"text": key, "blocks": []} if kind == "slack" else {"key": key},
                        status="pending",
                        attempts=0,
                        next_attempt_at=now - timedelta(seconds=ROWS_PER_CHANNEL - i),
                        give_up_at=now + timedelta(seconds=900),
                        created_at=now,
                    )
                )
        s.commit()
    engine.dispose()


def _delivered(url: str) -> set[str]:
    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        keys = {r.dedupe_key for r in s.query(AlertDelivery).filter_by(status="delivered")}
    engine.dispose()
    return keys


def one_kill(target: int, workdir: str) -> dict[str, int]:
    """Run the worker until the `target`-th request is answered, kill it; resends per channel."""
    url = f"sqlite:///{workdir}/m.db"
    _queue(url)
    received: set[tuple[str, str]] = set()
    lock = threading.Lock()
    worker: list[subprocess.Popen[bytes]] = []

    def answer(channel: str):
        def handler(req: Request) -> Reply:
            try:
                body = json.loads(req.body)
            except ValueError:  # the kill cut a request short: the worker never sent it whole
                return Reply(400, "partial body")
            with lock:
                received.add((channel, body.get("text") or body["key"]))
                if len(received) == target:
                    pid = worker[0].pid
                    threading.Timer(0.001, os.kill, (pid, signal.SIGKILL)).start()
            return Reply(200, "ok")

        return handler

    with ScriptedServer() as rx:
        rx.httpd.handle_error = lambda *_: None  # the kill resets the worker's connections: expected
        lines = ['[[brands]]\nname = "Acme"\nquery = "acme"\n']
        for name, kind in CHANNELS:
            rx.routes[f"/{name}"] = answer(name)
            lines.append(f'[[channels]]\nname = "{name}"\nkind = "{kind}"\nurl = "{rx.url}/{name}"\n')
        config = Path(workdir, "monitor.toml")
        config.write_text("".join(lines))
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        env |= {"DATABASE_URL": url, "PYTHONPATH": TREE}
        code = "import sys; sys.argv[0] = 'monitor'; from monitor.cli import app; app()"
        with open(Path(workdir, "worker.log"), "wb") as log:
            worker.append(
                subprocess.Popen(
                    [sys.executable, "-c", code, "worker", "--config", str(config)],
                    cwd=TREE,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            try:
                worker[0].wait(timeout=120)
            except subprocess.TimeoutExpired:
                worker[0].kill()
                worker[0].wait()
                tail = Path(workdir, "worker.log").read_text(errors="replace")[-2000:]
                raise SystemExit(f"the worker never reached request {target}:\n{tail}") from None
    delivered = _delivered(url)
    resent = dict.fromkeys((name for name, _ in CHANNELS), 0)
    for channel, key in received:
        resent[channel] += key not in delivered
    return resent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    totals = dict.fromkeys((name for name, _ in CHANNELS), 0)
    worst = 0
    started = time.monotonic()
    for _ in range(args.kills):
        target = rng.randint(3, 25)
        with tempfile.TemporaryDirectory() as workdir:
            resent = one_kill(target, workdir)
        print(f"killed after request {target:2d}: resent " + ", ".join(f"{c} {n}" for c, n in resent.items()))
        worst = max(worst, *resent.values())
        for c, n in resent.items():
            totals[c] += n
    print(
        f"{args.kills} kills in {time.monotonic() - started:.0f} s: resent "
        + ", ".join(f"{c} {n}" for c, n in totals.items())
        + f"; at most {worst} per channel per kill"
    )


if __name__ == "__main__":
    main()
