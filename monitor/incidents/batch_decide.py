"""The second half of batch grouping: each step's severity, then the policy once per incident.

`grouping.py` attaches a batch's mentions to incidents (a `Group` per incident, a `Step` per
mention, with the incident's running totals); this module gives each step its recent counts and
severity, then runs the alert policy at each step against the alert state before the batch —
the first mention the policy would page on is the trigger.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.brands.models import Brand
from monitor.config import AlertPolicyConfig
from monitor.incidents.baseline import BrandVolumes
from monitor.incidents.models import Incident
from monitor.incidents.policy import Decision, IncidentFacts, MentionFacts, decide
from monitor.incidents.severity import SeverityStats, severity, spike_ratio
from monitor.incidents.slow_burn import SlowBurns
from monitor.incidents.stats import Echo, SpanCounts, echo_voices
from monitor.mentions.models import Mention


@dataclass(slots=True)
class Step:
    """One mention joining its incident, with the incident's running totals right after it."""

    mention: Mention
    mentions: int
    reach: int
    max_urgency: float
    engagement: int  # of the batch's mentions so far (the stored ones are added later)
    reset: bool  # this mention created or reopened the incident
    severity: int = 4
    ratio: float = 1.0
    counts: tuple[int, int, int, int] = (0, 0, 0, 0)  # last 15m, last hour, in open life, in burst


@dataclass(eq=False, slots=True)
class Group:
    """An incident this batch touched: its mentions in order, and the policy's one decision."""

    incident: Incident
    brand: Brand
    created: bool
    order: int  # creation order among new incidents (they sort after every stored one)
    start_severity: int
    regressed_by: Mention | None = None
    steps: list[Step] = field(default_factory=list)
    decision: Decision = Decision(False, None, "not decided")
    trigger: Mention | None = None

    @property
    def regressed(self) -> bool:
        return self.regressed_by is not None

    def rank(self) -> tuple[datetime, int, int]:
        inc = self.incident
        return (inc.last_seen_at, int(self.created), self.order if self.created else inc.id)


def severities(
    group: Group, counts: SpanCounts, volumes: BrandVolumes, *, window: timedelta, burst: timedelta
) -> None:
    """Each step's recent counts and severity; an open incident's severity is the worst it has been."""
    inc = group.incident
    spans = (timedelta(minutes=15), timedelta(hours=1), window, burst)
    stored_engagement = 0 if group.created else counts.extra.get(inc.id, [0])[0]
    distinct: list[datetime] = []  # the batch's distinct mentions of this incident so far
    for step in group.steps:
        m, t = step.mention, step.mention.published_at
        if m.duplicate_of_id is None:
            distinct.append(t)
        n = len(distinct)
        step.counts = tuple(  # type: ignore[assignment]
            n - bisect_right(distinct, t - span, 0, n) + (0 if group.created else counts.count(inc.id, i, t))
            for i, span in enumerate(spans)
        )
        volume = volumes.at(inc.brand_id, t)
        # a running rate knows nothing of the time of day: evening is not a spike over a quiet morning
        step.ratio = 1.0 if volume.provisional else spike_ratio(volume.last_hour, volume.baseline_per_hour)
        level = severity(
            SeverityStats(
                category=inc.category,
                mentions=step.mentions,
                last_15m=step.counts[0],
                last_hour=step.counts[1],
                reach=step.reach + stored_engagement + step.engagement,
                max_urgency=step.max_urgency,
                spike_ratio=step.ratio,
            )
        )
        inc.severity = level if step.reset else min(inc.severity, level)
        step.severity = inc.severity


def decide_group(
    group: Group,
    echoes: list[Echo],
    order: dict[int, int],
    volumes: BrandVolumes,
    slow: SlowBurns,
    policy: AlertPolicyConfig,
    *,
    now: datetime,
    window: timedelta,
    burst: timedelta,
    paged: dict[tuple[int, str], datetime],
) -> None:
    """The policy at each mention against the alert state before the batch; the first page wins."""
    inc = group.incident
    brand = group.brand
    pair = (inc.brand_id, inc.category)
    smoulders = pair in slow.pairs
    for step in group.steps:
        m, t = step.mention, step.mention.published_at
        rank = order[m.id]
        voices: dict[int, datetime] = {}
        if echoes:
            voices = echo_voices(
                echoes, at=t, window=window, visible=lambda i, rank=rank: order.get(i, -1) <= rank
            )
        volume = volumes.at(brand.id, t)
        decision = decide(
            IncidentFacts(
                severity=step.severity,
                in_window=step.counts[2] + len(voices),
                in_burst=step.counts[3] + sum(1 for at in voices.values() if at > t - burst),
                alerted=inc.alerted,
                alerted_severity=inc.alerted_severity,
                messages_sent=inc.messages_sent,
                regressed_now=group.regressed_by is m,
                spike_ratio=step.ratio,
                brand_last_hour=volume.last_hour,
                baseline_per_hour=volume.baseline_per_hour,
                slow_burn=slow.at(*pair, t, paged_since=paged.get(pair)) if smoulders else None,
            ),
            MentionFacts(
                is_incident=m.is_incident,
                duplicate=m.duplicate_of_id is not None and m.id not in voices,
                direct=m.direct,
                urgency=m.urgency,
                age_seconds=(now - t).total_seconds(),
                probability=m.probability,
                category_probability=m.category_probability,
                author_reach=m.author_reach,
            ),
            policy,
            brand=brand.name,
            category=inc.category,
        )
        group.decision, group.trigger = decision, m
        if decision.notify:
            paged[pair] = t
            return
