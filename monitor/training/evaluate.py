"""Figures for a labeled set: incident precision/recall/F1, category accuracy, confusion table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .taxonomy import CATEGORIES

NONE = "none"


@dataclass(frozen=True, slots=True)
class Labeled:
    """Gold labels of one mention next to what the scorer said."""

    gold_incident: bool
    gold_category: str | None
    incident: bool
    category: str | None


@dataclass(frozen=True, slots=True)
class Report:
    n: int
    precision: float
    recall: float
    f1: float
    category_accuracy: float
    confusion: dict[tuple[str, str], int]


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def evaluate(rows: Iterable[Labeled]) -> Report:
    """Incident P/R/F1; category accuracy over gold incidents (flagged with the right category)."""
    tp = fp = fn = n = cat_ok = cat_n = 0
    confusion: Counter[tuple[str, str]] = Counter()
    for r in rows:
        n += 1
        tp += r.incident and r.gold_incident
        fp += r.incident and not r.gold_incident
        fn += r.gold_incident and not r.incident
        if r.gold_incident:
            cat_n += 1
            cat_ok += r.incident and r.category == r.gold_category
        gold = (r.gold_category or NONE) if r.gold_incident else NONE
        pred = (r.category or NONE) if r.incident else NONE
        confusion[gold, pred] += 1
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Report(n, precision, recall, f1, _ratio(cat_ok, cat_n), dict(confusion))


def format_report(report: Report) -> str:
    """The report as plain text: the headline figures, then gold rows x predicted columns."""
    labels = [*CATEGORIES, NONE]
    used = [c for c in labels if any(c in key for key in report.confusion)]
    width = max(len(c) for c in used) if used else 4
    lines = [
        f"mentions: {report.n}",
        f"incident precision: {report.precision:.3f}",
        f"incident recall: {report.recall:.3f}",
        f"incident F1: {report.f1:.3f}",
        f"category accuracy: {report.category_accuracy:.3f}",
        "",
        "confusion (rows: gold, columns: predicted)",
        " " * width + " " + " ".join(f"{c[:8]:>8}" for c in used),
    ]
    for gold in used:
        cells = " ".join(f"{report.confusion.get((gold, pred), 0):>8}" for pred in used)
        lines.append(f"{gold:<{width}} {cells}")
    return "\n".join(lines) + "\n"
