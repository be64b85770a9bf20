"""Incident lifecycle: ingest a batch (grouping.py decides), notify, resolve, acknowledge, assign.

Every function works in the caller's session and transaction (no commit), so a batch's
mentions, incident changes and outbox rows commit together or not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.brands.models import Brand
from monitor.config import AlertPolicyConfig, AppConfig, ChannelConfig
from monitor.incidents.batch_decide import Group
from monitor.incidents.changes import IncidentChange
from monitor.incidents.grouping import ACTIVE, group_batch
from monitor.incidents.models import Incident
from monitor.incidents.policy import ESCALATED, OPENED, REGRESSED, RESOLVED, UPDATED, resolved_notice
from monitor.incidents.spike import detect_spikes
from monitor.mentions.models import Mention
from monitor.scoring.taxonomy import SPIKE_CATEGORY

log = logging.getLogger(__name__)

_MESSAGE_MENTIONS = 5  # the trigger plus the latest few, for the alert's body


def public_url_warning(config: AppConfig) -> str | None:
    """A warning when alerts will be sent but their links can only work on this machine."""
    from monitor.settings import get_settings

    if not config.channels or get_settings().public_url or config.api.public_url:
        return None
    return (
        f"warning: alert channels are configured but no public URL is set, so the links in alerts "
        f"point at {public_url(config)} (only this machine can open them): set [api] public_url "
        "or MONITOR_PUBLIC_URL to the address your team opens the dashboard at"
    )


def public_url(config: AppConfig) -> str:
    """Base URL for links in alerts: the environment, then the file, then the API's own address."""
    from monitor.settings import get_settings

    return get_settings().public_url or config.api.public_url or f"http://{config.api.host}:{config.api.port}"


def ingest(
    session: Session,
    mentions: Sequence[Mention],
    *,
    config: AppConfig,
    now: datetime,
    stored: Sequence[Any] = (),
) -> list[IncidentChange]:
    """Group newly stored mentions into incidents, then run the alert policy once per incident.

    One IncidentChange per incident the batch touched, in the order of its first mention; at most
    one message per incident per batch (see grouping.py). A constant number of statements per
    batch, plus the outbox rows of any message. `stored`: every new row of the batch, flagged or
    not, for volume spikes (spike.py), whose changes come last.
    """
    groups = group_batch(session, mentions, policy=config.alerts, now=now)
    url = public_url(config) if any(g.decision.notify for g in groups) else None
    changes = [_settle(session, g, config=config, now=now, url=url) for g in groups]
    # volume spikes: after grouping, so a spike takes only the mentions no other incident holds
    spike_url = public_url(config) if stored else None
    return changes + detect_spikes(
        session, stored, policy=config.alerts, channels=config.channels, now=now, public_url=spike_url
    )


def _settle(
    session: Session, g: Group, *, config: AppConfig, now: datetime, url: str | None
) -> IncidentChange:
    """Send the group's message if the policy decided so, and describe the change."""
    inc, brand, decision = g.incident, g.brand, g.decision
    if decision.notify and decision.event:
        event = decision.event
        # the line names what an operator greps for; the same fields go to --log-format json as keys
        log.info(
            "incident alert: %s %s incident %s %s (%s)",
            brand.name,
            inc.category,
            inc.id,
            event,
            decision.reason,
            extra={
                "incident_id": inc.id,
                "brand": brand.name,
                "category": inc.category,
                "event": event,
                "reason": decision.reason,
            },
        )
        _notify(
            session,
            inc,
            brand,
            event=event,
            channels=config.channels,
            policy=config.alerts,
            public_url=url,
            trigger=g.trigger,
            now=now,
            why=decision.reason,
        )
    elif g.created:
        event = OPENED
    elif g.regressed:
        event = REGRESSED
    elif inc.severity < g.start_severity:
        event = ESCALATED
    else:
        event = UPDATED
    return IncidentChange(
        incident_id=inc.id,
        brand=brand.name,
        category=inc.category,
        event=event,
        severity=inc.severity,
        mention_count=inc.mention_count,
        notify=decision.notify,
        trigger_mention_id=g.trigger.id if g.trigger is not None else None,
        reason=decision.reason,
    )


def _channels_for(channels: Sequence[ChannelConfig], brand: str) -> list[ChannelConfig]:
    return [c for c in channels if not c.brands or brand in c.brands]


def _message_mentions(session: Session, inc: Incident, trigger: Mention | None) -> list[Mention]:
    latest = session.scalars(
        select(Mention)
        .where(Mention.incident_id == inc.id, Mention.duplicate_of_id.is_(None))
        .order_by(Mention.published_at.desc(), Mention.id.desc())
        .limit(_MESSAGE_MENTIONS)
    ).all()
    if trigger is None:
        return list(latest)
    return [trigger, *(m for m in latest if m.id != trigger.id)][:_MESSAGE_MENTIONS]


def _notify(
    session: Session,
    inc: Incident,
    brand: Brand,
    *,
    event: str,
    channels: Sequence[ChannelConfig],
    policy: AlertPolicyConfig,
    public_url: str | None,
    trigger: Mention | None,
    now: datetime,
    why: str | None = None,
) -> None:
    """Count the message, then queue one outbox row per channel (the dedupe key has the version)."""
    inc.state_version += 1
    inc.messages_sent += 1
    if event != RESOLVED:
        inc.alerted = True
        inc.alerted_severity = inc.severity
    targets = _channels_for(channels, brand.name)
    if not targets:
        return
    from monitor.alerts.service import enqueue_incident_alert

    enqueue_incident_alert(
        session,
        channels=targets,
        incident=inc,
        brand_name=brand.name,
        event=event,
        mentions=_message_mentions(session, inc, trigger),
        public_url=public_url,
        give_up_seconds=policy.delivery_give_up_seconds,
        now=now,
        why=why,
    )


def _close(
    session: Session,
    inc: Incident,
    brand: Brand,
    *,
    by: str,
    note: str | None,
    now: datetime,
    channels: Sequence[ChannelConfig],
    policy: AlertPolicyConfig,
    public_url: str | None,
) -> bool:
    inc.status = "resolved"
    inc.resolved_at = now
    inc.resolved_by = by
    inc.resolution_note = note
    notify = resolved_notice(policy, alerted=inc.alerted, messages_sent=inc.messages_sent)
    if notify:
        _notify(
            session,
            inc,
            brand,
            event=RESOLVED,
            channels=channels,
            policy=policy,
            public_url=public_url,
            trigger=None,
            now=now,
            why=_resolution_words(
                by, note, quiet_minutes=policy.resolve_after_minutes, category=inc.category
            ),
        )
    return notify


def _resolution_words(by: str, note: str | None, *, quiet_minutes: int, category: str = "") -> str:
    if by == "auto":
        hours = quiet_minutes / 60
        span = f"{hours:g} hours" if hours >= 1 else f"{quiet_minutes} minutes"
        if category == SPIKE_CATEGORY:  # the brand is still mentioned: what stopped is the surge
            return f"back to the usual rate for {span}"
        return f"no new mention for {span}"
    return f"resolved by {by}" + (f": {note}" if note else "")


def auto_resolve(session: Session, *, config: AppConfig, now: datetime) -> list[IncidentChange]:
    """Resolve open and acknowledged incidents quiet for resolve_after_minutes (resolved_by="auto")."""
    cutoff = now - timedelta(minutes=config.alerts.resolve_after_minutes)
    quiet = session.scalars(
        select(Incident)
        .where(Incident.status.in_(ACTIVE), Incident.last_seen_at < cutoff)
        .order_by(Incident.last_seen_at, Incident.id)
    ).all()
    if not quiet:
        return []
    brands = {
        b.id: b for b in session.scalars(select(Brand).where(Brand.id.in_({i.brand_id for i in quiet})))
    }
    url = public_url(config)
    changes = []
    for inc in quiet:
        brand = brands[inc.brand_id]
        notify = _close(
            session,
            inc,
            brand,
            by="auto",
            note=None,
            now=now,
            channels=config.channels,
            policy=config.alerts,
            public_url=url,
        )
        changes.append(
            IncidentChange(
                incident_id=inc.id,
                brand=brand.name,
                category=inc.category,
                event=RESOLVED,
                severity=inc.severity,
                mention_count=inc.mention_count,
                notify=notify,
                trigger_mention_id=None,
            )
        )
    session.flush()
    return changes


def _get(session: Session, incident_id: int) -> Incident:
    inc = session.get(Incident, incident_id)
    if inc is None:
        raise LookupError(f"incident {incident_id} not found")
    return inc


def acknowledge(session: Session, *, incident_id: int, by: str, now: datetime) -> Incident:
    """Mark the incident as being handled; LookupError if missing, ValueError if resolved."""
    inc = _get(session, incident_id)
    if inc.status == "resolved":
        raise ValueError(f"incident {incident_id} is resolved")
    if inc.status != "acknowledged":  # a second acknowledgement keeps the first one's name and time
        inc.status = "acknowledged"
        inc.acknowledged_at = now
        inc.acknowledged_by = by
        session.flush()
    return inc


def resolve(
    session: Session,
    *,
    incident_id: int,
    by: str,
    note: str | None,
    now: datetime,
    channels: Sequence[ChannelConfig],
    policy: AlertPolicyConfig,
    public_url: str | None,
) -> Incident:
    """Resolve by hand, with a resolved notice when the policy allows; ValueError if already resolved."""
    inc = _get(session, incident_id)
    if inc.status == "resolved":
        raise ValueError(f"incident {incident_id} is already resolved")
    brand = session.get(Brand, inc.brand_id)
    assert brand is not None  # brand_id is a foreign key
    _close(
        session,
        inc,
        brand,
        by=by,
        note=note,
        now=now,
        channels=channels,
        policy=policy,
        public_url=public_url,
    )
    session.flush()
    return inc


def assign(session: Session, *, incident_id: int, to: str, now: datetime) -> Incident:
    """Assign the incident to a person (an empty name unassigns); LookupError if missing."""
    inc = _get(session, incident_id)
    inc.assigned_to = to.strip() or None
    inc.updated_at = now
    session.flush()
    return inc
