"""Compiles the cue lexicon into one regular expression and finds the cues in a text.

A few hundred phrases tried one by one at every word would cost more than VADER itself, so the
phrases are merged into a prefix trie: at each word start the regex engine follows one branch per
character and skips the rest on the first mismatch.

Which cue matched is told apart in a second step. Capturing groups in the scanning pattern would
say it directly, but with thousands of them every match attempt saves and copies group marks,
which doubles the scan. So the scan has no groups; each matched span is then named from a memo of
spans already seen, or else by re-matching at that position with the trie of phrases that start
with the same character, whose phrases end in numbered empty groups.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

_META = frozenset("\\()[]?*+{}|.^$")
_QUANT = frozenset("?*+{")
# "\d+x" as "\d\d*x": the same matches, but an alternative that opens with a plain class lets the
# regex engine skip it after one character test instead of entering a repeat (most words).
_LEADING_REPEAT = re.compile(r"^\\([dws])\+")
_ONE_THEN_MORE = r"\\\1\\\1*"

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


def _trie(items: list[tuple[str, int]], order: list[int], mark: str = "()") -> str:
    """Regex alternation of `items` (phrase rest, cue index), sharing literal prefixes.

    Each phrase ends in `mark`, an empty group by default, and `order` gets the phrases' cue
    indexes in the order of those groups; with an empty mark it is a plain, group-free pattern.
    """
    by_char, ends = _split(items)
    parts = []
    # Literal continuations first, so a longer phrase wins over its own prefix.
    for ch in sorted(by_char):
        sub = by_char[ch]
        if len(sub) == 1:
            order.append(sub[0][1])
            parts.append(f"{re.escape(ch)}(?:{sub[0][0]}){mark}")
        else:
            parts.append(f"{re.escape(ch)}(?:{_trie(sub, order, mark)})")
    # Among phrases that need the regex engine here, try the longer (more specific) ones first.
    for rest, idx in sorted(ends, key=lambda item: -len(item[0])):
        order.append(idx)
        parts.append(f"(?:{_LEADING_REPEAT.sub(_ONE_THEN_MORE, rest, 1)}){mark}")
    return "|".join(parts)


def _split(items: list[tuple[str, int]]) -> tuple[dict[str, list[tuple[str, int]]], list[tuple[str, int]]]:
    """Phrases by first literal character (with that character cut off), and those without one."""
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
    return by_char, ends


def _sees_outside(phrase: str) -> bool:
    """Whether the phrase may look past the text it matches: an anchor or a lookaround.

    Errs towards yes ("$" inside a class counts too); a yes only costs the memo for that phrase.
    """
    i = 0
    while i < len(phrase):
        if phrase[i] == "\\":
            if phrase[i + 1 : i + 2] in ("b", "B", "A", "Z"):
                return True
            i += 2
            continue
        if phrase[i] in "^$" or phrase.startswith(("(?=", "(?!", "(?<"), i):
            return True
        i += 1
    return False


class CueMatcher:
    """All cues of a lexicon behind one compiled pattern."""

    _MEMO_LIMIT = 50_000  # distinct matched spans; plenty for a lexicon, bounded for a long run

    def __init__(self, cues: Iterable[Cue]) -> None:
        self.cues: tuple[Cue, ...] = tuple(cues)
        items = []
        for idx, cue in enumerate(self.cues):
            for phrase in cue.phrases:
                if re.compile(phrase).groups:
                    raise ValueError(f"cue {cue.name}: use (?:...) not capturing groups in {phrase!r}")
                items.extend((p, idx) for p in _expand(phrase))
        self._scan = re.compile(rf"\b(?:{_trie(items, [], '')})(?!\w)")
        # The same trie cut at its first character, with groups: at a span's start only the branch
        # of that character (and the phrases starting with a class, tried after it) can match.
        by_char, ends = _split(items)
        self._namers: dict[str, tuple[re.Pattern[str], tuple[int, ...]]] = {}
        for ch in (*by_char, ""):
            order: list[int] = []
            body = _trie([(ch + rest, idx) for rest, idx in by_char.get(ch, [])] + ends, order)
            self._namers[ch] = (re.compile(rf"\b(?:{body})(?!\w)"), (-1, *order))  # groups count from 1
        # A span names its cue by itself unless some phrase that could match it has a lookaround,
        # which may accept or refuse the same words in other surroundings.
        self._context_prefixes = tuple(
            sorted({p[: _literal_prefix_len(p)] for p, _ in items if _sees_outside(p)})
        )
        self._memo: dict[str, int] = {}
        self._negatable = tuple(cue.negatable for cue in self.cues)

    def find(self, lower: str) -> list[Hit]:
        """Cues in `lower` (already lowercased), leftmost first, negated ones left out."""
        cues = self.cues
        return [Hit(cues[idx], start, end) for idx, start, end in self.spans(lower)]

    def spans(self, lower: str) -> list[tuple[int, int, int]]:
        """As `find`, but (index into `cues`, start, end): no objects for the engine's hot path."""
        spans = []
        memo = self._memo
        negatable = self._negatable
        for m in self._scan.finditer(lower):
            start, end = m.span()
            words = lower[start:end]
            idx = memo.get(words)
            if idx is None:
                idx = self._name(lower, start, end, words)
            if (
                negatable[idx]
                and _NEGATED.search(lower, max(0, start - _NEG_WINDOW), start)
                and not _INTENSIFIED.search(lower, max(0, start - _NEG_WINDOW), start)
            ):
                continue
            spans.append((idx, start, end))
        return spans

    def _name(self, lower: str, start: int, end: int, words: str) -> int:
        pattern, order = self._namers.get(lower[start], self._namers[""])
        m = pattern.match(lower, start)
        if m is None or m.end() != end:  # the two patterns are one trie; this would be a bug here
            raise AssertionError(f"cue naming disagrees with the scan at {start} in {lower!r}")
        idx = order[m.lastindex]
        if not words.startswith(self._context_prefixes):
            if len(self._memo) >= self._MEMO_LIMIT:
                self._memo.clear()
            self._memo[words] = idx
        return idx
