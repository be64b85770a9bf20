"""[retention]: raw payloads dropped after raw_days, old mentions deleted after mentions_days, in batches."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from monitor.config import ConfigError, RetentionConfig, parse_config
from monitor.db import utcnow
from monitor.mentions.models import Mention, MentionLabel
from monitor.retention import Pruned, Retention, prune
from monitor.worker import Worker
from tests.api.conftest import NOW

OLD = NOW - timedelta(days=100)
RECENT = NOW - timedelta(days=2)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    """Overrides the shared fixture: the same test on both backends."""
    return request.getfixturevalue("pg_url") if request.param == "postgres" else sqlite_url


def _mention(seed, brand, source, when, **kw: Any) -> Mention:
    return seed.mention(brand, source, published_at=when, fetched_at=when, raw={"html": "x" * 50}, **kw)


def _world(seed) -> dict[str, int]:
    brand, source = seed.brand(), seed.source()
    resolved = seed.incident(brand, status="resolved")
    active = seed.incident(brand, status="open")
    rows = {
        "old": _mention(seed, brand, source, OLD),
        "old_resolved": _mention(seed, brand, source, OLD, incident_id=resolved.id),
        "old_open_incident": _mention(seed, brand, source, OLD, incident_id=active.id),
        "old_reply_waiting": _mention(seed, brand, source, OLD, needs_reply=True, reply_status="open"),
        "old_replied": _mention(seed, brand, source, OLD, reply_status="replied"),
        "old_labelled": _mention(seed, brand, source, OLD),
        # published long ago but stored just now (a backfill): not deleted yet
        "old_fetched_now": seed.mention(brand, source, published_at=OLD, fetched_at=RECENT, raw={"a": 1}),
        "recent": _mention(seed, brand, source, RECENT),
    }
    seed.session.add(MentionLabel(mention_id=rows["old_labelled"].id, incident=True, labeled_by="ana"))
    seed.session.commit()
    return {name: m.id for name, m in rows.items()}


def _kept(session) -> dict[int, dict]:
    session.expire_all()
    return dict(session.execute(select(Mention.id, Mention.raw)).all())


def test_raw_payloads_go_first_then_old_mentions_nobody_needs(seed, session, session_factory) -> None:
    ids = _world(seed)

    done = prune(session_factory, config=RetentionConfig(raw_days=30), now=NOW)
    kept = _kept(session)
    assert done == Pruned(mentions=0, raw=6)
    assert len(kept) == 8  # mentions_days is off by default: nothing deleted
    assert kept[ids["recent"]] == {"html": "x" * 50} and kept[ids["old_fetched_now"]] == {"a": 1}
    assert all(kept[i] == {} for n, i in ids.items() if n not in ("recent", "old_fetched_now"))

    done = prune(session_factory, config=RetentionConfig(raw_days=30, mentions_days=60), now=NOW)
    kept = _kept(session)
    assert done == Pruned(mentions=3, raw=0)
    assert set(kept) == {
        ids[n]
        for n in ("old_open_incident", "old_reply_waiting", "old_labelled", "old_fetched_now", "recent")
    }


def test_each_batch_takes_the_lock_on_its_own_and_a_run_stops_at_its_cap(
    seed, session, session_factory
) -> None:
    brand, source = seed.brand(), seed.source()
    for _ in range(7):
        _mention(seed, brand, source, OLD)
    seed.session.commit()
    lock, taken = threading.Lock(), []

    @contextmanager
    def writing():
        with lock:
            taken.append(1)
            yield

    config = RetentionConfig(raw_days=None, mentions_days=30, batch_size=2, max_batches=3)
    assert prune(session_factory, config=config, now=NOW, lock=writing) == Pruned(mentions=6)
    assert len(taken) == 3 and not lock.locked()
    assert prune(session_factory, config=config, now=NOW, lock=writing) == Pruned(mentions=1)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Mention)) == 0


def test_the_worker_side_runs_at_most_every_interval_unless_a_backlog_is_left(seed, session_factory) -> None:
    brand, source = seed.brand(), seed.source()
    for _ in range(5):
        _mention(seed, brand, source, OLD)
    seed.session.commit()
    retention = Retention(RetentionConfig(raw_days=None, mentions_days=30, batch_size=2, max_batches=1))
    assert retention.run(session_factory, now=NOW).mentions == 2  # hit the cap: due again at once
    assert retention.run(session_factory, now=NOW).mentions == 2
    assert retention.run(session_factory, now=NOW).mentions == 1  # caught up
    _mention(seed, brand, source, OLD)
    seed.session.commit()
    assert retention.run(session_factory, now=NOW) == Pruned()  # not due for an hour
    off = Retention(RetentionConfig(raw_days=None))
    assert not off.config.enabled and off.run(session_factory, now=NOW) == Pruned()


def test_bad_retention_settings_are_refused_by_name() -> None:
    with pytest.raises(ConfigError, match="retention.mentions_days"):
        parse_config({"retention": {"mentions_days": 0}})
    with pytest.raises(ConfigError, match="retention.raw_day"):
        parse_config({"retention": {"raw_day": 3}})
    assert parse_config({}).retention == RetentionConfig(mentions_days=None, raw_days=30)


async def test_the_worker_maintenance_job_applies_retention(seed, session, session_factory) -> None:
    brand, source = seed.brand(), seed.source()
    now = utcnow()  # the worker prunes against the clock
    old = _mention(seed, brand, source, now - timedelta(days=40))
    recent = _mention(seed, brand, source, now - timedelta(days=2))
    seed.session.commit()
    old_id, recent_id = old.id, recent.id
    worker = Worker(parse_config({"retention": {"mentions_days": 30}}), session_factory)
    try:
        await worker.maintain()
    finally:
        await worker.stop()
    kept = _kept(session)
    assert old_id not in kept and recent_id in kept
