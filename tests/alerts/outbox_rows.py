"""Outbox rows written straight into the table, for dispatcher tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts.models import AlertDelivery
from monitor.config import ChannelConfig


def add_delivery(
    factory: sessionmaker[Session],
    channel: ChannelConfig,
    *,
    key: str,
    now: datetime,
    give_up_seconds: int = 900,
    payload: dict[str, Any] | None = None,
) -> int:
    """A pending `incident.opened` row for `channel`, due at `now`, committed; returns its id."""
    with factory() as s:
        row = AlertDelivery(
            dedupe_key=key,
            channel=channel.name,
            channel_kind=channel.kind,
            event="incident.opened",
            payload=payload or {"text": "SEV2 pricing error at Helzberg: 3 mentions"},
            status="pending",
            attempts=0,
            next_attempt_at=now,
            give_up_at=now + timedelta(seconds=give_up_seconds),
            created_at=now,
        )
        s.add(row)
        s.commit()
        return row.id
