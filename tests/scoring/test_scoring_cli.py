"""run_score and run_eval: JSON Lines in, JSON Lines or figures out, bad lines named by number."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from monitor import cli_score
from monitor.cli_score import run_eval, run_score
from monitor.scoring import Scorer

FIELDS = {
    "id",
    "sentiment",
    "urgency",
    "category",
    "incident",
    "needs_reply",
    "opportunity",
    "language",
    "model",
    "reasons",
}


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer()


def _score(scorer: Scorer, text: str) -> tuple[int, list[dict], str]:
    out, err = io.StringIO(), io.StringIO()
    status = run_score(io.StringIO(text), out, err, scorer)
    return status, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_scores_every_line_in_order_with_every_field(scorer: Scorer) -> None:
    lines = [
        {"id": "a", "text": "Solstice charged my card three times for one latte", "brand": "Solstice"},
        {"id": 2, "text": "Love the new autumn menu"},
        {"id": "c", "text": "Solstice me cobró tres veces el mismo café", "brand": "Solstice"},
        {"id": "d", "text": "Solstice Kaffee", "brand": "Solstice", "language": "de-AT"},
    ]
    status, rows, err = _score(scorer, "\n".join(json.dumps(x) for x in lines) + "\n\n")
    assert (status, err) == (0, "")
    assert [r["id"] for r in rows] == ["a", 2, "c", "d"]
    assert all(set(r) == FIELDS for r in rows)
    assert rows[0]["incident"] is True and rows[0]["category"] == "billing"
    assert rows[1]["incident"] is False and rows[1]["category"] is None
    assert [r["language"] for r in rows] == ["en", "en", "es", "de"]  # a stated language wins
    assert {r["model"] for r in rows} == {scorer.version}
    assert all(set(r) == {"cue", "weight", "evidence"} for r in rows[0]["reasons"])
    assert rows[0]["reasons"][0]["cue"] == "model.incident"


def test_batches_keep_the_order_across_their_seams(scorer: Scorer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_score, "_BATCH", 3)
    lines = [json.dumps({"id": i, "text": f"note number {i} about Acme"}) for i in range(8)]
    lines.insert(4, "not json")
    status, rows, err = _score(scorer, "\n".join(lines) + "\n")
    assert status == 1 and err == "line 5: not JSON (Expecting value)\n"
    assert [r["id"] for r in rows] == list(range(8))


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
def test_bad_line_is_reported_and_skipped(scorer: Scorer, line: str, problem: str) -> None:
    good = json.dumps({"id": "ok", "text": "fine"})
    status, rows, err = _score(scorer, f"{good}\n\n{line}\n{good}\n")
    assert status == 1
    assert [r["id"] for r in rows] == ["ok", "ok"]
    assert err.startswith("line 3: ") and problem in err


def _write(tmp_path: Path, rows: list[dict] | str) -> str:
    path = tmp_path / "labeled.jsonl"
    body = rows if isinstance(rows, str) else "\n".join(json.dumps(r) for r in rows) + "\n"
    path.write_text(body, encoding="utf-8")
    return str(path)


def test_eval_prints_figures_and_confusion(scorer: Scorer, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            {
                "text": "Tidewater online banking has been down all day",
                "brand": "Tidewater",
                "category": "outage",
                "incident": True,
            },
            {
                "text": "Solstice charged my card three times",
                "brand": "Solstice",
                "category": "billing",
                "incident": True,
            },
            {"text": "Rode 60 miles today, the bike is amazing", "category": None, "incident": False},
            {
                "text": "@Solstice do you have oat milk at the airport store?",
                "brand": "Solstice",
                "needs_reply": True,
            },
        ],
    )
    out = io.StringIO()
    assert run_eval(path, out, scorer) == 0
    report = out.getvalue()
    assert report.startswith(f"model: {scorer.version}\n")
    assert "incident F1: 1.000" in report
    assert "category accuracy: 1.000" in report
    assert "needs_reply F1: 1.000" in report and "opportunity F1: -" in report
    assert "confusion (rows: gold, columns: predicted)" in report
    table = {line.split()[0]: line.split()[1:] for line in report.splitlines()[13:]}
    assert set(table) == {"outage", "billing", "none"}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('{"text": "x", "incident": true, "category": "outage"}\n{"text": "y"}\n', "line 2: no label"),
        ('{"text": "x", "needs_reply": "yes"}\n', "line 1: needs_reply is not true/false"),
        ('{"text": "x", "incident": true, "category": "weather"}\n', "line 1: unknown category"),
        ("\n\nnope\n", "line 3: not JSON"),
    ],
)
def test_eval_bad_line_exits_2(scorer: Scorer, tmp_path: Path, body: str, problem: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run_eval(_write(tmp_path, body), out, scorer, err) == 2
    assert problem in err.getvalue()
    assert out.getvalue() == ""


def test_eval_missing_file_exits_2(scorer: Scorer, tmp_path: Path) -> None:
    err = io.StringIO()
    assert run_eval(str(tmp_path / "absent.jsonl"), io.StringIO(), scorer, err) == 2
    assert "cannot read" in err.getvalue()
