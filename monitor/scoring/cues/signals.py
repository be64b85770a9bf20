"""Evidence beyond the cue lexicon: directness, shouting, reach, and the damping of a score.

Each helper appends its Reasons to the scorer's list in a fixed order, because the final sort by
weight is stable and reason order is part of the output.
"""

from __future__ import annotations

import math
import re

from ..types import Reason, ScoreInput
from ..types import make_reason as _reason
from .lexicon_context import DAMP
from .lexicon_situations import DAMP_SITUATIONS

# A cue this strong says by itself that a product or service is involved.
SELF_EVIDENT = 0.6

_CAPS = re.compile(r"\b[A-Z][A-Z']{3,}\b")
# A cheap scan before the word-bounded one; spelled out so the engine can skip to the first capital.
_CAPS_HINT = re.compile(r"[A-Z][A-Z][A-Z][A-Z]")
_CARE_HANDLE = re.compile(r"@(?:\w*(?:support|help|care|cares|services?|assist|custserv|svc)\b|ask\w+)")
_YOU = re.compile(r"\b(?:you|your|u|ur)\b")

# Damps that only apply in a positive mood: "fixed it, thanks!" vs "thanks for nothing, still broken".
_MOOD_DAMPS = {"damp.resolved": 0.2, "damp.gratitude": 0.6, "damp.casual": -0.3, "damp.smooth": 0.2}
# Praise of a smooth process cancels the everyday categories only; a hack told calmly is a hack.
_SMOOTH_CATEGORIES = frozenset({"billing", "order_problem", "service_failure", "product_defect"})
_DAMP_FACTORS = {cue.name: cue.weight for cue in (*DAMP, *DAMP_SITUATIONS)}
_SERIOUS = frozenset({"safety", "security", "legal"})
# Damps that only speak to one kind of trouble: announced downtime to an outage, a promo question
# to a scam report. A shrug or praise of staff does not undo harm, a hack or a lawsuit.
_ONLY_FOR = {"damp.planned": "outage", "damp.legit_question": "security"}
_NOT_SERIOUS = frozenset({"damp.shrug", "damp.praise"})


def directness(item: ScoreInput, text: str, lower: str) -> list[Reason]:
    """Why the mention is addressed to the brand: its handle, a leading @, a care account, a question."""
    reasons = []
    for handle in item.handles:
        if handle and handle.lower() in lower:
            reasons.append(_reason("direct.handle", 0.1, handle))
            break
    if "@" in lower:
        stripped = text.lstrip()
        if stripped.startswith("@"):
            reasons.append(_reason("direct.mention", 0.1, stripped.split(None, 1)[0][:40]))
        m = _CARE_HANDLE.search(lower)
        if m:
            reasons.append(_reason("direct.care_account", 0.1, m.group(0)))
    if item.brand and "?" in text and item.brand.lower() in lower and _YOU.search(lower):
        reasons.append(_reason("direct.question", 0.1, item.brand))
    return reasons


def is_direct(item: ScoreInput, text: str, lower: str) -> bool:
    """Whether `directness` finds any reason, without building them."""
    if item.handles and any(handle and handle.lower() in lower for handle in item.handles):
        return True
    if "@" in lower and (text.lstrip().startswith("@") or _CARE_HANDLE.search(lower)):
        return True
    return bool(item.brand and "?" in text and item.brand.lower() in lower and _YOU.search(lower))


def names_brand(brand: str, lower: str) -> bool:
    """Whether the text names the brand; "Cobalt's patch" names "Cobalt Games" (distinctive first word)."""
    brand = brand.lower()
    first = brand.split(None, 1)[0] if brand.strip() else ""
    return brand in lower or (len(first) >= 4 and first in lower)


def intensity(text: str, reasons: list[Reason]) -> float:
    """Bonus for shouting: words in capitals, "!!" or "?!"."""
    bonus = 0.0
    if not text.islower() and _CAPS_HINT.search(text):
        caps = _CAPS.findall(text)
        if caps:
            bonus += min(0.05 * len(caps), 0.15)
            reasons.append(
                _reason("intensity.caps", round(min(0.05 * len(caps), 0.15), 4), " ".join(caps[:4]))
            )
    if "!" in text or "?" in text:
        for mark in ("!!", "?!", "!?", "??"):
            if mark in text:
                bonus += 0.1
                reasons.append(_reason("intensity.punctuation", 0.1, mark))
                break
    return bonus


def reach_boost(item: ScoreInput, reasons: list[Reason]) -> float:
    """Factor for a big audience or a lot of engagement."""
    boost = 1.0
    # log10 so 100 followers barely count and a million add ~25%; capped for mega accounts.
    for name, value in (("reach.followers", item.author_reach), ("reach.engagement", item.engagement)):
        if value and value > 0:
            extra = min(0.04 * math.log10(1 + value), 0.25)
            boost += extra
            reasons.append(_reason(name, round(extra, 4), str(value)))
    return boost


def damp(
    problem: float,
    damps: dict[str, str],
    compound: float,
    category: str | None,
    strong_price: bool,
    top_cue: float,
    reasons: list[Reason],
) -> float:
    """The problem evidence after resolution, jokes, adverts, job posts and news cut it down."""
    for name, evidence in damps.items():
        mood = _MOOD_DAMPS.get(name)
        if mood is not None and compound < mood:
            continue
        # "so broken it's hilarious" is a joke; "lol my order never arrived" is still a complaint.
        if name == "damp.casual" and (category in _SERIOUS or top_cue >= SELF_EVIDENT):
            continue
        if name == "damp.question" and (top_cue >= 0.7 or compound < 0):
            continue
        if name == "damp.promo" and strong_price:
            continue
        if (name == "damp.smooth" or name == "damp.beat_estimate") and (
            strong_price or category not in _SMOOTH_CATEGORIES
        ):
            continue
        only = _ONLY_FOR.get(name)
        if only is not None and category != only:
            continue
        if name in _NOT_SERIOUS and category in _SERIOUS:
            continue
        cut = problem * (1.0 - _DAMP_FACTORS[name])
        problem -= cut
        reasons.append(_reason(name, -round(cut, 4), evidence))
    return problem
