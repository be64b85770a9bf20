"""API throughput and latency under 50 clients on PostgreSQL, beside /healthz (not a timed test).

Creates a scratch PostgreSQL database, migrates it, loads N mentions with COPY (8 brands, 4 sources,
30 days, 300 incidents, one of them with ~1.3% of all mentions), then starts the real server
(`monitor api --workers W` on a loopback port) and hammers each endpoint in turn with C concurrent
keep-alive clients for D seconds: /healthz, the list, a brand filter, a text search, a cursor
half-way down the table, one big incident and the 30-day trends. Then search and trends are
hammered again while one client times /healthz. Prints one JSON object: per endpoint p50/p95/p99
(ms), req/s, non-2xx count and throughput as a ratio of /healthz's.

The load generator runs on the same 2 cores as the server, so absolute req/s are low; the ratios
against /healthz in the same run are what to compare.

    .venv/bin/python tests/benchmarks/bench_api.py [--mentions 200000] [--clients 50] [--seconds 10]
        [--workers 2] [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from monitor.brands.models import Brand  # noqa: E402
from monitor.db import make_engine, make_session_factory, session_scope, upgrade  # noqa: E402
from monitor.incidents.models import Incident  # noqa: E402
from monitor.mentions.rollup import rebuild  # noqa: E402
from monitor.schemas import encode_cursor  # noqa: E402
from monitor.scoring import CATEGORIES  # noqa: E402
from monitor.sources.models import Source  # noqa: E402

BRANDS = ["Acme", "Lumiere", "Northwind", "Bayside", "Copperleaf", "Orbit", "Zephyr", "Solstice"]
SOURCES = ["reddit", "mastodon", "news", "forum"]
WORDS = "kettle jacket checkout order refund store app delivery price sale support phone shoes gift".split()
MONITOR = Path(sys.executable).parent / "monitor"
COLUMNS = (
    "source_id, brand_id, external_id, text, url, author, author_reach, published_at, fetched_at, "
    "sentiment, urgency, category, is_incident, direct, needs_reply, opportunity, reasons, "
    "incident_id, raw"
)


def _parents(url: str, now: datetime, rng: random.Random) -> tuple[list[int], list[int], list[tuple]]:
    """Brands, sources and 300 incidents through the ORM (its defaults fill every column)."""
    engine = make_engine(url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            brands = [Brand(name=b, query=b.lower(), handles=[]) for b in BRANDS]
            sources = [Source(name=s, kind="rss", config={}) for s in SOURCES]
            session.add_all(brands + sources)
            session.flush()
            incidents = []
            for i in range(300):
                first = now - timedelta(minutes=rng.randint(5, 30 * 24 * 60))
                incidents.append(
                    Incident(
                        brand_id=rng.choice(brands).id,
                        category=rng.choice(CATEGORIES),
                        status="open" if i < 20 else "resolved",
                        severity=rng.randint(1, 4),
                        first_seen_at=first,
                        last_seen_at=first + timedelta(minutes=30),
                        opened_at=first,
                        updated_at=first,
                    )
                )
            session.add_all(incidents)
            session.flush()
            return (
                [b.id for b in brands],
                [s.id for s in sources],
                [(i.id, i.brand_id, i.category) for i in incidents],
            )
    finally:
        engine.dispose()


def load(url: str, dsn: str, n: int, now: datetime) -> tuple[int, float]:
    """Brands, sources, incidents and n mentions (COPY); returns (the big incident's id, seconds)."""
    t0 = time.perf_counter()
    rng = random.Random(7)
    brand_ids, source_ids, incidents = _parents(url, now, rng)
    with psycopg.connect(dsn, autocommit=False) as conn, conn.cursor() as cur:
        big = incidents[0]
        span = 30 * 24 * 3600
        with cur.copy(f"COPY mentions ({COLUMNS}) FROM STDIN") as copy:
            for i in range(n):
                flagged = rng.random() < 0.08
                inc = (big if rng.random() < 0.17 else rng.choice(incidents)) if flagged else None
                copy.write_row(
                    (
                        rng.choice(source_ids),
                        inc[1] if inc else rng.choice(brand_ids),
                        f"m{i}",
                        f"{rng.choice(BRANDS)} {rng.choice(WORDS)} {rng.choice(WORDS)} mention number {i}",
                        f"https://example.com/p/{i}",
                        f"user{rng.randint(1, 5000)}",
                        rng.randint(0, 50_000),
                        now - timedelta(seconds=rng.randint(0, span)),
                        now,
                        round(rng.uniform(-1, 1), 3),
                        round(rng.uniform(0.5, 1) if flagged else rng.uniform(0, 0.3), 3),
                        inc[2] if inc else None,
                        flagged,
                        False,
                        False,
                        False,
                        '[{"cue": "bench.cue", "weight": 0.5}]' if flagged else "[]",
                        inc[0] if inc else None,
                        # a payload like a connector's: the API must not pay for it
                        json.dumps({"id": f"m{i}", "html": "<p>" + "lorem ipsum " * 60 + "</p>"}),
                    )
                )
        conn.commit()
    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as session:
        rebuild(session)  # COPY bypasses the store: fill the hourly rollup the trends read
    engine.dispose()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return big[0], time.perf_counter() - t0


def deep_cursors(dsn: str, n: int) -> list[str]:
    """Cursors for pages that start between 40% and 60% down the table, newest first."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT published_at, id FROM mentions ORDER BY published_at DESC, id DESC OFFSET %s LIMIT 1000",
            (int(n * 0.4),),
        ).fetchall()
        rows += conn.execute(
            "SELECT published_at, id FROM mentions ORDER BY published_at DESC, id DESC OFFSET %s LIMIT 1000",
            (int(n * 0.6),),
        ).fetchall()
    return [encode_cursor(p, i) for p, i in rows[::20]]


async def hammer(base: str, paths: list[str], clients: int, seconds: float) -> dict:
    """`clients` keep-alive clients requesting `paths` round-robin for `seconds`."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    deadline = time.perf_counter() + seconds
    # idle connections dropped before uvicorn's 5 s keep-alive timeout closes them under a request
    # (that race showed as a few ReadErrors that were the client's, not the server's)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=4)

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def one(k: int) -> None:
            i = k
            while time.perf_counter() < deadline:
                t = time.perf_counter()
                try:
                    resp = await client.get(paths[i % len(paths)])
                    status = resp.status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                latencies.append(time.perf_counter() - t)
                if status != 200:
                    errors[str(status)] = errors.get(str(status), 0) + 1
                i += clients

        t0 = time.perf_counter()
        await asyncio.gather(*(one(k) for k in range(clients)))
        elapsed = time.perf_counter() - t0
    return _summary(latencies, elapsed) | {"errors": errors}


async def probe(base: str, path: str, stop: asyncio.Event) -> list[float]:
    """One client timing `path` back to back until `stop` is set."""
    out: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        while not stop.is_set():
            t = time.perf_counter()
            await client.get(path)
            out.append(time.perf_counter() - t)
            await asyncio.sleep(0.02)
    return out


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)


def _summary(latencies: list[float], elapsed: float) -> dict:
    return {
        "requests": len(latencies),
        "req_s": round(len(latencies) / elapsed, 1),
        "p50_ms": _pct(latencies, 0.50),
        "p95_ms": _pct(latencies, 0.95),
        "p99_ms": _pct(latencies, 0.99),
    }


async def single(base: str, path: str, runs: int = 20) -> float:
    """Median single-client latency in ms (after one warm-up request)."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await client.get(path)
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            await client.get(path)
            times.append(time.perf_counter() - t)
    return round(statistics.median(times) * 1000, 1)


async def measure(base: str, endpoints: dict[str, list[str]], clients: int, seconds: float) -> dict:
    out: dict = {"single_client_ms": {}, "load": {}}
    for name, paths in endpoints.items():
        out["single_client_ms"][name] = await single(base, paths[0])
    for name, paths in endpoints.items():
        out["load"][name] = await hammer(base, paths, clients, seconds)
    base_rate = out["load"]["healthz"]["req_s"]
    for row in out["load"].values():
        row["ratio_to_healthz"] = round(row["req_s"] / base_rate, 2) if base_rate else None
    # /healthz timed by one client while search and trends take every other client
    for heavy in ("search", "trends_30d"):
        stop = asyncio.Event()
        prober = asyncio.create_task(probe(base, "/healthz", stop))
        await hammer(base, endpoints[heavy], clients, seconds)
        stop.set()
        times = await prober
        out[f"healthz_while_{heavy}"] = {"p50_ms": _pct(times, 0.5), "p99_ms": _pct(times, 0.99)}
    idle = await hammer(base, ["/healthz"], 1, min(seconds, 5))
    out["healthz_idle_single_client"] = {"p50_ms": idle["p50_ms"], "p99_ms": idle["p99_ms"]}
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=200_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0, help="per endpoint under load")
    parser.add_argument("--workers", type=int, default=2, help="`monitor api --workers`")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--api-log", type=Path, help="keep the server's log in this file")
    args = parser.parse_args()

    name = f"bench_api_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(args.pg, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    dsn = args.pg.rsplit("/", 1)[0] + f"/{name}"
    url = dsn.replace("postgresql://", "postgresql+psycopg://", 1)
    proc = None
    try:
        upgrade(url)
        now = datetime.now(UTC)
        big, load_s = load(url, dsn, args.mentions, now)
        cursors = deep_cursors(dsn, args.mentions)
        port = _free_port()
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "monitor.toml"
            config.write_text(f'[database]\nurl = "{url}"\n')
            log = open(args.api_log or Path(tmp) / "api.log", "wb")  # noqa: SIM115
            env = {
                k: v for k, v in os.environ.items() if not k.startswith("MONITOR_") and k != "DATABASE_URL"
            }
            proc = subprocess.Popen(
                [str(MONITOR), "api", "-c", str(config), "--port", str(port), "--workers", str(args.workers)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            time.sleep(2)  # every worker process up
            endpoints = {
                "healthz": ["/healthz"],
                "list": ["/api/mentions"],
                "filter": [f"/api/mentions?brand={b}" for b in BRANDS],
                "search": [f"/api/mentions?q={w}" for w in ("refund", "kettle", "delivery", "gift")],
                "cursor_deep": [f"/api/mentions?cursor={c}" for c in cursors],
                "incident": [f"/api/incidents/{big}"],
                "trends_30d": ["/trends.json?range=30d"],
            }
            results = asyncio.run(measure(base, endpoints, args.clients, args.seconds))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(30)
        if not args.keep:
            with psycopg.connect(args.pg, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    report = {
        "mentions": args.mentions,
        "backend": "postgresql",
        "api_workers": args.workers,
        "clients": args.clients,
        "seconds_per_endpoint": args.seconds,
        "load_s": round(load_s, 1),
        "big_incident_id": big,
    } | results
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
