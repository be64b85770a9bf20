"""A huge batch goes through the store in bounded statements on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from connectors.base import Mention as Item
from monitor.brands.models import Brand
from monitor.config import parse_config
from monitor.db import make_engine, make_session_factory, session_scope
from monitor.mentions.models import Mention
from monitor.mentions.store import ScoredMention, known_keys, store_mentions
from monitor.scoring.types import Score
from monitor.sources.models import Source
from monitor.sync import sync_config

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
CONFIG = parse_config(
    {
        "brands": [{"name": "Acme", "query": "acme"}],
        "sources": [{"name": "huge", "kind": "rss", "url": "https://huge.example/feed.xml"}],
    }
)
SCORE = Score(sentiment=0.0, urgency=0.0, category=None, incident=False, reasons=(), direct=False)
# Over PostgreSQL's 65,535 bind parameters when the batch's ids go into one IN list.
N = 70_000


def _scored(brand_id: int, n: int) -> list[ScoredMention]:
    return [
        ScoredMention(
            item=Item(external_id=f"e{i}", text=f"acme entry {i}", url=f"https://huge.example/{i}"),
            brand_id=brand_id,
            score=SCORE,
            canonical_url=f"https://huge.example/{i}",
            fingerprint=None,
        )
        for i in range(n)
    ]


@pytest.fixture(
    params=[
        pytest.param("sqlite", marks=pytest.mark.slow),
        pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.slow]),
    ]
)
def big_db(request):
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with session_scope(factory) as s:
        sync_config(s, CONFIG, now=NOW)
    yield factory
    engine.dispose()


def test_a_70000_item_batch_is_stored_and_a_repoll_stores_nothing(big_db):
    with session_scope(big_db) as s:
        source_id, brand_id = s.scalar(select(Source.id)), s.scalar(select(Brand.id))
        result = store_mentions(s, source_id=source_id, scored=_scored(brand_id, N), now=NOW)
    assert len(result.stored) == N
    with session_scope(big_db) as s:
        assert s.scalar(select(func.count()).select_from(Mention)) == N
        ids = [f"e{i}" for i in range(N + 10)]
        assert len(known_keys(s, source_id=source_id, external_ids=ids)) == N
        again = store_mentions(s, source_id=source_id, scored=_scored(brand_id, N), now=NOW)
    assert again.stored == []
