"""Two workers grouping the same brand at once on PostgreSQL open one incident, not twins."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from monitor.brands.models import Brand
from monitor.config import parse_config
from monitor.db import make_engine, make_session_factory
from monitor.incidents.models import Incident
from monitor.incidents.service import ingest
from monitor.mentions.models import Mention
from monitor.sources.models import Source
from tests.incidents.conftest import T0

pytestmark = pytest.mark.postgres
CONFIG = parse_config({})


def _mention(session, brand_id: int, source_id: int, n: int) -> Mention:
    row = Mention(
        source_id=source_id,
        brand_id=brand_id,
        external_id=f"w{n}",
        text=f"kessler $0.00 glitch {n}",
        published_at=T0 + timedelta(minutes=n),
        fetched_at=T0,
        sentiment=0.0,
        urgency=0.8,
        category="pricing_error",
        is_incident=True,
        direct=False,
        reasons=[],
        raw={},
    )
    session.add(row)
    session.flush()
    return row


def test_concurrent_batches_for_one_brand_share_the_incident(pg_url: str) -> None:
    engine = make_engine(pg_url)
    factory = make_session_factory(engine)
    with factory() as s:
        brand = Brand(name="Kessler", query="kessler", handles=[], created_at=T0 - timedelta(days=30))
        source = Source(name="social", kind="rss", next_poll_at=T0, created_at=T0)
        s.add_all([brand, source])
        s.commit()
        brand_id, source_id = brand.id, source.id

    first = factory()
    ingest(first, [_mention(first, brand_id, source_id, 1)], config=CONFIG, now=T0)  # holds the brand lock

    def second_worker() -> None:
        with factory() as s:
            ingest(s, [_mention(s, brand_id, source_id, 2)], config=CONFIG, now=T0 + timedelta(minutes=2))
            s.commit()

    worker = threading.Thread(target=second_worker)
    worker.start()
    time.sleep(0.5)
    assert worker.is_alive(), "the second batch must wait for the first to commit"
    first.commit()
    first.close()
    worker.join(10)
    assert not worker.is_alive()
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == 1
        assert s.scalar(select(func.count(func.distinct(Mention.incident_id)))) == 1
    engine.dispose()


def test_batches_that_both_stored_before_grouping_do_not_deadlock(pg_url: str) -> None:
    """Both batches insert their mention (the foreign key takes FOR KEY SHARE on the brand row)
    before either groups; with a FOR UPDATE brand lock each grouper waits on the other's key-share
    and PostgreSQL kills one batch as a deadlock. The grouping lock must not conflict with it."""
    engine = make_engine(pg_url)
    factory = make_session_factory(engine)
    with factory() as s:
        brand = Brand(name="Kessler", query="kessler", handles=[], created_at=T0 - timedelta(days=30))
        source = Source(name="social", kind="rss", next_poll_at=T0, created_at=T0)
        s.add_all([brand, source])
        s.commit()
        brand_id, source_id = brand.id, source.id

    first, second = factory(), factory()
    batches = [
        (first, _mention(first, brand_id, source_id, 1)),
        (second, _mention(second, brand_id, source_id, 2)),
    ]
    errors: list[BaseException] = []

    def group(session, mention) -> None:
        try:
            ingest(session, [mention], config=CONFIG, now=mention.published_at)
            session.commit()
        except BaseException as exc:  # a deadlock kills one of the two batches
            errors.append(exc)
            session.rollback()
        finally:
            session.close()

    workers = [threading.Thread(target=group, args=batch) for batch in batches]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(15)
    assert not any(w.is_alive() for w in workers) and not errors, errors
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == 1
        assert (
            s.scalar(select(func.count()).select_from(Mention).where(Mention.incident_id.is_not(None))) == 2
        )
    engine.dispose()
