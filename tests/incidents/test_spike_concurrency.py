"""Two workers' batches of one surge on PostgreSQL open one spike incident and page once."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts.models import AlertDelivery
from monitor.brands.models import Brand
from monitor.config import parse_config
from monitor.db import make_engine, make_session_factory
from monitor.incidents.changes import IncidentChange
from monitor.incidents.models import Incident
from monitor.incidents.service import ingest
from monitor.mentions.models import Mention
from monitor.sources.models import Source
from tests.incidents.conftest import T0
from tests.incidents.test_concurrency import _mention

pytestmark = pytest.mark.postgres
CONFIG = parse_config({"channels": [{"name": "care", "kind": "webhook", "url": "https://hooks.example/x"}]})
NOW = T0 + timedelta(days=1)


def _post(session: Session, brand_id: int, source_id: int, n: int) -> Mention:
    """An unflagged post of the surge, half an hour before NOW."""
    row = _mention(session, brand_id, source_id, n)
    row.category, row.is_incident, row.urgency = None, False, 0.1
    row.published_at = NOW - timedelta(minutes=30) + timedelta(seconds=n)
    session.flush()
    return row


def _second_batch(factory: sessionmaker[Session], brand_id: int, source_id: int) -> list[IncidentChange]:
    with factory() as s:
        changes = ingest(s, [], config=CONFIG, now=NOW, stored=[_post(s, brand_id, source_id, 12)])
        s.commit()
    return changes


def test_two_batches_of_one_surge_share_the_spike(pg_url: str) -> None:
    engine = make_engine(pg_url)
    factory = make_session_factory(engine)
    with factory() as s:
        brand = Brand(name="Kessler", query="kessler", handles=[], created_at=T0 - timedelta(days=30))
        source = Source(name="social", kind="rss", next_poll_at=T0, created_at=T0)
        s.add_all([brand, source])
        s.flush()
        for n in range(11):  # one short of the minimum: each worker's own post makes the twelfth
            _post(s, brand.id, source.id, n)
        s.commit()
        brand_id, source_id = brand.id, source.id

    first = factory()
    [opened] = ingest(first, [], config=CONFIG, now=NOW, stored=[_post(first, brand_id, source_id, 11)])
    assert opened.notify  # holds the brand lock until it commits
    with ThreadPoolExecutor(max_workers=1) as pool:
        second = pool.submit(_second_batch, factory, brand_id, source_id)
        time.sleep(0.5)
        assert not second.done(), "the second batch must wait for the first to commit"
        first.commit()
        first.close()
        changes = second.result(timeout=10)
    # it joined the first one's spike, which has paged already
    assert [(c.incident_id, c.notify) for c in changes] == [(opened.incident_id, False)]
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == 1
        assert s.scalar(select(func.count()).select_from(AlertDelivery)) == 1
        assert set(s.scalars(select(Mention.incident_id))) == {opened.incident_id}
    engine.dispose()
