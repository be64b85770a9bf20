"""Grouping on PostgreSQL locks per (brand, category): other categories of a brand go on at once,
concurrent batches of one pair still make one incident, and crossed batches never deadlock."""

from __future__ import annotations

import threading
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
from tests.incidents.test_concurrency import _mention as pricing_mention

pytestmark = pytest.mark.postgres
CONFIG = parse_config({})


@pytest.fixture
def factory(pg_url: str):
    engine = make_engine(pg_url)
    yield make_session_factory(engine)
    engine.dispose()


def _seed(factory, brands: list[str]) -> tuple[list[int], int]:
    with factory() as s:
        rows = [
            Brand(name=b, query=b.lower(), handles=[], created_at=T0 - timedelta(days=30)) for b in brands
        ]
        source = Source(name="social", kind="rss", next_poll_at=T0, created_at=T0)
        s.add_all([*rows, source])
        s.commit()
        return [b.id for b in rows], source.id


def _mention(session, brand_id: int, source_id: int, n: int, category: str) -> Mention:
    row = pricing_mention(session, brand_id, source_id, n)
    row.category = category
    session.flush()
    return row


def test_a_batch_of_another_category_does_not_wait_for_the_brands_open_batch(factory) -> None:
    [brand], source = _seed(factory, ["Kessler"])
    first = factory()
    ingest(first, [_mention(first, brand, source, 1, "pricing_error")], config=CONFIG, now=T0)
    finished = threading.Event()

    def other_category() -> None:
        with factory() as s:
            ingest(s, [_mention(s, brand, source, 2, "outage")], config=CONFIG, now=T0)
            s.commit()
        finished.set()

    worker = threading.Thread(target=other_category)
    worker.start()
    try:
        # while the first batch still holds its transaction open (a brand-row lock made this wait)
        assert finished.wait(30), "a batch of another category waited for the brand's open batch"
    finally:
        first.commit()
        first.close()
        worker.join(30)
    with factory() as s:
        got = s.execute(select(Incident.category, func.count()).group_by(Incident.category)).all()
    assert sorted(got) == [("outage", 1), ("pricing_error", 1)]


@pytest.mark.parametrize("round_", range(4))
def test_crossed_batches_of_the_same_pairs_make_one_incident_each_and_never_deadlock(factory, round_) -> None:
    """Each batch holds both brands and both categories, arriving in opposite orders; both have
    stored their mentions before either groups, then group at the same moment."""
    brands, source = _seed(factory, ["Kessler", "Lumen"])
    pairs = [(b, c) for b in brands for c in ("pricing_error", "outage")]
    orders = [pairs, pairs[::-1]]
    sessions = [factory(), factory()]
    batches = [
        [_mention(s, b, source, 10 * k + i, c) for i, (b, c) in enumerate(order)]
        for k, (s, order) in enumerate(zip(sessions, orders, strict=True))
    ]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def group(session, mentions) -> None:
        try:
            start.wait(30)
            ingest(session, mentions, config=CONFIG, now=T0 + timedelta(minutes=10))
            session.commit()
        except BaseException as exc:  # a deadlock kills one of the two batches
            errors.append(exc)
            session.rollback()
        finally:
            session.close()

    threads = [threading.Thread(target=group, args=pair) for pair in zip(sessions, batches, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads) and not errors, errors
    with factory() as s:
        incidents = s.execute(
            select(Incident.brand_id, Incident.category, func.count()).group_by(
                Incident.brand_id, Incident.category
            )
        ).all()
        grouped = s.scalar(select(func.count()).select_from(Mention).where(Mention.incident_id.is_not(None)))
    assert sorted(incidents) == sorted((b, c, 1) for b, c in pairs)  # no twins
    assert grouped == 2 * len(pairs)
