"""The cue matcher, negation, pricing anomalies, directness and the evaluation arithmetic."""

from __future__ import annotations

import dataclasses

import pytest

from monitor.scoring import ScoreInput, Scorer
from monitor.scoring.cues import Cue, CueMatcher, _sees_outside
from monitor.scoring.evaluate import Labeled, evaluate, format_report
from monitor.scoring.pricing import PRICING_CUES, price_reasons
from monitor.scoring.types import Reason, Score, make_reason, make_score

_CUES = [
    Cue("t.broken", "t", 0.5, ("broken", "broke down"), negatable=True),
    Cue("t.bug", "t", 0.3, ("bugs?",)),
    Cue("t.charged", "t", 0.4, ("charged", r"charged (?:me )?twice")),
]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("it is broken", ["t.broken"]),
        ("it is not broken", []),
        ("isn't even slightly broken", []),
        ("i can't believe it's broken", ["t.broken"]),
        ("the car broke down twice", ["t.broken"]),
        ("they charged me twice", ["t.charged"]),
        ("debugging a bug", ["t.bug"]),
        ("bugle call", []),
        ("bugs and broken", ["t.bug", "t.broken"]),
    ],
)
def test_matcher(text: str, found: list[str]) -> None:
    assert [h.cue.name for h in CueMatcher(_CUES).find(text)] == found


def test_matcher_prefers_the_longer_phrase() -> None:
    [hit] = CueMatcher(_CUES).find("they charged me twice")
    assert (hit.start, hit.end) == (5, 21)


def test_capturing_groups_are_refused() -> None:
    with pytest.raises(ValueError, match="capturing"):
        CueMatcher([Cue("t.x", "t", 0.1, ("(a|b)",))])


def test_spans_named_from_memo_agree_with_first_sight() -> None:
    matcher = CueMatcher(_CUES)
    text = "bugs and broken, the car broke down, they charged me twice"
    first = matcher.find(text)
    assert matcher._memo  # the second pass names its spans from the memo
    assert matcher.find(text) == first
    assert [h.cue.name for h in first] == ["t.bug", "t.broken", "t.broken", "t.charged"]


def test_phrases_with_lookarounds_are_named_afresh() -> None:
    # "abc" is t.look unless " x" follows: the same words name different cues, so no memo for them.
    matcher = CueMatcher([Cue("t.look", "t", 0.5, (r"abc(?! x)",)), Cue("t.plain", "t", 0.3, ("abc",))])
    assert [h.cue.name for h in matcher.find("abc y")] == ["t.look"]
    assert [h.cue.name for h in matcher.find("abc x")] == ["t.plain"]
    assert [h.cue.name for h in matcher.find("abc y")] == ["t.look"]


@pytest.mark.parametrize(
    ("phrase", "sees"),
    [
        ("broken", False),
        (r"\d+ times", False),
        (r"took (?:money|\$)", False),
        (r"got(?! it\b)", True),
        (r"(?<=a)b", True),
        (r"end$", True),
        (r"[\w$]+ x", True),  # errs towards yes
    ],
)
def test_sees_outside(phrase: str, sees: bool) -> None:
    assert _sees_outside(phrase) is sees


_PRICING = CueMatcher(PRICING_CUES)


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("cart total is $0.00", "price_anomaly.zero_total"),
        ("studs at $12 instead of $1200", "price_anomaly.instead_of"),
        ("everything 99% off", "price_anomaly.deep_discount"),
        ("the tv is $19, that can't be right", "price_anomaly.doubted"),
        ("massive price glitch on the site", "pricing_error.explicit"),
        ("free at checkout", "pricing_error.free_checkout"),
        ("45% apy, is that a typo?", "price_anomaly.doubted"),
    ],
)
def test_price_anomaly(text: str, cue: str) -> None:
    assert cue in [name for name, _, _ in price_reasons(text, _PRICING.find(text))]


@pytest.mark.parametrize(
    "text",
    [
        "free gift wrapping on all orders",
        "that price is a steal",
        "$25 a month, anyone tried it?",
        "up to 30% off this weekend",
        "$120 instead of $100 last year",
        "the app has a bug",
    ],
)
def test_no_price_anomaly(text: str) -> None:
    assert price_reasons(text, _PRICING.find(text)) == []


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer()


@pytest.mark.parametrize(
    ("item", "direct"),
    [
        (ScoreInput("@HelzbergDiamonds my ring cracked", handles=("@HelzbergDiamonds",)), True),
        (ScoreInput("my ring cracked, thanks @helzbergdiamonds", handles=("@HelzbergDiamonds",)), True),
        (ScoreInput("@AcmeSupport my order never arrived"), True),
        (ScoreInput("Acme, why did you charge me twice?", brand="Acme"), True),
        (ScoreInput("my Acme ring cracked", brand="Acme", handles=("@Acme",)), False),
    ],
)
def test_directness(scorer: Scorer, item: ScoreInput, direct: bool) -> None:
    assert scorer.score(item).direct is direct


def test_reach_raises_urgency_not_the_verdict(scorer: Scorer) -> None:
    text = "Acme app keeps crashing at checkout"
    plain = scorer.score(ScoreInput(text, brand="Acme"))
    loud = scorer.score(ScoreInput(text, brand="Acme", author_reach=250_000, engagement=900))
    assert loud.incident is plain.incident is True
    assert loud.urgency > plain.urgency
    assert {"reach.followers", "reach.engagement"} <= {r.cue for r in loud.reasons}


def test_severity_orders_urgency(scorer: Scorer) -> None:
    fire = scorer.score(ScoreInput("My Acme heater caught fire", brand="Acme"))
    rude = scorer.score(ScoreInput("Acme cashier was rude to me", brand="Acme"))
    assert fire.urgency > rude.urgency


def test_every_reason_explains_itself(scorer: Scorer) -> None:
    score = scorer.score(ScoreInput("Acme charged me TWICE and nobody answers!!", brand="Acme"))
    assert score.incident and score.category == "billing"
    cues = {r.cue for r in score.reasons}
    assert {"billing.double_charged", "intensity.punctuation", "intensity.caps"} <= cues
    assert all(r.evidence for r in score.reasons)


def test_score_many_keeps_order(scorer: Scorer) -> None:
    items = [ScoreInput("Acme site is down"), ScoreInput("nice weather")]
    assert [s.incident for s in scorer.score_many(items)] == [True, False]


def test_evaluate() -> None:
    rows = [
        Labeled(True, "billing", True, "billing"),
        Labeled(True, "outage", True, "billing"),
        Labeled(True, "safety", False, None),
        Labeled(False, None, True, "outage"),
        Labeled(False, None, False, None),
    ]
    report = evaluate(rows)
    assert (report.precision, report.recall) == (2 / 3, 2 / 3)
    assert report.f1 == pytest.approx(2 / 3)
    assert report.category_accuracy == pytest.approx(1 / 3)
    assert report.confusion[("safety", "none")] == 1
    assert report.confusion[("none", "outage")] == 1
    assert "incident F1: 0.667" in format_report(report)


def test_fast_constructors_build_the_dataclasses() -> None:
    reason = make_reason("t.x", 0.5, "x")
    assert reason == Reason("t.x", 0.5, "x") and hash(reason) == hash(Reason("t.x", 0.5, "x"))
    score = make_score(-0.2, 0.4, "billing", True, (reason,), False)
    assert score == Score(-0.2, 0.4, "billing", True, (reason,), False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        score.urgency = 1.0  # type: ignore[misc]
