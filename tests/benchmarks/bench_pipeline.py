"""Pipeline throughput against VADER alone, in one run on the same texts (not a timed test).

Measures the path the worker runs per batch: normalized items -> match -> score (VADER, the cue
engine, the language, the sentence encoder and the detector's heads) -> store (idempotent insert)
-> group into incidents, committed per batch of 100, on SQLite or (--db postgres) PostgreSQL.
Prints one JSON line: {"mentions", "pipeline_per_s", "vader_only_per_s", "ratio", "corpus", "db"}.
`--store` times the store stage alone instead (pre-scored batches) in three variants taking turns
batch by batch: as it is, without the hourly rollup's upsert, and with the multi-row VALUES insert
the store used before its PostgreSQL array insert (on SQLite that is the same insert): median
wall-clock and client CPU ms per batch of each, "rollup_cost" and "vs_values_insert" (ratios).

Corpora: `recorded` (default) is every item of the recorded API payloads in tests/fixtures,
fetched and normalized by its own connector (Reddit, Hacker News, Mastodon, Bluesky, Discourse,
Stack Exchange, Lemmy, YouTube, X, RSS, Google Alerts/News): what the worker really stores, from
one-line posts to long Reddit self-texts. `short` is synthetic tweet-length texts (about 12
words), the hardest case for the ratio, since VADER is cheapest there and the per-row costs
of storing are not.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from connectors.base import Mention as Item  # noqa: E402
from monitor.config import parse_config  # noqa: E402
from monitor.db import make_engine, make_session_factory, session_scope, upgrade  # noqa: E402
from monitor.mentions import store as store_module  # noqa: E402
from monitor.pipeline import Pipeline  # noqa: E402
from monitor.sync import sync_config  # noqa: E402
from tests.support.pg import temp_database  # noqa: E402

BRANDS = ["Acme", "Lumiere", "Northwind", "Bayside", "Copperleaf", "Orbit", "Zephyr", "Solstice"]
# About one mention in five reports a problem, as in a brand's stream on a bad day.
PROBLEMS = [
    "{b} has everything in the cart at $0.00 at checkout, is this real??",
    "Ordered two dresses from {b} and received two t-shirts instead",
    "{b} app keeps crashing when I try to log in, third time today",
    "@{b} I was charged twice for the same order and nobody answers the phone",
    "The {b} kettle handle melted and burned my hand this morning",
    "Still waiting for my {b} refund after three weeks. Ridiculous.",
]
CHATTER = [
    "Love my new {b} jacket, the fit is perfect and shipping was quick",
    "Anyone know when the {b} sale starts? thinking about getting the blue one",
    "{b} customer service fixed my problem in five minutes, amazing people",
    "Just saw the new {b} ad on TV, pretty funny honestly",
    "Picked up a gift card from {b} for my sister's birthday",
    "Is the {b} store downtown open late on Sundays?",
    "{b} has the best window displays this season",
    "Finally tried the {b} winter collection, pretty cozy",
]


def recorded_texts() -> list[str]:
    """Every recorded item's text, as its connector normalizes it."""
    import asyncio

    from connectors.base import PollState
    from tests.connectors import test_connector_contract as contract

    async def one(slug: str) -> list[str]:
        connector = contract.connector_for(slug)
        config = contract.validate_config(slug, contract.CASES[slug].config)
        async with contract.Api(contract.CASES[slug]).client() as client:
            result = await connector.fetch(client, config, PollState())
        mentions = [connector.normalize(raw, config) for raw in result.items]
        return [m.text for m in mentions if m is not None and m.text.strip()]

    async def every() -> list[str]:
        return [t for slug in contract.HTTP_SLUGS for t in await one(slug)]

    return asyncio.run(every())


def make_texts(n: int, corpus: str, seed: int = 7) -> list[str]:
    """n texts, each naming one of the brands, so every item is matched and stored."""
    rng = random.Random(seed)
    if corpus == "recorded":
        base = recorded_texts()
        return [f"{rng.choice(BRANDS)}: {base[i % len(base)]} #{i}" for i in range(n)]
    return short_texts(n, seed)


def short_texts(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [
        rng.choice(PROBLEMS if rng.random() < 0.2 else CHATTER).format(b=rng.choice(BRANDS)) + f" #{i}"
        for i in range(n)
    ]


CONFIG = {
    "brands": [{"name": b, "query": b.lower(), "handles": [f"@{b}"]} for b in BRANDS],
    "sources": [{"name": "bench", "kind": "rss", "url": "https://example.org/feed.xml"}],
}


def vader_seconds(texts: list[str]) -> float:
    """VADER alone over the texts."""
    analyzer = SentimentIntensityAnalyzer()
    t = time.perf_counter()
    for text in texts:
        analyzer.polarity_scores(text)
    return time.perf_counter() - t


@contextmanager
def fresh_database(db: str) -> Iterator[str]:
    """A migrated, empty database: a SQLite file, or a throwaway PostgreSQL database."""
    if db == "postgres":
        with temp_database() as url:
            upgrade(url)
            yield url
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        yield url


@contextmanager
def _seeded(texts: list[str], db: str) -> Iterator[tuple[Any, Pipeline, list[Item]]]:
    """A fresh database with the brands and source, the pipeline, and one item per text."""
    config = parse_config(CONFIG)
    with fresh_database(db) as url:
        engine = make_engine(url)
        factory = make_session_factory(engine)
        base = datetime.now(UTC) - timedelta(hours=2)
        with session_scope(factory) as session:
            sync_config(session, config, now=base)
        items = [
            Item(
                external_id=f"id-{i}",
                text=text,
                url=f"https://example.org/p/{i}",
                published_at=base + timedelta(seconds=i),
            )
            for i, text in enumerate(texts)
        ]
        try:
            # the pipeline compiled once per configuration, as the worker does
            yield factory, Pipeline(config), items
        finally:
            engine.dispose()


def pipeline_seconds(texts: list[str], batch: int, db: str = "sqlite") -> float:
    """The worker's path over the texts, on a fresh database, committed per batch."""
    with _seeded(texts, db) as (factory, pipeline, items):
        stored = 0
        t = time.perf_counter()
        for start in range(0, len(items), batch):
            chunk = items[start : start + batch]
            with session_scope(factory) as session:
                result = pipeline.process(session, source_id=1, items=chunk, now=chunk[-1].published_at)
                stored += len(result.stored)
        seconds = time.perf_counter() - t
    assert stored >= len(texts), (stored, len(texts))  # a text may name two brands: one row each
    return seconds


def _values_insert(session, rows):  # the store's insert before the PostgreSQL array insert
    return session.execute(store_module._insert(session), rows)


# What each store variant replaces: the rollup's upsert by nothing, the insert by the old one.
STORE_VARIANTS = {
    "store": {},
    "without_rollup": {(store_module.rollup, "apply"): lambda session, changes: None},
    "values_insert": {(store_module, "_insert_rows"): _values_insert},
}


def bench_store(n: int, batch: int, corpus: str = "recorded", repeat: int = 3, db: str = "sqlite") -> dict:
    """The store stage alone (store_mentions and its commit) over n pre-scored mentions, the
    variants taking turns batch by batch in one database, so a busy neighbour slows each alike:
    per variant the median wall-clock and client CPU milliseconds per batch (`repeat` is unused)."""
    with _seeded(make_texts(n, corpus), db) as (factory, pipeline, items):
        with factory() as session:  # nothing is stored yet, so every planned item is new
            planned = [
                (chunk[-1].published_at, pipeline.plan(session, source_id=1, items=chunk).scored)
                for chunk in (items[i : i + batch] for i in range(0, len(items), batch))
            ]
        wall: dict[str, list[float]] = {v: [] for v in STORE_VARIANTS}
        cpu: dict[str, list[float]] = {v: [] for v in STORE_VARIANTS}
        for k, (now, scored) in enumerate(planned):
            variant = list(STORE_VARIANTS)[k % len(STORE_VARIANTS)]
            swaps = STORE_VARIANTS[variant]
            saved = {(obj, name): getattr(obj, name) for obj, name in swaps}
            for (obj, name), fn in swaps.items():
                setattr(obj, name, fn)
            try:
                t, c = time.perf_counter(), time.process_time()
                with session_scope(factory) as session:
                    store_module.store_mentions(session, source_id=1, scored=scored, now=now)
                if k >= len(STORE_VARIANTS):  # the first round warms caches and prepares statements
                    wall[variant].append(1000 * (time.perf_counter() - t))
                    cpu[variant].append(1000 * (time.process_time() - c))
            finally:
                for (obj, name), fn in saved.items():
                    setattr(obj, name, fn)
    med = {v: statistics.median(ms) for v, ms in wall.items()}
    return (
        {"mentions": n, "batch": batch, "batches_each": len(wall["store"])}
        | {f"{v}_ms_per_batch": round(ms, 2) for v, ms in med.items()}
        | {f"{v}_client_cpu_ms_per_batch": round(statistics.median(ms), 2) for v, ms in cpu.items()}
        | {
            "rollup_cost": round(med["store"] / med["without_rollup"] - 1, 3),
            "vs_values_insert": round(med["values_insert"] / med["store"], 2),
            "corpus": corpus,
            "db": db,
        }
    )


def bench(n: int, batch: int, corpus: str = "recorded", repeat: int = 3, db: str = "sqlite") -> dict:
    texts = make_texts(n, corpus)
    # Interleaved, best of each: a busy neighbour on a 2-core machine slows both sides alike.
    vader_s = pipe_s = float("inf")
    for _ in range(repeat):
        vader_s = min(vader_s, vader_seconds(texts))
        pipe_s = min(pipe_s, pipeline_seconds(texts, batch, db))
    return {
        "mentions": n,
        "pipeline_per_s": round(n / pipe_s, 1),
        "vader_only_per_s": round(n / vader_s, 1),
        "ratio": round(vader_s / pipe_s, 3),
        "corpus": corpus,
        "db": db,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mentions", type=int, default=5000)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--corpus", choices=["recorded", "short"], default="recorded")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each side; the best of each is kept")
    ap.add_argument(
        "--db", choices=["sqlite", "postgres"], default="sqlite", help="postgres: MONITOR_TEST_PG_URL"
    )
    ap.add_argument("--json", action="store_true", help="print one JSON line (the default output)")
    ap.add_argument("--store", action="store_true", help="the store stage alone, in three variants")
    args = ap.parse_args()
    run = bench_store if args.store else bench
    print(json.dumps(run(args.mentions, args.batch, args.corpus, args.repeat, args.db)))


if __name__ == "__main__":
    main()
