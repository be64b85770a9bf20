"""Which category a mention with evidence for several categories belongs to.

Summing cue weights per category and taking the largest lets generic words outvote the one word
that says what happened: "refund", "still waiting", "charged", "promised", "delayed" turn up in
every kind of complaint, so "order says processing for 7 weeks, they charged my card on day one"
came out billing. Three rules, in order:

1. Escalation: a customer taking it to a lawyer, a court or a regulator is a legal matter
   whatever the dispute was about (legal evidence at lawyer strength).
2. Harm: someone hurt or put at risk is a safety incident, whichever product or service did it;
   only a hack or a price glitch (their own urgent kinds) keep their category.
3. Otherwise the largest evidence wins, with generic cues counting half, so a specific cue of
   one category beats the same weight of generic words of another; ties go to the more severe.
"""

from __future__ import annotations

from ..taxonomy import CATEGORY_WEIGHT

_CATEGORY_CAP = 1.3
_GENERIC_SHARE = 0.5
_ESCALATION = 0.8
_HARM = 0.7
_HARM_KEEPS = frozenset({"security", "pricing_error", "legal"})

# Cues that say a customer is unhappy with a process but not what went wrong.
GENERIC = frozenset(
    {
        "service_failure.broken_promise",
        "service_failure.waiting",
        "service_failure.elapsed",
        "service_failure.nobody",
        "service_failure.refused",
        "billing.charged",
        "billing.bill",
        "billing.amount",
        "order_problem.delayed",
        "order_problem.out_for_delivery",
        "order_problem.missing",
        "product_defect.software_fault",
        "product_defect.too_soon",
    }
)


def choose(categories: dict[str, float], generic: dict[str, float]) -> str:
    """The category for `categories` (evidence per category), `generic` the generic share of it."""
    if len(categories) == 1:
        return next(iter(categories))
    if categories.get("legal", 0.0) >= _ESCALATION:
        return "legal"
    safety = categories.get("safety", 0.0)
    if safety >= _HARM and not any(categories.get(c, 0.0) > safety for c in _HARM_KEEPS):
        return "safety"

    def key(c: str) -> tuple[float, float]:
        g = min(generic.get(c, 0.0), categories[c])
        return (min(categories[c] - g + _GENERIC_SHARE * g, _CATEGORY_CAP), CATEGORY_WEIGHT[c])

    return max(categories, key=key)
