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


@dataclass(frozen=True, slots=True)
class Token:
    """One query token; kind is "(", ")", AND, OR, NOT, NEAR, TERM, PHRASE or EOF."""

    kind: str
    text: str
    position: int
    distance: int = 0  # NEAR/n only


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
            tokens.append(Token("PHRASE", query[i + 1 : end], i))
            i = end + 1
            if i < n and query[i] == "~":
                raise QueryError(
                    '"..."~n proximity is not supported; write a NEAR/n b', position=i, query=query
                )
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
    if chunk == "NEAR":
        raise QueryError("NEAR needs a distance, like NEAR/3", position=at, query=query)
    if chunk[:5].upper() == "NEAR/":
        if chunk[:5] != "NEAR/":
            raise QueryError("write NEAR/n in capitals", position=at, query=query)
        if not _DIGITS.fullmatch(chunk[5:]):
            raise QueryError("NEAR/ needs a whole number of words, like NEAR/3", position=at + 5, query=query)
        return Token("NEAR", chunk, at, int(chunk[5:]))
    if "~" in chunk:
        raise QueryError(
            "'~' is not an operator here; write a NEAR/n b", position=at + chunk.index("~"), query=query
        )
    if chunk == "&":
        raise QueryError(
            "a lone '&': use AND, or quote the name (\"Marlow & Finch\")", position=at, query=query
        )
    return Token("TERM", chunk, at)
