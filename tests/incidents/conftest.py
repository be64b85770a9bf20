"""Incident fixtures: every DB test on SQLite and PostgreSQL; a brand, a source, a mention maker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest
from sqlalchemy.orm import Session

from monitor.brands.models import Brand
from monitor.mentions.models import Mention
from monitor.sources.models import Source

T0 = datetime(2025, 3, 14, 13, 30, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    """Overrides the shared fixture: the same test on both backends."""
    if request.param == "postgres":
        return request.getfixturevalue("pg_url")
    return sqlite_url


@pytest.fixture
def brand(session: Session) -> Brand:
    row = Brand(
        name="Kessler Jewelers",
        query="kessler",
        handles=["@KesslerJewelers"],
        created_at=T0 - timedelta(days=30),
    )
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def source(session: Session) -> Source:
    row = Source(name="social", kind="rss", next_poll_at=T0, created_at=T0)
    session.add(row)
    session.flush()
    return row


MakeMention = Callable[..., Mention]


@pytest.fixture
def make_mention(session: Session, brand: Brand, source: Source) -> MakeMention:
    """A stored, scored mention row as the store stage leaves it (flushed, with an id)."""
    ids = count(1)

    def _make(at: datetime, category: str | None = "pricing_error", **kw: Any) -> Mention:
        n = next(ids)
        fields: dict[str, Any] = {
            "source_id": source.id,
            "brand_id": kw.pop("brand_id", brand.id),
            "external_id": f"m{n}",
            "text": f"kessler mention {n}",
            "published_at": at,
            "fetched_at": at,
            "sentiment": -0.3,
            "urgency": 0.6,
            "category": category,
            "is_incident": category is not None,
            "direct": False,
            "reasons": [],
            "raw": {},
        }
        row = Mention(**(fields | kw))
        session.add(row)
        session.flush()
        return row

    return _make
