"""Value types of the scoring stage: what goes in, what comes out, and why."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ScoreInput:
    """One mention as the scorer sees it; only `text` is required."""

    text: str
    brand: str | None = None
    title: str | None = None
    # The brand's own social handles, e.g. ("@HelzbergDiamonds",): a mention naming one is addressed to it.
    handles: tuple[str, ...] = ()
    author_reach: int | None = None  # followers / subscribers, where the source gives them
    engagement: int | None = None  # score / likes / comments, where the source gives them


@dataclass(frozen=True, slots=True)
class Reason:
    """One cue that fired: a stable machine name, its contribution and the span that fired it."""

    cue: str
    weight: float
    evidence: str


@dataclass(frozen=True, slots=True)
class Score:
    """The scorer's verdict on one mention."""

    # Exactly VADER's compound on the mention text (title excluded), never adjusted.
    sentiment: float
    urgency: float  # 0..1, meant for ranking
    category: str | None  # one of CATEGORIES, or None
    incident: bool
    reasons: tuple[Reason, ...]
    direct: bool  # addressed to the brand: its handle, a leading @mention, a question to it


# The scorer builds a Score per mention and a Reason per fired cue. A frozen dataclass's __init__
# sets each field through object.__setattr__, which costs about twice as much as the slot
# descriptors themselves; these build the same objects (equal, hashable, frozen) the short way.
_new = object.__new__
_set_cue, _set_weight, _set_evidence = (getattr(Reason, f).__set__ for f in ("cue", "weight", "evidence"))
_set_sentiment, _set_urgency, _set_category, _set_incident, _set_reasons, _set_direct = (
    getattr(Score, f).__set__ for f in ("sentiment", "urgency", "category", "incident", "reasons", "direct")
)


def make_reason(cue: str, weight: float, evidence: str) -> Reason:
    """Reason(cue, weight, evidence), built without the frozen-dataclass __init__."""
    reason = _new(Reason)
    _set_cue(reason, cue)
    _set_weight(reason, weight)
    _set_evidence(reason, evidence)
    return reason


def make_score(
    sentiment: float,
    urgency: float,
    category: str | None,
    incident: bool,
    reasons: tuple[Reason, ...],
    direct: bool,
) -> Score:
    """Score(...) in field order, built without the frozen-dataclass __init__."""
    score = _new(Score)
    _set_sentiment(score, sentiment)
    _set_urgency(score, urgency)
    _set_category(score, category)
    _set_incident(score, incident)
    _set_reasons(score, reasons)
    _set_direct(score, direct)
    return score
