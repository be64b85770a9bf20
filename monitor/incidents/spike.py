"""Volume spikes: a brand far above its own usual hour is an incident, whatever the detector says.

A classifier miss must not be a total miss: forty posts about a brand in twenty minutes after a
quiet week mean something, flagged or not. After every batch, each brand that got new mentions
has its last hour (up to the batch's time) compared with two baselines of its own: the mean hour
over the 12 hours before, and the mean of the same hour on the previous 7 days it was watched.
The larger one counts, so a brand's ordinary evening rush (same hour last week) and a busy day
(the hours before) are both normal. docs/alert-policy.md "Volume spikes" has the defaults.

A spike is an incident of category SPIKE_CATEGORY: it takes the surge's mentions that no other
incident holds, pages once when it opens, again only when the hour grows to ESCALATE_FACTOR (then
CRITICAL_FACTOR) times its threshold, and takes mentions only while the rate stays above the
threshold; after that it goes quiet and auto-resolves like any incident. Every mention counts,
copies too: a copy-paste wave is a surge, and the baseline counts copies the same way.

Statements per batch: the brands, the counts (one aggregate), the open spikes; and per brand that
is spiking, a handful more (totals, attach, and for a message the surge's posts).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, case, func, or_, select, true, update
from sqlalchemy.orm import Session

from monitor.alerts.service import enqueue_incident_alert
from monitor.brands.models import Brand
from monitor.config import AlertPolicyConfig, ChannelConfig
from monitor.incidents.baseline import BASELINE_DAYS
from monitor.incidents.changes import IncidentChange
from monitor.incidents.grouping import ACTIVE
from monitor.incidents.models import Incident
from monitor.incidents.phrases import brand_words, top_phrases
from monitor.incidents.policy import ESCALATED, OPENED
from monitor.incidents.stats import SpanCounts
from monitor.mentions.models import Mention
from monitor.scoring.taxonomy import SPIKE_CATEGORY

RECENT_HOURS = 12
# Severity of a spike by how far its hour is past the threshold: a surge of unknown content starts
# at sev3 (someone should look), tripling is "grows a lot" (sev2), ten times is a storm (sev1).
ESCALATE_FACTOR = 3
CRITICAL_FACTOR = 10
_SAMPLE = 1000  # the surge's newest posts read for phrases and top posts; enough to see the theme
_TOP_POSTS = 3
_HOUR = timedelta(hours=1)
_ZERO = timedelta(0)
# span 0: the last hour; 1: the 12 hours before it; 1 + d: the same hour d days before
_SPANS = [(_ZERO, _HOUR), (_HOUR, RECENT_HOURS * _HOUR)] + [
    (timedelta(days=d), _HOUR) for d in range(1, BASELINE_DAYS + 1)
]

_BRANDS = select(Brand).where(Brand.id.in_(bindparam("ids", expanding=True)))
_OPEN = select(Incident).where(
    Incident.brand_id.in_(bindparam("ids", expanding=True)),
    Incident.category == SPIKE_CATEGORY,
    Incident.status.in_(ACTIVE),
)
# ... and the spikes someone closed by hand within the hour: their surge is still in the hour counted
_LATEST = select(Incident).where(
    Incident.brand_id.in_(bindparam("ids", expanding=True)),
    Incident.category == SPIKE_CATEGORY,
    or_(
        Incident.status.in_(ACTIVE),
        (Incident.resolved_at > bindparam("since")) & (Incident.resolved_by != "auto"),
    ),
)
_mentions = Mention.__table__
_UNHELD = (
    (_mentions.c.brand_id == bindparam("brand"))
    & (_mentions.c.published_at > bindparam("lo"))
    & (_mentions.c.published_at <= bindparam("hi"))
    & _mentions.c.incident_id.is_(None)
)
_distinct = _mentions.c.duplicate_of_id.is_(None)
_TOTALS = select(
    func.count(),
    func.coalesce(func.sum(case((_distinct, 1), else_=0)), 0),
    func.coalesce(func.sum(case((_distinct & _mentions.c.direct, 1), else_=0)), 0),
    func.coalesce(func.sum(_mentions.c.author_reach), 0),
    func.coalesce(func.max(_mentions.c.urgency), 0.0),
    func.min(_mentions.c.published_at),
    func.max(_mentions.c.published_at),
).where(_UNHELD)
_ATTACH = update(_mentions).where(_UNHELD).values(incident_id=bindparam("iid"))
_SURGE = (
    select(Mention)
    .where(
        Mention.incident_id == bindparam("iid"),
        Mention.published_at > bindparam("lo"),
        Mention.published_at <= bindparam("hi"),
    )
    .order_by(Mention.published_at.desc(), Mention.id.desc())
    .limit(_SAMPLE)
)


@dataclass(frozen=True, slots=True)
class Rate:
    """A brand's last hour and its two usual hours."""

    last_hour: int
    recent_per_hour: float  # mean hour over the RECENT_HOURS before the last one
    same_hour: float  # mean of the same hour on the previous days the brand was watched

    @property
    def usual(self) -> float:
        return max(self.recent_per_hour, self.same_hour)


def measure(counts: SpanCounts, brand_id: int, *, created: datetime, at: datetime) -> Rate | None:
    """The brand's rate at `at`; None while it has been watched for less than a day and an hour.

    Before a whole day is known the brand's daily rhythm is not: its first evening would look
    like a spike over its first afternoon.
    """
    days = [d for d in range(1, BASELINE_DAYS + 1) if created <= at - timedelta(days=d) - _HOUR]
    if not days:
        return None
    same = sum(counts.count(brand_id, 1 + d, at) for d in days) / len(days)
    recent = counts.count(brand_id, 1, at) / RECENT_HOURS
    return Rate(last_hour=counts.count(brand_id, 0, at), recent_per_hour=recent, same_hour=same)


def threshold(rate: Rate, *, min_mentions: int, ratio: float) -> int:
    """Mentions in the last hour that make a spike: `ratio` times the usual hour, at least `min_mentions`."""
    return max(min_mentions, math.ceil(ratio * rate.usual - 1e-9))


def spike_severity(last_hour: int, need: int) -> int:
    """sev3 at the threshold, sev2 at ESCALATE_FACTOR times it, sev1 at CRITICAL_FACTOR times."""
    if last_hour >= CRITICAL_FACTOR * need:
        return 1
    if last_hour >= ESCALATE_FACTOR * need:
        return 2
    return 3


def _usual_words(usual: float) -> str:
    return "usually almost none" if usual < 0.1 else f"usually {usual:.1f} an hour"


def spike_reason(rate: Rate, need: int, phrases: Sequence[tuple[str, int]]) -> str:
    """Why it fired and what it is about, in words."""
    text = f"{rate.last_hour} mentions in the last hour, {_usual_words(rate.usual)} (threshold {need})"
    if phrases:
        said = ", ".join(f"“{p}” ({n} posts)" for p, n in phrases)
        text += f"; most repeated: {said}"
    return text


def top_posts(mentions: Iterable[Mention], n: int = _TOP_POSTS) -> list[Mention]:
    """The surge's most seen posts (reach plus engagement), newest first among equals; one per story."""
    rows = list(mentions)
    stories = [m for m in rows if m.duplicate_of_id is None] or rows

    def seen(m: Mention) -> tuple[int, datetime, int]:
        return ((m.author_reach or 0) + (m.engagement or 0), m.published_at, m.id)

    return sorted(stories, key=seen, reverse=True)[:n]


def detect_spikes(
    session: Session,
    stored: Sequence[Any],
    *,
    policy: AlertPolicyConfig,
    channels: Sequence[ChannelConfig],
    now: datetime,
    public_url: str | None,
) -> list[IncidentChange]:
    """Open or grow a spike incident for each brand of the batch whose last hour is far above usual.

    `stored`: the batch's new rows (anything with `id` and `brand_id`). One change per spike
    incident the batch touched; the caller commits.
    """
    if not policy.spikes:
        return []
    newest: dict[int, int] = {}  # brand -> its newest stored mention, the spike's trigger
    for row in stored:
        newest[row.brand_id] = max(newest.get(row.brand_id, row.id), row.id)
    if not newest:
        return []
    ids = sorted(newest)
    brands = {b.id: b for b in session.scalars(_BRANDS, {"ids": ids})}
    counts = SpanCounts(_SPANS, now, now).load(session, "spike", Mention.brand_id, ids, true())
    latest: dict[int, Incident] = {}  # brand -> its open spike, else the one closed by hand last
    for inc in session.scalars(_LATEST, {"ids": ids, "since": now - _HOUR}):
        known = latest.get(inc.brand_id)
        if known is None or _rank(inc) > _rank(known):
            latest[inc.brand_id] = inc
    changes = []
    for brand_id in ids:
        brand = brands[brand_id]
        rate = measure(counts, brand_id, created=brand.created_at, at=now)
        if rate is None:
            continue
        need = threshold(rate, min_mentions=policy.spike_min_mentions, ratio=policy.spike_ratio)
        if rate.last_hour < need:
            continue  # not spiking, or no longer: an open spike takes nothing more and goes quiet
        level = spike_severity(rate.last_hour, need)
        inc = latest.get(brand_id)
        if inc is not None and inc.status not in ACTIVE:
            if level >= inc.severity:
                continue  # the team closed this surge within the hour: as big again is not news
            inc = None  # it has grown a lot since: a new spike
        inc = inc or _open(session, brand, now=now)
        _take(session, inc, now=now)
        inc.severity = min(inc.severity, level)
        event, reason = _decide(inc, policy)
        if event is not None:
            reason = _notify(
                session,
                inc,
                brand,
                rate,
                need,
                event=event,
                policy=policy,
                channels=channels,
                now=now,
                url=public_url,
            )
        changes.append(
            IncidentChange(
                incident_id=inc.id,
                brand=brand.name,
                category=SPIKE_CATEGORY,
                event=event or "incident.updated",
                severity=inc.severity,
                mention_count=inc.mention_count,
                notify=event is not None,
                trigger_mention_id=newest[brand_id],
                reason=reason,
            )
        )
    session.flush()
    return changes


def _rank(inc: Incident) -> tuple[bool, datetime, int]:
    """An open spike first, then the latest closed."""
    return (inc.status in ACTIVE, inc.resolved_at or inc.opened_at, inc.id)


def _open(session: Session, brand: Brand, *, now: datetime) -> Incident:
    """A new spike incident, unless another worker opened one meanwhile.

    On PostgreSQL the brand row is locked (FOR NO KEY UPDATE) and the open
    spike looked up again, so two workers' batches of one surge make one incident.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Brand.id).where(Brand.id == brand.id).with_for_update(key_share=True))
        twin = session.scalars(_OPEN, {"ids": [brand.id]}).first()
        if twin is not None:
            return twin
    # last_seen_at is moved up to the surge's newest post by _take
    inc = Incident(brand_id=brand.id, category=SPIKE_CATEGORY, status="open", severity=4, opened_at=now)
    inc.first_seen_at, inc.last_seen_at = now, now - _HOUR
    inc.mention_count = inc.direct_count = inc.reach = inc.messages_sent = inc.state_version = 0
    inc.max_urgency, inc.alerted, inc.regressed, inc.regression_count = 0.0, False, False, 0
    session.add(inc)
    session.flush()
    return inc


def _take(session: Session, inc: Incident, *, now: datetime) -> None:
    """Attach the last hour's mentions that no incident holds, and add them to the totals."""
    params = {"brand": inc.brand_id, "lo": now - _HOUR, "hi": now}
    rows, distinct, direct, reach, urgency, first, last = session.execute(_TOTALS, params).one()
    if not rows:
        return
    session.execute(_ATTACH, params | {"iid": inc.id})
    inc.mention_count += int(distinct)
    inc.direct_count += int(direct)
    inc.reach += int(reach)
    inc.max_urgency = max(inc.max_urgency, float(urgency))
    inc.first_seen_at = min(inc.first_seen_at, first)
    inc.last_seen_at = max(inc.last_seen_at, last)


def _decide(inc: Incident, policy: AlertPolicyConfig) -> tuple[str | None, str]:
    """A spike pages when it opens and again only when its severity rises; the cap holds."""
    if inc.messages_sent >= policy.max_messages_per_incident:
        return None, "message cap reached"
    if not inc.alerted:
        return OPENED, ""
    if inc.alerted_severity is not None and inc.severity < inc.alerted_severity:
        return ESCALATED, ""
    return None, "already alerted at this severity"


def _notify(
    session: Session,
    inc: Incident,
    brand: Brand,
    rate: Rate,
    need: int,
    *,
    event: str,
    policy: AlertPolicyConfig,
    channels: Sequence[ChannelConfig],
    now: datetime,
    url: str | None,
) -> str:
    """Count the message and queue it with the surge's phrases and top posts; returns the reason."""
    inc.state_version += 1
    inc.messages_sent += 1
    inc.alerted = True
    inc.alerted_severity = inc.severity
    session.flush()  # the attached rows are read back below
    surge = session.scalars(_SURGE, {"iid": inc.id, "lo": now - _HOUR, "hi": now}).all()
    exclude = brand_words(brand.name, brand.query, brand.handles or ())
    reason = spike_reason(rate, need, top_phrases((m.text for m in surge), exclude=exclude))
    enqueue_incident_alert(
        session,
        channels=channels,
        incident=inc,
        brand_name=brand.name,
        event=event,
        mentions=top_posts(surge),
        public_url=url,
        give_up_seconds=policy.delivery_give_up_seconds,
        now=now,
        why=reason,
    )
    return reason
