"""The cue engine: hand-weighted cue families, combined into evidence, a category and a verdict.

The learned scorer (monitor/scoring/scorer.py) reads its evidence as features and its reasons as
explanations; on its own it is the detector of earlier versions, kept for comparison (`--engine cues`).

Evidence is additive and readable: every cue that fires adds its weight and leaves a Reason.
Category cues pick the category; general complaint language, VADER negativity, intensity and
directness add to the evidence only once some problem cue has fired, so an angry tweet about
politics or a direct question about opening hours does not become an incident. Resolution,
jokes, adverts, job posts and news multiply the evidence down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from operator import attrgetter

from ..taxonomy import CATEGORY_WEIGHT, FALLBACK_CATEGORY
from ..types import Reason, ScoreInput
from ..types import make_reason as _reason
from .lexicon import INCIDENT_CUES
from .lexicon_context import CONTEXT_CUES
from .lexicon_more import MORE_CUES
from .lexicon_situations import SITUATION_CUES
from .lexicon_symptoms import SYMPTOM_CUES
from .matcher import Cue, CueMatcher, Hit
from .pricing import PRICING_CUES, price_reasons
from .priority import GENERIC, choose
from .signals import SELF_EVIDENT, damp, directness, intensity, is_direct, names_brand, reach_boost
from .structures import brand_down, structure_reasons

INCIDENT_THRESHOLD = 0.55

_COMPLAINT_CAP = 0.9
_OTHER_CATEGORIES = 0.3  # share of the runner-up categories' evidence that counts
_VADER_WITH_CUES = 0.4
_VADER_ALONE = 0.15  # ranks urgency only: negativity without a problem cue is not an incident

# Without product, service or brand words, trouble words are as likely about life in general.
_NO_CONTEXT = 0.6
# Addressed to some account, so likely to someone who can act, even if we can't tell it is a brand.
_NO_CONTEXT_REPLY = 0.8
_ADDRESSED = frozenset({"direct.handle", "direct.care_account", "direct.question"})
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_MODIFIERS = frozenset({"complaint.persistence", "product_defect.too_soon"})

# What a cue does to the evidence, decided once per cue rather than by comparing strings per hit.
_PRICE, _MODIFIER, _CATEGORY, _COMPLAINT, _INTENSITY, _COMMERCE, _DAMP, _IDIOM, _ORDER, _PROMISE, _DOWN = (
    range(11)
)
# App and software failures that many people share at once ("for everyone", "whole city") are an
# outage, not one customer's defective device: with a widespread cue their evidence moves there.
_WIDESPREAD = ("outage.widespread", "outage.everyone")
_SOFTWARE = frozenset({"product_defect.stopped_working", "product_defect.software_fault"})
_PRICE_FAMILIES = ("pricing_error", "price_doubt")
# price_reasons reads these hits (every one, repeats too): "glitch" is a defect and a price doubt.
_PRICE_CUES = frozenset({"product_defect.software_fault"})
_by_weight = attrgetter("weight")
# Security evidence of someone harmed (an account, a charge, data), not just the word "scam".
_VICTIM = frozenset(
    {
        "security.hacked",
        "security.exposed",
        "security.leak",
        "security.unauthorized",
        "security.not_me",
        "security.phish_more",
        "security.exposed_more",
    }
)
# Mild cues that name one symptom each: two different words of the same cue count twice.
_STACKING = frozenset(
    {
        "product_defect.food_temperature",
        "product_defect.food_texture",
        "product_defect.malfunction",
        "product_defect.spoiled",
        "product_defect.motion_sound",
        "product_defect.keeps_failing",
        "product_defect.gave_way",
    }
)


def _role(cue: Cue) -> int:
    if cue.family in _PRICE_FAMILIES:
        return _PRICE
    if cue.name in _MODIFIERS:
        return _MODIFIER
    if cue.family in CATEGORY_WEIGHT:
        return _CATEGORY
    if cue.name == "trigger.order":
        return _ORDER
    if cue.name in ("trigger.promise", "service_failure.broken_promise"):
        return _PROMISE if cue.family == "trigger" else _CATEGORY
    if cue.name == "trigger.down":
        return _DOWN
    return {"complaint": _COMPLAINT, "intensity": _INTENSITY, "commerce": _COMMERCE, "idiom": _IDIOM}.get(
        cue.family, _DAMP
    )


def _may_price(lower: str) -> bool:
    # Without a pricing cue, price_reasons can only find an amount or a percentage.
    return (
        "$" in lower
        or "%" in lower
        or "dollar" in lower
        or "buck" in lower
        or (not lower.isascii() and ("£" in lower or "€" in lower))
    )


@dataclass(frozen=True, slots=True)
class CueVerdict:
    """What the cue engine read in one mention: its verdict and the evidence behind it."""

    urgency: float
    category: str | None  # the engine's category when it flags the mention, else None
    incident: bool
    reasons: tuple[Reason, ...]
    direct: bool
    problem: float  # problem evidence after damping; 0.0 when no problem cue fired
    evidence: dict[str, float]  # evidence per category before the pick (empty when none)
    price: float  # the strongest price-arithmetic weight (a gap, a $0 total), 0.0 when none


_NO_EVIDENCE: dict[str, float] = {}


def _quiet(
    item: ScoreInput, text: str, lower: str, compound: float, reasons: tuple[Reason, ...]
) -> CueVerdict:
    """The verdict on a mention with no problem evidence: urgency from negativity and directness."""
    direct = bool(item.handles or item.brand or "@" in lower) and is_direct(item, text, lower)
    # Written as in the general case (problem and severity 0.0) so the float result is the same.
    raw = 0.0 + 0.3 * 0.0 + _VADER_ALONE * max(0.0, -compound) + 0.05 * direct
    urgency = round(1.0 - math.exp(-1.1 * raw), 4)
    return CueVerdict(urgency, None, False, reasons, direct, 0.0, _NO_EVIDENCE, 0.0)


class CueScorer:
    """Reads mentions with the cue families; build once, it compiles the cue patterns."""

    def __init__(self) -> None:
        self._matcher = CueMatcher(
            (*INCIDENT_CUES, *MORE_CUES, *CONTEXT_CUES, *PRICING_CUES, *SITUATION_CUES, *SYMPTOM_CUES)
        )
        # Per cue index: (role, name, family, weight, self-evident, read by price_reasons, generic).
        self._cue_facts = tuple(
            (
                _role(cue),
                cue.name,
                cue.family,
                cue.weight,
                cue.weight >= SELF_EVIDENT and cue.family in CATEGORY_WEIGHT,
                cue.family in _PRICE_FAMILIES or cue.name in _PRICE_CUES,
                cue.name in GENERIC,
            )
            for cue in self._matcher.cues
        )

    def assess(self, item: ScoreInput, compound: float) -> CueVerdict:
        """Read one mention; `compound` is VADER's score of item.text (the text alone, never the title)."""
        title = item.title
        text = f"{title}. {item.text}" if title else item.text
        lower = text.lower()
        # Curly quotes: "can’t" is "can't". (isascii is a flag lookup; most texts skip the scans.)
        if not lower.isascii() and ("\u2019" in lower or "\u2018" in lower or "\u201c" in lower):
            lower = lower.translate(_QUOTES)
        spans = self._matcher.spans(lower)
        if not spans and not _may_price(lower):
            return _quiet(item, text, lower, compound, ())  # most mentions fire no cue at all
        return self._assess(item, text, lower, spans, compound)

    def _assess(
        self, item: ScoreInput, text: str, lower: str, spans: list[tuple[int, int, int]], compound: float
    ) -> CueVerdict:
        reasons: list[Reason] = []
        categories: dict[str, float] = {}
        generic: dict[str, float] = {}
        complaint = 0.0
        bonus = 0.0
        damps: dict[str, str] = {}
        seen: set[str] = set()
        stacked: set[str] = set()
        context = False
        top_cue = 0.0
        modifiers: list[tuple[str, str, float, str]] = []
        price_hits: list[Hit] = []
        software = 0.0
        order = promise = down = False
        # Lowercasing can change length for a few scripts; spans then come from the lowercase text.
        source = text if len(text) == len(lower) else lower
        facts = self._cue_facts
        for idx, start, end in spans:
            role, name, family, weight, evident, pricey, vague = facts[idx]
            if role == _COMMERCE:  # the commonest hit; a repeat changes nothing
                context = True
                continue
            if role >= _IDIOM:  # an idiom hides the cue word inside it; triggers gate structures.py
                if role == _ORDER:
                    context = order = True
                elif role == _PROMISE:
                    promise = True
                elif role == _DOWN:
                    down = True
                continue
            if pricey:
                price_hits.append(Hit(self._matcher.cues[idx], start, end))
            if role == _PRICE:
                continue
            if name in seen:
                # Small words of one kind add up once more ("cold, gluey and congealed"); repeats don't.
                if name not in _STACKING or name in stacked or source[start:end] in stacked:
                    continue
                stacked.update((name, source[start:end]))
            seen.add(name)
            if role == _CATEGORY:
                categories[family] = categories.get(family, 0.0) + weight
                if vague:
                    generic[family] = generic.get(family, 0.0) + weight
                if name in _SOFTWARE:
                    software += weight
                if weight > top_cue:
                    top_cue = weight
                reasons.append(_reason(name, weight, source[start:end][:80]))
                if evident:
                    context = True
            elif role == _COMPLAINT:
                complaint += weight
                reasons.append(_reason(name, weight, source[start:end][:80]))
            elif role == _INTENSITY:
                bonus += weight
                reasons.append(_reason(name, weight, source[start:end][:80]))
            elif role == _MODIFIER:
                modifiers.append((name, family, weight, source[start:end][:80]))
                if evident:
                    context = True
            else:
                damps[name] = source[start:end][:80]

        # Stories told across a sentence ("ordered X ... received Y", a promise and its breach).
        promise = promise or "service_failure.broken_promise" in seen
        for name, family, weight, evidence in structure_reasons(
            lower, compound, order, promise, "billing" in categories
        ):
            categories[family] = categories.get(family, 0.0) + weight
            reasons.append(_reason(name, weight, evidence[:80]))
            top_cue = max(top_cue, weight)
            context = context or weight >= SELF_EVIDENT
        if down and item.brand and "outage.down" not in seen:
            evidence = brand_down(lower, item.brand, item.handles)
            if evidence:  # "Lumen Mobile still down", "<brand> down in Austin?"
                categories["outage"] = categories.get("outage", 0.0) + 0.65
                reasons.append(_reason("outage.brand_down", 0.65, evidence[:80]))
                top_cue = max(top_cue, 0.65)
                context = True
        if software and (_WIDESPREAD[0] in seen or _WIDESPREAD[1] in seen):
            categories["product_defect"] -= software
            categories["outage"] = categories.get("outage", 0.0) + software
            if categories["product_defect"] <= 1e-9:
                del categories["product_defect"]

        strong_price = False
        price = 0.0
        if price_hits or _may_price(lower):
            for name, weight, evidence in price_reasons(lower, price_hits):
                categories["pricing_error"] = categories.get("pricing_error", 0.0) + weight
                reasons.append(_reason(name, weight, evidence[:80]))
                strong_price = True
                price = max(price, weight)
                if weight > top_cue:
                    top_cue = weight
        if not (categories or complaint or modifiers):
            # Only context, damping or shouting words: nothing to weigh, as when no cue fired.
            if len(reasons) > 1:
                reasons.sort(key=_by_weight, reverse=True)
            return _quiet(item, text, lower, compound, tuple(reasons))

        # "still", "again", "after two weeks" sharpen a complaint; alone they are just words.
        share = 1.0 if categories or complaint else 0.5
        for name, family, weight, evidence in modifiers:
            weight = weight * share
            if family in CATEGORY_WEIGHT:
                categories[family] = categories.get(family, 0.0) + weight
                generic[family] = generic.get(family, 0.0) + weight
            else:
                complaint += weight
            reasons.append(_reason(name, weight, evidence))

        category = None
        problem = 0.0
        if categories:
            category = choose(categories, generic)
            problem = min(categories[category], 1.3)  # several cues of one kind confirm it, no worse
            if len(categories) > 1:
                others = sum(categories.values()) - categories[category]
                problem += _OTHER_CATEGORIES * min(others, 1.0)
        complaint = min(complaint, _COMPLAINT_CAP)
        problem += complaint
        if category is None and complaint:
            category = FALLBACK_CATEGORY

        direct_reasons = directness(item, text, lower) if item.handles or item.brand or "@" in lower else ()
        direct = bool(direct_reasons)
        negative = max(0.0, -compound)
        if problem:
            context = context or strong_price or (direct and any(r.cue in _ADDRESSED for r in direct_reasons))
            if not context and item.brand:
                context = names_brand(item.brand, lower)
            if negative:
                reasons.append(
                    _reason("vader.negative", round(_VADER_WITH_CUES * negative, 4), f"{compound:+.4f}")
                )
            bonus += intensity(text, reasons)
            problem += _VADER_WITH_CUES * negative + min(bonus, 0.25)
            if direct:
                # Trouble told to the brand itself is a complaint waiting for an answer.
                problem += min(sum(r.weight for r in direct_reasons), 0.2)
                reasons.extend(direct_reasons)
            # Praise mood damps generic trouble words, not a price glitch (those read happy by nature).
            if compound > 0.5 and category != "pricing_error":
                # A self-evident cue ("chipped my diamond ... I trusted you") is told politely, not
                # undone by the politeness: half the cut.
                cut = problem * (0.25 if top_cue >= SELF_EVIDENT else 0.5) * (compound - 0.5)
                problem -= cut
                reasons.append(_reason("vader.positive", -round(cut, 4), f"{compound:+.4f}"))
            if not context:
                cut = problem * (1.0 - (_NO_CONTEXT_REPLY if "@" in text else _NO_CONTEXT))
                problem -= cut
                reasons.append(_reason("context.none", -round(cut, 4), "no product, service or brand words"))
            if "damp.legit_question" in damps and (not _VICTIM.isdisjoint(seen) or "billing" in categories):
                del damps["damp.legit_question"]  # asked by a victim: "is this a scam? they took $200"
            if damps:
                problem = damp(problem, damps, compound, category, strong_price, top_cue, reasons)

        incident = problem >= INCIDENT_THRESHOLD and category is not None
        severity = CATEGORY_WEIGHT[category] if incident and category else 0.0
        raw = problem + 0.3 * severity + (_VADER_ALONE * negative if not problem else 0.0) + 0.05 * direct
        if problem and (item.author_reach or item.engagement):  # otherwise the boost is 1.0
            raw *= reach_boost(item, reasons)
        urgency = round(1.0 - math.exp(-1.1 * raw), 4)
        if len(reasons) > 1:
            reasons.sort(key=_by_weight, reverse=True)
        return CueVerdict(
            urgency,
            category if incident else None,
            incident,
            tuple(reasons),
            direct,
            problem,
            categories,
            price,
        )
