"""Reasons, categories and authors in the words a person reads."""

from __future__ import annotations

import pytest

from monitor.alerts.wording import author_name, category_label, reason_evidence, reason_phrase


@pytest.mark.parametrize(
    ("reason", "phrase", "evidence"),
    [
        (
            {"cue": "model.incident", "weight": 0.9986, "evidence": "p=1.00"},
            "reads as a problem (100%)",
            None,
        ),
        ({"cue": "model.product_defect", "weight": 0.62}, "reads as product defect (62%)", None),
        ({"cue": "model.security", "weight": 0.8}, "reads as security issue (80%)", None),
        (
            {"cue": "like", "weight": 0.67, "evidence": "rang up as $0.01"},
            "like a known case",
            "rang up as $0.01",
        ),
        ({"cue": "price_anomaly.zero_total", "weight": 0.85, "evidence": "$0.00"}, "a zero total", "$0.00"),
        ({"cue": "price_anomaly.far_below", "evidence": "$4"}, "a price far below normal", "$4"),
        ({"cue": "direct.mention", "evidence": "@Acme"}, "addressed to the brand", "@Acme"),
        ({"cue": "vader.negative", "weight": -0.4}, "negative tone", None),
        (
            {"cue": "order_problem.received_other", "evidence": "t-shirts"},
            "order problem: received other",
            "t-shirts",
        ),
        ({"cue": "damp.resolved"}, "softened: resolved", None),
        ({"cue": "cue.billing"}, "billing problem cue", None),
        ({"cue": "something.new_kind"}, "something new kind", None),
        ({}, "reason", None),
    ],
)
def test_reason_phrase_and_evidence(reason: dict, phrase: str, evidence: str | None) -> None:
    assert reason_phrase(reason) == phrase
    assert reason_evidence(reason) == evidence


def test_long_evidence_is_cut() -> None:
    cut = reason_evidence({"cue": "like", "evidence": "word " * 40})
    assert cut is not None and len(cut) <= 60 and cut.endswith("…")


@pytest.mark.parametrize(
    ("author", "name"),
    [
        ("noreply@blogger.com (Jane Roe)", "Jane Roe"),
        ("noreply@blogger.com", None),
        ("jroe@example.org", "jroe"),
        ("@jane_r", "@jane_r"),
        ("  Jane   Roe ", "Jane Roe"),
        ("", None),
        (None, None),
    ],
)
def test_author_name(author: str | None, name: str | None) -> None:
    assert author_name(author) == name


def test_category_label() -> None:
    assert category_label("pricing_error") == "Pricing error"
    assert category_label("legal") == "Legal threat"
    assert category_label("") == "Other"
