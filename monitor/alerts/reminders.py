"""Reminders: an alerted incident nobody has acknowledged is announced again, every N minutes, up to a cap.

Run from the worker's periodic maintenance job. Per channel with `repeat_after_minutes`, an open
(not acknowledged, not resolved) incident whose current message reached that channel gets reminder
k once k × N minutes have passed since that message was delivered, up to `repeat_max`. A new state
(an escalation) starts a new series: the count restarts from its message. Each reminder has its own
dedupe key (`<message key>:reminder<k>`), so a crash or a second worker never doubles one, and it
goes through the same outbox, retries and give-up as every other message.

A worker that was down past several reminder times sends only the latest due one, not a burst; a
channel in quiet hours gets no reminder for a non-critical incident (the first one after the quiet
hours says how long it has been). A reminder still queued when the incident is acknowledged or
resolved is cancelled on the next run.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from monitor.alerts.models import AlertDelivery
from monitor.alerts.quiet_hours import hold_until
from monitor.alerts.service import (
    channels_for_incident,
    incident_dedupe_key,
    incident_link,
    incident_payload,
    incident_row,
    incident_views,
    insert_new,
)
from monitor.brands.models import Brand
from monitor.incidents.models import Incident
from monitor.incidents.service import public_url
from monitor.mentions.models import Mention

if TYPE_CHECKING:
    from monitor.config import AppConfig, ChannelConfig

REMINDER = "incident.reminder"
_MESSAGE_MENTIONS = 5


def reminder_key(message_key: str, number: int) -> str:
    return f"{message_key}:reminder{number}"


def reminder_number(channel: ChannelConfig, delivered_at: datetime, now: datetime) -> int:
    """Which reminder is due `now` for a message delivered at `delivered_at` (0: none yet)."""
    assert channel.repeat_after_minutes is not None
    periods = int((now - delivered_at).total_seconds() // (channel.repeat_after_minutes * 60))
    return min(max(periods, 0), channel.repeat_max)


def _minutes(delta_seconds: float) -> str:
    minutes = round(delta_seconds / 60)
    if minutes < 120:
        return f"{minutes} minute" + ("" if minutes == 1 else "s")
    hours = minutes / 60
    return f"{hours:.1f} hours".replace(".0 ", " ")


def cancel_stale_reminders(session: Session, *, now: datetime) -> int:
    """Cancel queued reminders of incidents acknowledged or resolved since; returns how many."""
    settled = select(Incident.id).where(Incident.status != "open")
    done = session.execute(
        update(AlertDelivery)
        .where(
            AlertDelivery.event == REMINDER,
            AlertDelivery.status == "pending",
            AlertDelivery.incident_id.in_(settled.scalar_subquery()),
        )
        .values(status="cancelled", last_error="not sent: the incident was acknowledged or resolved first")
        .execution_options(synchronize_session=False)
    )
    return done.rowcount or 0


def due_reminders(session: Session, *, config: AppConfig, now: datetime) -> list[AlertDelivery]:
    """Queue the reminders due at `now` (the caller commits); returns the rows created."""
    channels = [c for c in config.channels if c.repeat_after_minutes]
    cancel_stale_reminders(session, now=now)
    if not channels:
        return []
    incidents = session.scalars(
        select(Incident).where(Incident.status == "open", Incident.alerted.is_(True)).order_by(Incident.id)
    ).all()
    if not incidents:
        return []
    by_id = {i.id: i for i in incidents}
    brands = dict(
        session.execute(
            select(Brand.id, Brand.name).where(Brand.id.in_({i.brand_id for i in incidents}))
        ).all()
    )
    # when each channel received each incident's current message
    delivered = dict(
        session.execute(
            select(AlertDelivery.dedupe_key, AlertDelivery.delivered_at).where(
                AlertDelivery.incident_id.in_(by_id),
                AlertDelivery.status == "delivered",
                AlertDelivery.event != REMINDER,
                AlertDelivery.channel.in_([c.name for c in channels]),
            )
        ).all()
    )
    due: dict[str, tuple[ChannelConfig, Incident, str, int, datetime]] = {}
    for inc in incidents:
        brand = brands[inc.brand_id]
        targets = channels_for_incident(
            channels, brand_name=brand, category=inc.category, severity=inc.severity
        )
        for channel in targets:
            key = incident_dedupe_key(channel.name, inc.id, inc.state_version or 0)
            at = delivered.get(key)
            if at is None:
                continue  # the message itself has not reached this channel (yet)
            number = reminder_number(channel, at, now)
            if number == 0 or hold_until(channel, now, severity=inc.severity, category=inc.category):
                continue
            due[reminder_key(key, number)] = (channel, inc, brand, number, at)
    # every tick sees the same due reminders until the next one: build only the new ones
    queued = set(session.scalars(select(AlertDelivery.dedupe_key).where(AlertDelivery.dedupe_key.in_(due))))
    rows = [
        _reminder_row(session, channel, inc, brand, key, number, at=at, config=config, now=now)
        for key, (channel, inc, brand, number, at) in due.items()
        if key not in queued
    ]
    return insert_new(session, rows)


def _reminder_row(
    session: Session,
    channel: ChannelConfig,
    inc: Incident,
    brand: str,
    key: str,
    number: int,
    *,
    at: datetime,
    config: AppConfig,
    now: datetime,
) -> dict[str, Any]:
    mentions = session.scalars(
        select(Mention)
        .where(Mention.incident_id == inc.id, Mention.duplicate_of_id.is_(None))
        .order_by(Mention.published_at.desc(), Mention.id.desc())
        .limit(_MESSAGE_MENTIONS)
    ).all()
    view, mention_views = incident_views(session, inc, brand_name=brand, mentions=mentions)
    why = (
        f"still open and not acknowledged {_minutes((now - at).total_seconds())} after the alert "
        f"(reminder {number} of {channel.repeat_max})"
    )
    payload = incident_payload(
        channel,
        key=key,
        event=REMINDER,
        incident=view,
        mentions=mention_views,
        incident_url=incident_link(public_url(config), inc.id),
        why=why,
    )
    return incident_row(
        channel,
        inc,
        key=key,
        event=REMINDER,
        payload=payload,
        now=now,
        give_up_seconds=config.alerts.delivery_give_up_seconds,
    )
