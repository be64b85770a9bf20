"""The corpus reader: every bad row is refused with the file, the line and the problem."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from monitor.scoring import CATEGORIES
from monitor.training.corpus import CORPUS, CorpusError, fingerprint, load_corpus, read_jsonl

GOOD = {
    "id": "t-1",
    "brand": "Acme",
    "industry": "retail",
    "lang": "en",
    "register": "tweet",
    "text": "Acme charged me twice",
    "incident": True,
    "category": "billing",
    "needs_reply": False,
    "opportunity": False,
}


def _write(tmp_path: Path, *rows: object, name: str = "part.jsonl") -> Path:
    path = tmp_path / name
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8"
    )
    return path


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"text": ""}, "text is missing or empty"),
        ({"id": None}, "id is missing"),
        ({"incident": "yes"}, "incident is not true/false"),
        ({"category": "weather"}, "unknown category 'weather'"),
        ({"category": None}, "an incident needs a category"),
        ({"incident": False}, "category 'billing' on a row that is not an incident"),
        ({"needs_reply": 1}, "needs_reply is not true/false"),
        ({"lang": "nl"}, "lang 'nl' is not one of en, es, fr, de, pt, it"),
        ({"register": "blog"}, "register 'blog' is not one of"),
        ({"weight": 0}, "weight must be a number above 0 and at most 10"),
    ],
)
def test_bad_rows_name_file_line_and_problem(tmp_path: Path, change: dict, problem: str) -> None:
    path = _write(tmp_path, GOOD, GOOD | {"id": "t-2"} | change)
    with pytest.raises(CorpusError, match="part.jsonl: line 2: ") as err:
        list(read_jsonl(path))
    assert problem in str(err.value)


def test_not_json_and_duplicate_ids(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"part.jsonl: line 1: not JSON"):
        list(read_jsonl(_write(tmp_path, "{oops")))
    _write(tmp_path, GOOD, name="a.jsonl")
    _write(tmp_path, GOOD, name="b.jsonl")
    with pytest.raises(CorpusError, match="b.jsonl: id 't-1' already used in a.jsonl"):
        load_corpus(tmp_path)


def test_an_empty_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no \\*.jsonl files"):
        load_corpus(tmp_path)


def test_rows_remember_their_file_and_group_by_brand(tmp_path: Path) -> None:
    [row] = read_jsonl(_write(tmp_path, GOOD | {"brand": " ACME "}))
    assert (row.source, row.group, row.weight) == ("part", "acme", 1.0)
    [nameless] = read_jsonl(_write(tmp_path, GOOD | {"brand": None}, name="q.jsonl"))
    assert nameless.group == "q:t-1"  # a brandless row is a group of its own


def test_fingerprint_changes_with_any_label(tmp_path: Path) -> None:
    rows = list(read_jsonl(_write(tmp_path, GOOD)))
    assert fingerprint(rows) == fingerprint(list(rows))
    assert fingerprint(rows) != fingerprint([dataclasses.replace(rows[0], needs_reply=True)])


def test_the_bundled_corpus_is_valid_and_large() -> None:
    rows = load_corpus(CORPUS)
    assert len(rows) >= 5000
    languages = {r.lang for r in rows}
    assert {"en", "es", "fr", "de", "pt", "it"} <= languages
    assert {r.category for r in rows if r.incident} == set(CATEGORIES)
    own = [r for r in rows if not r.source.startswith("public_")]
    assert len(own) >= 5000 and all(r.needs_reply is not None for r in own)
