"""Dashboard page timings with 100,000 stored mentions (not a timed test).

Seeds the database directly with SQL (8 brands, 4 sources, 30 days of mentions, a few hundred
incidents, 20 of them active), signs in through the real app and times each page in-process
with a TestClient (server-side time: queries + templates). Prints one JSON object:
{"mentions", "backend", "seed_s", "pages": {path: {"median_ms", "max_ms", "bytes"}}, "csv_all_s"}.

    .venv/bin/python tests/benchmarks/bench_dashboard.py [--mentions 100000] [--runs 5] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from sqlalchemy import insert, select  # noqa: E402

from monitor.app import create_app  # noqa: E402
from monitor.brands.models import Brand  # noqa: E402
from monitor.config import parse_config  # noqa: E402
from monitor.db import make_engine, make_session_factory, session_scope, upgrade  # noqa: E402
from monitor.incidents.models import Incident  # noqa: E402
from monitor.mentions.models import Mention  # noqa: E402
from monitor.mentions.rollup import rebuild  # noqa: E402
from monitor.scoring import CATEGORIES  # noqa: E402
from monitor.sources.models import Source  # noqa: E402
from monitor.sync import sync_config  # noqa: E402
from monitor.web.passwords import hash_password  # noqa: E402

BRANDS = ["Acme", "Lumiere", "Northwind", "Bayside", "Copperleaf", "Orbit", "Zephyr", "Solstice"]
SOURCES = ["reddit", "mastodon", "news", "forum"]
WORDS = "kettle jacket checkout order refund store app delivery price sale support phone shoes gift".split()


def _config():
    return parse_config(
        {
            "brands": [{"name": b, "query": b.lower()} for b in BRANDS],
            "sources": [{"name": s, "kind": "rss", "url": f"https://{s}.example/feed"} for s in SOURCES],
            "users": [{"name": "bench", "password_hash": hash_password("bench", iterations=1000)}],
        }
    )


def seed(url: str, n: int, now: datetime) -> float:
    """Insert n mentions over 30 days plus incidents, with executemany; returns seconds taken."""
    t0 = time.perf_counter()
    engine = make_engine(url)
    factory = make_session_factory(engine)
    config = _config()
    rng = random.Random(11)
    with session_scope(factory) as session:
        sync_config(session, config, now=now - timedelta(days=31))
    with engine.begin() as conn:
        brand_ids = list(conn.execute(select(Brand.id)).scalars())
        source_ids = list(conn.execute(select(Source.id)).scalars())
        incidents = []
        for i in range(300):
            first = now - timedelta(minutes=rng.randint(5, 30 * 24 * 60))
            active = i < 20
            incidents.append(
                {
                    "brand_id": rng.choice(brand_ids),
                    "category": rng.choice(CATEGORIES),
                    "status": ("open" if i < 12 else "acknowledged") if active else "resolved",
                    "severity": rng.randint(1, 4),
                    "mention_count": 0,
                    "reach": 0,
                    "max_urgency": 0.8,
                    "direct_count": 0,
                    "first_seen_at": first,
                    "last_seen_at": first + timedelta(minutes=30),
                    "opened_at": first,
                    "acknowledged_by": "bench" if 12 <= i < 20 else None,
                    "updated_at": first,
                }
            )
        conn.execute(insert(Incident), incidents)
        incident_rows = list(conn.execute(select(Incident.id, Incident.brand_id, Incident.category)).all())
        span = 30 * 24 * 3600
        batch = []
        for i in range(n):
            flagged = rng.random() < 0.08
            inc = rng.choice(incident_rows) if flagged else None
            text = f"{rng.choice(BRANDS)} {rng.choice(WORDS)} {rng.choice(WORDS)} mention number {i}"
            batch.append(
                {
                    "source_id": rng.choice(source_ids),
                    "brand_id": inc.brand_id if inc else rng.choice(brand_ids),
                    "external_id": f"m{i}",
                    "text": text,
                    "url": f"https://example.com/p/{i}",
                    "author": f"user{rng.randint(1, 5000)}",
                    "author_reach": rng.randint(0, 50_000),
                    "published_at": now - timedelta(seconds=rng.randint(0, span)),
                    "fetched_at": now,
                    "sentiment": round(rng.uniform(-1, 1), 3),
                    "urgency": round(rng.uniform(0.5, 1) if flagged else rng.uniform(0, 0.3), 3),
                    "category": inc.category if inc else None,
                    "is_incident": flagged,
                    "direct": False,
                    "reasons": [{"cue": "bench.cue", "weight": 0.5, "evidence": "mention"}]
                    if flagged
                    else [],
                    "incident_id": inc.id if inc else None,
                    "raw": {},
                }
            )
            if len(batch) == 5000:
                conn.execute(insert(Mention), batch)
                batch = []
        if batch:
            conn.execute(insert(Mention), batch)
    with session_scope(make_session_factory(engine)) as session:
        rebuild(session)  # rows inserted past the store: fill the hourly rollup the trends read
    engine.dispose()
    return time.perf_counter() - t0


def bench(url: str, n: int, runs: int) -> dict:
    now = datetime.now(UTC)
    seed_s = seed(url, n, now)
    engine = make_engine(url)
    app = create_app(_config(), engine=engine)
    results: dict[str, dict] = {}
    with TestClient(app, base_url="http://127.0.0.1") as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
        client.post("/login", data={"csrf": token, "name": "bench", "password": "bench"})
        with make_session_factory(engine)() as session:
            active_id = session.scalar(select(Incident.id).where(Incident.status == "open").limit(1))
            busiest = session.scalar(select(Incident.id).where(Incident.status == "resolved").limit(1))
        second_page = re.search(r'href="(/mentions\?cursor=[^"]+)"', client.get("/mentions").text).group(1)
        paths = [
            "/",
            f"/incidents/{active_id}",
            f"/incidents/{busiest}",
            "/mentions",
            second_page.replace("&amp;", "&"),
            "/mentions?q=kettle",
            "/mentions?q=no-such-words-anywhere",
            "/mentions?brand=Orbit",
            "/mentions?brand=Orbit&incident=1&max_sentiment=-0.3",
            "/mentions?source=news&min_sentiment=0.5&range=7d",
            "/mentions?category=safety",
            "/trends?range=30d",
            "/trends.json?range=24h",
            "/trends.json?range=7d",
            "/trends.json?range=30d",
            "/sources",
        ]
        for path in paths:
            times = []
            size = 0
            for _ in range(runs):
                t0 = time.perf_counter()
                r = client.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, (path, r.status_code)
                size = len(r.content)
            results[path] = {
                "median_ms": round(statistics.median(times), 1),
                "max_ms": round(max(times), 1),
                "bytes": size,
            }
        from monitor.web.queries import change_stamp

        with make_session_factory(engine)() as session:
            t0 = time.perf_counter()
            for _ in range(20):
                change_stamp(session)
            stamp_ms = (time.perf_counter() - t0) / 20 * 1000
        t0 = time.perf_counter()
        rows = client.get("/mentions.csv").text.count("\n") - 1
        csv_s = time.perf_counter() - t0
    engine.dispose()
    return {
        "mentions": n,
        "backend": engine.dialect.name,
        "seed_s": round(seed_s, 1),
        "runs": runs,
        "pages": results,
        "slowest_page_ms": max(v["max_ms"] for v in results.values()),
        "sse_change_check_ms": round(stamp_ms, 2),
        "csv_all_rows": rows,
        "csv_all_s": round(csv_s, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", help="an empty database (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        print(json.dumps(bench(url, args.mentions, args.runs), indent=2))


if __name__ == "__main__":
    main()
