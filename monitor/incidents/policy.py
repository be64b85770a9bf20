"""The alert policy: whether one change to an incident is worth a message (pure).

Lessons of Alertmanager and Sentry: group related mentions into one incident, wait for a
second voice where one is not enough, never repeat the same news, re-notify only when it
gets worse or comes back, and stop at a hard cap per incident. docs/alert-policy.md is the
reference for every default below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from monitor.config import AlertPolicyConfig, CategoryPolicy
from monitor.scoring import CATEGORY_WEIGHT

OPENED = "incident.opened"
UPDATED = "incident.updated"
ESCALATED = "incident.escalated"
REGRESSED = "incident.regressed"
RESOLVED = "incident.resolved"

# Category tiers by CATEGORY_WEIGHT: severe harm pages on one mention, a pricing error on a direct
# mention or a second voice, everything milder needs volume.
SEVERE_WEIGHT = 0.9  # safety, security, legal
HIGH_WEIGHT = 0.8  # pricing_error
MILD_WEIGHT = 0.5  # below: service_failure (the scorer's fallback for any complaint) needs one more
URGENT_WEIGHT = 0.7  # categories where one very urgent mention may page at once (pricing, outage)
URGENT_IMMEDIATE = 0.9  # "everything is $0.00 right now" — the scorer is sure; no second voice needed
# One post pages someone (a severe category, or a pricing error told to the brand) only when the
# detector thinks it more likely than not an incident of *that* category (incident probability
# times the category head's); a less sure one opens the incident and pages on a second voice.
SURE_PROBABILITY = 0.5
# A pricing error costs money with every order placed: one post pages, direct or not, when the
# detector is this sure of it (probability x category probability); direct ones need only SURE.
CONFIDENT_PRICING = 0.75
# Volume categories count voices in the last hour only, not the whole grouping window: mild
# complaints scattered over a day cluster by chance far more often than one expects (six spread
# at random over 16 hours put three within two hours half the time, within one hour one in six).
BURST_MINUTES = 60
# A brand far above its usual hour lowers the bar for volume categories to two mentions.
SPIKE_RATIO = 4.0
SPIKE_MIN_VOLUME = 8  # brand mentions in the last hour; below this a "spike" is noise on tiny counts
# Mentions published this long before they are processed group but never page (a new source's
# backfill must not replay last week's news into Slack).
STALE_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class Rule:
    """The effective policy for one brand and category, every field decided."""

    enabled: bool
    immediate: bool
    direct_immediate: bool
    min_mentions: int
    min_urgency: float
    confident_immediate: float | None = None  # one post pages when the detector is this sure
    slow_burn_min_mentions: int = 6


@dataclass(frozen=True, slots=True)
class SlowBurn:
    """The brand's reports of one category over the slow-burn span, up to and with the new mention."""

    reports: int  # distinct flagged mentions of the brand and category in the last `days`
    days: int
    # the same count's mean over the weeks before it, scaled to `days` (None: too new to know)
    baseline: float | None = None
    paged: bool = False  # an incident of this brand and category alerted within the span


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    """What the policy needs to know about the incident after the mention joined it."""

    severity: int
    # distinct voices up to the new mention within the open incident's life (window_minutes, or
    # resolve_after_minutes if longer): what pricing and the severe tier count
    in_window: int
    alerted: bool
    alerted_severity: int | None
    messages_sent: int
    regressed_now: bool = False  # this mention reopened a resolved incident
    in_burst: int | None = None  # distinct voices within BURST_MINUTES up to it (None: same as in_window)
    spike_ratio: float = 1.0
    brand_last_hour: int = 0
    baseline_per_hour: float | None = None  # None: the brand is too new to have a baseline
    slow_burn: SlowBurn | None = None


@dataclass(frozen=True, slots=True)
class MentionFacts:
    """What the policy needs to know about the new mention."""

    is_incident: bool = True
    duplicate: bool = False
    direct: bool = False
    urgency: float = 0.0
    age_seconds: float = 0.0  # processing time minus published time
    # the detector's incident and category probabilities; None for rows scored before it gave them
    # (or by the cue engine), which count as sure but never as confident
    probability: float | None = None
    category_probability: float | None = None
    author_reach: int | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    notify: bool
    event: str | None  # the message's event when notify, else None
    reason: str


def default_rule(category: str) -> Rule:
    """The built-in rule for a category, by its CATEGORY_WEIGHT tier."""
    weight = CATEGORY_WEIGHT.get(category, 0.0)
    if weight >= SEVERE_WEIGHT:
        return Rule(enabled=True, immediate=True, direct_immediate=True, min_mentions=1, min_urgency=0.0)
    if weight >= HIGH_WEIGHT:
        return Rule(
            enabled=True,
            immediate=False,
            direct_immediate=True,
            min_mentions=2,
            min_urgency=0.0,
            confident_immediate=CONFIDENT_PRICING,
        )
    if weight >= MILD_WEIGHT:
        return Rule(enabled=True, immediate=False, direct_immediate=False, min_mentions=3, min_urgency=0.0)
    return Rule(enabled=True, immediate=False, direct_immediate=False, min_mentions=4, min_urgency=0.0)


def _apply(rule: Rule, override: CategoryPolicy | None) -> Rule:
    """The rule with every field the override sets (None: keep the rule's)."""
    if override is None:
        return rule
    return replace(rule, **{k: v for k, v in override.model_dump().items() if v is not None})


def effective_rule(policy: AlertPolicyConfig, brand: str, category: str) -> Rule:
    """Defaults, then `[alerts.categories.<cat>]`, then `[alerts.brands."<Brand>".<cat>]`, field by field."""
    rule = replace(default_rule(category), slow_burn_min_mentions=policy.slow_burn_min_mentions)
    rule = _apply(rule, policy.categories.get(category))
    return _apply(rule, policy.brands.get(brand, {}).get(category))


def volume_threshold(rule: Rule, category: str, facts: IncidentFacts) -> int:
    """Distinct mentions in the window needed to page, scaled to the brand's usual volume.

    Only volume categories (weight below HIGH_WEIGHT) scale: a busy brand hears a few order
    complaints every hour, so the bar rises with the square root of its hourly baseline (Poisson
    noise grows like that); a spike far above the usual hour lowers it to two.
    """
    need = rule.min_mentions
    if CATEGORY_WEIGHT.get(category, 0.0) >= HIGH_WEIGHT or need <= 1:
        return need
    if facts.baseline_per_hour:
        need += math.floor(math.sqrt(facts.baseline_per_hour) / 2)
    if (
        facts.baseline_per_hour is not None
        and facts.spike_ratio >= SPIKE_RATIO
        and facts.brand_last_hour >= SPIKE_MIN_VOLUME
    ):
        need = min(need, 2)
    return need


def slow_burn_threshold(rule: Rule, slow: SlowBurn) -> int:
    """Reports within the slow-burn span needed to page: the rule's count, or twice the usual count.

    A category the brand hears about every week (a big retailer's late parcels) needs twice its
    usual number in the span, so only a real rise pages; a brand too new to know needs the minimum.
    """
    need = rule.slow_burn_min_mentions
    if slow.baseline:
        need = max(need, math.ceil(2 * slow.baseline))
    return need


def _slow_burn_reason(rule: Rule, facts: IncidentFacts) -> str | None:
    slow = facts.slow_burn
    if slow is None or slow.paged:
        return None
    need = slow_burn_threshold(rule, slow)
    if slow.reports >= need:
        return f"{slow.reports} reports in {slow.days} days (threshold {need})"
    return None


def _first_alert_reason(
    rule: Rule, category: str, facts: IncidentFacts, mention: MentionFacts, policy: AlertPolicyConfig
) -> str | None:
    known = mention.probability is not None and mention.category_probability is not None
    confidence = (1.0 if mention.probability is None else mention.probability) * (
        1.0 if mention.category_probability is None else mention.category_probability
    )
    sure = confidence >= SURE_PROBABILITY
    one_post = rule.immediate or (rule.direct_immediate and mention.direct)
    if one_post and sure:
        return "immediate category" if rule.immediate else "direct mention"
    if known and rule.confident_immediate is not None and confidence >= rule.confident_immediate:
        return f"the detector is sure of it ({confidence:.2f})"
    threshold = policy.direct_reach_threshold
    if mention.direct and sure and threshold is not None and (mention.author_reach or 0) >= threshold:
        return f"told to the brand by an author with reach {mention.author_reach:,}"
    if mention.urgency >= URGENT_IMMEDIATE and CATEGORY_WEIGHT.get(category, 0.0) >= URGENT_WEIGHT:
        return f"urgency {mention.urgency:.2f}"
    need = volume_threshold(rule, category, facts)
    if one_post:  # would have paged alone, but the detector is unsure: a second voice confirms
        need = max(need, 2)
    if CATEGORY_WEIGHT.get(category, 0.0) >= HIGH_WEIGHT or facts.in_burst is None:
        voices, span = facts.in_window, "the window"
    else:
        voices, span = facts.in_burst, f"{BURST_MINUTES} minutes"
    if voices >= need:
        return f"{voices} voices in {span} (threshold {need})"
    return _slow_burn_reason(rule, facts)


def decide(
    facts: IncidentFacts,
    mention: MentionFacts,
    policy: AlertPolicyConfig,
    *,
    brand: str,
    category: str,
) -> Decision:
    """Whether the mention that just joined (or reopened) the incident sends a message."""
    rule = effective_rule(policy, brand, category)
    if not rule.enabled:
        return Decision(False, None, "category disabled")
    if facts.messages_sent >= policy.max_messages_per_incident:
        return Decision(False, None, "message cap reached")
    if not mention.is_incident:
        return Decision(False, None, "mention not flagged as an incident")
    if mention.duplicate:
        return Decision(False, None, "duplicate of an earlier mention")
    if mention.age_seconds > STALE_SECONDS:
        return Decision(False, None, "stale mention")
    if mention.urgency < rule.min_urgency:
        return Decision(False, None, f"urgency below {rule.min_urgency}")
    if facts.alerted:
        if facts.regressed_now:
            if CATEGORY_WEIGHT.get(category, 0.0) >= URGENT_WEIGHT:
                return Decision(True, REGRESSED, "resolved incident came back")
            # a mild category comes back when it would page anew: one more report of a slow burn
            # (or one grumble a day after a burst) is not news, it is on the dashboard
            again = _first_alert_reason(rule, category, facts, mention, policy)
            if again is not None:
                return Decision(True, REGRESSED, f"resolved incident came back: {again}")
            return Decision(False, None, "came back below the alert threshold")
        if facts.alerted_severity is not None and facts.severity < facts.alerted_severity:
            return Decision(True, ESCALATED, f"severity rose to sev{facts.severity}")
        return Decision(False, None, "already alerted at this severity")
    reason = _first_alert_reason(rule, category, facts, mention, policy)
    if reason is None:
        return Decision(False, None, "below the alert threshold")
    # never told before: to the team it is new, even if it once resolved quietly
    return Decision(True, OPENED, reason)


def resolved_notice(policy: AlertPolicyConfig, *, alerted: bool, messages_sent: int) -> bool:
    """Whether resolving the incident sends a notice: only to a team that was told it opened."""
    return policy.resolved_notices and alerted and messages_sent < policy.max_messages_per_incident
