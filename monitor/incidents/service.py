"""Incident grouping and lifecycle: the stateful half of the incident engine.

Every function works in the caller's session and transaction (no commit), so a batch's
mentions, incident changes and outbox rows commit together or not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.brands.models import Brand
from monitor.config import AlertPolicyConfig, AppConfig, ChannelConfig
from monitor.incidents.baseline import brand_volume
from monitor.incidents.models import Incident
from monitor.incidents.policy import (
    BURST_MINUTES,
    ESCALATED,
    OPENED,
    REGRESSED,
    RESOLVED,
    UPDATED,
    IncidentFacts,
    MentionFacts,
    decide,
    resolved_notice,
)
from monitor.incidents.severity import SeverityStats, severity, spike_ratio
from monitor.incidents.stats import echo_voices, window_counts
from monitor.mentions.models import Mention

log = logging.getLogger(__name__)

ACTIVE = ("open", "acknowledged")
# A resolved incident that comes back within a day reopens as regressed (same id, same history);
# later, the same category is a new incident. Only incidents the team heard of or closed by hand
# regress: an auto-resolved pair of grumbles nobody was told about is not worth reviving.
REGRESSION_WINDOW = timedelta(hours=24)
_MESSAGE_MENTIONS = 5  # the trigger plus the latest few, for the alert's body


@dataclass(frozen=True, slots=True)
class IncidentChange:
    incident_id: int
    brand: str
    category: str
    event: str  # "incident.opened" | "incident.updated" | "incident.escalated" | "incident.regressed" | ...
    severity: int  # 1 (worst) .. 4
    mention_count: int
    notify: bool  # the alert policy decided to send a message for this change
    trigger_mention_id: int | None


def public_url(config: AppConfig) -> str:
    """Base URL for links in alerts: the environment, then the file, then the API's own address."""
    from monitor.settings import get_settings

    return get_settings().public_url or config.api.public_url or f"http://{config.api.host}:{config.api.port}"


def ingest(
    session: Session, mentions: Sequence[Mention], *, config: AppConfig, now: datetime
) -> list[IncidentChange]:
    """Group newly stored mentions into incidents and run the alert policy, oldest first."""
    todo = sorted(
        (m for m in mentions if m.is_incident and m.category and m.incident_id is None),
        key=lambda m: (m.published_at, m.id),
    )
    if not todo:
        return []
    brands = {b.id: b for b in session.scalars(select(Brand).where(Brand.id.in_({m.brand_id for m in todo})))}
    return [_ingest_one(session, m, brands[m.brand_id], config=config, now=now) for m in todo]


def _ingest_one(
    session: Session, m: Mention, brand: Brand, *, config: AppConfig, now: datetime
) -> IncidentChange:
    policy = config.alerts
    window = timedelta(minutes=policy.window_minutes)
    category = m.category or ""
    t = m.published_at
    created = regressed = False
    inc = _find_active(session, brand_id=brand.id, category=category, at=t, window=window)
    if inc is None:
        inc = _find_regressable(session, brand_id=brand.id, category=category, at=t)
        if inc is not None:
            _reopen(inc)
            regressed = True
        else:
            inc = Incident(
                brand_id=brand.id,
                category=category,
                status="open",
                severity=4,
                mention_count=0,
                reach=0,
                max_urgency=0.0,
                direct_count=0,
                first_seen_at=t,
                last_seen_at=t,
                opened_at=now,
                regressed=False,
                regression_count=0,
                alerted=False,
                messages_sent=0,
                state_version=0,
            )
            session.add(inc)
            created = True
    previous_severity = inc.severity
    distinct = m.duplicate_of_id is None
    if distinct:  # the same story cross-posted counts once; its reach still adds up
        inc.mention_count += 1
        inc.direct_count += int(m.direct)
    inc.reach += m.author_reach or 0
    inc.max_urgency = max(inc.max_urgency, m.urgency)
    inc.first_seen_at = min(inc.first_seen_at, t)
    inc.last_seen_at = max(inc.last_seen_at, t)
    session.flush()
    m.incident_id = inc.id
    session.flush()

    burst = min(window, timedelta(minutes=BURST_MINUTES))
    counts = window_counts(session, incident_id=inc.id, at=t, window=window, burst=burst)
    echoes = echo_voices(session, incident_id=inc.id, at=t, window=window)
    new_voice = distinct or m.id in echoes
    volume = brand_volume(session, brand_id=brand.id, brand_created_at=brand.created_at, at=t)
    # a running rate knows nothing of the time of day: evening is not a spike over a quiet morning
    ratio = 1.0 if volume.provisional else spike_ratio(volume.last_hour, volume.baseline_per_hour)
    level = severity(
        SeverityStats(
            category=category,
            mentions=inc.mention_count,
            last_15m=counts.last_15m,
            last_hour=counts.last_hour,
            reach=inc.reach + counts.engagement,
            max_urgency=inc.max_urgency,
            spike_ratio=ratio,
        )
    )
    # an open incident's severity is the worst it has been; a quiet hour does not make it milder
    inc.severity = level if (created or regressed) else min(inc.severity, level)

    decision = decide(
        IncidentFacts(
            severity=inc.severity,
            in_window=counts.in_window + len(echoes),
            in_burst=counts.in_burst + sum(1 for at in echoes.values() if at > t - burst),
            alerted=inc.alerted,
            alerted_severity=inc.alerted_severity,
            messages_sent=inc.messages_sent,
            regressed_now=regressed,
            spike_ratio=ratio,
            brand_last_hour=volume.last_hour,
            baseline_per_hour=volume.baseline_per_hour,
        ),
        MentionFacts(
            is_incident=m.is_incident,
            duplicate=not new_voice,
            direct=m.direct,
            urgency=m.urgency,
            age_seconds=(now - t).total_seconds(),
        ),
        policy,
        brand=brand.name,
        category=category,
    )
    if decision.notify and decision.event:
        event = decision.event
        log.info(
            "incident alert",
            extra={"incident_id": inc.id, "brand": brand.name, "event": event, "reason": decision.reason},
        )
        _notify(
            session,
            inc,
            brand,
            event=event,
            channels=config.channels,
            policy=policy,
            public_url=public_url(config),
            trigger=m,
            now=now,
        )
    elif created:
        event = OPENED
    elif regressed:
        event = REGRESSED
    elif inc.severity < previous_severity:
        event = ESCALATED
    else:
        event = UPDATED
    return IncidentChange(
        incident_id=inc.id,
        brand=brand.name,
        category=category,
        event=event,
        severity=inc.severity,
        mention_count=inc.mention_count,
        notify=decision.notify,
        trigger_mention_id=m.id,
    )


def _find_active(
    session: Session, *, brand_id: int, category: str, at: datetime, window: timedelta
) -> Incident | None:
    """The open or acknowledged incident this mention is close enough to (either side, for late arrivals)."""
    candidates = session.scalars(
        select(Incident)
        .where(Incident.brand_id == brand_id, Incident.category == category, Incident.status.in_(ACTIVE))
        .order_by(Incident.last_seen_at.desc(), Incident.id.desc())
    )
    for inc in candidates:
        if inc.first_seen_at - window <= at <= inc.last_seen_at + window:
            return inc
    return None


def _find_regressable(session: Session, *, brand_id: int, category: str, at: datetime) -> Incident | None:
    """The latest incident of this brand and category resolved within REGRESSION_WINDOW before `at`."""
    return session.scalars(
        select(Incident)
        .where(
            Incident.brand_id == brand_id,
            Incident.category == category,
            Incident.status == "resolved",
            Incident.resolved_at >= at - REGRESSION_WINDOW,
            (Incident.alerted.is_(True)) | (Incident.resolved_by != "auto"),
        )
        .order_by(Incident.resolved_at.desc(), Incident.id.desc())
        .limit(1)
    ).first()


def _reopen(inc: Incident) -> None:
    inc.status = "open"
    inc.regressed = True
    inc.regression_count += 1
    inc.resolved_at = inc.resolved_by = inc.resolution_note = None
    # a new episode: whoever acknowledged the last one has not seen this one yet
    inc.acknowledged_at = inc.acknowledged_by = None


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
        )
    return notify


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
