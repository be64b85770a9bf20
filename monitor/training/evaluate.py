"""Figures for a labeled set: incident P/R/F1 and false alarms, category accuracy, pricing-error
recall, needs_reply and opportunity F1, and the confusion table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from monitor.scoring.taxonomy import CATEGORIES

NONE = "none"


@dataclass(frozen=True, slots=True)
class Labeled:
    """Gold labels of one mention next to what the scorer said (None: that label is not known)."""

    gold_incident: bool | None
    gold_category: str | None
    incident: bool
    category: str | None
    gold_needs_reply: bool | None = None
    needs_reply: bool = False
    gold_opportunity: bool | None = None
    opportunity: bool = False


@dataclass(frozen=True, slots=True)
class Report:
    n: int
    precision: float
    recall: float
    f1: float
    false_alarm_rate: float  # flagged non-incidents / non-incidents
    category_accuracy: float
    pricing_recall: float | None
    needs_reply_f1: float | None
    opportunity_f1: float | None
    confusion: dict[tuple[str, str], int]

    def summary(self) -> dict[str, float | int | None]:
        """The headline figures, rounded, for JSON records."""
        out: dict[str, float | int | None] = {"n": self.n}
        for name in (
            "precision",
            "recall",
            "f1",
            "false_alarm_rate",
            "category_accuracy",
            "pricing_recall",
            "needs_reply_f1",
            "opportunity_f1",
        ):
            value = getattr(self, name)
            out[name] = None if value is None else round(value, 3)
        return out


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def f1_score(pairs: Iterable[tuple[bool, bool]]) -> float | None:
    """F1 of (gold, predicted) pairs; None when there are none."""
    tp = fp = fn = n = 0
    for gold, pred in pairs:
        n += 1
        tp += gold and pred
        fp += pred and not gold
        fn += gold and not pred
    if not n:
        return None
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def evaluate(rows: Iterable[Labeled]) -> Report:
    """Incident P/R/F1; category accuracy over gold incidents (flagged with the right category)."""
    tp = fp = fn = n = cat_ok = cat_n = negatives = 0
    pr_ok = pr_n = 0
    confusion: Counter[tuple[str, str]] = Counter()
    reply: list[tuple[bool, bool]] = []
    opportunity: list[tuple[bool, bool]] = []
    for r in rows:
        n += 1
        if r.gold_needs_reply is not None:
            reply.append((r.gold_needs_reply, r.needs_reply))
        if r.gold_opportunity is not None:
            opportunity.append((r.gold_opportunity, r.opportunity))
        if r.gold_incident is None:
            continue
        tp += r.incident and r.gold_incident
        fp += r.incident and not r.gold_incident
        fn += r.gold_incident and not r.incident
        negatives += not r.gold_incident
        if r.gold_incident and r.gold_category is not None:
            cat_n += 1
            cat_ok += r.incident and r.category == r.gold_category
            if r.gold_category == "pricing_error":
                pr_n += 1
                pr_ok += r.incident and r.category == "pricing_error"
        gold = (r.gold_category or NONE) if r.gold_incident else NONE
        pred = (r.category or NONE) if r.incident else NONE
        confusion[gold, pred] += 1
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Report(
        n=n,
        precision=precision,
        recall=recall,
        f1=f1,
        false_alarm_rate=_ratio(fp, negatives),
        category_accuracy=_ratio(cat_ok, cat_n),
        pricing_recall=_ratio(pr_ok, pr_n) if pr_n else None,
        needs_reply_f1=f1_score(reply),
        opportunity_f1=f1_score(opportunity),
        confusion=dict(confusion),
    )


def _optional(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


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
        f"false alarms: {report.false_alarm_rate:.3f} of non-incidents",
        f"category accuracy: {report.category_accuracy:.3f}",
        f"pricing_error recall: {_optional(report.pricing_recall)}",
        f"needs_reply F1: {_optional(report.needs_reply_f1)}",
        f"opportunity F1: {_optional(report.opportunity_f1)}",
        "",
        "confusion (rows: gold, columns: predicted)",
        " " * width + " " + " ".join(f"{c[:8]:>8}" for c in used),
    ]
    for gold in used:
        cells = " ".join(f"{report.confusion.get((gold, pred), 0):>8}" for pred in used)
        lines.append(f"{gold:<{width}} {cells}")
    return "\n".join(lines) + "\n"
