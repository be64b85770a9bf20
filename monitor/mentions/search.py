"""Full-text search for `?q=`: one query syntax for the API and the dashboard, compiled per backend.

Syntax (docs/search.md): words are AND-ed; "a quoted phrase" matches those words in that order;
a word ending in * matches words starting with it; case and accents never matter. Nothing in a
query is an error: an unbalanced quote is dropped (its words stay plain words) and a lone operator
or punctuation is ignored. The index objects are made by migration 0007.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    String,
    bindparam,
    false,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.orm import Session

from monitor.mentions.models import Mention

MAX_TERMS = 32  # more words than this add nothing a person means and only cost; the rest are ignored
_PAGE = 51  # rows a list page reads (50 and one to know there is more)
MIN_PREFIX = 2  # "a*" would expand to a large part of the index; shorter prefixes are plain words

_TOKEN = re.compile(r'"([^"]*)"|([^\s"]+)')  # a quoted phrase, or a run of anything else
_WORDLIKE = re.compile(r"[^\W_]")  # a chunk with no letter or digit is an operator or punctuation
_PREFIXABLE = re.compile(rf"[^\W_]{{{MIN_PREFIX},}}")

# the SQLite side: FTS5 external-content table kept in step with `mentions` by triggers
_FTS = table("mentions_fts", literal_column("rowid", Integer))


@dataclass(frozen=True, slots=True)
class Term:
    """One AND-ed part of a query: a word, a phrase (words in order) or a prefix."""

    text: str
    prefix: bool = False


def parse(q: str) -> list[Term]:
    """The terms of `q`, in order, duplicates dropped; never raises."""
    terms: list[Term] = []
    # a quote without its closing quote matches neither alternative: it is skipped like a space
    for match in _TOKEN.finditer(q):
        phrase, chunk = match.groups()
        if phrase is not None:
            terms.append(Term(" ".join(phrase.split())))
            continue
        core = chunk.strip("*")
        terms.append(Term(core, prefix=chunk.endswith("*") and _PREFIXABLE.fullmatch(core) is not None))
    usable = [t for t in dict.fromkeys(terms) if _WORDLIKE.search(t.text)]
    return usable[:MAX_TERMS]


def condition(session: Session, q: str) -> ColumnElement[bool] | None:
    """A WHERE clause for mentions matching `q`; None for a blank query (no filter).

    A query with no word in it (only quotes, stars or punctuation) matches nothing.
    """
    if not q.strip():
        return None
    terms = parse(q)
    if not terms:
        return false()
    if session.get_bind().dialect.name == "postgresql":
        return _postgresql(terms)
    return _sqlite(session, terms)


def _sqlite(session: Session, terms: list[Term]) -> ColumnElement[bool]:
    matching = select(_FTS.c.rowid).where(literal_column("mentions_fts").match(fts5_query(terms)))
    # SQLite's planner always starts from the FTS matches: it fetches and sorts every one (72 ms for
    # a word in 5% of 220,000 mentions, 250 ms for such a prefix) where walking the date index
    # until a page is full takes a few. Counting the matches is cheap (about 1 ms per 10,000), so
    # choose: few matches, fetch them; many, walk by date and test each (`id + 0` hides the rowid,
    # so SQLite cannot start from the list). A walk reads about PAGE * rows / n index entries at
    # 1/8 of the cost of fetching and sorting a match (0.4 vs 3.4 µs, measured at 200,000 rows).
    n = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    if 8 * n * n > _PAGE * (session.scalar(select(func.max(Mention.id))) or 0):
        return (Mention.id + 0).in_(matching)
    return Mention.id.in_(matching)


def _postgresql(terms: list[Term]) -> ColumnElement[bool]:
    # monitor_search_term (0007) folds case and accents and ORs the word as written with its stem
    # in each language. The terms are rendered as literals, not bound: psycopg prepares a statement
    # run five times, and a generic plan cannot fold the function, so it would estimate blindly and
    # call it once per row; a constant is folded at planning and its lexemes' statistics used.
    query: Any = None
    for term in terms:
        part = func.monitor_search_term(
            bindparam(None, term.text, String, literal_execute=True),
            bindparam(None, term.prefix, Boolean, literal_execute=True),
        )
        query = part if query is None else query.op("&&")(part)
    return literal_column("mentions.search_vector").bool_op("@@")(query)


def fts5_query(terms: list[Term]) -> str:
    """The FTS5 MATCH expression: each term a quoted string (so no word is read as an operator)."""
    quoted = ('"' + t.text.replace('"', '""') + '"' + ("*" if t.prefix else "") for t in terms)
    return " AND ".join(quoted)


def is_search_object(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """False for the search objects outside the ORM's metadata (for alembic's include_name)."""
    if type_ == "table":
        return not (name or "").startswith("mentions_fts")  # the FTS5 table and its shadow tables
    if type_ == "column":
        return not (parent_names.get("table_name") == "mentions" and name == "search_vector")
    if type_ == "index":
        return name != "ix_mentions_search"
    return True
