"""Why a query matches a mention or not: which terms hit, which negation or exclusion blocked it."""

from __future__ import annotations

from dataclasses import dataclass, field

from .fields import Subject, subject_doc
from .matcher import BrandMatcher, BrandRule, Predicate, predicate
from .parser import And, Near, Node, Not, Or, Phrase, parse
from .text import Doc, normalize

_CLOSE = {'"': '"', "\u201c": "\u201d", "\u201d": "\u201d"}


@dataclass(slots=True)
class Explanation:
    """The verdict for one mention, and the query's parts that decided it (as written in the query)."""

    matched: bool
    hits: list[str] = field(default_factory=list)  # positive parts found in the mention
    missing: list[str] = field(default_factory=list)  # positive parts not found
    blocked_by: list[str] = field(default_factory=list)  # NOT/- parts found, so the query failed there
    handle: str | None = None  # a listed handle found in the mention
    excluded_by: list[str] = field(default_factory=list)  # exclude parts found


class Explainer:
    """A query (with optional handles and exclude) compiled once, explained per mention."""

    def __init__(self, query: str, *, handles: tuple[str, ...] = (), exclude: str | None = None) -> None:
        """Raises QueryError for the query or the exclude as written (position in that text)."""
        self._query = _leaves(query, parse(query))
        blank = exclude is None or not exclude.strip()
        self._exclude = [] if blank else _leaves(exclude, parse(exclude, allow_negative_only=True))
        # The verdict comes from the real matcher, so an explanation can never disagree with it.
        self._matcher = BrandMatcher([BrandRule("tested query", query, handles, exclude)])
        self._handles = handles

    def explain(self, mention: str | Subject) -> Explanation:
        """Explain one mention."""
        doc = subject_doc(mention)
        out = Explanation(matched=bool(self._matcher.match(mention)))
        for label, negated, test in self._query:
            found = test(doc)
            if negated and found:
                out.blocked_by.append(label)
            elif not negated:
                (out.hits if found else out.missing).append(label)
        out.handle = next((h for h in self._handles if _has_handle(doc, h)), None)
        out.excluded_by = [
            f"NOT {label}" if negated else label
            for label, negated, test in self._exclude
            if test(doc) != negated
        ]
        return out


def _has_handle(doc: Doc, handle: str) -> bool:
    return ("@" + normalize(handle.strip().lstrip("@"))) in doc.positions


def _leaves(query: str, node: Node, negated: bool = False) -> list[tuple[str, bool, Predicate]]:
    """(label as written, under an odd number of NOTs, test) for each term-like part of the query."""
    if isinstance(node, Not):
        return _leaves(query, node.child, not negated)
    if isinstance(node, And | Or) and not _is_split_word(node):
        return [leaf for child in node.children for leaf in _leaves(query, child, negated)]
    return [(_label(query, node), negated, predicate(node))]


def _is_split_word(node: And | Or) -> bool:
    # "e-bike" parses to ("e bike" OR "ebike") at one position: one part of the query, not two.
    return (
        isinstance(node, Or)
        and all(isinstance(c, Phrase) for c in node.children)
        and (len({c.position for c in node.children}) == 1)
    )


def _label(query: str, node: Node) -> str:
    if isinstance(node, Near) and node.left.position != node.right.position:
        op = f"{'O' if node.ordered else ''}NEAR/{node.distance}"
        return f"{_label(query, node.left)} {op} {_label(query, node.right)}"
    if isinstance(node, Or) and not _is_split_word(node):  # a NEAR side like (refund OR return)
        return "(" + " OR ".join(_label(query, c) for c in node.children) + ")"
    return _chunk(query, node.position)


def _chunk(query: str, at: int) -> str:
    """The query's text from at to the end of that word, quoted phrase or group."""
    i, depth = at, 0
    while i < len(query):
        c = query[i]
        if c in _CLOSE:
            end = query.find(_CLOSE[c], i + 1)
            i = len(query) if end < 0 else end + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                break
            depth -= 1
        elif c.isspace() and depth == 0:
            break
        i += 1
    return query[at:i]
