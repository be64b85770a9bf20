"""`monitor brands test`: try a query on sample texts before saving it, and see why each one matches."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from monitor.matching import QueryError, Subject
from monitor.matching.explain import Explainer, Explanation

brands_app = typer.Typer(no_args_is_help=True, help="Brands.")

_FIELDS = ("title", "url", "author", "language")


class BadLine(ValueError):
    """A --file line that cannot be used; the message says why."""


@brands_app.command("test")
def test_query(
    query: Annotated[str, typer.Argument(help="The brand query to try, e.g. 'helzberg -job*'.")],
    texts: Annotated[list[str] | None, typer.Argument(help="Texts to try it on.", show_default=False)] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            "-f",
            help="One text per line ('-' for stdin); a JSON object line may carry "
            "text, title, url, author, language and source for the field operators.",
            show_default=False,
        ),
    ] = None,
    exclude: Annotated[str | None, typer.Option("--exclude", help="The brand's exclude query.")] = None,
    handles: Annotated[
        list[str] | None, typer.Option("--handle", help="A handle that counts on its own (repeatable).")
    ] = None,
) -> None:
    """Print, per text, match or no match and why. Exit 0 if any text matched, 1 if none, 2 on bad input."""
    try:
        explainer = Explainer(query, handles=tuple(handles or ()), exclude=exclude)
    except QueryError as exc:
        part = "exclude" if exclude is not None and exc.query == exclude and exc.query != query else "query"
        typer.echo(f"{part}: {exc}", err=True)
        typer.echo(f"  {exc.query}\n  {' ' * exc.position}^", err=True)
        raise typer.Exit(2) from None
    try:
        subjects = [Subject(t) for t in texts or ()] + (_read(file) if file is not None else [])
    except (OSError, BadLine) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    if not subjects:
        typer.echo("nothing to test: give texts after the query, or --file", err=True)
        raise typer.Exit(2)
    matched = 0
    for subject in subjects:
        why = explainer.explain(subject)
        matched += why.matched
        typer.echo(_report(subject, why))
    typer.echo(f"{matched} of {len(subjects)} matched")
    raise typer.Exit(0 if matched else 1)


def _report(subject: Subject, why: Explanation) -> str:
    text = " ".join(subject.body.split())
    lines = [f"{'MATCH   ' if why.matched else 'no match'}  {text[:120]}{'…' if len(text) > 120 else ''}"]
    if why.hits:
        lines.append("  found:       " + ", ".join(why.hits))
    if why.handle:
        lines.append(f"  handle:      {why.handle}")
    if why.blocked_by:
        lines.append("  blocked by:  NOT " + ", NOT ".join(why.blocked_by))
    if why.missing and not why.matched:
        lines.append("  not found:   " + ", ".join(why.missing))
    if why.excluded_by:
        lines.append("  excluded by: " + ", ".join(why.excluded_by))
    return "\n".join(lines)


def _read(path: Path) -> list[Subject]:
    lines = sys.stdin.read().splitlines() if str(path) == "-" else path.read_text("utf-8").splitlines()
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append(_subject(line))
        except BadLine as exc:
            raise BadLine(f"{path}: line {number}: {exc}") from None
    return out


def _subject(line: str) -> Subject:
    if not line.lstrip().startswith("{"):
        return Subject(line)
    try:
        obj: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadLine(f"not JSON ({exc.msg})") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        raise BadLine("a JSON line needs a string 'text'")
    for key in (*_FIELDS, "source"):
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise BadLine(f"{key} is not a string")
    source = (obj["source"],) if obj.get("source") else ()
    return Subject(obj["text"], source=source, **{k: obj.get(k) for k in _FIELDS})
