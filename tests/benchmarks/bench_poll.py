"""Sources polled by one and two `monitor worker` processes against N loopback feeds (not a timed test).

One local HTTP server process serves N small static RSS feeds on 127.0.0.1 (a keep-alive
HTTP/1.1 responder on asyncio: it must cost the machine little next to the workers). For each
case a fresh PostgreSQL database gets N rss sources; once every worker of the case says it is
running, all N are made due at once and the clock starts. After `--seconds` (or as soon as every
source was polled) the bench reads how many sources have a successful poll and each worker's CPU
time (/proc), then stops the workers.

Cases, in one run on the same feeds:
  baseline  one worker as before the claim loop: `refill = false` (claims once a tick, only for
            free slots), concurrency 8 and tick 1 s (the old defaults)
  one       one worker with the defaults (the refilling claim loop, concurrency 64)
  two       two such workers on the same database

per_host is set to the concurrency in every case: all N feeds are one host here, and the default
of 2 would measure the politeness limit instead of the worker.

Prints one JSON line per case ({"case", "workers", "sources", "seconds", "polled",
"all_polled_s", "polled_per_s", "per_5_min_at_rate", "cpu_s", "polled_per_cpu_s",
"lock_wait_share", ...}) and a summary line with the ratios (one/baseline, two/one).
`lock_wait_share`: of the database sessions busy at each half-second sample, the share waiting on
a lock; `lock_waits_on` counts those waits by kind (`advisory`: grouping's pair locks;
`transactionid`/`tuple`: a row another transaction is writing, e.g. the trends rollup's hour).
Targets (issue #12): >= 9,500 of 10,000 polled within 5 minutes by one worker, two >= 1.7x one.
Needs MONITOR_TEST_PG_URL's server (default postgres@127.0.0.1:5432/test).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text, update  # noqa: E402

from monitor.config import load_config  # noqa: E402
from monitor.db import make_engine, make_session_factory, session_scope, upgrade  # noqa: E402
from monitor.sources.models import Source  # noqa: E402
from monitor.sync import sync_config  # noqa: E402
from tests.support.pg import temp_database  # noqa: E402
from tests.support.servers import rss  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
# Startup (the config sync of N sources) is outside the measured window: sources wait till then.
FAR = timedelta(days=365)


# -- the feed server (its own process) ------------------------------------------------------------


# Problem reports of a few categories: on PostgreSQL, concurrent batches of one brand and category
# queue on grouping's lock; of other categories they need not.
PROBLEMS = [
    "My Acme order {i} arrived late and the box was damaged",
    "Acme charged my card twice for order {i}, refund please",
    "Acme website is down, cannot log in since this morning ({i})",
    "Acme app shows every item at $0.00 at checkout, is this real? ({i})",
]


def _feed(i: int, now: str, every: int) -> bytes:
    """Two posts; in one feed of `every`, one of them names the brand (and reads as an incident)."""
    post = (PROBLEMS[(i // every) % len(PROBLEMS)] if i % every == 0 else "Parcel {i} came").format(i=i)
    items = [
        {"guid": f"f{i}-0", "title": f"Order {i}", "link": f"http://x.test/{i}/0", "pubDate": now,
         "description": post},
        {"guid": f"f{i}-1", "title": f"Weather {i}", "link": f"http://x.test/{i}/1", "pubDate": now,
         "description": "Sunny with a light breeze, nothing to see here"},
    ]  # fmt: skip
    return rss(items, title=f"Feed {i}").encode()


def serve(port: int, n: int, every: int) -> None:
    """Serve /feed/<i>.xml for i < n until killed: static bodies, keep-alive, no parsing beyond the path."""
    now = format_datetime(datetime.now(UTC), usegmt=True)
    bodies = [_feed(i, now, every) for i in range(n)]
    head = b"HTTP/1.1 %d %s\r\nContent-Type: application/rss+xml\r\nContent-Length: %d\r\n\r\n"

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await reader.readuntil(b"\r\n\r\n")
                path = request.split(b" ", 2)[1]
                try:
                    body = bodies[int(path.rsplit(b"/", 1)[1].split(b".")[0])]
                    writer.write(head % (200, b"OK", len(body)) + body)
                except (ValueError, IndexError):
                    writer.write(head % (404, b"Not Found", 0))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


@contextmanager
def feed_server(n: int, every: int):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, __file__, "--serve", str(port), "--feeds", str(n), "--mention-every", str(every)]
    proc = subprocess.Popen(cmd)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


# -- one case -------------------------------------------------------------------------------------


def write_config(path: Path, base: str, n: int, worker: dict) -> Path:
    lines = ['[[brands]]\nname = "Acme"\nquery = "acme"\n', "[worker]\n"]
    lines += [f"{k} = {json.dumps(v)}\n" for k, v in worker.items()]
    for i in range(n):  # hourly: nothing is polled twice within a run
        lines.append(f'[[sources]]\nname = "feed-{i}"\nkind = "rss"\nurl = "{base}/feed/{i}.xml"\n')
        lines.append("interval_seconds = 3600\n")
    path.write_text("".join(lines))
    return path


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime, every thread


def start_worker(config: Path, db: str, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_") and k != "DATABASE_URL"}
    env |= {"DATABASE_URL": db, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-c", "from monitor.cli import main; main()", "worker", "--config", str(config)]
    with open(log, "wb") as fh:
        return subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=ROOT)


class LockWaits:
    """Samples pg_stat_activity twice a second: how many of the database's busy sessions wait on a lock."""

    def __init__(self, db: str) -> None:
        self.engine = make_engine(db)
        self.busy = self.waiting = 0
        self.on: Counter[str] = Counter()  # lock waits by kind: advisory (grouping), transactionid, tuple
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        query = text(
            "SELECT state <> 'idle', CASE WHEN wait_event_type = 'Lock' THEN wait_event END "
            "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        with self.engine.connect() as conn:
            while not self._stop.wait(0.5):
                for busy, lock in conn.execute(query):
                    self.busy += bool(busy)
                    if lock:
                        self.waiting += 1
                        self.on[lock] += 1
                conn.rollback()

    def __enter__(self) -> LockWaits:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)
        self.engine.dispose()

    def share(self) -> float | None:
        return round(self.waiting / self.busy, 3) if self.busy else None


def run_case(name: str, base: str, n: int, seconds: float, workers: int, worker: dict, tmp: Path) -> dict:
    config = write_config(tmp / f"{name}.toml", base, n, worker)
    with temp_database() as db:
        upgrade(db)
        engine = make_engine(db)
        factory = make_session_factory(engine)
        with session_scope(factory) as s:
            sync_config(s, load_config(config), now=datetime.now(UTC) + FAR)
        logs = [tmp / f"{name}-{i}.log" for i in range(workers)]
        procs = [start_worker(config, db, log) for log in logs]
        try:
            deadline = time.monotonic() + 120
            while not all("running" in log.read_text() for log in logs):
                if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                    raise RuntimeError(f"{name}: a worker did not start: " + logs[0].read_text()[-2000:])
                time.sleep(0.2)
            cpu0 = [cpu_seconds(p.pid) for p in procs]
            with session_scope(factory) as s:
                s.execute(update(Source).values(next_poll_at=datetime.now(UTC)))
            t0 = time.monotonic()
            done = select(func.count()).select_from(Source).where(Source.last_success_at.is_not(None))
            all_polled = None
            with LockWaits(db) as waits:
                while (elapsed := time.monotonic() - t0) < seconds:
                    time.sleep(min(1.0, seconds - elapsed))
                    with session_scope(factory) as s:
                        polled = s.scalar(done)
                    if polled >= n:
                        all_polled = time.monotonic() - t0
                        break
            elapsed = time.monotonic() - t0
            cpu = sum(cpu_seconds(p.pid) - c for p, c in zip(procs, cpu0, strict=True))
            with session_scope(factory) as s:
                polled = s.scalar(done)
                failed = s.scalar(
                    select(func.count()).select_from(Source).where(Source.consecutive_errors > 0)
                )
        finally:
            for p in procs:
                p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()
            engine.dispose()
    rate = polled / elapsed
    return {
        "case": name,
        "workers": workers,
        "sources": n,
        "seconds": round(elapsed, 1),
        "polled": polled,
        "failed": failed,
        "all_polled_s": round(all_polled, 1) if all_polled else None,
        "polled_per_s": round(rate, 1),
        "per_5_min_at_rate": round(rate * 300),  # with N large enough to last 5 minutes
        "cpu_s": round(cpu, 1),
        "polled_per_cpu_s": round(polled / cpu, 1) if cpu else None,
        "lock_wait_share": waits.share(),  # of busy database sessions, sampled
        "lock_waits_on": dict(waits.on),
        "worker": worker,
    }


CASES = {
    "baseline": (1, {"refill": False, "concurrency": 8, "per_host": 8, "tick_seconds": 1.0}),
    "one": (1, {"per_host": 64}),
    "two": (2, {"per_host": 64}),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feeds", type=int, default=10_000)
    ap.add_argument("--seconds", type=float, default=300, help="the measured window per case")
    ap.add_argument("--cases", default="baseline,one,two", help="comma-separated: " + ",".join(CASES))
    ap.add_argument(
        "--mention-every",
        type=int,
        default=10,
        help="one feed in this many names the brand: its poll scores, stores and groups a mention "
        "(the sentence encoder costs ~30-100 ms of CPU each, so 1 measures the pipeline, not polling)",
    )
    ap.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the feed server's own process
    args = ap.parse_args()
    if args.serve:
        serve(args.serve, args.feeds, args.mention_every)
        return
    import tempfile

    results = {}
    with ExitStack() as stack:
        base = stack.enter_context(feed_server(args.feeds, args.mention_every))
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        for name in args.cases.split(","):
            workers, worker = CASES[name]
            results[name] = run_case(name, base, args.feeds, args.seconds, workers, worker, tmp)
            results[name]["mention_every"] = args.mention_every
            print(json.dumps(results[name]), flush=True)
    summary: dict[str, object] = {"summary": True, "sources": args.feeds, "seconds": args.seconds}
    summary["load_avg_1m"] = os.getloadavg()[0]  # a busy neighbour on 2 cores moves every figure
    if "one" in results and "baseline" in results:
        summary["one_vs_baseline"] = round(
            results["one"]["polled_per_s"] / results["baseline"]["polled_per_s"], 2
        )
    if "one" in results and "two" in results:
        summary["two_vs_one"] = round(results["two"]["polled_per_s"] / results["one"]["polled_per_s"], 2)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
