"""Reminders in simulated time: every N minutes while open and unacknowledged, up to the cap."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.alerts.dispatch import OutboxDispatcher
from monitor.alerts.models import AlertDelivery
from monitor.alerts.periodic import periodic_alerts
from monitor.alerts.reminders import REMINDER, due_reminders
from monitor.config import AppConfig, ChannelConfig
from monitor.incidents.service import acknowledge
from tests.alerts.backends import db_url  # noqa: F401 (runs each test on SQLite and PostgreSQL)
from tests.alerts.enqueueing import enqueue_seeded

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)  # as tests/alerts/conftest.py seeds (noon in Berlin: not quiet)


def _config(**channel) -> AppConfig:
    options = {"repeat_after_minutes": 30, "repeat_max": 3} | channel
    if options["repeat_after_minutes"] is None:
        del options["repeat_max"]  # a cap without an interval is a config error
    url = options.pop("url", "https://hooks.example/oncall")
    ch = ChannelConfig(name="oncall", kind="webhook", url=url, **options)
    return AppConfig(channels=[ch], api={"public_url": "https://monitor.example"})


def _alerted(session: Session, seed, config: AppConfig, **kw):
    """An incident whose opening message reached the channel a minute after T0."""
    s = seed(**({"severity": 2} | kw))
    s.incident.alerted = True
    _delivered(session, s, config, event="incident.opened", at=T0)
    return s


def _delivered(session: Session, s, config: AppConfig, *, event: str, at: datetime) -> None:
    """Queue the incident's current message at `at`; the receiver has it a minute later."""
    [row] = enqueue_seeded(session, s, config.channels, event=event, now=at)
    row.status, row.delivered_at = "delivered", at + timedelta(minutes=1)
    session.commit()


def _reminders(session: Session) -> list[AlertDelivery]:
    return list(
        session.scalars(
            select(AlertDelivery).where(AlertDelivery.event == REMINDER).order_by(AlertDelivery.id)
        )
    )


def _run(session: Session, config: AppConfig, minutes: float) -> list[AlertDelivery]:
    rows = due_reminders(session, config=config, now=T0 + timedelta(minutes=minutes))
    session.commit()
    return rows


def test_reminded_every_n_minutes_up_to_the_cap(session, seed) -> None:
    config = _config()
    s = _alerted(session, seed, config)
    assert _run(session, config, 30) == []  # 29 minutes after delivery
    [first] = _run(session, config, 31)
    assert first.dedupe_key == f"oncall:incident:{s.incident.id}:v1:reminder1"
    assert first.incident_id == s.incident.id and first.status == "pending"
    assert first.payload["event"] == REMINDER
    assert (
        first.payload["reason"]
        == "still open and not acknowledged 30 minutes after the alert (reminder 1 of 3)"
    )
    assert first.payload["incident_url"] == f"https://monitor.example/incidents/{s.incident.id}"
    assert _run(session, config, 45) == []  # the same reminder is not queued twice
    assert [r.dedupe_key[-9:] for r in _run(session, config, 61)] == ["reminder2"]
    assert [r.dedupe_key[-9:] for r in _run(session, config, 95)] == ["reminder3"]
    assert _run(session, config, 125) == [] and _run(session, config, 600) == []  # the cap
    assert len(_reminders(session)) == 3


def test_acknowledging_stops_reminders_and_cancels_a_queued_one(session, seed) -> None:
    config = _config()
    s = _alerted(session, seed, config)
    [queued] = _run(session, config, 31)
    acknowledge(session, incident_id=s.incident.id, by="dana", now=T0 + timedelta(minutes=40))
    session.commit()
    assert _run(session, config, 61) == [] and _run(session, config, 200) == []
    session.refresh(queued)
    assert queued.status == "cancelled" and "acknowledged" in queued.last_error


def test_resolving_stops_reminders(session, seed) -> None:
    config = _config()
    s = _alerted(session, seed, config)
    s.incident.status = "resolved"
    session.commit()
    assert _run(session, config, 31) == []


def test_a_worker_back_after_a_long_stop_sends_one_reminder_not_a_burst(session, seed) -> None:
    config = _config(repeat_max=5)
    _alerted(session, seed, config)
    assert [r.dedupe_key[-9:] for r in _run(session, config, 100)] == ["reminder3"]
    assert _run(session, config, 110) == []


def test_no_reminder_until_the_message_itself_was_delivered(session, seed) -> None:
    config = _config()
    s = _alerted(session, seed, config)
    session.execute(
        AlertDelivery.__table__.update()
        .where(AlertDelivery.incident_id == s.incident.id)
        .values(status="pending", delivered_at=None)
    )
    session.commit()
    assert _run(session, config, 90) == []


def test_an_escalation_starts_a_new_series(session, seed) -> None:
    config = _config()
    s = _alerted(session, seed, config)
    _run(session, config, 31)
    s.incident.severity, s.incident.state_version = 1, 2
    _delivered(session, s, config, event="incident.escalated", at=T0 + timedelta(minutes=40))
    assert _run(session, config, 62) == []  # 21 minutes after the escalation
    [again] = _run(session, config, 72)
    assert again.dedupe_key == f"oncall:incident:{s.incident.id}:v2:reminder1"


def test_channels_without_repeat_after_get_none(session, seed) -> None:
    config = _config(repeat_after_minutes=None)
    _alerted(session, seed, config)
    assert _run(session, config, 500) == []


def test_no_reminders_in_quiet_hours_except_for_sev1(session, seed) -> None:
    config = _config(quiet_hours={"start": "12:00", "end": "18:00", "timezone": "UTC"})
    _alerted(session, seed, config, severity=2)
    assert _run(session, config, 31) == []  # 12:31 UTC: quiet
    [late] = _run(session, config, 6 * 60 + 1)  # 18:01: the latest due one, once
    assert late.dedupe_key.endswith("reminder3") and late.next_attempt_at == T0 + timedelta(minutes=361)
    critical = _alerted(session, seed, config, severity=1, category="outage")
    rows = _run(session, config, 31)
    assert [r.incident_id for r in rows] == [critical.incident.id]


async def test_a_reminder_reaches_the_receiver_through_the_outbox(
    session, session_factory, seed, server, http_client
) -> None:
    config = _config(url=f"{server.base}/oncall")
    s = _alerted(session, seed, config)
    queued = periodic_alerts(session, config=config, now=T0 + timedelta(minutes=31))
    session.commit()
    assert queued == 1
    dispatcher = OutboxDispatcher(session_factory, http_client, config.channels, worker_id="w1")
    try:
        assert await dispatcher.run_once(T0 + timedelta(minutes=31)) == 1
    finally:
        await dispatcher.close()
    [received] = server.received("/oncall")
    body = json.loads(received.body)
    assert received.headers["X-Monitor-Event"] == REMINDER
    assert body["event"] == REMINDER and body["incident"]["id"] == s.incident.id
    assert body["id"] == f"oncall:incident:{s.incident.id}:v1:reminder1"
