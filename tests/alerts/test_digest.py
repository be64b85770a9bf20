"""The daily digest: counts per brand, top incidents, reply times; once a day at the channel's local time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.alerts.digest import DIGEST, due_digests
from monitor.alerts.models import AlertDelivery
from monitor.config import AppConfig, ChannelConfig
from monitor.mentions.models import Mention
from tests.alerts.backends import db_url  # noqa: F401 (runs each test on SQLite and PostgreSQL)

SEEDED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)  # as tests/alerts/conftest.py seeds
MORNING = datetime(2025, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


def _config(**kw) -> AppConfig:
    channel = {"name": "daily", "kind": "webhook", "url": "https://hooks.example/daily"}
    channel |= {"digest": {"at": "09:00", "timezone": "Europe/Berlin"}} | kw
    return AppConfig(channels=[ChannelConfig(**channel)], api={"public_url": "https://monitor.example"})


@pytest.fixture
def day(session: Session, seed):
    """Helzberg: a SEV2 pricing incident (3 posts, 2 answered); Acme: a SEV1 safety incident (1 post)."""
    h = seed(severity=2, opened_at=SEEDED - timedelta(minutes=30))
    a = seed(brand_name="Acme", category="safety", severity=1, n_mentions=1, opened_at=SEEDED)
    h.mentions[0].replied_at = h.mentions[0].published_at + timedelta(minutes=20)
    h.mentions[1].replied_at = h.mentions[1].published_at + timedelta(minutes=40)
    old = Mention(
        source_id=h.source.id,
        brand_id=h.brand.id,
        external_id="last-week",
        text="old news",
        published_at=MORNING - timedelta(days=3),
        sentiment=0.0,
        urgency=0.0,
    )
    session.add(old)
    session.commit()
    return h, a


def _digests(session: Session) -> list[AlertDelivery]:
    return list(session.scalars(select(AlertDelivery).where(AlertDelivery.event == DIGEST)))


def _run(session: Session, config: AppConfig, now: datetime) -> list[AlertDelivery]:
    rows = due_digests(session, config=config, now=now)
    session.commit()
    return rows


def test_sent_once_a_day_after_the_local_time(session, day) -> None:
    config = _config()
    assert _run(session, config, MORNING - timedelta(minutes=1)) == []  # 08:59 in Berlin
    [row] = _run(session, config, MORNING)
    assert row.dedupe_key == "daily:digest:2025-03-02" and row.status == "pending"
    assert _run(session, config, MORNING + timedelta(hours=5)) == []  # the same day: already queued
    [tomorrow] = _run(session, config, MORNING + timedelta(days=1, minutes=1))
    assert tomorrow.dedupe_key == "daily:digest:2025-03-03"
    assert len(_digests(session)) == 2


def test_counts_top_incidents_and_reply_times(session, day) -> None:
    h, a = day
    [row] = _run(session, _config(), MORNING)
    body = row.payload
    assert body["event"] == DIGEST and body["id"] == row.dedupe_key and body["date"] == "2025-03-02"
    assert body["brands"] == [
        {"brand": "Acme", "mentions": 1, "incidents": 1, "replies": 0, "median_reply_minutes": None},
        {"brand": "Helzberg", "mentions": 3, "incidents": 1, "replies": 2, "median_reply_minutes": 30.0},
    ]  # the post from three days ago is not counted
    assert [(i["id"], i["severity"]) for i in body["top_incidents"]] == [
        (a.incident.id, 1),
        (h.incident.id, 2),
    ]
    assert body["top_incidents"][0]["url"] == f"https://monitor.example/incidents/{a.incident.id}"


def test_the_channels_routing_applies(session, day) -> None:
    h, _a = day
    [row] = _run(session, _config(brands=["Helzberg"], min_severity=2), MORNING)
    assert [b["brand"] for b in row.payload["brands"]] == ["Helzberg"]
    assert [i["id"] for i in row.payload["top_incidents"]] == [h.incident.id]
    [row] = _run(session, _config(name="safety-only", categories=["safety"]), MORNING)
    assert {b["brand"]: b["incidents"] for b in row.payload["brands"]} == {"Acme": 1, "Helzberg": 0}


def test_slack_and_apprise_forms(session, day) -> None:
    slack = _config(name="slack", kind="slack", url="https://hooks.slack.example/services/T/B/x")
    [row] = _run(session, slack, MORNING)
    text = str(row.payload["blocks"])
    assert "Daily digest for 2025-03-02" in row.payload["text"]
    assert "Helzberg: 3 mentions, 1 incident, 2 replies (median 30 min)" in text
    assert "SEV1 Safety" in text and "Acme: 1 mention, 1 incident" in text
    mail = _config(name="mail", kind="apprise", url="mailto://127.0.0.1:2525?from=m@x.example&to=c@x.example")
    [row] = _run(session, mail, MORNING)
    assert row.payload["title"] == "Daily digest for 2025-03-02: the last 24 hours"
    assert "- Helzberg: 3 mentions, 1 incident, 2 replies (median 30 min)" in row.payload["text"]
