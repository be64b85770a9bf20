"""Compile parsed queries to closures and match many brands against a mention in one pass."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .errors import QueryError
from .fields import LanguageOf, Subject, case_predicate, field_predicate, subject_doc, title_doc
from .parser import And, Case, Field, Near, Node, Not, Or, Phrase, Slot, Title, parse
from .text import Doc, query_keys

Predicate = Callable[[Doc], bool]
Spans = Callable[[Doc], list[tuple[int, int]]]
# Keys a mention must hold for a query to have any chance: (exact keys, prefixes); None = no guarantee.
Anchors = tuple[frozenset[str], frozenset[str]] | None


@dataclass(frozen=True, slots=True)
class BrandRule:
    """A brand: its query, handles that also count as a mention, and an exclusion query."""

    name: str
    query: str
    handles: tuple[str, ...] = ()
    exclude: str | None = None


class Query:
    """A compiled query; use BrandMatcher for many brands at once."""

    __slots__ = ("text", "node", "_predicate")

    def __init__(self, text: str, node: Node, *, language_of: LanguageOf | None = None) -> None:
        self.text = text
        self.node = node
        self._predicate = _predicate(node, language_of)

    def matches(self, mention: str | Subject) -> bool:
        """Whether the mention (its text, or a Subject with its fields) matches this query."""
        return self._predicate(subject_doc(mention))

    def __repr__(self) -> str:
        return f"Query({self.text!r})"


def compile_query(query: str, *, language_of: LanguageOf | None = None) -> Query:
    """Parse and compile one query; raises QueryError."""
    return Query(query, parse(query), language_of=language_of)


class BrandMatcher:
    """All brand rules compiled once, with an inverted index from anchor keys to brands."""

    def __init__(self, rules: Sequence[BrandRule], *, language_of: LanguageOf | None = None) -> None:
        """language_of gives a mention's language for lang: (default: only the stated one)."""
        self._names: list[str] = []
        self._predicates: list[Predicate] = []
        self._exact: dict[str, list[int]] = {}
        self._prefixes: dict[str, list[int]] = {}
        self._always: list[int] = []  # brands whose queries give no anchor (rare: "NOT (NOT x)")
        for i, rule in enumerate(rules):
            query = _parse_part(rule.name, "query", rule.query)
            # An exclusion may be purely negative: exclude "NOT ring" keeps only mentions of rings.
            # A blank exclude (an empty form field) means none.
            exclude = (
                _parse_part(rule.name, "exclude", rule.exclude) if (rule.exclude or "").strip() else None
            )
            handles = tuple(_handle_key(rule.name, h) for h in rule.handles)
            self._names.append(rule.name)
            self._predicates.append(_rule_predicate(query, handles, exclude, language_of))
            anchors = _anchors(query)
            if anchors is None:
                self._always.append(i)
                continue
            exact, prefixes = anchors
            for key in (*exact, *handles):
                self._exact.setdefault(key, []).append(i)
            for prefix in prefixes:
                self._prefixes.setdefault(prefix, []).append(i)
        self._prefix_lengths = sorted({len(p) for p in self._prefixes})

    def match(self, mention: str | Subject) -> list[str]:
        """Names of the brands the mention (its text, or a Subject with its fields) matches, in rule order."""
        doc = subject_doc(mention)
        candidates = set(self._always)
        exact, prefixes, lengths = self._exact, self._prefixes, self._prefix_lengths
        for key in doc.positions:
            ids = exact.get(key)
            if ids:
                candidates.update(ids)
            for length in lengths:
                if length > len(key):
                    break
                ids = prefixes.get(key[:length])
                if ids:
                    candidates.update(ids)
        predicates, names = self._predicates, self._names
        return [names[i] for i in sorted(candidates) if predicates[i](doc)]

    def match_many(self, mentions: Sequence[str | Subject]) -> list[list[str]]:
        """match() over several mentions."""
        return [self.match(m) for m in mentions]


def _parse_part(name: str, part: str, query: str) -> Node:
    try:
        return parse(query, allow_negative_only=part == "exclude")
    except QueryError as err:
        raise QueryError(
            f"brand {name!r} {part}: {err.message}", position=err.position, query=err.query
        ) from None


def _handle_key(name: str, handle: str) -> str:
    raw = handle.strip()
    keys, _ = query_keys(raw if raw.startswith("@") else "@" + raw)
    if len(keys) != 1 or not keys[0].startswith("@"):
        raise QueryError(f"brand {name!r} handle: not a handle like @name", position=0, query=handle)
    return keys[0]


def _rule_predicate(
    query: Node, handles: tuple[str, ...], exclude: Node | None, language_of: LanguageOf | None
) -> Predicate:
    matches = _predicate(query, language_of)
    excluded = _predicate(exclude, language_of) if exclude is not None else None

    def predicate(doc: Doc) -> bool:
        if not matches(doc) and not any(h in doc.positions for h in handles):
            return False
        return excluded is None or not excluded(doc)

    return predicate


def predicate(node: Node, language_of: LanguageOf | None = None) -> Predicate:
    """The test of one parsed node on an indexed mention (for explanations)."""
    return _predicate(node, language_of)


def _positions(slot: Slot) -> Callable[[Doc], list[int]]:
    key, pattern = slot.key, slot.pattern
    if pattern is not None:
        return lambda doc: doc.pattern_positions(key, pattern)
    if slot.prefix:
        return lambda doc: doc.prefix_positions(key)
    return lambda doc: doc.positions.get(key, [])


def _predicate(node: Node, language_of: LanguageOf | None = None) -> Predicate:
    if isinstance(node, Field):
        return field_predicate(node, language_of)
    if isinstance(node, Title):
        inner = _predicate(node.child, language_of)
        return lambda doc: inner(title_doc(doc))
    if isinstance(node, Case):
        return case_predicate(node, _predicate(node.phrase))
    if isinstance(node, Phrase) and len(node.slots) == 1:
        key, pattern = node.slots[0].key, node.slots[0].pattern
        if pattern is not None:
            return lambda doc: doc.has_pattern(key, pattern)
        if node.slots[0].prefix:
            return lambda doc: doc.has_prefix(key)
        return lambda doc: key in doc.positions
    if isinstance(node, Phrase | Near):
        spans = _spans(node)
        return lambda doc: bool(spans(doc))
    if isinstance(node, Not):
        child = _predicate(node.child, language_of)
        return lambda doc: not child(doc)
    # Cheap single-word checks first, negations last: most mentions fail on the first lookup.
    children = sorted(node.children, key=_cost)
    predicates = tuple(_predicate(c, language_of) for c in children)
    if isinstance(node, And):
        return lambda doc: all(p(doc) for p in predicates)
    return lambda doc: any(p(doc) for p in predicates)


def _cost(node: Node) -> int:
    if isinstance(node, Phrase):
        return len(node.slots) + (2 if any(s.prefix or s.pattern for s in node.slots) else 0)
    if isinstance(node, Field):
        return 50 if node.name == "lang" else 3  # lang: may run the language detector: last
    if isinstance(node, Title | Case):
        return 3 + _cost(node.child if isinstance(node, Title) else node.phrase)
    if isinstance(node, Not):
        return 10 + _cost(node.child)
    if isinstance(node, Near):
        return 5 + _cost(node.left) + _cost(node.right)
    return sum(_cost(c) for c in node.children)


def _spans(node: Node) -> Spans:
    """Word spans (first, last position) where a positional node occurs."""
    if isinstance(node, Phrase):
        lookups = tuple(_positions(s) for s in node.slots)
        first, rest, width = lookups[0], lookups[1:], len(lookups) - 1

        def phrase_spans(doc: Doc) -> list[tuple[int, int]]:
            starts = first(doc)
            for offset, lookup in enumerate(rest, 1):
                if not starts:
                    break
                here = set(lookup(doc))
                starts = [p for p in starts if p + offset in here]
            return [(p, p + width) for p in starts]

        return phrase_spans
    if isinstance(node, Or):
        parts = tuple(_spans(c) for c in node.children)
        return lambda doc: [span for part in parts for span in part(doc)]
    assert isinstance(node, Near)
    left, right, distance, ordered = _spans(node.left), _spans(node.right), node.distance, node.ordered

    def near_spans(doc: Doc) -> list[tuple[int, int]]:
        lefts = left(doc)
        rights = right(doc) if lefts else []
        out = []
        for a0, a1 in lefts:
            for b0, b1 in rights:
                if ordered and b0 <= a1:
                    continue  # ONEAR/n: the right side must start after the left one ends
                gap = max(b0 - a1, a0 - b1) - 1  # words strictly between; negative when they overlap
                if 0 <= gap <= distance:
                    out.append((min(a0, b0), max(a1, b1)))
        return out

    return near_spans


def _anchors(node: Node) -> Anchors:
    if isinstance(node, Title):
        return _anchors(node.child)  # the title's words are indexed with the text's
    if isinstance(node, Case):
        return _anchors(node.phrase)
    if isinstance(node, Field):
        return None
    if isinstance(node, Phrase):
        # One word of the phrase is enough; prefer an exact word, then the longest (likely the rarest).
        slot = max(node.slots, key=lambda s: (not s.prefix and not s.pattern, len(s.key)))
        if slot.pattern is not None:
            # "wom?n" starts with "wom"; "?elzberg" gives no anchor at all.
            return (frozenset(), frozenset([slot.key])) if slot.key.lstrip("@#") else None
        if slot.prefix:
            return frozenset(), frozenset([slot.key])
        return frozenset([slot.key]), frozenset()
    if isinstance(node, Not):
        return None
    if isinstance(node, Near):
        return _best(_anchors(node.left), _anchors(node.right))
    found = [_anchors(c) for c in node.children]
    if isinstance(node, And):
        return _best(*found)
    if any(a is None for a in found):
        return None
    return (
        frozenset().union(*(a[0] for a in found if a)),
        frozenset().union(*(a[1] for a in found if a)),
    )


def _best(*options: Anchors) -> Anchors:
    """The anchor set that lets the fewest brands through: exact before prefixes, fewer keys first."""
    usable = [a for a in options if a is not None]
    if not usable:
        return None
    return min(usable, key=lambda a: (bool(a[1]), len(a[0]) + len(a[1]), -min(map(len, a[0] | a[1]))))
