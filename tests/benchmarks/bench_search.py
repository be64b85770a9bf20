"""Single-client `?q=` latency: full-text search vs the old ILIKE scan, on PostgreSQL and SQLite.

For each backend: a scratch database migrated to 0006, N tweet-length mentions loaded (a Zipf
vocabulary of 5,000 made-up words, some accented, mixed languages; stored in about the order they
were published, one a minute with a few hours' jitter), then migration 0007 (its
backfill is timed), then 20,000 more mentions loaded to price the index upkeep on writes. Each query
is run as the API runs it (one page of 50, newest first, with labels: monitor.mentions.queries)
with the full-text condition and with the ILIKE '%q%' condition it replaced, in the same run;
median and p95 of R runs after 2 warm-ups. Prints one JSON object. Not a timed test.

    .venv/bin/python tests/benchmarks/bench_search.py [--mentions 200000] [--runs 20]
        [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--backends postgresql,sqlite]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import ColumnElement, or_, text, true

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from monitor.db import make_engine, make_session_factory, upgrade  # noqa: E402
from monitor.mentions import search  # noqa: E402
from monitor.mentions.models import Mention  # noqa: E402
from monitor.mentions.queries import list_mentions, mention_rows, read_all  # noqa: E402
from monitor.mentions.schemas import MentionFilters  # noqa: E402

SYLLABLES = "ka lo mi ne ru sa te vo zi po la me ni ko su ta ve ré fü çà".split()
LANGUAGES = ["en", "en", "en", "de", "fr", "es", None]
EXTRA = 20_000  # rows loaded after 0007, to price the index upkeep
START_MINUTES = 2_000_000  # mention 0's age; any N up to ~2M stays in the past
COLUMNS = (
    "source_id, brand_id, external_id, title, text, author, language, published_at, fetched_at, "
    "sentiment, urgency, is_incident, direct, needs_reply, opportunity, reasons, raw"
)


def vocabulary(rng: random.Random, size: int = 5000) -> list[str]:
    words: dict[str, None] = {}
    while len(words) < size:
        words["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))] = None
    return list(words)


def rows(start: int, n: int, now: datetime, parents: tuple[list[int], list[int]]) -> Iterator[tuple]:
    """n mentions: 12–30 Zipf-drawn words; 5% say refund, 1% café, every 10th an order number.

    Mention i is published ~i minutes after mention 0, within a few hours: mentions are stored
    roughly in the order they were published, so the table is too (a random order makes every
    row of a scan by date a random page read).
    """
    rng = random.Random(start)
    vocab = vocabulary(random.Random(11))
    cum = list(itertools.accumulate(1 / (r + 1) for r in range(len(vocab))))
    brands, sources = parents
    for i in range(start, start + n):
        words = rng.choices(vocab, cum_weights=cum, k=rng.randint(12, 30))
        if rng.random() < 0.05:
            words.insert(rng.randrange(len(words)), rng.choice(["refund", "refunds", "refunded"]))
        if rng.random() < 0.01:
            words.append("café")
        if i % 10 == 0:
            words += ["order", str(i)]
        yield (
            rng.choice(sources),
            rng.choice(brands),
            f"m{i}",
            " ".join(rng.choices(vocab, cum_weights=cum, k=5)) if rng.random() < 0.3 else None,
            " ".join(words),
            f"user{rng.randint(1, 5000)}",
            rng.choice(LANGUAGES),
            now - timedelta(minutes=START_MINUTES - i, seconds=rng.randint(-3 * 3600, 0)),
            now,
            round(rng.uniform(-1, 1), 3),
            round(rng.uniform(0, 1), 3),
            False,
            False,
            False,
            False,
            "[]",
            "{}",
        )


def queries(vocab: list[str]) -> dict[str, str]:
    return {
        "common word (~5%)": "refund",
        "prefix": "refu*",
        "two words": f"refund {vocab[3]}",
        "rare word": vocab[2500],
        "phrase, one match": '"order 12340"',
        "accent-folded": "cafe",
        "no match": "zzqxw",
    }


def parents(url: str) -> tuple[list[int], list[int]]:
    """8 brands and 4 sources, in SQL: the ORM models may be ahead of revision 0006."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for n in range(8):
                conn.execute(
                    text("INSERT INTO brands (name, query, handles, created_at) VALUES (:n, :q, '[]', :t)"),
                    {"n": f"brand{n}", "q": f"brand{n}", "t": datetime.now(UTC)},
                )
            for n in range(4):
                conn.execute(
                    text(
                        "INSERT INTO sources (name, kind, config, enabled, interval_seconds, "
                        "min_interval_seconds, max_interval_seconds, current_interval_seconds, next_poll_at, "
                        "last_fetched, last_new, state, consecutive_errors, created_at) "
                        "VALUES (:n, 'rss', '{}', false, 600, 600, 600, 600, :t, 0, 0, 'new', 0, :t)"
                    ),
                    {"n": f"source{n}", "t": datetime.now(UTC)},
                )
            brands = conn.scalars(text("SELECT id FROM brands ORDER BY id")).all()
            sources = conn.scalars(text("SELECT id FROM sources ORDER BY id")).all()
            return list(brands), list(sources)
    finally:
        engine.dispose()


def load(url: str, start: int, n: int, now: datetime, ids: tuple[list[int], list[int]]) -> float:
    """Insert n mentions the fastest way the backend has (COPY / executemany); seconds."""
    t0 = time.perf_counter()
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            marks = ", ".join("?" * len(COLUMNS.split(",")))
            insert = f"INSERT INTO mentions ({COLUMNS}) VALUES ({marks})"
            conn.executemany(insert, map(_sqlite_row, rows(start, n, now, ids)))
    else:
        dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(dsn) as conn, conn.cursor() as cur:
            with cur.copy(f"COPY mentions ({COLUMNS}) FROM STDIN") as copy:
                for row in rows(start, n, now, ids):
                    copy.write_row(row)
            conn.commit()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE mentions")
    return time.perf_counter() - t0


def _sqlite_row(row: tuple) -> tuple:
    """Times as SQLAlchemy keeps them in SQLite: naive UTC text with microseconds."""
    as_text = (t.replace(tzinfo=None).isoformat(" ", timespec="microseconds") for t in row[7:9])
    return (*row[:7], *as_text, *row[9:])


def ilike(q: str) -> ColumnElement[bool]:
    """The condition 0007 replaced (case-insensitive substring on text, title, author)."""
    return or_(*(c.icontains(q, autoescape=True) for c in (Mention.text, Mention.title, Mention.author)))


def page(session, condition) -> list[int]:
    """One API page (50, newest first) under `condition`, as list_mentions builds it."""
    stmt = mention_rows().where(condition).order_by(Mention.published_at.desc(), Mention.id.desc())
    found = session.execute(stmt.limit(51)).all()
    return [m.id for m in read_all(session, found[:50])]


def timed(session, condition, runs: int) -> dict:
    for _ in range(2):
        page(session, condition)
    took = []
    for _ in range(runs):
        t0 = time.perf_counter()
        found = page(session, condition)
        took.append((time.perf_counter() - t0) * 1000)
    took.sort()
    return {
        "p50_ms": round(statistics.median(took), 2),
        "p95_ms": round(took[int(0.95 * (len(took) - 1))], 2),
        "rows": len(found),
    }


def measure(url: str, runs: int) -> dict:
    engine = make_engine(url)
    out = {}
    try:
        with make_session_factory(engine)() as session:
            # the floor: the same page with no search at all
            out["no q (newest 50)"] = {"q": None, "page": timed(session, true(), runs)}
            for name, q in queries(vocabulary(random.Random(11))).items():
                fts = search.condition(session, q)
                api = [m.id for m in list_mentions(session, filters=MentionFilters(q=q, limit=50)).items]
                assert api == page(session, fts), "the bench's page is not the API's"
                fast, slow = timed(session, fts, runs), timed(session, ilike(q), runs)
                speedup = round(slow["p50_ms"] / fast["p50_ms"], 1)
                out[name] = {"q": q, "fts": fast, "ilike": slow, "speedup": speedup}
    finally:
        engine.dispose()
    return out


def run(url: str, n: int, runs: int) -> dict:
    now = datetime.now(UTC)
    upgrade(url, "0006")
    ids = parents(url)
    before = load(url, 0, n, now, ids)
    t0 = time.perf_counter()
    upgrade(url, "0007")
    backfill = time.perf_counter() - t0
    after = load(url, n, EXTRA, now, ids)  # the schema stays at 0007: the queries need nothing later
    return {
        "mentions": n + EXTRA,
        "load_rows_per_s_without_index": round(n / before),
        "load_rows_per_s_with_index": round(EXTRA / after),
        "migration_0007_s": round(backfill, 1),
        "queries": measure(url, runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--backends", default="postgresql,sqlite")
    args = parser.parse_args()
    report: dict = {"mentions": args.mentions, "runs": args.runs}
    backends = args.backends.split(",")
    if "postgresql" in backends:
        name = f"bench_search_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(args.pg, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = args.pg.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"
            report["postgresql"] = run(url, args.mentions, args.runs)
        finally:
            with psycopg.connect(args.pg, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as tmp:
            report["sqlite"] = run(f"sqlite:///{tmp}/bench.db", args.mentions, args.runs)
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
