"""The hourly rollup equals aggregating the mentions themselves, on SQLite and PostgreSQL: after
stores (one by one and concurrent), retention deletes, a rebuild, and the migration's backfill."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import func, insert, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from alembic import command
from connectors.base import Mention as Item
from monitor.brands.models import Brand
from monitor.config import RetentionConfig, parse_config
from monitor.db import alembic_config, make_engine, session_scope, upgrade
from monitor.mentions.models import Mention
from monitor.mentions.rollup import MentionHourly, per_brand, rebuild, tally
from monitor.mentions.store import ScoredMention, store_mentions
from monitor.pipeline import Pipeline
from monitor.retention import prune
from monitor.scoring import Score
from monitor.sources.models import Source
from monitor.sync import sync_config
from monitor.web import queries
from tests.support.pg import temp_database

NOW = datetime(2026, 11, 20, 9, 37, 21, tzinfo=UTC)
CONFIG = {
    "brands": [{"name": n, "query": n.lower()} for n in ("Acme", "Globex", "Initech")],
    "sources": [{"name": f"s{i}", "kind": "rss", "url": f"https://s{i}.example/feed.xml"} for i in range(4)],
}
# a span `now` that falls mid-hour and one on the hour, so both partial-hour edges are exercised
NOWS = (NOW, NOW.replace(minute=0, second=0), NOW - timedelta(days=2, minutes=11))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("pg_url" if request.param == "postgresql" else "sqlite_url")


@pytest.fixture
def ids(session_factory: sessionmaker[Session]) -> tuple[list[int], list[int]]:
    with session_scope(session_factory) as s:
        sync_config(s, parse_config(CONFIG), now=NOW)
    with session_scope(session_factory) as s:
        return list(s.scalars(select(Brand.id).order_by(Brand.id))), list(
            s.scalars(select(Source.id).order_by(Source.id))
        )


def _batch(
    rng: random.Random, brands: list[int], *, polled: datetime, n: int, tag: str
) -> list[ScoredMention]:
    out = []
    for i in range(n):
        # a few in the future: the store keeps them at the poll time (they must land in that hour)
        published = polled - timedelta(seconds=rng.randint(-600, 4 * 3600))
        item = Item(external_id=f"{tag}-{i}", text=f"post {tag} {i}", published_at=published)
        score = Score(
            # 4 places like VADER's compound: means that tie at the 3 places trends() shows
            sentiment=round(rng.uniform(-1, 1), 4),
            urgency=0.1,
            category=None,
            incident=False,
            reasons=(),
            direct=False,
        )
        out.append(ScoredMention(item, rng.choice(brands), score, None, None))
    return out


def _store(
    factory: sessionmaker[Session], source_id: int, scored: list[ScoredMention], polled: datetime
) -> int:
    with session_scope(factory) as s:
        return len(store_mentions(s, source_id=source_id, scored=scored, now=polled).stored)


def _seed(factory: sessionmaker[Session], ids: tuple[list[int], list[int]], *, batches: int = 30) -> int:
    rng = random.Random(12)
    brands, sources = ids
    stored = 0
    for k in range(batches):
        polled = NOW - timedelta(seconds=rng.randint(0, 40 * 86400))
        scored = _batch(rng, brands, polled=polled, n=rng.randint(1, 60), tag=f"b{k}")
        stored += _store(factory, rng.choice(sources), scored, polled)
    return stored


def _same(a: dict, b: dict) -> None:
    assert {k: {x: n for x, (n, _) in v.items()} for k, v in a.items()} == {
        k: {x: n for x, (n, _) in v.items()} for k, v in b.items()
    }
    for brand, per in a.items():
        for bucket, (_, total) in per.items():
            assert total == pytest.approx(b[brand][bucket][1], abs=1e-9)


def _rows(session: Session) -> dict[tuple[int, int], tuple[int, float]]:
    return {
        (r.hour, r.brand_id): (r.mentions, r.sentiment_sum) for r in session.scalars(select(MentionHourly))
    }


def _assert_rollup_is_raw(factory: sessionmaker[Session]) -> None:
    with factory() as s:
        for now in NOWS:
            for size in (3600, 6 * 3600, 86400):
                for span in (timedelta(hours=24), timedelta(days=7), timedelta(days=30), timedelta(days=90)):
                    kw = {"since": now - span, "until": now, "size": size}
                    _same(per_brand(s, **kw), per_brand(s, raw=True, **kw))


def test_rollup_trends_equal_raw_trends(session_factory, ids, monkeypatch) -> None:
    assert _seed(session_factory, ids) > 500
    _assert_rollup_is_raw(session_factory)
    with session_factory() as s:
        assert (
            0
            < s.scalar(select(func.count()).select_from(MentionHourly))
            < s.scalar(select(func.count()).select_from(Mention))
        )
        for key in queries.RANGES:
            for now in NOWS:
                from_rollup = queries.trends(s, range_key=key, now=now)
                with monkeypatch.context() as m:
                    m.setattr(queries, "per_brand", partial(per_brand, raw=True))
                    assert queries.trends(s, range_key=key, now=now) == from_rollup


def test_repolled_items_are_counted_once_and_rebuild_agrees(session_factory, ids) -> None:
    rng = random.Random(3)
    brands, sources = ids
    scored = _batch(rng, brands, polled=NOW, n=80, tag="r")
    assert _store(session_factory, sources[0], scored, NOW) == 80
    assert _store(session_factory, sources[0], scored + scored[:5], NOW + timedelta(minutes=5)) == 0
    assert _store(session_factory, sources[1], scored[:10], NOW) == 10  # another source: new rows
    with session_scope(session_factory) as s:
        kept = _rows(s)
        assert sum(n for n, _ in kept.values()) == 90
        rebuild(s)
    with session_factory() as s:
        rebuilt = _rows(s)
    assert rebuilt.keys() == kept.keys()
    for key, (n, total) in kept.items():
        assert rebuilt[key][0] == n and rebuilt[key][1] == pytest.approx(total, abs=1e-9)


def test_retention_deletes_leave_the_rollup_too(session_factory, ids) -> None:
    _seed(session_factory, ids)
    with session_factory() as s:
        before = s.scalar(select(func.count()).select_from(MentionHourly))
    done = prune(
        session_factory,
        config=RetentionConfig(mentions_days=20, raw_days=None, batch_size=50, max_batches=100),
        now=NOW,
    )
    assert done.mentions > 100
    _assert_rollup_is_raw(session_factory)
    with session_factory() as s:
        # the hours emptied are gone, not kept at zero
        assert s.scalar(select(func.count()).select_from(MentionHourly)) < before
        assert s.scalar(select(func.min(MentionHourly.mentions))) > 0
        old = NOW - timedelta(days=21)
        assert s.scalar(select(func.count()).where(MentionHourly.hour < int(old.timestamp()) // 3600)) == 0


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_concurrent_stores_on_postgres_neither_deadlock_nor_lose_counts(session_factory, ids) -> None:
    """Four workers store batches over the same few hours and brands at once, each in one transaction."""
    brands, sources = ids
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def work(w: int) -> None:
        rng = random.Random(w)
        try:
            start.wait()
            for k in range(12):
                # keys in a different order per worker: only the sorted upsert keeps them from deadlocking
                scored = _batch(rng, brands[:: 1 if w % 2 else -1], polled=NOW, n=40, tag=f"w{w}-{k}")
                _store(session_factory, sources[w], scored, NOW)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with session_factory() as s:
        assert (
            s.scalar(select(func.sum(MentionHourly.mentions)))
            == s.scalar(select(func.count()).select_from(Mention))
            == 4 * 12 * 40
        )
    _assert_rollup_is_raw(session_factory)


def _migrated_backfill(url: str) -> None:
    """Mentions stored before 0008 are in its rollup afterwards, hour for hour (the SQL hour of
    each backend against Python's), and the downgrade drops the table."""
    upgrade(url, "0007")
    rng = random.Random(5)
    stamp = NOW.replace(tzinfo=None).isoformat(sep=" ")
    rows = [
        {
            "source_id": 1,
            "brand_id": rng.choice((1, 2)),
            "external_id": f"m{i}",
            "text": "a post",
            # whole seconds and a few exactly on the hour: both backends must floor the same way
            "published_at": NOW - timedelta(seconds=rng.choice((rng.randint(0, 9 * 86400), 3600 * i))),
            "fetched_at": NOW,
            "sentiment": rng.uniform(-1, 1),
            "urgency": 0.0,
            "is_incident": False,
            "direct": False,
            "reasons": [],
            "raw": {},
        }
        for i in range(400)
    ]
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO brands (id, name, query, handles, created_at) VALUES "
                    "(1, 'Acme', 'acme', '[]', :t), (2, 'Globex', 'globex', '[]', :t)"
                ),
                {"t": stamp},
            )
            conn.execute(
                text(
                    "INSERT INTO sources (id, name, kind, config, enabled, interval_seconds, "
                    "min_interval_seconds, max_interval_seconds, current_interval_seconds, next_poll_at, "
                    "last_fetched, last_new, state, consecutive_errors, created_at) VALUES "
                    "(1, 'forum', 'rss', '{}', true, 300, 300, 300, 300, :t, 0, 0, 'ok', 0, :t)"
                ),
                {"t": stamp},
            )
            conn.execute(insert(Mention.__table__), rows)
        upgrade(url, "0008")
        with Session(engine) as s:
            assert _rows(s).keys() == tally((r["brand_id"], r["published_at"], 0.0) for r in rows).keys()
            expected = tally((r["brand_id"], r["published_at"], r["sentiment"]) for r in rows)
            for key, (n, total) in _rows(s).items():
                assert n == expected[key][0] and total == pytest.approx(expected[key][1], abs=1e-9)
    finally:
        engine.dispose()


def _downgraded(url: str) -> None:
    upgrade(url)
    command.downgrade(alembic_config(url), "0007")
    engine = make_engine(url)
    try:
        assert "mention_hourly" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    upgrade(url)


def test_sqlite_migration_backfills_and_downgrades(tmp_path) -> None:
    _migrated_backfill(f"sqlite:///{tmp_path}/m.db")
    _downgraded(f"sqlite:///{tmp_path}/empty.db")


@pytest.mark.postgres
def test_postgres_migration_backfills_and_downgrades() -> None:
    with temp_database() as url:
        _migrated_backfill(url)
    with temp_database() as url:
        _downgraded(url)


def test_the_pipeline_applies_the_rollup_last_and_exactly(session_factory, ids) -> None:
    """Pipeline.commit applies the batch's hourly counts after grouping (the hot row's lock is
    then held only until commit), and they still equal the mentions it stored."""
    pipeline = Pipeline(parse_config(CONFIG))
    rng = random.Random(5)
    brands, sources = ids
    for k in range(6):
        polled = NOW - timedelta(hours=rng.randint(0, 72))
        items = [
            Item(
                external_id=f"p{k}-{i}",
                text=f"{rng.choice(['acme', 'globex', 'initech'])} order {i} arrived late again",
                published_at=polled - timedelta(minutes=rng.randint(0, 300)),
            )
            for i in range(rng.randint(3, 12))
        ]
        with session_scope(session_factory) as s:
            batch = pipeline.process(s, source_id=rng.choice(sources), items=items, now=polled)
            assert batch.stored
    _assert_rollup_is_raw(session_factory)
