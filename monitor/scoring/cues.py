"""Compiles the cue lexicon into one regular expression and finds the cues in a text.

A few hundred phrases tried one by one at every word would cost more than VADER itself, so the
phrases are merged into a prefix trie: at each word start the regex engine follows one branch per
character and skips the rest on the first mismatch. Each phrase ends in an empty capturing group,
whose number says which cue matched.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

_META = frozenset("\\()[]?*+{}|.^$")
_QUANT = frozenset("?*+{")

# A negator up to two words before a cue: "not broken", "no problems", "isn't even damaged".
_NEGATED = re.compile(
    r"(?:\b(?:not|no|never|without|nothing|zero|hardly|barely|dont|isnt|wasnt|arent|werent|doesnt|didnt)\b"
    r"|n't)(?:\W+\w+){0,2}\W*$"
)
_NEG_WINDOW = 28
_MAX_EXPANSION = 24
# "couldn't be more useless" intensifies instead of negating.
_INTENSIFIED = re.compile(r"(?:n't|not) (?:be|get) (?:any )?more \W*$")


@dataclass(frozen=True, slots=True)
class Cue:
    """A named cue: its family (a category, "complaint", "damp.*", ...), weight and phrases.

    Phrases are lowercase regex fragments without capturing groups that start at a word start.
    `negatable` cues are dropped when a negator precedes them.
    """

    name: str
    family: str
    weight: float
    phrases: tuple[str, ...]
    negatable: bool = False


class Hit(NamedTuple):
    cue: Cue
    start: int
    end: int


def _literal_prefix_len(pattern: str) -> int:
    i = 0
    while i < len(pattern) and pattern[i] not in _META:
        i += 1
    # A quantifier binds the previous character, which is then not a fixed literal.
    if 0 < i < len(pattern) and pattern[i] in _QUANT:
        i -= 1
    return i


def _leading_group(pattern: str) -> tuple[list[str], str, bool] | None:
    """Split "(?:a|b(?:c|d))?rest" into (["a", "b(?:c|d)"], "rest", optional=True)."""
    if not pattern.startswith("(?:"):
        return None
    depth, i, start, alts = 0, 0, 3, []
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i = pattern.index("]", i + 2) + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                alts.append(pattern[start:i])
                rest = pattern[i + 1 :]
                if rest[:1] in ("*", "+", "{"):
                    return None
                optional = rest[:1] == "?"
                return alts, rest[1:] if optional else rest, optional
        elif ch == "|" and depth == 1:
            alts.append(pattern[start:i])
            start = i + 1
        i += 1
    return None


def _expand(pattern: str) -> list[str]:
    """Phrases that start with a literal, so the trie can branch on them instead of trying each."""
    split = _leading_group(pattern)
    if split is None:
        return [pattern]
    alts, rest, optional = split
    out = [p for alt in alts for p in _expand(alt + rest)]
    return out + _expand(rest) if optional else out


def _trie(items: list[tuple[str, int]], order: list[int]) -> str:
    """Regex alternation of `items` (phrase rest, cue index), sharing literal prefixes."""
    by_char: dict[str, list[tuple[str, int]]] = defaultdict(list)
    ends: list[tuple[str, int]] = []
    for rest, idx in items:
        expanded = _expand(rest) if rest.startswith("(?:") else [rest]
        # Branch on the alternatives of a leading group too, unless that multiplies the phrases.
        for phrase in expanded if len(expanded) <= _MAX_EXPANSION else [rest]:
            if _literal_prefix_len(phrase):
                by_char[phrase[0]].append((phrase[1:], idx))
            else:
                ends.append((phrase, idx))
    parts = []
    # Literal continuations first, so a longer phrase wins over its own prefix.
    for ch in sorted(by_char):
        sub = by_char[ch]
        if len(sub) == 1:
            order.append(sub[0][1])
            parts.append(f"{re.escape(ch)}(?:{sub[0][0]})()")
        else:
            parts.append(f"{re.escape(ch)}(?:{_trie(sub, order)})")
    # Among phrases that need the regex engine here, try the longer (more specific) ones first.
    for rest, idx in sorted(ends, key=lambda item: -len(item[0])):
        order.append(idx)
        parts.append(f"(?:{rest})()")
    return "|".join(parts)


class CueMatcher:
    """All cues of a lexicon behind one compiled pattern."""

    def __init__(self, cues: Iterable[Cue]) -> None:
        self.cues: tuple[Cue, ...] = tuple(cues)
        items = []
        for idx, cue in enumerate(self.cues):
            for phrase in cue.phrases:
                if re.compile(phrase).groups:
                    raise ValueError(f"cue {cue.name}: use (?:...) not capturing groups in {phrase!r}")
                items.extend((p, idx) for p in _expand(phrase))
        order: list[int] = []
        body = _trie(items, order)
        self._group_cue = (None, *(self.cues[i] for i in order))  # group numbers start at 1
        self._pattern = re.compile(rf"\b(?:{body})(?!\w)")

    def find(self, lower: str) -> list[Hit]:
        """Cues in `lower` (already lowercased), leftmost first, negated ones left out."""
        hits = []
        group_cue = self._group_cue
        for m in self._pattern.finditer(lower):
            cue = group_cue[m.lastindex]
            start, end = m.span()
            if (
                cue.negatable
                and _NEGATED.search(lower, max(0, start - _NEG_WINDOW), start)
                and not _INTENSIFIED.search(lower, max(0, start - _NEG_WINDOW), start)
            ):
                continue
            hits.append(Hit(cue, start, end))
        return hits
