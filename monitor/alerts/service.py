"""The alert outbox: rows written in the caller's transaction, so a crash never loses a decided alert.

The caller owns the commit. Each row's `dedupe_key` is unique: enqueueing the same incident state
(or the same source transition) twice is a no-op, so a channel gets exactly one message per change.

Routing: an incident message goes to each channel whose `brands`, `categories` and `min_severity`
admit it; source-health notices are routed by brand only. Quiet hours: a channel's non-critical
rows are written now with `next_attempt_at` at the end of its quiet hours (quiet_hours.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from monitor.alerts.messages import (
    IncidentView,
    MentionView,
    SourceView,
    slack_message,
    source_notice,
    webhook_payload,
)
from monitor.alerts.models import AlertDelivery
from monitor.alerts.plain import plain_message, plain_source_notice
from monitor.alerts.quiet_hours import hold_until
from monitor.sources.models import Source

if TYPE_CHECKING:
    from monitor.config import ChannelConfig
    from monitor.incidents.models import Incident
    from monitor.mentions.models import Mention

STATUSES = ("pending", "delivered", "failed", "cancelled")  # cancelled: a reminder made moot


def incident_dedupe_key(channel: str, incident_id: int, state_version: int) -> str:
    return f"{channel}:incident:{incident_id}:v{state_version}"


def source_dedupe_key(channel: str, source_id: int, event: str, now: datetime) -> str:
    return f"{channel}:source:{source_id}:{event}:{now.isoformat()}"


def channels_for_brand(channels: Sequence[ChannelConfig], brand_name: str | None) -> list[ChannelConfig]:
    """Channels whose `brands` filter admits the brand (an empty filter admits every brand)."""
    return [c for c in channels if not c.brands or (brand_name is not None and brand_name in c.brands)]


def channels_for_incident(
    channels: Sequence[ChannelConfig], *, brand_name: str | None, category: str, severity: int
) -> list[ChannelConfig]:
    """Channels whose brand, category and minimum-severity filters all admit this incident."""
    return [
        c
        for c in channels_for_brand(channels, brand_name)
        if (not c.categories or category in c.categories)
        and (c.min_severity is None or severity <= c.min_severity)
    ]


def insert_new(session: Session, rows: list[dict[str, Any]]) -> list[AlertDelivery]:
    """Insert the rows whose dedupe_key is new; an existing key is left alone (ON CONFLICT DO NOTHING)."""
    if not rows:
        return []
    keys = [r["dedupe_key"] for r in rows]
    # check first: saves building duplicates; the ON CONFLICT below covers a concurrent writer
    existing = set(
        session.scalars(select(AlertDelivery.dedupe_key).where(AlertDelivery.dedupe_key.in_(keys)))
    )
    rows = [r for r in rows if r["dedupe_key"] not in existing]
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        stmt = insert(AlertDelivery).on_conflict_do_nothing(index_elements=["dedupe_key"])
        ids = [session.execute(stmt.values(**r).returning(AlertDelivery.id)).scalar() for r in rows]
        ids = [i for i in ids if i is not None]
        if not ids:
            return []
        return list(
            session.scalars(select(AlertDelivery).where(AlertDelivery.id.in_(ids)).order_by(AlertDelivery.id))
        )
    created = [AlertDelivery(**r) for r in rows]
    session.add_all(created)
    session.flush()
    return created


def outbox_row(
    *,
    channel: ChannelConfig,
    key: str,
    event: str,
    payload: dict[str, Any],
    now: datetime,
    give_up_seconds: int,
    severity: int | None = None,
    category: str | None = None,
) -> dict[str, Any]:
    """A pending row; held to the end of the channel's quiet hours unless critical."""
    send_at = hold_until(channel, now, severity=severity, category=category) or now
    return {
        "dedupe_key": key,
        "channel": channel.name,
        "channel_kind": channel.kind,
        "event": event,
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": send_at,
        # the retry budget starts when the message may first leave, not while it is held
        "give_up_at": send_at + timedelta(seconds=give_up_seconds),
        "created_at": now,
    }


def incident_row(
    channel: ChannelConfig,
    incident: Incident,
    *,
    key: str,
    event: str,
    payload: dict[str, Any],
    now: datetime,
    give_up_seconds: int,
) -> dict[str, Any]:
    """An outbox row about `incident`: held by the channel's quiet hours unless the incident is critical."""
    row = outbox_row(
        channel=channel,
        key=key,
        event=event,
        payload=payload,
        now=now,
        give_up_seconds=give_up_seconds,
        severity=incident.severity,
        category=incident.category,
    )
    return row | {"incident_id": incident.id}


def incident_payload(
    channel: ChannelConfig,
    *,
    key: str,
    event: str,
    incident: IncidentView,
    mentions: Sequence[MentionView],
    incident_url: str | None,
    why: str | None,
) -> dict[str, Any]:
    """The message for one channel, in its kind's form (Block Kit, webhook JSON, or plain markdown)."""
    if channel.kind == "slack":
        return slack_message(
            event=event,
            incident=incident,
            mentions=mentions,
            incident_url=incident_url,
            why=why,
            buttons=bool(channel.buttons),
        )
    if channel.kind == "apprise":
        return plain_message(
            event=event, incident=incident, mentions=mentions, incident_url=incident_url, why=why
        )
    return webhook_payload(
        event=event,
        incident=incident,
        mentions=mentions,
        incident_url=incident_url,
        delivery_key=key,
        why=why,
    )


def incident_views(
    session: Session, incident: Incident, *, brand_name: str, mentions: Sequence[Mention]
) -> tuple[IncidentView, list[MentionView]]:
    """Frozen copies of the incident and its mentions (source names looked up) for building messages."""
    source_ids = {m.source_id for m in mentions if m.source_id is not None}
    names: dict[int, str] = {}
    if source_ids:
        rows = session.execute(select(Source.id, Source.name).where(Source.id.in_(source_ids)))
        names = {row.id: row.name for row in rows}
    view = IncidentView.from_orm(incident, brand_name=brand_name)
    return view, [MentionView.from_orm(m, source_name=names.get(m.source_id)) for m in mentions]


def incident_link(public_url: str | None, incident_id: int) -> str | None:
    return f"{public_url.rstrip('/')}/incidents/{incident_id}" if public_url else None


def release_held(session: Session, *, channel: str, incident_id: int, now: datetime) -> None:
    """Send now the messages of this incident held for quiet hours, ahead of the one going at once.

    An incident that escalates to SEV1 at night wakes the channel; the earlier messages it held
    then go first (queue order is next_attempt_at, id), so the story reads in order.
    """
    session.execute(
        update(AlertDelivery)
        .where(
            AlertDelivery.channel == channel,
            AlertDelivery.incident_id == incident_id,
            AlertDelivery.status == "pending",
            AlertDelivery.next_attempt_at > now,
        )
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )


def enqueue_incident_alert(
    session: Session,
    *,
    channels: Sequence[ChannelConfig],
    incident: Incident,
    brand_name: str,
    event: str,
    mentions: Sequence[Mention],
    public_url: str | None,
    give_up_seconds: int,
    now: datetime,
    why: str | None = None,
) -> list[AlertDelivery]:
    """Queue one message per admitting channel for this incident state; returns only the rows created.

    `why`: the alert policy's reason in words ("6 reports in 7 days (threshold 6)").
    """
    targets = channels_for_incident(
        channels, brand_name=brand_name, category=incident.category, severity=incident.severity
    )
    if not targets:
        return []
    if incident.id is None:
        session.flush()
    view, mention_views = incident_views(session, incident, brand_name=brand_name, mentions=mentions)
    url = incident_link(public_url, incident.id)
    rows = []
    for channel in targets:
        key = incident_dedupe_key(channel.name, incident.id, incident.state_version or 0)
        payload = incident_payload(
            channel, key=key, event=event, incident=view, mentions=mention_views, incident_url=url, why=why
        )
        row = incident_row(
            channel, incident, key=key, event=event, payload=payload, now=now, give_up_seconds=give_up_seconds
        )
        if channel.quiet_hours is not None and row["next_attempt_at"] <= now:
            release_held(session, channel=channel.name, incident_id=incident.id, now=now)
        rows.append(row)
    return insert_new(session, rows)


def enqueue_source_notice(
    session: Session,
    *,
    channels: Sequence[ChannelConfig],
    source: Source,
    event: str,
    give_up_seconds: int,
    now: datetime,
) -> list[AlertDelivery]:
    """Queue a source-health notice (the caller calls only on a transition); returns the rows created."""
    targets = channels_for_brand(channels, source.brand) if source.brand else list(channels)
    if source.id is None:
        session.flush()
    view = SourceView.from_orm(source)
    rows = []
    for channel in targets:
        key = source_dedupe_key(channel.name, source.id, event, now)
        if channel.kind == "apprise":
            payload = plain_source_notice(event=event, source=view)
        else:
            payload = source_notice(event=event, source=view, kind=channel.kind, delivery_key=key)
        row = outbox_row(
            channel=channel, key=key, event=event, payload=payload, now=now, give_up_seconds=give_up_seconds
        )
        rows.append(row | {"source_id": source.id})
    return insert_new(session, rows)
