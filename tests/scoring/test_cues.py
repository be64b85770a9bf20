"""The cue engine: the matcher, negation, pricing anomalies, directness and its verdicts."""

from __future__ import annotations

import dataclasses

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from monitor.scoring import ScoreInput
from monitor.scoring.cues import CueScorer, CueVerdict
from monitor.scoring.cues.matcher import Cue, CueMatcher, _sees_outside
from monitor.scoring.cues.pricing import PRICING_CUES, price_reasons
from monitor.scoring.types import Reason, make_reason

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


_VADER = SentimentIntensityAnalyzer()


@pytest.fixture(scope="module")
def cues() -> CueScorer:
    return CueScorer()


def _assess(cues: CueScorer, item: ScoreInput) -> CueVerdict:
    return cues.assess(item, _VADER.polarity_scores(item.text)["compound"])


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
def test_directness(cues: CueScorer, item: ScoreInput, direct: bool) -> None:
    assert _assess(cues, item).direct is direct


def test_severity_orders_urgency(cues: CueScorer) -> None:
    fire = _assess(cues, ScoreInput("My Acme heater caught fire", brand="Acme"))
    rude = _assess(cues, ScoreInput("Acme cashier was rude to me", brand="Acme"))
    assert fire.urgency > rude.urgency


def test_every_reason_explains_itself(cues: CueScorer) -> None:
    verdict = _assess(cues, ScoreInput("Acme charged me TWICE and nobody answers!!", brand="Acme"))
    assert verdict.incident and verdict.category == "billing"
    names = {r.cue for r in verdict.reasons}
    assert {"billing.double_charged", "intensity.punctuation", "intensity.caps"} <= names
    assert all(r.evidence for r in verdict.reasons)


def test_verdict_carries_the_evidence_the_detector_reads(cues: CueScorer) -> None:
    glitch = _assess(cues, ScoreInput("studs listed at $12 instead of $1200, checkout went through"))
    assert glitch.evidence["pricing_error"] >= 0.85 and glitch.price == 0.85
    assert glitch.problem > 0.55
    quiet = _assess(cues, ScoreInput("nice weather in Lisbon today"))
    assert (quiet.incident, quiet.evidence, quiet.price, quiet.problem) == (False, {}, 0.0, 0.0)


def test_a_damped_verdict_says_so(cues: CueScorer) -> None:
    verdict = _assess(
        cues, ScoreInput("Acme is hiring: service desk agents wanted, apply online", brand="Acme")
    )
    assert not verdict.incident


def test_fast_reason_constructor_builds_the_dataclass() -> None:
    reason = make_reason("t.x", 0.5, "x")
    assert reason == Reason("t.x", 0.5, "x") and hash(reason) == hash(Reason("t.x", 0.5, "x"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        reason.weight = 1.0  # type: ignore[misc]
