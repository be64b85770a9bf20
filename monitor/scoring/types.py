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
    language: str | None = None  # as the source states it ("en", "pt-BR"); detected when None


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
    needs_reply: bool = False  # the post asks or expects the brand to answer
    opportunity: bool = False  # a chance to win goodwill or a sale (a playful request, a recommendation ask)
    language: str | None = None  # ISO 639-1 ("en", "es", …), "und" when it cannot be told
    probability: float = 0.0  # the detector's incident probability (the flag is a threshold on it)
    category_probability: float = 0.0  # how sure the category head is of `category` (0 when none)
    model: str = ""  # the detector's version string


# The cue engine builds a Reason per fired cue. A frozen dataclass's __init__ sets each field through
# object.__setattr__, which costs about twice as much as the slot descriptors themselves; this builds
# the same objects (equal, hashable, frozen) the short way.
_new = object.__new__
_set_cue, _set_weight, _set_evidence = (getattr(Reason, f).__set__ for f in ("cue", "weight", "evidence"))


def make_reason(cue: str, weight: float, evidence: str) -> Reason:
    """Reason(cue, weight, evidence), built without the frozen-dataclass __init__."""
    reason = _new(Reason)
    _set_cue(reason, cue)
    _set_weight(reason, weight)
    _set_evidence(reason, evidence)
    return reason
