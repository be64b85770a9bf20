"""run_score and run_eval: JSON Lines in, JSON Lines or figures out, bad lines named by number."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from monitor.cli_score import run_eval, run_score


def _score(text: str) -> tuple[int, list[dict], str]:
    out, err = io.StringIO(), io.StringIO()
    status = run_score(io.StringIO(text), out, err)
    return status, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_scores_every_line_in_order() -> None:
    lines = [
        {"id": "a", "text": "Solstice charged my card three times for one latte", "brand": "Solstice"},
        {"id": 2, "text": "Love the new autumn menu"},
    ]
    status, rows, err = _score("\n".join(json.dumps(x) for x in lines) + "\n\n")
    assert (status, err) == (0, "")
    assert [r["id"] for r in rows] == ["a", 2]
    assert set(rows[0]) == {"id", "sentiment", "urgency", "category", "incident", "reasons"}
    assert rows[0]["incident"] is True and rows[0]["category"] == "billing"
    assert rows[1]["incident"] is False and rows[1]["category"] is None
    assert all(set(r) == {"cue", "weight", "evidence"} for r in rows[0]["reasons"])


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"id": 1}', "missing text"),
        ('{"id": 1, "text": 5}', "text is not a string"),
        ('{"text": "hello"}', "missing id"),
        ('{"id": 1, "text": "hi", "brand": 3}', "brand is not a string"),
    ],
)
def test_bad_line_is_reported_and_skipped(line: str, problem: str) -> None:
    good = json.dumps({"id": "ok", "text": "fine"})
    status, rows, err = _score(f"{good}\n\n{line}\n{good}\n")
    assert status == 1
    assert [r["id"] for r in rows] == ["ok", "ok"]
    assert err.startswith("line 3: ") and problem in err


def _write(tmp_path: Path, rows: list[dict] | str) -> str:
    path = tmp_path / "labeled.jsonl"
    body = rows if isinstance(rows, str) else "\n".join(json.dumps(r) for r in rows) + "\n"
    path.write_text(body, encoding="utf-8")
    return str(path)


def test_eval_prints_figures_and_confusion(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            {
                "text": "Tidewater online banking has been down all day",
                "category": "outage",
                "incident": True,
            },
            {"text": "Solstice charged my card three times", "category": "billing", "incident": True},
            {"text": "Rode 60 miles today, the bike is amazing", "category": None, "incident": False},
        ],
    )
    out = io.StringIO()
    assert run_eval(path, out) == 0
    report = out.getvalue()
    assert "incident F1: 1.000" in report
    assert "category accuracy: 1.000" in report
    assert "confusion (rows: gold, columns: predicted)" in report
    table = {line.split()[0]: line.split()[1:] for line in report.splitlines()[8:]}
    assert set(table) == {"outage", "billing", "none"}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('{"text": "x", "incident": true, "category": "outage"}\n{"text": "y"}\n', "line 2: incident"),
        ('{"text": "x", "incident": true, "category": "weather"}\n', "line 1: unknown category"),
        ("\n\nnope\n", "line 3: not JSON"),
    ],
)
def test_eval_bad_line_exits_2(tmp_path: Path, body: str, problem: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run_eval(_write(tmp_path, body), out, err) == 2
    assert problem in err.getvalue()
    assert out.getvalue() == ""


def test_eval_missing_file_exits_2(tmp_path: Path) -> None:
    err = io.StringIO()
    assert run_eval(str(tmp_path / "absent.jsonl"), io.StringIO(), err) == 2
    assert "cannot read" in err.getvalue()
