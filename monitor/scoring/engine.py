"""The scorer: VADER plus cue families, combined into urgency, category and an incident flag.

Evidence is additive and readable: every cue that fires adds its weight and leaves a Reason.
Category cues pick the category; general complaint language, VADER negativity, intensity and
directness add to the evidence only once some problem cue has fired, so an angry tweet about
politics or a direct question about opening hours does not become an incident. Resolution,
jokes, adverts, job posts and news multiply the evidence down.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from .cues import CueMatcher, Hit
from .lexicon import INCIDENT_CUES
from .lexicon_context import CONTEXT_CUES, DAMP
from .pricing import PRICING_CUES, price_reasons
from .taxonomy import CATEGORY_WEIGHT, FALLBACK_CATEGORY
from .types import Reason, Score, ScoreInput

INCIDENT_THRESHOLD = 0.55
_CATEGORY_CAP = 1.3  # several cues of one kind confirm it; they don't make it ten times worse
_COMPLAINT_CAP = 0.9
_OTHER_CATEGORIES = 0.3  # share of the runner-up categories' evidence that counts
_VADER_WITH_CUES = 0.4
_VADER_ALONE = 0.15  # ranks urgency only: negativity without a problem cue is not an incident

# A category cue this strong says by itself that a product or service is involved.
_SELF_EVIDENT = 0.6
# Without product, service or brand words, trouble words are as likely about life in general.
_NO_CONTEXT = 0.6
# Addressed to some account, so likely to someone who can act, even if we can't tell it is a brand.
_NO_CONTEXT_REPLY = 0.8
_ADDRESSED = frozenset({"direct.handle", "direct.care_account", "direct.question"})

_CAPS = re.compile(r"\b[A-Z][A-Z']{3,}\b")
_CAPS_HINT = re.compile(r"[A-Z]{4}")  # a cheap scan before the word-bounded one
_CARE_HANDLE = re.compile(r"@(?:\w*(?:support|help|care|cares|services?|assist|custserv|svc)\b|ask\w+)")
_YOU = re.compile(r"\b(?:you|your|u|ur)\b")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})

# Damps that only apply in a positive mood: "fixed it, thanks!" vs "thanks for nothing, still broken".
_MOOD_DAMPS = {"damp.resolved": 0.2, "damp.gratitude": 0.6, "damp.casual": -0.3}
_MODIFIERS = frozenset({"complaint.persistence", "product_defect.too_soon"})
_DAMP_FACTORS = {cue.name: cue.weight for cue in DAMP}
_SERIOUS = frozenset({"safety", "security", "legal"})


class Scorer:
    """Scores mentions; build once, it compiles the cue patterns and VADER's lexicon."""

    def __init__(self) -> None:
        self._vader = SentimentIntensityAnalyzer()
        self._matcher = CueMatcher((*INCIDENT_CUES, *CONTEXT_CUES, *PRICING_CUES))

    def score(self, item: ScoreInput) -> Score:
        """Score one mention."""
        compound = self._vader.polarity_scores(item.text)["compound"]
        text = f"{item.title}. {item.text}" if item.title else item.text
        lower = text.lower()
        if "\u2019" in lower or "\u2018" in lower or "\u201c" in lower:  # curly quotes: "can’t" is "can't"
            lower = lower.translate(_QUOTES)
        return _assess(item, text, lower, self._matcher.find(lower), compound)

    def score_many(self, items: Sequence[ScoreInput]) -> list[Score]:
        """Score mentions in order."""
        return [self.score(item) for item in items]


def _by_weight(reason: Reason) -> float:
    return reason.weight


def _span(text: str, lower: str, hit: Hit) -> str:
    # Lowercasing can change length for a few scripts; fall back to the lowercase span then.
    source = text if len(text) == len(lower) else lower
    return source[hit.start : hit.end][:80]


def _assess(item: ScoreInput, text: str, lower: str, hits: list[Hit], compound: float) -> Score:
    reasons: list[Reason] = []
    categories: dict[str, float] = {}
    complaint = 0.0
    bonus = 0.0
    damps: dict[str, str] = {}
    seen: set[str] = set()
    context = False
    top_cue = 0.0
    modifiers: list[Hit] = []
    for hit in hits:
        cue = hit.cue
        family = cue.family
        if cue.name in seen or family in ("pricing_error", "price_doubt"):
            continue
        seen.add(cue.name)
        if cue.name in _MODIFIERS:
            modifiers.append(hit)
        elif family in CATEGORY_WEIGHT:
            categories[family] = categories.get(family, 0.0) + cue.weight
            top_cue = max(top_cue, cue.weight)
            reasons.append(Reason(cue.name, cue.weight, _span(text, lower, hit)))
        elif family == "complaint":
            complaint += cue.weight
            reasons.append(Reason(cue.name, cue.weight, _span(text, lower, hit)))
        elif family == "intensity":
            bonus += cue.weight
            reasons.append(Reason(cue.name, cue.weight, _span(text, lower, hit)))
        elif family == "commerce":
            context = True
        else:
            damps[cue.name] = _span(text, lower, hit)
        if cue.weight >= _SELF_EVIDENT and family in CATEGORY_WEIGHT:
            context = True

    strong_price = False
    for name, weight, evidence in price_reasons(lower, hits):
        categories["pricing_error"] = categories.get("pricing_error", 0.0) + weight
        reasons.append(Reason(name, weight, evidence[:80]))
        strong_price = True
        top_cue = max(top_cue, weight)

    # "still", "again", "after two weeks" sharpen a complaint; alone they are just words.
    share = 1.0 if categories or complaint else 0.5
    for hit in modifiers:
        weight = hit.cue.weight * share
        if hit.cue.family in CATEGORY_WEIGHT:
            categories[hit.cue.family] = categories.get(hit.cue.family, 0.0) + weight
        else:
            complaint += weight
        reasons.append(Reason(hit.cue.name, weight, _span(text, lower, hit)))

    category = None
    problem = 0.0
    if categories:
        category = max(categories, key=lambda c: (min(categories[c], _CATEGORY_CAP), CATEGORY_WEIGHT[c]))
        problem = min(categories[category], _CATEGORY_CAP)
        if len(categories) > 1:
            others = sum(categories.values()) - categories[category]
            problem += _OTHER_CATEGORIES * min(others, 1.0)
    complaint = min(complaint, _COMPLAINT_CAP)
    problem += complaint
    if category is None and complaint:
        category = FALLBACK_CATEGORY

    direct, direct_reasons = _directness(item, text, lower)
    context = context or strong_price or any(r.cue in _ADDRESSED for r in direct_reasons)
    if not context and item.brand:
        context = _names_brand(item.brand, lower)
    negative = max(0.0, -compound)
    if problem:
        if negative:
            reasons.append(
                Reason("vader.negative", round(_VADER_WITH_CUES * negative, 4), f"{compound:+.4f}")
            )
        bonus += _intensity(text, reasons)
        problem += _VADER_WITH_CUES * negative + min(bonus, 0.25)
        if direct:
            # Trouble told to the brand itself is a complaint waiting for an answer.
            problem += min(sum(r.weight for r in direct_reasons), 0.2)
            reasons.extend(direct_reasons)
        # Praise mood damps generic trouble words, not a price glitch (those read happy by nature).
        if compound > 0.5 and category != "pricing_error":
            cut = problem * 0.5 * (compound - 0.5)
            problem -= cut
            reasons.append(Reason("vader.positive", -round(cut, 4), f"{compound:+.4f}"))
        if not context:
            cut = problem * (1.0 - (_NO_CONTEXT_REPLY if "@" in text else _NO_CONTEXT))
            problem -= cut
            reasons.append(Reason("context.none", -round(cut, 4), "no product, service or brand words"))
        if damps:
            problem = _damp(problem, damps, compound, category, strong_price, top_cue, reasons)

    incident = problem >= INCIDENT_THRESHOLD and category is not None
    severity = CATEGORY_WEIGHT[category] if incident and category else 0.0
    raw = problem + 0.3 * severity + (_VADER_ALONE * negative if not problem else 0.0) + 0.05 * direct
    raw *= _reach_boost(item, reasons) if problem else 1.0
    urgency = round(1.0 - math.exp(-1.1 * raw), 4)
    if len(reasons) > 1:
        reasons.sort(key=_by_weight, reverse=True)
    return Score(
        sentiment=compound,
        urgency=urgency,
        category=category if incident else None,
        incident=incident,
        reasons=tuple(reasons),
        direct=direct,
    )


def _damp(
    problem: float,
    damps: dict[str, str],
    compound: float,
    category: str | None,
    strong_price: bool,
    top_cue: float,
    reasons: list[Reason],
) -> float:
    for name, evidence in damps.items():
        mood = _MOOD_DAMPS.get(name)
        if mood is not None and compound < mood:
            continue
        # "so broken it's hilarious" is a joke; "lol my order never arrived" is still a complaint.
        if name == "damp.casual" and (category in _SERIOUS or top_cue >= _SELF_EVIDENT):
            continue
        if name == "damp.promo" and strong_price:
            continue
        cut = problem * (1.0 - _DAMP_FACTORS[name])
        problem -= cut
        reasons.append(Reason(name, -round(cut, 4), evidence))
    return problem


def _names_brand(brand: str, lower: str) -> bool:
    # "Cobalt's patch" names "Cobalt Games": the brand's first word is enough when it is distinctive.
    brand = brand.lower()
    first = brand.split(None, 1)[0] if brand.strip() else ""
    return brand in lower or (len(first) >= 4 and first in lower)


def _directness(item: ScoreInput, text: str, lower: str) -> tuple[bool, list[Reason]]:
    reasons = []
    for handle in item.handles:
        if handle and handle.lower() in lower:
            reasons.append(Reason("direct.handle", 0.1, handle))
            break
    stripped = text.lstrip()
    if stripped.startswith("@"):
        reasons.append(Reason("direct.mention", 0.1, stripped.split(None, 1)[0][:40]))
    if "@" in lower:
        m = _CARE_HANDLE.search(lower)
        if m:
            reasons.append(Reason("direct.care_account", 0.1, m.group(0)))
    if item.brand and "?" in text and item.brand.lower() in lower and _YOU.search(lower):
        reasons.append(Reason("direct.question", 0.1, item.brand))
    return bool(reasons), reasons


def _intensity(text: str, reasons: list[Reason]) -> float:
    bonus = 0.0
    if _CAPS_HINT.search(text):
        caps = _CAPS.findall(text)
        if caps:
            bonus += min(0.05 * len(caps), 0.15)
            reasons.append(
                Reason("intensity.caps", round(min(0.05 * len(caps), 0.15), 4), " ".join(caps[:4]))
            )
    for mark in ("!!", "?!", "!?", "??"):
        if mark in text:
            bonus += 0.1
            reasons.append(Reason("intensity.punctuation", 0.1, mark))
            break
    return bonus


def _reach_boost(item: ScoreInput, reasons: list[Reason]) -> float:
    boost = 1.0
    # log10 so 100 followers barely count and a million add ~25%; capped for mega accounts.
    for name, value in (("reach.followers", item.author_reach), ("reach.engagement", item.engagement)):
        if value and value > 0:
            extra = min(0.04 * math.log10(1 + value), 0.25)
            boost += extra
            reasons.append(Reason(name, round(extra, 4), str(value)))
    return boost
