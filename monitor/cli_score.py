"""`monitor score` and `monitor eval`: the scorer on JSON Lines, and its figures on a labeled set."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from monitor.config import AppConfig, detector_model
from monitor.db import make_engine, make_session_factory
from monitor.scoring import CATEGORIES, Score, ScoreInput, Scorer
from monitor.training.evaluate import Labeled, evaluate, format_report
from monitor.training.team import team_rows

_OPTIONAL_STR = ("brand", "title", "language")
# Lines are scored in batches: the encoder reads many short texts far faster than one at a time.
_BATCH = 256
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
        language=obj.get("language"),
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
        "needs_reply": score.needs_reply,
        "opportunity": score.opportunity,
        "language": score.language,
        "model": score.model,
        "reasons": [{"cue": r.cue, "weight": r.weight, "evidence": r.evidence} for r in score.reasons],
    }


def run_score(inp: TextIO, out: TextIO, err: TextIO, scorer: Scorer) -> int:
    """Score JSON Lines {"id","text","brand"?}: output in input order; bad lines go to `err`; 1 if any."""
    bad = False
    pending: list[tuple[Any, ScoreInput]] = []

    def flush() -> None:
        scores = scorer.score_many([item for _, item in pending])
        for (item_id, _), score in zip(pending, scores, strict=True):
            out.write(json.dumps(score_record(item_id, score), ensure_ascii=False) + "\n")
        pending.clear()

    for number, line in _lines(inp):
        try:
            obj = _parse(line)
            if obj.get("id") is None:
                raise BadLine("missing id")
            item = _to_input(obj)
        except BadLine as exc:
            flush()  # keep stdout in input order around the bad line
            err.write(f"line {number}: {exc}\n")
            bad = True
            continue
        pending.append((obj["id"], item))
        if len(pending) >= _BATCH:
            flush()
    flush()
    return 1 if bad else 0


def _flag(obj: dict[str, Any], name: str) -> bool | None:
    value = obj.get(name)
    if value is not None and not isinstance(value, bool):
        raise BadLine(f"{name} is not true/false")
    return value


def _labeled(obj: dict[str, Any]) -> tuple[ScoreInput, bool | None, str | None, bool | None, bool | None]:
    incident = obj.get("incident")
    if incident is not None and not isinstance(incident, bool):
        raise BadLine("incident is not true/false")
    category = obj.get("category")
    if category is not None and category not in CATEGORIES:
        raise BadLine(f"unknown category {category!r}")
    if incident and category is None:
        raise BadLine("an incident needs a category")
    reply, opportunity = _flag(obj, "needs_reply"), _flag(obj, "opportunity")
    if incident is None and reply is None and opportunity is None:
        raise BadLine("no label: give incident (and category), needs_reply or opportunity")
    return _to_input(obj), incident, category, reply, opportunity


def run_eval(path: str, out: TextIO, scorer: Scorer, err: TextIO | None = None) -> int:
    """Print incident P/R/F1, false alarms, category accuracy, reply/opportunity F1 and the confusion."""
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
    scores = scorer.score_many([row[0] for row in rows])
    labeled = [
        Labeled(incident, category, s.incident, s.category, reply, s.needs_reply, opportunity, s.opportunity)
        for (_, incident, category, reply, opportunity), s in zip(rows, scores, strict=True)
    ]
    out.write(f"model: {scorer.version}\n")
    out.write(format_report(evaluate(labeled)))
    return 0


def run_eval_team(config: AppConfig, database_url: str, out: TextIO, err: TextIO) -> int:
    """The team's own labels scored by the shipped model (before) and this deployment's (after)."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            rows = team_rows(session, weight=config.detector.team_weight)
    finally:
        engine.dispose()
    if not rows:
        err.write("no labels yet: correct some scores on the dashboard or POST /api/mentions/{id}/label\n")
        return 2
    items = [ScoreInput(r.text, brand=r.brand, title=r.title, language=r.lang) for r in rows]
    path = detector_model(config)
    models = [("shipped model (before)", Scorer())]
    if path is not None and path.with_suffix(".npz").exists():
        models.append(("this deployment's model (after; trained on these labels)", Scorer(model=path)))
    else:
        err.write("no deployment model yet: `monitor train --config` makes one from these labels\n")
    for name, scorer in models:
        scores = scorer.score_many(items)
        report = evaluate(
            Labeled(
                r.incident,
                r.category,
                s.incident,
                s.category,
                r.needs_reply,
                s.needs_reply,
                r.opportunity,
                s.opportunity,
            )
            for r, s in zip(rows, scores, strict=True)
        )
        out.write(f"== {name}: {scorer.version}, {len(rows)} labeled mentions\n")
        out.write(format_report(report))
    return 0
