"""`monitor score` and `monitor eval`: the scorer on JSON Lines, and its figures on a labeled set."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from monitor.scoring import CATEGORIES, Score, ScoreInput, Scorer
from monitor.scoring.evaluate import Labeled, evaluate, format_report

_OPTIONAL_STR = ("brand", "title")
_OPTIONAL_INT = ("author_reach", "engagement")


class BadLine(ValueError):
    """A JSON line that cannot be used; the message says why."""


def _parse(line: str) -> dict[str, Any]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadLine(f"not JSON ({exc.msg})") from None
    if not isinstance(obj, dict):
        raise BadLine(f"expected a JSON object, got {type(obj).__name__}")
    if not isinstance(obj.get("text"), str):
        raise BadLine("missing text" if "text" not in obj else "text is not a string")
    return obj


def _to_input(obj: dict[str, Any]) -> ScoreInput:
    for key in _OPTIONAL_STR:
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise BadLine(f"{key} is not a string")
    for key in _OPTIONAL_INT:
        value = obj.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise BadLine(f"{key} is not an integer")
    handles = obj.get("handles") or ()
    if not isinstance(handles, list | tuple) or not all(isinstance(h, str) for h in handles):
        raise BadLine("handles is not a list of strings")
    return ScoreInput(
        text=obj["text"],
        brand=obj.get("brand"),
        title=obj.get("title"),
        handles=tuple(handles),
        author_reach=obj.get("author_reach"),
        engagement=obj.get("engagement"),
    )


def _lines(inp: TextIO) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(inp, start=1):
        if line.strip():
            yield number, line


def score_record(item_id: Any, score: Score) -> dict[str, Any]:
    """The JSON shape of one scored mention."""
    return {
        "id": item_id,
        "sentiment": score.sentiment,
        "urgency": score.urgency,
        "category": score.category,
        "incident": score.incident,
        "reasons": [{"cue": r.cue, "weight": r.weight, "evidence": r.evidence} for r in score.reasons],
    }


def run_score(inp: TextIO, out: TextIO, err: TextIO) -> int:
    """Score JSON Lines {"id","text","brand"?} from `inp`; bad lines go to `err`; 1 if any was bad."""
    scorer = Scorer()
    bad = False
    for number, line in _lines(inp):
        try:
            obj = _parse(line)
            if obj.get("id") is None:
                raise BadLine("missing id")
            item = _to_input(obj)
        except BadLine as exc:
            err.write(f"line {number}: {exc}\n")
            bad = True
            continue
        out.write(json.dumps(score_record(obj["id"], scorer.score(item)), ensure_ascii=False) + "\n")
    return 1 if bad else 0


def _labeled(obj: dict[str, Any]) -> tuple[ScoreInput, bool, str | None]:
    incident = obj.get("incident")
    if not isinstance(incident, bool):
        raise BadLine("incident is missing or not true/false")
    category = obj.get("category")
    if category is not None and category not in CATEGORIES:
        raise BadLine(f"unknown category {category!r}")
    if incident and category is None:
        raise BadLine("an incident needs a category")
    return _to_input(obj), incident, category


def run_eval(path: str, out: TextIO, err: TextIO | None = None) -> int:
    """Print incident P/R/F1, category accuracy and a confusion table for a labeled JSONL file."""
    err = err if err is not None else sys.stderr
    try:
        with open(path, encoding="utf-8") as f:
            rows = []
            for number, line in _lines(f):
                try:
                    rows.append(_labeled(_parse(line)))
                except BadLine as exc:
                    err.write(f"error: {path}: line {number}: {exc}\n")
                    return 2
    except OSError as exc:
        err.write(f"error: cannot read {path}: {exc.strerror or exc}\n")
        return 2
    except UnicodeDecodeError as exc:
        err.write(f"error: {path} is not UTF-8 text: {exc.reason}\n")
        return 2
    scorer = Scorer()
    labeled = []
    for item, gold_incident, gold_category in rows:
        s = scorer.score(item)
        labeled.append(Labeled(gold_incident, gold_category, s.incident, s.category))
    out.write(format_report(evaluate(labeled)))
    return 0
