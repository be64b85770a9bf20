"""`monitor brands test` run as a script runs it: verdicts, reasons, exit codes, errors with positions."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.proc import run_monitor


def _brands_test(*args: str):
    return run_monitor("brands", "test", *args, db_url="sqlite://")


def test_prints_each_verdict_and_why() -> None:
    done = _brands_test(
        "helzberg -job*",
        "@Helzberg is the $0 total a mistake?",
        "Helzberg jobs fair",
        "Helzberg is hiring",
        "zales sale",
        "--exclude",
        "hiring OR career*",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "MATCH     @Helzberg is the $0 total a mistake?",
        "  found:       helzberg",
        "no match  Helzberg jobs fair",
        "  found:       helzberg",
        "  blocked by:  NOT job*",
        "no match  Helzberg is hiring",
        "  found:       helzberg",
        "  excluded by: hiring",
        "no match  zales sale",
        "  not found:   helzberg",
        "1 of 4 matched",
    ]


def test_handles_and_a_file_with_fields(tmp_path: Path) -> None:
    lines = [
        json.dumps({"text": "acme lost my order", "url": "https://old.reddit.com/r/x/1"}),
        "acme lost my order",
        "",
        json.dumps({"text": "where is my order @AcmeSupport", "url": "https://reddit.com/r/x/2"}),
    ]
    path = tmp_path / "samples.txt"
    path.write_text("\n".join(lines), "utf-8")
    done = _brands_test("acme site:reddit.com", "--file", str(path), "--handle", "@AcmeSupport")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "MATCH     acme lost my order",
        "  found:       acme, site:reddit.com",
        "no match  acme lost my order",
        "  found:       acme",
        "  not found:   site:reddit.com",
        "MATCH     where is my order @AcmeSupport",
        "  found:       site:reddit.com",
        "  handle:      @AcmeSupport",
        "2 of 3 matched",
    ]


def test_exit_1_when_nothing_matches() -> None:
    done = _brands_test("acme", "nothing here")
    assert done.returncode == 1
    assert done.stdout.splitlines()[-1] == "0 of 1 matched"


def test_bad_query_prints_the_error_with_its_position_and_exits_2() -> None:
    done = _brands_test("acme sit:reddit.com", "acme")
    assert done.returncode == 2
    assert done.stdout == ""
    first, echoed, caret = done.stderr.splitlines()
    assert first.startswith("query: unknown operator 'sit:'")
    assert first.endswith("at position 5: acme sit:reddit.com")
    assert (echoed, caret) == ("  acme sit:reddit.com", "       ^")


def test_bad_exclude_is_named_as_the_exclude() -> None:
    done = _brands_test("acme", "acme", "--exclude", "hiring OR")
    assert done.returncode == 2
    assert done.stderr.startswith("exclude: 'OR' needs a term after it at position 7: hiring OR")


def test_bad_file_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "samples.txt"
    path.write_text('acme\n{"title": "no text"}\n', "utf-8")
    done = _brands_test("acme", "--file", str(path))
    assert done.returncode == 2
    assert done.stderr.strip() == f"{path}: line 2: a JSON line needs a string 'text'"


def test_no_texts_is_an_error() -> None:
    done = _brands_test("acme")
    assert done.returncode == 2
    assert "give texts after the query, or --file" in done.stderr
