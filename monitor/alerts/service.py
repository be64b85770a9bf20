"""The alert outbox: rows written in the caller's transaction, so a crash never loses a decided alert.

The caller owns the commit. Each row's `dedupe_key` is unique: enqueueing the same incident state
(or the same source transition) twice is a no-op, so a channel gets exactly one message per change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
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
from monitor.sources.models import Source

if TYPE_CHECKING:
    from monitor.config import ChannelConfig
    from monitor.incidents.models import Incident
    from monitor.mentions.models import Mention

STATUSES = ("pending", "delivered", "failed")


def incident_dedupe_key(channel: str, incident_id: int, state_version: int) -> str:
    return f"{channel}:incident:{incident_id}:v{state_version}"


def source_dedupe_key(channel: str, source_id: int, event: str, now: datetime) -> str:
    return f"{channel}:source:{source_id}:{event}:{now.isoformat()}"


def channels_for_brand(channels: Sequence[ChannelConfig], brand_name: str | None) -> list[ChannelConfig]:
    """Channels whose `brands` filter admits the brand (an empty filter admits every brand)."""
    return [c for c in channels if not c.brands or (brand_name is not None and brand_name in c.brands)]


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> list[AlertDelivery]:
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


def _row(
    *,
    channel: ChannelConfig,
    key: str,
    event: str,
    payload: dict[str, Any],
    now: datetime,
    give_up_seconds: int,
) -> dict[str, Any]:
    return {
        "dedupe_key": key,
        "channel": channel.name,
        "channel_kind": channel.kind,
        "event": event,
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "give_up_at": now + timedelta(seconds=give_up_seconds),
        "created_at": now,
    }


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
    targets = channels_for_brand(channels, brand_name)
    if not targets:
        return []
    if incident.id is None:
        session.flush()
    source_ids = {m.source_id for m in mentions if m.source_id is not None}
    names: dict[int, str] = {}
    if source_ids:
        rows = session.execute(select(Source.id, Source.name).where(Source.id.in_(source_ids)))
        names = {row.id: row.name for row in rows}
    incident_url = f"{public_url.rstrip('/')}/incidents/{incident.id}" if public_url else None
    view = IncidentView.from_orm(incident, brand_name=brand_name)
    mention_views = [MentionView.from_orm(m, source_name=names.get(m.source_id)) for m in mentions]
    rows = []
    for channel in targets:
        key = incident_dedupe_key(channel.name, incident.id, incident.state_version or 0)
        if channel.kind == "slack":
            payload = slack_message(
                event=event, incident=view, mentions=mention_views, incident_url=incident_url, why=why
            )
        else:
            payload = webhook_payload(
                event=event,
                incident=view,
                mentions=mention_views,
                incident_url=incident_url,
                delivery_key=key,
                why=why,
            )
        row = _row(
            channel=channel, key=key, event=event, payload=payload, now=now, give_up_seconds=give_up_seconds
        )
        rows.append(row | {"incident_id": incident.id})
    return _insert_new(session, rows)


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
        payload = source_notice(event=event, source=view, kind=channel.kind, delivery_key=key)
        row = _row(
            channel=channel, key=key, event=event, payload=payload, now=now, give_up_seconds=give_up_seconds
        )
        rows.append(row | {"source_id": source.id})
    return _insert_new(session, rows)
