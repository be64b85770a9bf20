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
