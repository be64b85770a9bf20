"""Plain words for what a message shows: categories, the detector's reasons, authors.

A lead reading Slack at 2 a.m. should see "reads as a pricing error (99 %) · like “…$0.01 each, is
that a glitch” · a price far below normal “$0.00”", not `model.pricing_error (+1.00) “p=1.00”`.
Reasons are stored as the scorer gives them (`cue`, `weight`, `evidence`); only their wording lives here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_CATEGORY_LABELS = {
    "billing": "Billing problem",
    "legal": "Legal threat",
    "safety": "Safety issue",
    "security": "Security issue",
}

# cue family (the part before the dot) -> words; a family not listed reads as its words
_FAMILIES = {
    "price_anomaly": "a price far below normal",
    "price_doubt": "asks whether a price is real",
    "direct": "addressed to the brand",
    "complaint": "keeps complaining",
    "intensity": "said with force",
    "reach": "a large audience",
    "trigger": "a known trigger",
}
_CUES = {
    "vader.negative": "negative tone",
    "vader.positive": "positive tone",
    "vader.compound": "overall tone",
    "price_anomaly.zero_total": "a zero total",
    "price_anomaly.deep_discount": "a discount too deep to be meant",
    "price_anomaly.trivial_price": "a trivial price",
    "direct.question": "a question to the brand",
    "intensity.caps": "written in capitals",
    "intensity.punctuation": "urgent punctuation",
    "reach.followers": "an author with many followers",
    "reach.engagement": "a post many people engaged with",
}
_CATEGORY_CUES = {
    "billing",
    "legal",
    "order_problem",
    "outage",
    "pricing_error",
    "product_defect",
    "safety",
    "security",
    "service_failure",
}
_EVIDENCE_CHARS = 60
_EMAIL_AUTHOR = re.compile(r"^\s*\S+@\S+\.\S+\s*\((?P<name>[^)]+)\)\s*$")  # RSS: "mail@host (Name)"
_BARE_EMAIL = re.compile(r"^\s*(?P<user>[^@\s]+)@\S+\.\S+\s*$")


def category_label(category: str) -> str:
    """`pricing_error` → `Pricing error`."""
    return _CATEGORY_LABELS.get(category) or category.replace("_", " ").strip().capitalize() or "Other"


def _words(name: str) -> str:
    return name.replace("_", " ").strip()


def _percent(r: Mapping[str, Any]) -> str:
    try:
        return f" ({float(r.get('weight') or 0):.0%})"
    except (TypeError, ValueError):
        return ""


def reason_phrase(r: Mapping[str, Any]) -> str:
    """One stored reason in words, without its evidence (see `reason_evidence`)."""
    cue = str(r.get("cue") or "")
    family, _, kind = cue.partition(".")
    if family == "model":
        if kind == "incident":
            return "reads as a problem" + _percent(r)
        return f"reads as {category_label(kind).lower()}" + _percent(r)
    if cue == "like":
        return "like a known case"
    if cue in _CUES:
        return _CUES[cue]
    if family == "damp":
        return f"softened: {_words(kind)}" if kind else "softened"
    if family == "cue":
        return f"{category_label(kind).lower()} cue" if kind in _CATEGORY_CUES else _words(kind) or "cue"
    if family in _CATEGORY_CUES:
        return f"{category_label(family).lower()}: {_words(kind)}" if kind else category_label(family).lower()
    if family in _FAMILIES:
        return _FAMILIES[family]
    return _words(cue.replace(".", " ")) or "reason"


def reason_evidence(r: Mapping[str, Any]) -> str | None:
    """The words of the post a reason points at, if any (a detector probability is not evidence)."""
    evidence = r.get("evidence")
    if not evidence or str(r.get("cue") or "").startswith("model."):
        return None
    text = " ".join(str(evidence).split())
    return text if len(text) <= _EVIDENCE_CHARS else text[: _EVIDENCE_CHARS - 1].rstrip() + "…"


def author_name(author: str | None) -> str | None:
    """An author as a person reads it: RSS's "noreply@blogger.com (Jane Roe)" is Jane Roe."""
    if not author or not author.strip():
        return None
    if m := _EMAIL_AUTHOR.match(author):
        return m.group("name").strip() or None
    if m := _BARE_EMAIL.match(author):
        user = m.group("user")
        return None if user.lower() in {"noreply", "no-reply", "donotreply", "nobody"} else user
    return " ".join(author.split())
