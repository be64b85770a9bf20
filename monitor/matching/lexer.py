"""Split a brand query into tokens, keeping each token's character offset for error messages."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import QueryError

# Curly quotes come along when a query is pasted from a document or a chat.
_QUOTES = '"\u201c\u201d'
_STOP = '()"\u201c\u201d'
_KEYWORDS = {"AND", "OR", "NOT"}
_DIGITS = re.compile(r"[0-9]+")
# NEAR/3, NEAR/3f (Brandwatch: ordered), ONEAR/3 (Talkwalker: ordered).
_NEAR = re.compile(r"(O?)NEAR/([0-9]+)(f?)")
# "name:" at the start of a word is an operator; "10:30" or "a:1" are not (the name is letters).
_FIELD = re.compile(r"([A-Za-z]+):(.*)", re.S)
FIELDS = frozenset({"site", "source", "author", "title", "lang", "case"})


@dataclass(frozen=True, slots=True)
class Token:
    """One query token; kind is "(", ")", AND, OR, NOT, NEAR, TERM, PHRASE, FIELD or EOF."""

    kind: str
    text: str
    position: int
    distance: int | None = None  # NEAR/n, and "..."~n phrases
    ordered: bool = False  # ONEAR/n, NEAR/nf
    name: str = ""  # FIELD: the operator, lowercased ("site")
    value: str = ""  # FIELD: what follows the colon in the same word ("reddit.com"), or ""


def tokenize(query: str) -> list[Token]:
    """Tokenize a query; raises QueryError on stray quotes, '-', '~' or a bad NEAR/n."""
    tokens: list[Token] = []
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
        elif c in "()":
            tokens.append(Token(c, c, i))
            i += 1
        elif c in _QUOTES:
            end = min((j for j in (query.find(q, i + 1) for q in _QUOTES) if j >= 0), default=-1)
            if end < 0:
                raise QueryError("unclosed quote", position=i, query=query)
            start, i, distance = i, end + 1, None
            if i < n and query[i] == "~":
                # "a b"~n: the words within n words of each other (Brandwatch, Talkwalker).
                digits = _DIGITS.match(query, i + 1)
                if digits is None:
                    raise QueryError(
                        "'~' needs a whole number of words, like \"a b\"~5", position=i, query=query
                    )
                distance = int(digits.group())
                i = digits.end()
            tokens.append(Token("PHRASE", query[start + 1 : end], start, distance))
        elif c == "-":
            if i + 1 < n and not query[i + 1].isspace() and query[i + 1] != ")":
                tokens.append(Token("NOT", "-", i))
                i += 1
            else:
                raise QueryError("'-' needs a term right after it", position=i, query=query)
        else:
            j = i
            while j < n and not query[j].isspace() and query[j] not in _STOP:
                j += 1
            tokens.append(_word_token(query, query[i:j], i))
            i = j
    tokens.append(Token("EOF", "end of query", n))
    return tokens


def _word_token(query: str, chunk: str, at: int) -> Token:
    if chunk in _KEYWORDS:
        return Token(chunk, chunk, at)
    if chunk == "NEAR" or chunk == "ONEAR":
        raise QueryError(f"{chunk} needs a distance, like {chunk}/3", position=at, query=query)
    near = _NEAR.fullmatch(chunk)
    if near:
        return Token("NEAR", chunk, at, int(near.group(2)), ordered=bool(near.group(1) or near.group(3)))
    upper = chunk.upper()
    if upper.startswith(("NEAR/", "ONEAR/")):
        slash = chunk.index("/") + 1
        if chunk[:slash] != upper[:slash]:
            raise QueryError(f"write {upper[:slash]}n in capitals", position=at, query=query)
        raise QueryError(
            f"{chunk[:slash]} needs a whole number of words, like {chunk[:slash]}3",
            position=at + slash,
            query=query,
        )
    field = _FIELD.fullmatch(chunk)
    if field:
        name = field.group(1).lower()
        if name not in FIELDS:
            raise QueryError(
                f"unknown operator '{field.group(1)}:' (operators: "
                + ", ".join(f"{f}:" for f in sorted(FIELDS))
                + "; quote it to search for the text)",
                position=at,
                query=query,
            )
        return Token("FIELD", chunk, at, name=name, value=field.group(2))
    if "~" in chunk:
        raise QueryError(
            "'~' is not an operator here; write a NEAR/n b", position=at + chunk.index("~"), query=query
        )
    if chunk == "&":
        raise QueryError(
            "a lone '&': use AND, or quote the name (\"Marlow & Finch\")", position=at, query=query
        )
    return Token("TERM", chunk, at)
