"""Enqueueing into the outbox: one row per channel per incident state, brand filters, the listing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.alerts.models import AlertDelivery
from monitor.alerts.queries import list_deliveries as _page
from monitor.alerts.schemas import AlertFilters
from monitor.alerts.service import enqueue_incident_alert, enqueue_source_notice
from monitor.config import ChannelConfig
from monitor.db import make_engine, make_session_factory

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)  # as tests/alerts/conftest.py seeds

SLACK = ChannelConfig(
    name="care-slack", kind="slack", url="https://hooks.slack.example/services/T0/B0/secret"
)
HOOK = ChannelConfig(name="ops-hook", kind="webhook", url="https://hooks.example/in", secret="s3cret")
OTHER = ChannelConfig(
    name="other-brand", kind="slack", url="https://hooks.slack.example/services/T0/B1/x", brands=["Acme"]
)


def _enqueue(session: Session, seeded, **kw):
    args = {
        "channels": [SLACK, HOOK, OTHER],
        "incident": seeded.incident,
        "brand_name": seeded.brand.name,
        "event": "incident.opened",
        "mentions": seeded.mentions,
        "public_url": "https://monitor.example/",
        "give_up_seconds": 900,
        "now": NOW,
    }
    return enqueue_incident_alert(session, **(args | kw))


def test_one_row_per_admitting_channel_with_built_payload(session: Session, seed) -> None:
    s = seed()
    rows = _enqueue(session, s)
    session.commit()
    assert sorted(r.channel for r in rows) == ["care-slack", "ops-hook"]  # "other-brand" is Acme only
    by = {r.channel: r for r in rows}
    slack, hook = by["care-slack"], by["ops-hook"]
    assert slack.dedupe_key == f"care-slack:incident:{s.incident.id}:v1"
    assert slack.channel_kind == "slack" and slack.status == "pending" and slack.attempts == 0
    assert slack.incident_id == s.incident.id and slack.event == "incident.opened"
    assert slack.next_attempt_at == NOW and slack.give_up_at == NOW + timedelta(seconds=900)
    assert slack.payload["text"] == "SEV2 pricing error at Helzberg: 3 mentions (new)"
    assert (
        slack.payload["blocks"][-1]["elements"][0]["url"]
        == f"https://monitor.example/incidents/{s.incident.id}"
    )
    assert "Reddit r/jewelry" in str(slack.payload["blocks"])  # source names looked up
    assert hook.payload["id"] == hook.dedupe_key
    assert hook.payload["incident_url"] == f"https://monitor.example/incidents/{s.incident.id}"
    assert hook.payload["mentions"][0]["source"] == "Reddit r/jewelry"
    # the channel URL (a secret) is never stored
    for r in rows:
        assert "hooks" not in str(r.payload)


def test_same_state_version_twice_is_one_row_new_version_is_another(session: Session, seed) -> None:
    s = seed()
    assert len(_enqueue(session, s)) == 2
    assert _enqueue(session, s) == []  # same state: no-op
    session.commit()
    assert _enqueue(session, s, event="incident.escalated") == []  # still the same state_version
    s.incident.state_version = 2
    again = _enqueue(session, s, event="incident.escalated")
    session.commit()
    assert sorted(r.dedupe_key for r in again) == [
        f"care-slack:incident:{s.incident.id}:v2",
        f"ops-hook:incident:{s.incident.id}:v2",
    ]
    assert session.scalar(select(func.count()).select_from(AlertDelivery)) == 4


def test_brand_filter_and_no_public_url(session: Session, seed) -> None:
    s = seed(brand_name="Acme")
    rows = _enqueue(session, s, public_url=None)
    assert sorted(r.channel for r in rows) == ["care-slack", "ops-hook", "other-brand"]
    hook = next(r for r in rows if r.channel == "ops-hook")
    assert hook.payload["incident_url"] is None
    slack = next(r for r in rows if r.channel == "care-slack")
    assert all(b["type"] != "actions" for b in slack.payload["blocks"])
    assert _enqueue(session, s, channels=[]) == []


def test_enqueue_is_part_of_the_callers_transaction(session: Session, seed) -> None:
    s = seed()
    _enqueue(session, s)
    session.rollback()  # the decision was rolled back: so was the alert
    assert session.scalar(select(func.count()).select_from(AlertDelivery)) == 0


def test_source_notice_one_per_transition(session: Session, seed) -> None:
    s = seed()
    src = s.source
    src.state, src.error_class, src.last_error = "auth_failed", "auth", "HTTP 401"
    rows = enqueue_source_notice(
        session, channels=[SLACK, HOOK], source=src, event="source.auth_failed", give_up_seconds=60, now=NOW
    )
    assert [r.dedupe_key for r in rows] == [
        f"care-slack:source:{src.id}:source.auth_failed:{NOW.isoformat()}",
        f"ops-hook:source:{src.id}:source.auth_failed:{NOW.isoformat()}",
    ]
    assert rows[0].source_id == src.id and rows[0].incident_id is None
    assert rows[1].payload["source"]["reason"] == "HTTP 401"
    again = enqueue_source_notice(
        session, channels=[SLACK, HOOK], source=src, event="source.auth_failed", give_up_seconds=60, now=NOW
    )
    assert again == []


def list_deliveries(session: Session, **filters):
    return _page(session, filters=AlertFilters(**filters)).items


def test_list_deliveries_filters(session: Session, seed) -> None:
    a, b = seed(), seed()
    _enqueue(session, a)
    _enqueue(session, b)
    rows = list_deliveries(session)
    assert len(rows) == 4 and rows[0].id > rows[-1].id  # newest first
    assert {r.incident_id for r in list_deliveries(session, incident_id=a.incident.id)} == {a.incident.id}
    first = session.get(AlertDelivery, rows[-1].id)
    first.status, first.last_error = "failed", "HTTP 404: no_service"
    session.flush()
    failed = list_deliveries(session, status="failed")
    assert [r.id for r in failed] == [first.id] and failed[0].last_error == "HTTP 404: no_service"
    assert len(list_deliveries(session, limit=1)) == 1


@pytest.mark.postgres
def test_enqueue_dedupes_on_postgres_too(pg_url: str, seed_into) -> None:
    engine = make_engine(pg_url)
    try:
        with make_session_factory(engine)() as session:
            s = seed_into(session)
            assert len(_enqueue(session, s)) == 2
            assert _enqueue(session, s) == []
            session.commit()
            assert _enqueue(session, s) == []
            session.commit()
            assert session.scalar(select(func.count()).select_from(AlertDelivery)) == 2
    finally:
        engine.dispose()
