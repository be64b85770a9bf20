"""The daily digest: per channel with `digest = {at, timezone}`, one summary a day of the last 24 hours.

Per brand the channel hears: mentions, incidents opened (those the channel's routing admits), and
reply times (median and count of first replies made in the window, from each post's publication);
then the top incidents active in the window, worst first. Queued by the worker's maintenance tick
once the local time passes `at`, with the local date in the dedupe key, so it goes once a day
whatever the number of workers or restarts; a worker down at `at` sends it when it is back, the
same day. Quiet hours hold it like any non-critical message.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.alerts.channel_config import clock_time
from monitor.alerts.digest_render import BrandDay, Digest, TopIncident, render_digest
from monitor.alerts.models import AlertDelivery
from monitor.alerts.service import insert_new, outbox_row
from monitor.alerts.views import IncidentView
from monitor.brands.models import Brand
from monitor.incidents.models import Incident
from monitor.incidents.service import public_url
from monitor.mentions.models import Mention

if TYPE_CHECKING:
    from monitor.config import AppConfig, ChannelConfig

DIGEST = "digest.daily"
WINDOW = timedelta(hours=24)
TOP_INCIDENTS = 5


def digest_key(channel: str, day: date) -> str:
    return f"{channel}:digest:{day.isoformat()}"


def digest_day(channel: ChannelConfig, now: datetime) -> date | None:
    """The local date whose digest is due at `now` (None: before today's `at`)."""
    assert channel.digest is not None
    local = now.astimezone(ZoneInfo(channel.digest.timezone))
    if local.time().replace(tzinfo=None) < clock_time(channel.digest.at):
        return None
    return local.date()


def _admitted(channel: ChannelConfig) -> list[Any]:
    """The channel's routing as SQL conditions on Incident (brand is handled by the caller)."""
    conditions = []
    if channel.categories:
        conditions.append(Incident.category.in_(channel.categories))
    if channel.min_severity is not None:
        conditions.append(Incident.severity <= channel.min_severity)
    return conditions


def build_digest(
    session: Session,
    channel: ChannelConfig,
    *,
    day: date,
    now: datetime,
    base_url: str | None,
    configured: Sequence[str] = (),
) -> Digest:
    """Collect the 24 hours before `now` as `channel` would hear them.

    `configured`: the brands of the configuration, each listed even before the worker has synced
    it into the database (with zeros); without it, the brands in the database.
    """
    since = now - WINDOW
    brand_rows = session.execute(select(Brand.id, Brand.name).order_by(Brand.name)).all()
    names = configured or [name for _bid, name in brand_rows]
    wanted = sorted(n for n in names if not channel.brands or n in channel.brands)
    brands = {bid: name for bid, name in brand_rows if name in wanted}
    ids = list(brands)
    mentions = dict(
        session.execute(
            select(Mention.brand_id, func.count())
            .where(
                Mention.brand_id.in_(ids),
                Mention.published_at >= since,
                Mention.published_at < now,
                Mention.duplicate_of_id.is_(None),
            )
            .group_by(Mention.brand_id)
        ).all()
    )
    admitted = _admitted(channel)
    opened = dict(
        session.execute(
            select(Incident.brand_id, func.count())
            .where(
                Incident.brand_id.in_(ids), Incident.opened_at >= since, Incident.opened_at < now, *admitted
            )
            .group_by(Incident.brand_id)
        ).all()
    )
    waits: dict[int, list[float]] = {}
    for bid, published, replied in session.execute(
        select(Mention.brand_id, Mention.published_at, Mention.replied_at).where(
            Mention.brand_id.in_(ids), Mention.replied_at >= since, Mention.replied_at < now
        )
    ).all():
        waits.setdefault(bid, []).append(max(0.0, (replied - published).total_seconds() / 60))
    ids_by_name = {name: bid for bid, name in brands.items()}
    per_brand = [
        BrandDay(
            brand=name,
            mentions=mentions.get(bid, 0),
            incidents=opened.get(bid, 0),
            replies=len(waits.get(bid, [])),
            median_reply_minutes=statistics.median(waits[bid]) if waits.get(bid) else None,
        )
        for name in wanted
        for bid in [ids_by_name.get(name)]
    ]
    top_rows = session.scalars(
        select(Incident)
        .where(
            Incident.brand_id.in_(ids),
            Incident.last_seen_at >= since,
            Incident.first_seen_at < now,
            *admitted,
        )
        .order_by(Incident.severity, Incident.mention_count.desc(), Incident.id)
        .limit(TOP_INCIDENTS)
    ).all()
    top = [
        TopIncident(
            incident=IncidentView.from_orm(i, brand_name=brands[i.brand_id]),
            url=f"{base_url.rstrip('/')}/incidents/{i.id}" if base_url else None,
        )
        for i in top_rows
    ]
    return Digest(day=day, since=since, until=now, brands=per_brand, top=top)


def due_digests(session: Session, *, config: AppConfig, now: datetime) -> list[AlertDelivery]:
    """Queue each channel's digest once its local time passes `at` (once per local date)."""
    due = {}
    for channel in config.channels:
        if channel.digest is not None and (day := digest_day(channel, now)) is not None:
            due[digest_key(channel.name, day)] = (channel, day)
    if not due:
        return []
    sent = set(session.scalars(select(AlertDelivery.dedupe_key).where(AlertDelivery.dedupe_key.in_(due))))
    rows = []
    for key, (channel, day) in due.items():
        if key in sent:
            continue  # built only when new: a day's digest is a handful of queries, once
        digest = build_digest(
            session,
            channel,
            day=day,
            now=now,
            base_url=public_url(config),
            configured=[b.name for b in config.brands],
        )
        payload = render_digest(digest, kind=channel.kind, delivery_key=key)
        rows.append(
            outbox_row(
                channel=channel,
                key=key,
                event=DIGEST,
                payload=payload,
                now=now,
                give_up_seconds=config.alerts.delivery_give_up_seconds,
            )
        )
    return insert_new(session, rows)
