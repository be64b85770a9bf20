"""Normalization and tokenization shared by queries and mentions, so both sides agree on every word."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterator
from typing import Any

# Typographic apostrophes and hyphens arrive from phones and word processors; fold them to ASCII so
# "Helzberg’s" and "e‑bike" tokenize like their ASCII spellings.
_PUNCT = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-", "\u2011": "-"})

# Built once from the BMP (about 3 ms); accents outside it are vanishingly rare in mentions.
_MARKS = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in range(0x300, 0x10000) if unicodedata.combining(chr(c))) + "]"
)

# One pass over the text. A handle or hashtag must not follow a word character, so e-mail addresses
# ("care@helzberg.com") and URL fragments ("page#top") stay plain words. Handles may carry dots and a
# second "@" for Bluesky ("@name.bsky.social") and Mastodon ("@name@mastodon.social").
_TOKEN = re.compile(
    r"(?<![\w@#])@(\w+(?:\.\w+)*(?:@\w+(?:\.\w+)+)?)"
    r"|(?<![\w@#])#(\w+)"
    r"|(\w+(?:['-]\w+)*)"
    r"|(&)"
)
_HANDLE, _HASHTAG, _WORD, _AMP = 1, 2, 3, 4


def normalize(text: str) -> str:
    """Casefold and strip accents (NFKD), so "Nestlé" and "NESTLE" become "nestle"."""
    if text.isascii():
        return text.lower()
    # Compatibility forms such as "™" decompose to capitals, hence the second casefold.
    return fold_accents(text.casefold()).casefold()


def fold_accents(text: str) -> str:
    """Strip accents but keep capitals, for case: ("Nestlé" -> "Nestle")."""
    text = unicodedata.normalize("NFKD", text.translate(_PUNCT))
    return _MARKS.sub("", text)


def _split_word(word: str) -> tuple[list[str], list[tuple[int, str]]]:
    """Split a word holding an apostrophe or hyphen into its parts plus (offset, alias) pairs."""
    parts: list[str] = []
    aliases: list[tuple[int, str]] = []
    for piece in word.split("-"):
        if piece.endswith("'s"):
            # Possessive: "helzberg's" is "helzberg"; also index "helzbergs" for people who drop the '.
            piece = piece[:-2].replace("'", "")
            aliases.append((len(parts), piece + "s"))
        else:
            piece = piece.replace("'", "")  # "don't" -> "dont", "o'reilly" -> "oreilly"
        parts.append(piece)
    if len(parts) > 1:
        aliases.append((0, "".join(parts)))  # "e-bike" is also "ebike"
    return parts, aliases


class Doc:
    """One mention, tokenized once: every key (word, "@handle", "#hashtag") with its word positions."""

    __slots__ = ("positions", "_alias_only", "_keys", "raw", "subject", "lazy")

    def __init__(self, positions: dict[str, list[int]], alias_only: set[str], raw: str = "") -> None:
        self.positions = positions
        self._alias_only = alias_only
        self._keys: list[str] | None = None
        self.raw = raw  # the text as written, for case:
        self.subject: Any = None  # the fields.Subject it was made from, for site:, title: and the like
        self.lazy: dict[str, Any] = {}  # field values worked out on first use (title Doc, language)

    def _wild_keys(self) -> list[str]:
        # Sorted lazily: most mentions are never asked about a wildcard. A hashtag's bare-word alias is
        # left out so that "helz*" does not reach into "#helzbergsale".
        if self._keys is None:
            self._keys = sorted(k for k in self.positions if k not in self._alias_only)
        return self._keys

    def has_prefix(self, prefix: str) -> bool:
        """Whether any key starts with prefix."""
        keys = self._wild_keys()
        i = bisect_left(keys, prefix)
        return i < len(keys) and keys[i].startswith(prefix)

    def has_pattern(self, start: str, pattern: re.Pattern[str]) -> bool:
        """Whether any key starting with start matches pattern ("wom?n")."""
        return any(pattern.fullmatch(k) for k in self._from(start))

    def pattern_positions(self, start: str, pattern: re.Pattern[str]) -> list[int]:
        """Positions of every key starting with start that matches pattern."""
        return [p for k in self._from(start) if pattern.fullmatch(k) for p in self.positions[k]]

    def _from(self, start: str) -> Iterator[str]:
        keys = self._wild_keys()
        i = bisect_left(keys, start)
        while i < len(keys) and keys[i].startswith(start):
            yield keys[i]
            i += 1

    def prefix_positions(self, prefix: str) -> list[int]:
        """Positions of every key starting with prefix."""
        keys = self._wild_keys()
        out: list[int] = []
        i = bisect_left(keys, prefix)
        while i < len(keys) and keys[i].startswith(prefix):
            out.extend(self.positions[keys[i]])
            i += 1
        return out


def index_text(text: str) -> Doc:
    """Tokenize a mention into a Doc in one regex pass."""
    positions: dict[str, list[int]] = {}
    alias_only: set[str] = set()
    pos = 0

    def add(key: str, at: int) -> None:
        if key in positions:
            positions[key].append(at)
        else:
            positions[key] = [at]

    for m in _TOKEN.finditer(normalize(text)):
        kind = m.lastindex
        if kind == _WORD:
            word = m.group(_WORD)
            if "'" not in word and "-" not in word:
                add(word, pos)
                alias_only.discard(word)
                pos += 1
                continue
            parts, aliases = _split_word(word)
            for offset, alias in aliases:
                add(alias, pos + offset)
            for part in parts:
                add(part, pos)
                alias_only.discard(part)
                pos += 1
        elif kind == _HASHTAG:
            body = m.group(_HASHTAG)
            add("#" + body, pos)
            # A hashtag counts as its word ("my #helzberg ring"), but only for exact terms: see
            # Doc._wild_keys.
            if body not in positions:
                alias_only.add(body)
            add(body, pos)
            pos += 1
        elif kind == _HANDLE:
            body = m.group(_HANDLE)
            add("@" + body, pos)
            local = re.split(r"[.@]", body, maxsplit=1)[0]
            if local != body:
                add("@" + local, pos)  # "@helzberg.bsky.social" also answers to "@helzberg"
            # A handle counts as its name, as listening tools do ("any reference to this keyword,
            # including usernames"): "@Helzberg is the $0 total a mistake?" is a mention of helzberg.
            # Exact terms only, like a hashtag's word (see Doc._wild_keys).
            if local not in positions:
                alias_only.add(local)
            add(local, pos)
            pos += 1
        else:
            add("and", pos)  # "Marlow & Finch" reads as "Marlow and Finch"
            pos += 1
    return Doc(positions, alias_only, text)


def query_keys(chunk: str) -> tuple[list[str], str | None]:
    """Keys of one query word, tokenized like a mention; plus the joined form of a hyphenated word."""
    keys: list[str] = []
    compound = None
    matches = list(_TOKEN.finditer(normalize(chunk)))
    for m in matches:
        kind = m.lastindex
        if kind == _WORD:
            word = m.group(_WORD)
            parts, _ = _split_word(word)
            if "-" in word and len(matches) == 1:
                compound = "".join(parts)
            keys.extend(parts)
        elif kind == _HASHTAG:
            keys.append("#" + m.group(_HASHTAG))
        elif kind == _HANDLE:
            keys.append("@" + m.group(_HANDLE))
        else:
            keys.append("and")
    return keys, compound
