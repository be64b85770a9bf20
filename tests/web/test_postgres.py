"""The dashboard's own queries on PostgreSQL (time buckets use a different SQL expression there)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from monitor.web.queries import MentionQuery, change_stamp, search_mentions, trends
from tests.web.conftest import Seeder

pytestmark = pytest.mark.postgres
NOW = datetime(2025, 3, 10, 12, 30, tzinfo=UTC)


@pytest.fixture
def db_url(pg_url: str) -> str:
    return pg_url


def test_trends_and_search_on_postgres(session: Session, seeder: Seeder, client: TestClient) -> None:
    seeder.items(["Acme is lovely", "Acme kettle is great"], now=NOW - timedelta(minutes=10))
    seeder.items(["Acme was awful"], now=NOW - timedelta(hours=2, minutes=5))
    seeder.items(["Globex is fine"], now=NOW - timedelta(days=3))
    data = trends(session, range_key="24h", now=NOW)
    acme = data["brands"][0]
    assert acme["buckets"][-1]["t"] == "2025-03-10T12:00:00Z" and acme["buckets"][-1]["count"] == 2
    assert {b["t"]: b["count"] for b in acme["buckets"]}["2025-03-10T10:00:00Z"] == 1
    assert sum(b["count"] for b in trends(session, range_key="7d", now=NOW)["brands"][1]["buckets"]) == 1
    items, _ = search_mentions(session, MentionQuery(q="KETTLE", brand="Acme", min_sentiment=0.1))
    assert [m.text for m in items] == ["Acme kettle is great"]
    assert change_stamp(session).max_mention_id == 4
    assert client.get("/mentions.csv").text.count("\n") == 5
