"""The incident categories and how severe each one is."""

from __future__ import annotations

CATEGORIES: tuple[str, ...] = (
    "pricing_error",
    "order_problem",
    "product_defect",
    "safety",
    "outage",
    "security",
    "billing",
    "service_failure",
    "legal",
)

# Severity feeds urgency, incident severity and the alert policy. Harm, account takeover and legal
# exposure come first; a pricing error is high because it costs money by the minute while it spreads;
# a single bad service encounter is the mildest.
CATEGORY_WEIGHT: dict[str, float] = {
    "safety": 1.0,
    "security": 0.95,
    "legal": 0.9,
    "pricing_error": 0.8,
    "outage": 0.75,
    "billing": 0.6,
    "product_defect": 0.55,
    "order_problem": 0.5,
    "service_failure": 0.35,
}

# A complaint with no specific cue is still a breach of expectations: file it as a service failure.
FALLBACK_CATEGORY = "service_failure"

assert set(CATEGORY_WEIGHT) == set(CATEGORIES)

# Not a detector category: the incident a brand's surge of mentions opens by itself, whatever the
# detector says of each post (monitor/incidents/spike.py). Kept out of CATEGORIES so the model,
# training and per-category policy never see it.
SPIKE_CATEGORY = "volume_spike"
