"""The evaluation arithmetic behind `monitor eval`, `monitor train` and docs/detection.md."""

from __future__ import annotations

import pytest

from monitor.training.evaluate import Labeled, evaluate, f1_score, format_report


def test_incident_category_and_false_alarms() -> None:
    rows = [
        Labeled(True, "billing", True, "billing"),
        Labeled(True, "outage", True, "billing"),
        Labeled(True, "safety", False, None),
        Labeled(False, None, True, "outage"),
        Labeled(False, None, False, None),
    ]
    report = evaluate(rows)
    assert (report.precision, report.recall) == (2 / 3, 2 / 3)
    assert report.f1 == pytest.approx(2 / 3)
    assert report.false_alarm_rate == 0.5
    assert report.category_accuracy == pytest.approx(1 / 3)
    assert report.pricing_recall is None  # no pricing errors in the set
    assert report.confusion[("safety", "none")] == 1
    assert report.confusion[("none", "outage")] == 1
    text = format_report(report)
    assert "incident F1: 0.667" in text and "false alarms: 0.500 of non-incidents" in text


def test_pricing_recall_needs_the_right_category() -> None:
    rows = [
        Labeled(True, "pricing_error", True, "pricing_error"),
        Labeled(True, "pricing_error", True, "billing"),
        Labeled(True, "pricing_error", False, None),
    ]
    assert evaluate(rows).pricing_recall == pytest.approx(1 / 3)


def test_reply_and_opportunity_only_where_labeled() -> None:
    rows = [
        Labeled(None, None, False, None, gold_needs_reply=True, needs_reply=True),
        Labeled(None, None, False, None, gold_needs_reply=False, needs_reply=True),
        Labeled(False, None, False, None, gold_opportunity=True, opportunity=False),
        Labeled(False, None, False, None),
    ]
    report = evaluate(rows)
    assert report.needs_reply_f1 == pytest.approx(2 / 3)
    assert report.opportunity_f1 == 0.0
    # rows without an incident label do not count towards the incident figures
    assert report.false_alarm_rate == 0.0 and report.recall == 0.0
    assert report.summary()["needs_reply_f1"] == 0.667


def test_f1_of_nothing_is_unknown_not_zero() -> None:
    assert f1_score([]) is None
    assert f1_score([(False, False)]) == 0.0
