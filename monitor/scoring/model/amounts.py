"""Money amounts in any of the supported languages, and how far apart they are.

A pricing error is often told only by numbers: "listed 1.299,00 €, checkout says 12,99". An
encoder reads words, not arithmetic, so the model gets the arithmetic as features: how many
amounts, whether one is zero, and the ratio between the largest and the smallest.
"""

from __future__ import annotations

import math
import re

# A currency before or after a number, in the forms customers type: $12, 12$, US$ 12, R$ 1.299,90,
# 12,99 €, EUR 12, CHF 49.–, 12 bucks, 300 reais, 45 pesos, 10 quid.
_CURRENCY = r"(?:us\$|r\$|c\$|a\$|mx\$|\$|€|£|¥|₹|usd|eur|gbp|chf|cad|aud|mxn|brl|ars|clp|cop)"
_WORDS = (
    r"(?:dollars?|bucks|euros?|pounds?|quid|reais|reales|real|pesos?|francs?|franken|cents?|"
    r"centavos|centimes|centesimi|cent|euro|lire)"
)
_NUMBER = r"(\d{1,3}(?:[.,\s]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)(?:[.,]-|[.,]–)?"
_AMOUNT = re.compile(
    rf"{_CURRENCY}\s?{_NUMBER}|{_NUMBER}\s?(?:{_CURRENCY}|{_WORDS})\b",
    re.IGNORECASE,
)
# A bare decimal price ("12.99", "0,00") counts too: few other numbers carry two decimals.
_DECIMAL = re.compile(r"(?<!\d)(?<!\d[.,])(\d{1,3}(?:[.,]\d{3})+[.,]\d{2}|\d+[.,]\d{2})(?!\d|[.,]\d)")
_MAX_AMOUNTS = 12


def _value(raw: str) -> float | None:
    """12,99 -> 12.99; 1.299,00 -> 1299.0; 1,299.00 -> 1299.0; 1 299 -> 1299.0."""
    raw = raw.replace(" ", "").replace("\u00a0", "")
    if not raw:
        return None
    last_sep = max(raw.rfind("."), raw.rfind(","))
    if last_sep >= 0 and len(raw) - last_sep - 1 in (1, 2):
        whole, cents = raw[:last_sep], raw[last_sep + 1 :]
    else:
        whole, cents = raw, ""
    whole = whole.replace(".", "").replace(",", "")
    try:
        return float(f"{whole}.{cents}" if cents else whole)
    except ValueError:
        return None


def amounts(text: str) -> list[float]:
    """The money amounts a text states, in order (at most a dozen)."""
    found: list[tuple[int, float]] = []
    taken: list[tuple[int, int]] = []
    for m in _AMOUNT.finditer(text):
        raw = m.group(1) or m.group(2)
        value = _value(raw) if raw else None
        if value is not None:
            found.append((m.start(), value))
            taken.append(m.span())
        if len(found) >= _MAX_AMOUNTS:
            break
    for m in _DECIMAL.finditer(text):
        if len(found) >= _MAX_AMOUNTS:
            break
        if any(a <= m.start() < b for a, b in taken):
            continue
        value = _value(m.group(1))
        if value is not None:
            found.append((m.start(), value))
    found.sort()
    return [value for _, value in found]


def amount_features(text: str) -> tuple[float, float, float]:
    """(amounts, capped at 3, over 3; a zero amount; log10 of largest/smallest, capped at 4, over 4)."""
    values = amounts(text)
    if not values:
        return 0.0, 0.0, 0.0
    zero = 1.0 if any(v == 0 for v in values) else 0.0
    positive = [v for v in values if v > 0]
    spread = 0.0
    if len(positive) >= 2:
        spread = min(math.log10(max(positive) / min(positive)), 4.0) / 4.0
    return min(len(values), 3) / 3.0, zero, spread
