"""API fixtures: a TestClient factory and a seeder that inserts ORM rows directly."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from monitor.alerts.models import AlertDelivery
from monitor.app import create_app
from monitor.brands.models import Brand
from monitor.incidents.models import Incident
from monitor.mentions.models import Mention
from monitor.sources.models import Source

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


class Seed:
    """Inserts rows with sensible defaults; every helper flushes so ids are known."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._n = itertools.count(1)

    def _add(self, row: Any) -> Any:
        self.session.add(row)
        self.session.flush()
        return row

    def brand(self, name: str = "Acme", **kw: Any) -> Brand:
        return self._add(
            Brand(name=name, query=kw.pop("query", name.lower()), handles=kw.pop("handles", []), **kw)
        )

    def source(self, name: str = "feed", **kw: Any) -> Source:
        return self._add(Source(name=name, kind=kw.pop("kind", "rss"), config=kw.pop("config", {}), **kw))

    def mention(self, brand: Brand, source: Source, **kw: Any) -> Mention:
        n = next(self._n)
        defaults: dict[str, Any] = {
            "external_id": f"item-{n}",
            "text": f"mention number {n}",
            "published_at": NOW - timedelta(minutes=n),
            "sentiment": 0.0,
            "urgency": 0.1,
        }
        return self._add(Mention(brand_id=brand.id, source_id=source.id, **(defaults | kw)))

    def incident(self, brand: Brand, **kw: Any) -> Incident:
        defaults: dict[str, Any] = {
            "category": "outage",
            "first_seen_at": NOW - timedelta(hours=1),
            "last_seen_at": NOW,
        }
        return self._add(Incident(brand_id=brand.id, **(defaults | kw)))

    def delivery(self, **kw: Any) -> AlertDelivery:
        n = next(self._n)
        defaults: dict[str, Any] = {
            "dedupe_key": f"key-{n}",
            "channel": "ops-slack",
            "channel_kind": "slack",
            "event": "incident.opened",
            "payload": {},
            "give_up_at": NOW + timedelta(minutes=15),
        }
        return self._add(AlertDelivery(**(defaults | kw)))


@pytest.fixture
def seed(session: Session) -> Iterator[Seed]:
    """A seeder on the test session; commit (seed.session.commit()) before calling the API."""
    yield Seed(session)


@pytest.fixture
def make_client(engine: Engine, make_config: Callable[..., Any]) -> Iterator[Callable[..., TestClient]]:
    """`make_client(**config_sections)` → a started TestClient on the test database."""
    clients: list[TestClient] = []

    def _make(**sections: Any) -> TestClient:
        client = TestClient(create_app(make_config(**sections), engine=engine), base_url="http://127.0.0.1")
        client.__enter__()
        clients.append(client)
        return client

    yield _make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """A client on an open (no API keys) app."""
    return make_client()
