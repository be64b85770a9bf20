"""Pipeline throughput against VADER alone, in one run on the same texts (not a timed test).

Measures the path the worker runs per batch: normalized items -> match -> score -> store
(SQLite, idempotent insert) -> group into incidents, committed per batch of 100.
Prints one JSON line: {"mentions", "pipeline_per_s", "vader_only_per_s", "ratio"}.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from connectors.base import Mention as Item  # noqa: E402
from monitor.config import parse_config  # noqa: E402
from monitor.db import make_engine, make_session_factory, session_scope, upgrade  # noqa: E402
from monitor.pipeline import Pipeline  # noqa: E402
from monitor.sync import sync_config  # noqa: E402

BRANDS = ["Acme", "Lumiere", "Northwind", "Bayside", "Copperleaf", "Orbit", "Zephyr", "Solstice"]
TEMPLATES = [
    "{b} has everything in the cart at $0.00 at checkout, is this real??",
    "Ordered two dresses from {b} and received two t-shirts instead",
    "Love my new {b} jacket, the fit is perfect and shipping was quick",
    "{b} app keeps crashing when I try to log in, third time today",
    "Anyone know when the {b} sale starts? thinking about getting the blue one",
    "@{b} I was charged twice for the same order and nobody answers the phone",
    "{b} customer service fixed my problem in five minutes, amazing people",
    "The {b} kettle handle melted and burned my hand this morning",
    "Just saw the new {b} ad on TV, pretty funny honestly",
    "Still waiting for my {b} refund after three weeks. Ridiculous.",
]


def make_texts(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(TEMPLATES).format(b=rng.choice(BRANDS)) + f" #{i}" for i in range(n)]


def bench(n: int, batch: int) -> dict:
    texts = make_texts(n)
    analyzer = SentimentIntensityAnalyzer()
    t = time.perf_counter()
    for text in texts:
        analyzer.polarity_scores(text)
    vader_s = time.perf_counter() - t

    config = parse_config(
        {
            "brands": [{"name": b, "query": b.lower()} for b in BRANDS],
            "sources": [{"name": "bench", "kind": "rss", "url": "https://example.org/feed.xml"}],
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        base = datetime.now(UTC) - timedelta(hours=2)
        with session_scope(factory) as session:
            sync_config(session, config, now=base)
        pipeline = Pipeline(config)
        items = [
            Item(external_id=f"id-{i}", text=text, url=f"https://example.org/p/{i}",
                 published_at=base + timedelta(seconds=i))
            for i, text in enumerate(texts)
        ]
        stored = 0
        t = time.perf_counter()
        for start in range(0, n, batch):
            chunk = items[start : start + batch]
            with session_scope(factory) as session:
                result = pipeline.process(session, source_id=1, items=chunk, now=chunk[-1].published_at)
                stored += len(result.stored)
        pipe_s = time.perf_counter() - t
        engine.dispose()
    assert stored == n, (stored, n)
    return {
        "mentions": n,
        "pipeline_per_s": round(n / pipe_s, 1),
        "vader_only_per_s": round(n / vader_s, 1),
        "ratio": round(vader_s / pipe_s, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mentions", type=int, default=5000)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--json", action="store_true", help="print one JSON line (the default output)")
    args = ap.parse_args()
    print(json.dumps(bench(args.mentions, args.batch)))


if __name__ == "__main__":
    main()
