"""Queue a seeded incident's message, as the incident service does (tests of routing and reminders)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from monitor.alerts.models import AlertDelivery
from monitor.alerts.service import enqueue_incident_alert
from monitor.config import ChannelConfig


def enqueue_seeded(
    session: Session, s: Any, channels: Sequence[ChannelConfig], *, event: str, now: datetime, **kw: Any
) -> list[AlertDelivery]:
    return enqueue_incident_alert(
        session,
        channels=channels,
        incident=s.incident,
        brand_name=s.brand.name,
        event=event,
        mentions=s.mentions,
        public_url=None,
        give_up_seconds=900,
        now=now,
        **kw,
    )
