"""Routing by brand, category and minimum severity; quiet hours hold and release (SEV1 and safety go)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.alerts.channel_config import QuietHours
from monitor.alerts.models import AlertDelivery
from monitor.alerts.quiet_hours import quiet_until
from monitor.alerts.service import enqueue_source_notice
from monitor.config import ChannelConfig
from tests.alerts.backends import db_url  # noqa: F401 (runs each test on SQLite and PostgreSQL)
from tests.alerts.enqueueing import enqueue_seeded

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)  # as tests/alerts/conftest.py seeds


def _ch(name: str, **kw) -> ChannelConfig:
    return ChannelConfig(name=name, kind="webhook", url=f"https://hooks.example/{name}", **kw)


def _enqueue(session: Session, s, channels, *, event="incident.opened", now=NOW, **kw):
    return enqueue_seeded(session, s, channels, event=event, now=now, **kw)


CHANNELS = [
    _ch("all"),
    _ch("pricing", categories=["pricing_error"]),
    _ch("safety", categories=["safety", "security"]),
    _ch("sev2", min_severity=2),
    _ch("sev1", min_severity=1),
    _ch("acme", brands=["Acme"]),
    _ch("pricing-sev3", categories=["pricing_error"], min_severity=3),
]


@pytest.mark.parametrize(
    ("category", "severity", "expected"),
    [
        ("pricing_error", 2, {"all", "pricing", "sev2", "pricing-sev3"}),
        ("pricing_error", 3, {"all", "pricing", "pricing-sev3"}),  # SEV3 skips min_severity 2
        ("pricing_error", 1, {"all", "pricing", "sev2", "sev1", "pricing-sev3"}),
        ("safety", 4, {"all", "safety"}),
        ("outage", 1, {"all", "sev2", "sev1"}),
    ],
)
def test_channels_filter_by_category_and_minimum_severity(
    session, seed, category, severity, expected
) -> None:
    s = seed(category=category, severity=severity)
    rows = _enqueue(session, s, CHANNELS)
    assert {r.channel for r in rows} == expected


def test_source_notices_keep_routing_by_brand_only(session, seed) -> None:
    s = seed()
    s.source.brand = "Helzberg"
    rows = enqueue_source_notice(
        session, channels=CHANNELS, source=s.source, event="source.failing", give_up_seconds=900, now=NOW
    )
    assert {r.channel for r in rows} == {c.name for c in CHANNELS} - {"acme"}


# --- quiet hours ------------------------------------------------------------------------------------

BERLIN_NIGHT = QuietHours(start="22:00", end="07:00", timezone="Europe/Berlin")


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (datetime(2025, 3, 1, 21, 30, tzinfo=UTC), datetime(2025, 3, 2, 6, 0, tzinfo=UTC)),  # 22:30 CET
        (datetime(2025, 3, 2, 2, 0, tzinfo=UTC), datetime(2025, 3, 2, 6, 0, tzinfo=UTC)),  # 03:00 CET
        (datetime(2025, 3, 1, 20, 59, tzinfo=UTC), None),  # 21:59 CET
        (datetime(2025, 3, 2, 6, 0, tzinfo=UTC), None),  # 07:00 CET: over
        # the night the clocks go forward (30 March 2025): 07:00 CEST is 05:00 UTC
        (datetime(2025, 3, 29, 23, 0, tzinfo=UTC), datetime(2025, 3, 30, 5, 0, tzinfo=UTC)),
    ],
)
def test_quiet_until_wraps_midnight_in_the_channels_zone(now, until) -> None:
    assert quiet_until(BERLIN_NIGHT, now) == until


def test_quiet_hours_within_one_day() -> None:
    lunch = QuietHours(start="12:00", end="13:30", timezone="UTC")
    assert quiet_until(lunch, datetime(2025, 3, 1, 12, 10, tzinfo=UTC)) == datetime(
        2025, 3, 1, 13, 30, tzinfo=UTC
    )
    assert quiet_until(lunch, datetime(2025, 3, 1, 13, 30, tzinfo=UTC)) is None
    assert quiet_until(lunch, datetime(2025, 3, 1, 11, 59, tzinfo=UTC)) is None


NIGHT = datetime(2025, 3, 1, 23, 0, tzinfo=UTC)  # midnight in Berlin
MORNING = datetime(2025, 3, 2, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
QUIET = _ch("quiet", quiet_hours={"start": "22:00", "end": "07:00", "timezone": "Europe/Berlin"})
LOUD = _ch("loud")


def test_a_non_critical_message_is_held_until_quiet_hours_end(session, seed) -> None:
    s = seed(severity=2, category="pricing_error")
    rows = {r.channel: r for r in _enqueue(session, s, [QUIET, LOUD], now=NIGHT)}
    assert rows["loud"].next_attempt_at == NIGHT
    held = rows["quiet"]
    assert held.status == "pending" and held.next_attempt_at == MORNING  # held, not dropped
    # the retry budget starts at the release, or a long night would give it up unsent
    assert held.give_up_at == MORNING + timedelta(seconds=900)


@pytest.mark.parametrize(("severity", "category"), [(1, "pricing_error"), (3, "safety")])
def test_sev1_and_safety_go_at_once_in_quiet_hours(session, seed, severity, category) -> None:
    s = seed(severity=severity, category=category)
    [row] = _enqueue(session, s, [QUIET], now=NIGHT)
    assert row.next_attempt_at == NIGHT


def test_an_escalation_to_sev1_releases_the_incidents_held_messages_first(session, seed) -> None:
    s = seed(severity=3, category="outage")
    [held] = _enqueue(session, s, [QUIET], now=NIGHT)
    other = seed(severity=3, category="billing")
    [unrelated] = _enqueue(session, other, [QUIET], now=NIGHT)
    assert held.next_attempt_at == MORNING
    later = NIGHT + timedelta(minutes=20)
    s.incident.severity, s.incident.state_version = 1, 2
    [urgent] = _enqueue(session, s, [QUIET], event="incident.escalated", now=later)
    session.expire_all()
    queue = session.scalars(
        select(AlertDelivery)
        .where(AlertDelivery.next_attempt_at <= later)
        .order_by(AlertDelivery.next_attempt_at, AlertDelivery.id)
    ).all()
    # the story in order: the held "opened" goes first, then the SEV1 escalation; other incidents wait
    assert [r.id for r in queue] == [held.id, urgent.id]
    assert session.get(AlertDelivery, unrelated.id).next_attempt_at == MORNING


def test_source_notices_are_held_too(session, seed) -> None:
    s = seed()
    [row] = enqueue_source_notice(
        session, channels=[QUIET], source=s.source, event="source.failing", give_up_seconds=900, now=NIGHT
    )
    assert row.next_attempt_at == MORNING
