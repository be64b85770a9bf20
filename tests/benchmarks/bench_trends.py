"""30-day trends from the hourly rollup against the raw aggregation, same data, same run (not a timed test).

Loads N mentions over 30 days (8 brands, 4 sources, 300 incidents: bench_api.py's data) into a
scratch PostgreSQL database (COPY) and/or a SQLite file, fills the rollup as migration 0008's
backfill does (rollup.rebuild, timed), then times one client calling `trends(range="30d")` R times
reading the rollup, and R times with every bucket aggregated from `mentions` (the code before the
rollup, kept as `per_brand(raw=True)`). Both answers are compared. Prints one JSON object:
per backend the median and p95 in ms of each, their ratio, and the rollup's row count.

    .venv/bin/python tests/benchmarks/bench_trends.py [--mentions 1000000] [--runs 15]
        [--backends postgresql,sqlite] [--pg postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import func, select  # noqa: E402

from monitor.db import make_engine, make_session_factory, session_scope, upgrade  # noqa: E402
from monitor.mentions.models import Mention, MentionHourly  # noqa: E402
from monitor.mentions.rollup import per_brand, rebuild  # noqa: E402
from monitor.web import queries  # noqa: E402
from tests.benchmarks.bench_api import BRANDS, WORDS, _parents, load  # noqa: E402

SPAN = 30 * 24 * 3600
STAMP = "%Y-%m-%d %H:%M:%S.%f"


def _load_sqlite(url: str, path: Path, n: int, now: datetime) -> float:
    """bench_api's parents through the ORM, then n mentions by sqlite3 executemany (COPY's stand-in)."""
    t0 = time.perf_counter()
    rng = random.Random(7)
    brand_ids, source_ids, _ = _parents(url, now, rng)
    con = sqlite3.connect(path)
    try:
        rows = (
            (
                rng.choice(source_ids),
                rng.choice(brand_ids),
                f"m{i}",
                f"{rng.choice(BRANDS)} {rng.choice(WORDS)} {rng.choice(WORDS)} mention number {i}",
                # as SQLAlchemy stores a DateTime on SQLite: naive UTC text, always with microseconds
                # (isoformat drops ".000000", and the text then sorts before the same second's bound)
                (now - timedelta(seconds=rng.randint(0, SPAN))).strftime(STAMP),
                now.strftime(STAMP),
                round(rng.uniform(-1, 1), 3),
                round(rng.uniform(0, 0.3), 3),
            )
            for i in range(n)
        )
        con.executemany(
            "INSERT INTO mentions (source_id, brand_id, external_id, text, published_at, fetched_at, "
            "sentiment, urgency, is_incident, direct, needs_reply, opportunity, reasons, raw) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, '[]', '{}')",
            rows,
        )
        con.commit()
        con.execute("ANALYZE")
    finally:
        con.close()
    return time.perf_counter() - t0


def _times(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    out, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out, result


def _summary(ms: list[float]) -> dict[str, float]:
    ms = sorted(ms)
    return {"median_ms": round(statistics.median(ms), 2), "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2)}


def measure(url: str, *, now: datetime, runs: int) -> dict[str, Any]:
    """Time the rollup's fill and 30-day trends from it and from the raw mentions."""
    engine = make_engine(url)
    try:
        factory = make_session_factory(engine)
        with session_scope(factory) as session:
            t0 = time.perf_counter()
            rows = rebuild(session)
            rebuild_s = time.perf_counter() - t0
        with factory() as session:
            mentions = session.scalar(select(func.count()).select_from(Mention))
            assert session.scalar(select(func.sum(MentionHourly.mentions))) == mentions
            trends = partial(queries.trends, session, range_key="30d", now=now)
            trends()  # warm both paths' caches before timing either
            rollup_ms, from_rollup = _times(trends, runs)
            original = queries.per_brand
            queries.per_brand = partial(per_brand, raw=True)
            try:
                trends()
                raw_ms, from_raw = _times(trends, runs)
            finally:
                queries.per_brand = original
        rollup, raw = _summary(rollup_ms), _summary(raw_ms)
        return {
            "mentions": mentions,
            "rollup_rows": rows,
            "rebuild_s": round(rebuild_s, 2),
            "trends_30d_rollup": rollup,
            "trends_30d_raw": raw,
            "speedup_median": round(raw["median_ms"] / rollup["median_ms"], 1),
            "same_answer": from_rollup == from_raw,
        }
    finally:
        engine.dispose()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mentions", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=15)
    p.add_argument("--backends", default="postgresql,sqlite")
    p.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = p.parse_args()
    # mid-hour, so the partial hours at both ends of the span are read from mentions as in use
    now = datetime.now(UTC).replace(minute=37, second=11, microsecond=0)
    report: dict[str, Any] = {"mentions": args.mentions, "runs": args.runs, "range": "30d"}
    for backend in args.backends.split(","):
        if backend == "postgresql":
            name = f"bench_trends_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(args.pg, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            dsn = args.pg.rsplit("/", 1)[0] + f"/{name}"
            url = dsn.replace("postgresql://", "postgresql+psycopg://", 1)
            try:
                upgrade(url)
                _, load_s = load(url, dsn, args.mentions, now)
                report[backend] = {"load_s": round(load_s, 1)} | measure(url, now=now, runs=args.runs)
            finally:
                with psycopg.connect(args.pg, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        elif backend == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "bench.db"
                url = f"sqlite:///{path}"
                upgrade(url)
                load_s = _load_sqlite(url, path, args.mentions, now)
                report[backend] = {"load_s": round(load_s, 1)} | measure(url, now=now, runs=args.runs)
        else:
            raise SystemExit(f"unknown backend {backend!r}")
        print(json.dumps({backend: report[backend]}), file=sys.stderr, flush=True)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
