"""Pricing anomalies: a price that is zero, absurdly low, or that the writer doubts.

Glitch reports sound happy ("everything is FREE at checkout?!"), so sentiment misses them. The
signal is a price (an amount, "free", "% off", an interest rate) next to a word of doubt or error
("glitch", "typo", "can't be right", "is this real"), or a price that is anomalous by itself
($0.00, "$12 instead of $1200", "99% off"). Price words without doubt ("a steal", "free
shipping") are deals, not incidents.
"""

from __future__ import annotations

import re

from .cues import Cue, Hit
from .lexicon import _family

STRONG = 0.85
DOUBTED = 0.7

# fmt: off
PRICING_CUES: tuple[Cue, ...] = tuple(
    _family("pricing_error", [
        ("explicit", STRONG, (r"price (?:glitch|error|mistake|bug|typo)s?",
                              r"pricing (?:error|glitch|mistake|bug|typo|issue)s?",
                              r"(?:error|mistake|glitch) fares?", r"mispric(?:ed|ing|e)",
                              r"wrong price", r"(?:listed|priced|selling|showing|shows|ringing up) (?:\w+ )?"
                              r"(?:wrong|incorrectly)")),
        ("free_checkout", STRONG, (r"free at (?:the )?(?:checkout|check out|check-out|register|till)",
                                   r"(?:cart|checkout|check out|total|order total|basket|price|subtotal) "
                                   r"(?:\w+ )?(?:says|shows|is|was|came to|rang up as|went to|showing|showed|"
                                   r"reads|of|at) (?:\w+ )?(?:free|zero|nothing|0)")),
    ])
    + _family("price_doubt", [
        ("doubt", 0.0, (r"typo", r"misprint", r"can'?t be right", r"cannot be right",
                        r"(?:is|was) (?:this|that|it|the \w+ price|the price) (?:for )?"
                        r"(?:real|right|correct|legit|accurate|a (?:mistake|typo|glitch|bug|joke|error))",
                        r"price (?:is |is this |really |actually )?(?:real|right|correct|legit)",
                        r"too good to be true", r"must be (?:a|an) (?:mistake|error|typo|glitch|bug)",
                        r"(?:christmas|holiday) miracle", r"before they (?:fix|notice|catch|realize|correct)",
                        r"someone(?:'s| is) (?:getting|gonna get) fired", r"free money",
                        r"(?:mistake|error|typo|glitch)\?")),
        ("context", 0.0, (r"free", r"price[sd]?", r"pricing", r"apy", r"apr", r"interest rate", r"costs?",
                          r"listed at", r"for nothing", r"cheap")),
        ("order_context", 0.0, (r"cart", r"checkout", r"check(?:ed)? out", r"ordered", r"order (?:went|goes) "
                                r"through", r"went through", r"bought", r"purchased", r"basket")),
    ])
)

# fmt: on

_MONEY = re.compile(
    r"(?:[$£€]|usd ?|eur ?|gbp ?)\s?(\d[\d,]*(?:\.\d+)?)|\b(\d[\d,]*(?:\.\d+)?) ?(?:dollars|bucks|"
    r"pounds|euros|usd|eur|gbp)\b"
)
_INSTEAD = re.compile(
    r"(?:[$£€]\s?\d[\d,.]*) (?:instead of|rather than|not|vs\.?|versus|when it(?:'s| is| should "
    r"be)|normally|usually|originally|regularly|retails? (?:at|for)) (?:the )?(?:usual |normal )?"
    r"(?:[$£€]\s?\d[\d,.]*)"
)
_DEEP_OFF = re.compile(r"\b(9\d|100) ?% (?:off|discount)")
_DOUBT_FAULTS = ("glitch", "bug")
_PERCENT = re.compile(r"\d ?%")


def _amount(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def price_reasons(lower: str, hits: list[Hit]) -> list[tuple[str, float, str]]:
    """Pricing-error evidence as (cue, weight, evidence) from the text and its lexicon hits."""
    out: list[tuple[str, float, str]] = []
    doubt = context = order = None
    for h in hits:
        fam = h.cue.family
        if h.cue.name == "product_defect.software_fault" and lower.startswith(_DOUBT_FAULTS, h.start):
            # "glitch"/"bug" belong to both families; the lexicon files them under defects.
            doubt = doubt or lower[h.start : h.end]
        elif fam == "pricing_error":
            out.append((h.cue.name, h.cue.weight, lower[h.start : h.end]))
        elif fam == "price_doubt":
            kind = h.cue.name
            span = lower[h.start : h.end]
            if kind == "price_doubt.doubt":
                doubt = doubt or span
            elif kind == "price_doubt.context":
                context = context or span
            else:
                order = order or span
    has_money = "$" in lower or "£" in lower or "€" in lower or "dollar" in lower or "buck" in lower
    if has_money:
        for m in _MONEY.finditer(lower):
            value = _amount(m.group(1) or m.group(2))
            if value == 0:
                out.append(("price_anomaly.zero_total", STRONG, m.group(0)))
                break
            context = context or m.group(0)
        m = _INSTEAD.search(lower)
        if m:
            amounts = [_amount(a) for a in re.findall(r"\d[\d,]*(?:\.\d+)?", m.group(0))]
            if len(amounts) == 2 and all(amounts) and max(amounts) >= 5 * min(amounts):
                out.append(("price_anomaly.instead_of", STRONG, m.group(0)))
    if "%" in lower:
        m = _DEEP_OFF.search(lower)
        if m:
            out.append(("price_anomaly.deep_discount", DOUBTED, m.group(0)))
        elif context is None and _PERCENT.search(lower):
            context = "%"
    if doubt and context:
        out.append(("price_anomaly.doubted", DOUBTED, f"{doubt} / {context}"))
    if out and order:
        # A glitch someone already checked out with is spreading, not hypothetical.
        out.append(("price_anomaly.ordered", 0.15, order))
    return out
