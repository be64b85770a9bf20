"""The alert policy as a table: (incident facts, mention, config) -> notify and event."""

from __future__ import annotations

import pytest

from monitor.config import AlertPolicyConfig, CategoryPolicy
from monitor.incidents.policy import (
    ESCALATED,
    OPENED,
    REGRESSED,
    IncidentFacts,
    MentionFacts,
    Rule,
    SlowBurn,
    decide,
    default_rule,
    effective_rule,
    resolved_notice,
    slow_burn_threshold,
    volume_threshold,
)

DEFAULT = AlertPolicyConfig()


def facts(**kw: object) -> IncidentFacts:
    base: dict[str, object] = {
        "severity": 3,
        "in_window": 1,
        "alerted": False,
        "alerted_severity": None,
        "messages_sent": 0,
    }
    return IncidentFacts(**(base | kw))  # type: ignore[arg-type]


QUIET = MentionFacts(urgency=0.6)
DIRECT = MentionFacts(urgency=0.6, direct=True)
UNSURE = MentionFacts(urgency=0.4, probability=0.8, category_probability=0.55)  # 0.44: not sure
UNSURE_DIRECT = MentionFacts(urgency=0.4, probability=0.45, direct=True)


@pytest.mark.parametrize(
    ("category", "incident", "mention", "notify", "event"),
    [
        # severe categories page on their first flagged mention
        ("safety", facts(), QUIET, True, OPENED),
        ("security", facts(), QUIET, True, OPENED),
        ("legal", facts(), QUIET, True, OPENED),
        ("safety", facts(), MentionFacts(is_incident=False), False, None),
        # ... when the detector is sure of it; an unsure one waits for a second voice
        ("safety", facts(), UNSURE, False, None),
        ("security", facts(in_window=2), UNSURE, True, OPENED),
        ("legal", facts(), MentionFacts(probability=0.6, category_probability=0.9), True, OPENED),
        # pricing: a direct first mention, or the second voice within the window
        ("pricing_error", facts(), QUIET, False, None),
        ("pricing_error", facts(), DIRECT, True, OPENED),
        ("pricing_error", facts(in_window=2), QUIET, True, OPENED),
        ("pricing_error", facts(), MentionFacts(urgency=0.93), True, OPENED),
        ("pricing_error", facts(), UNSURE_DIRECT, False, None),
        ("pricing_error", facts(in_window=2), UNSURE_DIRECT, True, OPENED),
        # outage: volume, or one mention the scorer is very sure of
        ("outage", facts(in_window=2), DIRECT, False, None),
        ("outage", facts(in_window=3), QUIET, True, OPENED),
        ("outage", facts(), MentionFacts(urgency=0.95), True, OPENED),
        # milder categories need three voices (service failures four); urgency alone never pages them
        ("order_problem", facts(in_window=2), DIRECT, False, None),
        ("order_problem", facts(in_window=3), QUIET, True, OPENED),
        ("billing", facts(in_window=3), QUIET, True, OPENED),
        ("product_defect", facts(in_window=1), MentionFacts(urgency=0.99), False, None),
        ("service_failure", facts(in_window=3), QUIET, False, None),
        ("service_failure", facts(in_window=4), QUIET, True, OPENED),
        # volume categories count the last hour; pricing counts the whole grouping window
        ("order_problem", facts(in_window=3, in_burst=2), QUIET, False, None),
        ("order_problem", facts(in_window=3, in_burst=3), QUIET, True, OPENED),
        ("service_failure", facts(in_window=6, in_burst=3), QUIET, False, None),
        ("pricing_error", facts(in_window=2, in_burst=1), QUIET, True, OPENED),
        # duplicates and stale mentions group but never page
        ("safety", facts(), MentionFacts(duplicate=True), False, None),
        ("safety", facts(), MentionFacts(age_seconds=3 * 24 * 3600), False, None),
        # already told: only a worse severity or a comeback is news
        (
            "pricing_error",
            facts(alerted=True, alerted_severity=3, messages_sent=1, in_window=5),
            QUIET,
            False,
            None,
        ),
        (
            "pricing_error",
            facts(alerted=True, alerted_severity=3, severity=2, messages_sent=1),
            QUIET,
            True,
            ESCALATED,
        ),
        (
            "pricing_error",
            facts(alerted=True, alerted_severity=1, severity=1, messages_sent=1),
            DIRECT,
            False,
            None,
        ),
        (
            "order_problem",
            facts(alerted=True, alerted_severity=2, messages_sent=2, regressed_now=True, in_burst=3),
            QUIET,
            True,
            REGRESSED,
        ),
        # a mild category that comes back with one report stays on the dashboard; an outage is news
        (
            "order_problem",
            facts(alerted=True, alerted_severity=2, messages_sent=2, regressed_now=True),
            QUIET,
            False,
            None,
        ),
        ("outage", facts(alerted=True, alerted_severity=2, regressed_now=True), QUIET, True, REGRESSED),
        # regressed but never told: an ordinary first alert, announced as new
        ("safety", facts(regressed_now=True), QUIET, True, OPENED),
        ("order_problem", facts(regressed_now=True), QUIET, False, None),
        # the cap counts every message, whatever the news
        ("safety", facts(alerted=True, alerted_severity=3, severity=1, messages_sent=3), QUIET, False, None),
        (
            "safety",
            facts(alerted=True, alerted_severity=2, messages_sent=3, regressed_now=True),
            QUIET,
            False,
            None,
        ),
    ],
)
def test_decide_defaults(
    category: str, incident: IncidentFacts, mention: MentionFacts, notify: bool, event: str | None
) -> None:
    d = decide(incident, mention, DEFAULT, brand="Acme", category=category)
    assert (d.notify, d.event) == (notify, event), d.reason


def test_spike_lowers_the_volume_bar_only_with_a_known_baseline() -> None:
    rule = default_rule("order_problem")
    spike = facts(in_window=2, spike_ratio=6.0, brand_last_hour=20, baseline_per_hour=2.0)
    assert volume_threshold(rule, "order_problem", spike) == 2
    assert decide(spike, QUIET, DEFAULT, brand="Acme", category="order_problem").notify
    unknown = facts(in_window=2, spike_ratio=6.0, brand_last_hour=20, baseline_per_hour=None)
    assert not decide(unknown, QUIET, DEFAULT, brand="Acme", category="order_problem").notify
    tiny = facts(in_window=2, spike_ratio=6.0, brand_last_hour=5, baseline_per_hour=0.0)
    assert not decide(tiny, QUIET, DEFAULT, brand="Acme", category="order_problem").notify


@pytest.mark.parametrize(
    ("category", "baseline", "need"),
    [
        ("order_problem", None, 3),
        ("order_problem", 0.0, 3),
        ("order_problem", 3.0, 3),
        ("order_problem", 16.0, 5),
        ("order_problem", 100.0, 8),
        ("service_failure", 36.0, 7),
        ("pricing_error", 100.0, 2),  # rare enough that a busy brand's second voice still counts
        ("safety", 100.0, 1),
    ],
)
def test_volume_threshold_scales_with_the_brands_usual_hour(
    category: str, baseline: float | None, need: int
) -> None:
    rule = default_rule(category)
    assert volume_threshold(rule, category, facts(baseline_per_hour=baseline)) == need


def test_overrides_brand_beats_category_beats_default() -> None:
    policy = AlertPolicyConfig(
        categories={"order_problem": CategoryPolicy(min_mentions=5, direct_immediate=True)},
        brands={
            "Acme": {"order_problem": CategoryPolicy(min_mentions=2), "safety": CategoryPolicy(enabled=False)}
        },
    )
    assert effective_rule(policy, "Other", "order_problem") == Rule(True, False, True, 5, 0.0)
    assert effective_rule(policy, "Acme", "order_problem") == Rule(True, False, True, 2, 0.0)
    assert effective_rule(policy, "Acme", "safety").enabled is False
    assert effective_rule(policy, "Other", "safety") == default_rule("safety")
    assert decide(facts(in_window=2), QUIET, policy, brand="Acme", category="order_problem").notify
    assert not decide(facts(in_window=2), QUIET, policy, brand="Other", category="order_problem").notify
    assert decide(facts(), DIRECT, policy, brand="Other", category="order_problem").notify
    assert not decide(facts(), QUIET, policy, brand="Acme", category="safety").notify


def test_min_urgency_and_immediate_overrides() -> None:
    policy = AlertPolicyConfig(
        categories={
            "safety": CategoryPolicy(min_urgency=0.5),
            "billing": CategoryPolicy(immediate=True),
        }
    )
    assert not decide(facts(), MentionFacts(urgency=0.4), policy, brand="A", category="safety").notify
    assert decide(facts(), MentionFacts(urgency=0.5), policy, brand="A", category="safety").notify
    assert decide(facts(), QUIET, policy, brand="A", category="billing").notify


@pytest.mark.parametrize(
    ("enabled", "alerted", "sent", "expected"),
    [
        (True, True, 1, True),
        (True, True, 2, True),
        (True, True, 3, False),  # the cap includes the resolved notice
        (True, False, 0, False),  # never told it opened: no news that it closed
        (False, True, 1, False),
    ],
)
def test_resolved_notice(enabled: bool, alerted: bool, sent: int, expected: bool) -> None:
    policy = AlertPolicyConfig(resolved_notices=enabled)
    assert resolved_notice(policy, alerted=alerted, messages_sent=sent) is expected


SURE_PRICING = MentionFacts(urgency=0.5, probability=0.9, category_probability=0.9)  # 0.81
LIKELY_PRICING = MentionFacts(urgency=0.5, probability=0.9, category_probability=0.7)  # 0.63


@pytest.mark.parametrize(
    ("mention", "notify"),
    [
        (SURE_PRICING, True),  # the glitch post: one sure report pages, direct or not
        (LIKELY_PRICING, False),  # likely but not sure: a second voice confirms
        (MentionFacts(urgency=0.5, probability=0.9), False),  # no category probability: not confident
        (QUIET, False),  # scored before probabilities (or by the cue engine): never "confident"
    ],
)
def test_a_confident_pricing_error_pages_on_its_first_post(mention: MentionFacts, notify: bool) -> None:
    d = decide(facts(), mention, DEFAULT, brand="Acme", category="pricing_error")
    assert d.notify is notify, d.reason
    if notify:
        assert d.reason == "the detector is sure of it (0.81)"


def test_confident_immediate_is_per_category_and_can_be_raised_out_of_reach() -> None:
    # not on by default for volume categories, even when sure
    sure_outage = MentionFacts(urgency=0.5, probability=0.95, category_probability=0.95)
    assert not decide(facts(), sure_outage, DEFAULT, brand="Acme", category="outage").notify
    on = AlertPolicyConfig(categories={"outage": CategoryPolicy(confident_immediate=0.8)})
    assert decide(facts(), sure_outage, on, brand="Acme", category="outage").notify
    off = AlertPolicyConfig(brands={"Acme": {"pricing_error": CategoryPolicy(confident_immediate=1.0)}})
    assert not decide(facts(), SURE_PRICING, off, brand="Acme", category="pricing_error").notify
    assert decide(facts(), SURE_PRICING, off, brand="Other", category="pricing_error").notify


@pytest.mark.parametrize(
    ("reach", "direct", "probability", "notify"),
    [
        (25_000, True, 0.9, True),  # a big account complaining to the brand pages alone
        (9_999, True, 0.9, False),  # below the threshold: voices as usual
        (25_000, False, 0.9, False),  # talking about the brand, not to it
        (25_000, True, 0.4, False),  # the detector doubts it is a problem at all
        (None, True, 0.9, False),  # reach unknown
    ],
)
def test_a_direct_complaint_from_a_big_account_pages_alone(
    reach: int | None, direct: bool, probability: float, notify: bool
) -> None:
    mention = MentionFacts(urgency=0.5, direct=direct, probability=probability, author_reach=reach)
    d = decide(facts(), mention, DEFAULT, brand="Acme", category="order_problem")
    assert d.notify is notify, d.reason
    # the threshold is configurable, and unset turns it off
    lower = AlertPolicyConfig(direct_reach_threshold=5_000)
    if direct and probability > 0.5 and reach:
        assert decide(facts(), mention, lower, brand="Acme", category="order_problem").notify
    off = AlertPolicyConfig(direct_reach_threshold=None)
    assert not decide(facts(), mention, off, brand="Acme", category="order_problem").notify


@pytest.mark.parametrize(
    ("slow", "notify"),
    [
        (SlowBurn(reports=6, days=7), True),  # a defect told once or twice a day: the sixth pages
        (SlowBurn(reports=5, days=7), False),
        (SlowBurn(reports=6, days=7, paged=True), False),  # already told within the span
        (SlowBurn(reports=6, days=7, baseline=4.0), False),  # a brand that hears 4 a week needs 8
        (SlowBurn(reports=8, days=7, baseline=4.0), True),
        (SlowBurn(reports=6, days=7, baseline=1.0), True),  # a rare complaint: the minimum holds
    ],
)
def test_a_slow_burn_pages_when_reports_pile_up_over_days(slow: SlowBurn, notify: bool) -> None:
    d = decide(facts(slow_burn=slow), QUIET, DEFAULT, brand="Acme", category="product_defect")
    assert d.notify is notify, d.reason
    if notify:
        assert d.reason.startswith(f"{slow.reports} reports in 7 days")


def test_slow_burn_threshold_overrides() -> None:
    slow = SlowBurn(reports=4, days=7)
    assert not decide(facts(slow_burn=slow), QUIET, DEFAULT, brand="Acme", category="product_defect").notify
    policy = AlertPolicyConfig(categories={"product_defect": CategoryPolicy(slow_burn_min_mentions=4)})
    assert decide(facts(slow_burn=slow), QUIET, policy, brand="Acme", category="product_defect").notify
    everywhere = AlertPolicyConfig(slow_burn_min_mentions=3)
    rule = effective_rule(everywhere, "Acme", "billing")
    assert rule.slow_burn_min_mentions == 3
    assert slow_burn_threshold(rule, SlowBurn(reports=0, days=7, baseline=2.6)) == 6
