"""GET /api/sources, /api/brands and /api/alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.db import utcnow

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)  # the seeder's clock (tests/api/conftest.py)


def test_sources_show_schedule_and_health(client, seed):
    seed.source("b-forum", kind="discourse")
    seed.source(
        "a-feed",
        state="failing",
        error_class="server",
        last_error="HTTP 503 from example.com",
        last_error_at=NOW,
        consecutive_errors=4,
        last_poll_at=NOW,
        last_success_at=NOW - timedelta(hours=2),
        next_poll_at=NOW + timedelta(minutes=16),
        current_interval_seconds=960,
        last_fetched=20,
        last_new=3,
        enabled=False,
    )
    seed.session.commit()
    items = client.get("/api/sources").json()["items"]
    assert [s["name"] for s in items] == ["a-feed", "b-forum"]
    assert items[0] == {
        "name": "a-feed",
        "kind": "rss",
        "config": {},
        "enabled": False,
        "state": "failing",
        "error_class": "server",
        "last_error": "HTTP 503 from example.com",
        "last_error_at": "2025-03-01T12:00:00Z",
        "consecutive_errors": 4,
        "last_poll_at": "2025-03-01T12:00:00Z",
        "last_success_at": "2025-03-01T10:00:00Z",
        "next_poll_at": "2025-03-01T12:16:00Z",
        "interval": 960,
        "last_fetched": 20,
        "last_new": 3,
        "gaps": [],
    }
    assert items[1]["state"] == "new"
    assert items[1]["interval"] == 300


def test_brands_with_counts(client, seed):
    now = utcnow()
    acme, zeta = seed.brand("Acme", handles=["@acme"], exclude="acme corp"), seed.brand("Zeta")
    source = seed.source()
    seed.mention(acme, source, published_at=now - timedelta(hours=1), is_incident=True)
    seed.mention(acme, source, published_at=now - timedelta(hours=23))
    seed.mention(acme, source, published_at=now - timedelta(hours=25))  # too old
    seed.mention(zeta, source, published_at=now - timedelta(minutes=1))
    seed.incident(acme)
    seed.incident(acme, status="acknowledged")
    seed.incident(acme, status="resolved")
    seed.session.commit()
    items = client.get("/api/brands").json()["items"]
    assert items == [
        {
            "name": "Acme",
            "query": "acme",
            "handles": ["@acme"],
            "exclude": "acme corp",
            "mentions_24h": 2,
            "flagged_24h": 1,
            "open_incidents": 2,
            "enabled": True,
        },
        {
            "name": "Zeta",
            "query": "zeta",
            "handles": [],
            "exclude": None,
            "mentions_24h": 1,
            "flagged_24h": 0,
            "open_incidents": 0,
            "enabled": True,
        },
    ]


@pytest.fixture
def deliveries(seed):
    brand = seed.brand()
    source = seed.source()
    incident = seed.incident(brand)
    rows = {
        "sent": seed.delivery(
            incident_id=incident.id, status="delivered", attempts=1, last_status=200, delivered_at=NOW
        ),
        "failed": seed.delivery(incident_id=incident.id, status="failed", attempts=5, last_error="timeout"),
        "health": seed.delivery(event="source.failing", source_id=source.id, channel="ops-hook"),
    }
    seed.session.commit()
    return {"incident": incident, **rows}


def test_alerts_newest_first_with_fields(client, deliveries):
    items = client.get("/api/alerts").json()["items"]
    assert [d["id"] for d in items] == [deliveries[k].id for k in ("health", "failed", "sent")]
    sent = items[2]
    assert sent == {
        "id": deliveries["sent"].id,
        "channel": "ops-slack",
        "event": "incident.opened",
        "incident_id": deliveries["incident"].id,
        "source_id": None,
        "status": "delivered",
        "attempts": 1,
        "last_status": 200,
        "last_error": None,
        "created_at": sent["created_at"],
        "delivered_at": "2025-03-01T12:00:00Z",
        "next_attempt_at": sent["next_attempt_at"],
    }
    assert items[0]["source_id"] == deliveries["health"].source_id


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "failed"}, ["failed"]),
        ({"status": "pending"}, ["health"]),
        ({"incident_id": None}, ["failed", "sent"]),
    ],
)
def test_alert_filters(client, deliveries, params, expected):
    if "incident_id" in params:
        params = {"incident_id": deliveries["incident"].id}
    items = client.get("/api/alerts", params=params).json()["items"]
    assert [d["id"] for d in items] == [deliveries[k].id for k in expected]


def test_alert_pages(client, deliveries):
    page1 = client.get("/api/alerts", params={"limit": 2}).json()
    page2 = client.get("/api/alerts", params={"limit": 2, "cursor": page1["next_cursor"]}).json()
    assert [d["id"] for d in page1["items"] + page2["items"]] == [
        deliveries[k].id for k in ("health", "failed", "sent")
    ]
    assert page2["next_cursor"] is None


@pytest.mark.parametrize(
    "params", [{"status": "lost"}, {"incident_id": "x"}, {"cursor": "!!"}, {"limit": "501"}]
)
def test_alert_bad_parameters(client, params):
    assert client.get("/api/alerts", params=params).status_code == 422
