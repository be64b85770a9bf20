"""The alert jobs the worker's maintenance tick runs: reminders and daily digests."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from monitor.alerts.digest import due_digests
from monitor.alerts.reminders import due_reminders

if TYPE_CHECKING:
    from monitor.config import AppConfig

log = logging.getLogger(__name__)


def periodic_alerts(session: Session, *, config: AppConfig, now: datetime) -> int:
    """Queue the reminders and digests due at `now` (the caller commits); returns how many rows."""
    queued = len(due_reminders(session, config=config, now=now))
    queued += len(due_digests(session, config=config, now=now))
    if queued:
        log.info("queued %d periodic alert message(s)", queued, extra={"queued": queued})
    return queued
