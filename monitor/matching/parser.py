"""Parse a brand query into a small node tree: NOT > AND > OR, with NEAR/n binding tightest."""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import text
from .errors import QueryError
from .lexer import Token, tokenize


@dataclass(frozen=True, slots=True)
class Slot:
    """One word of a phrase: an exact key or, with prefix=True, a trailing wildcard."""

    key: str  # "word", "@handle" or "#hashtag", already normalized; with a pattern, its literal start
    prefix: bool = False
    pattern: re.Pattern[str] | None = None  # "wom?n": the whole key must match (one char per '?')


@dataclass(frozen=True, slots=True)
class Phrase:
    """Consecutive words; a single-slot phrase is a plain term."""

    slots: tuple[Slot, ...]
    position: int


@dataclass(frozen=True, slots=True)
class Not:
    child: Node
    position: int


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]
    position: int


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]
    position: int


@dataclass(frozen=True, slots=True)
class Near:
    left: Node
    right: Node
    distance: int  # at most this many other words between the two sides
    position: int
    ordered: bool = False  # ONEAR/n: the left side comes first


@dataclass(frozen=True, slots=True)
class Field:
    """site:, source:, author: or lang: — a test on the mention's metadata, not its words."""

    name: str
    value: str  # normalized: a host without "www.", a casefolded name, a language code
    position: int


@dataclass(frozen=True, slots=True)
class Title:
    """title:x — x must occur in the title."""

    child: Node
    position: int


@dataclass(frozen=True, slots=True)
class Case:
    """case:Apple — the words as written, capitals included (accents are still ignored)."""

    phrase: Phrase
    pattern: re.Pattern[str]
    position: int


Node = Phrase | Not | And | Or | Near | Field | Title | Case

# A word with '?' wildcards: letters, digits, '_' and '?', maybe a leading @ or #.
_SINGLE = re.compile(r"[@#]?[\w?]*\w[\w?]*")
_WORD_PIECE = re.compile(r"\w*")
_NESTED = re.compile(r"[A-Za-z]+:")
_HOST = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*")
_LANG = re.compile(r"[a-z]{2,3}")
_EXAMPLE = {
    "site": "site:reddit.com",
    "source": "source:reddit",
    "author": "author:helzberg",
    "lang": "lang:en",
    "title": 'title:refund or title:"customer service"',
    "case": "case:Apple",
}

# Deeper nesting is a pasting accident; it would also run into Python's recursion limit.
_MAX_DEPTH = 64


def parse(query: str, *, allow_negative_only: bool = False) -> Node:
    """Parse a query into a node tree; raises QueryError with the offending position."""
    node = _Parser(query, tokenize(query)).parse()
    if not allow_negative_only and _matches_nothing_present(node):
        raise QueryError(
            "query has only negative terms, so it would match every mention",
            position=_first_not(node),
            query=query,
        )
    return node


class _Parser:
    def __init__(self, query: str, tokens: list[Token]) -> None:
        self.query = query
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    def error(self, message: str, position: int) -> QueryError:
        return QueryError(message, position=position, query=self.query)

    def peek(self) -> Token:
        return self.tokens[self.i]

    def nest(self, tok: Token, by: int) -> None:
        self.depth += by
        if self.depth > _MAX_DEPTH:
            raise self.error(f"query nests more than {_MAX_DEPTH} levels deep", tok.position)

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != "EOF":
            self.i += 1
        return tok

    def parse(self) -> Node:
        if self.peek().kind == "EOF":
            raise self.error("empty query", 0)
        node = self.or_expr(None)
        tok = self.peek()
        if tok.kind != "EOF":
            raise self.error(f"unexpected {tok.text!r}", tok.position)
        return node

    def or_expr(self, after: Token | None) -> Node:
        children = [self.and_expr(after)]
        while self.peek().kind == "OR":
            children.append(self.and_expr(self.advance()))
        return children[0] if len(children) == 1 else Or(tuple(children), children[0].position)

    def and_expr(self, after: Token | None) -> Node:
        children = [self.unary(after)]
        while True:
            kind = self.peek().kind
            if kind == "AND":
                children.append(self.unary(self.advance()))
            elif kind in ("TERM", "PHRASE", "FIELD", "(", "NOT"):  # implicit AND between adjacent terms
                children.append(self.unary(None))
            else:
                break
        return children[0] if len(children) == 1 else And(tuple(children), children[0].position)

    def unary(self, after: Token | None) -> Node:
        if self.peek().kind == "NOT":
            tok = self.advance()
            self.nest(tok, 1)
            node = Not(self.unary(tok), tok.position)
            self.nest(tok, -1)
            return node
        return self.near(after)

    def near(self, after: Token | None) -> Node:
        left = self.primary(after)
        chain = 0
        while self.peek().kind == "NEAR":
            op = self.advance()
            chain += 1
            self.nest(op, 1)
            right = self.primary(op)
            for side in (left, right):
                if not _is_positional(side):
                    raise self.error(
                        "NEAR/n needs terms, phrases, wildcards or (a OR b) groups of them", side.position
                    )
            assert op.distance is not None
            left = Near(left, right, op.distance, left.position, op.ordered)
        self.depth -= chain
        return left

    def primary(self, after: Token | None) -> Node:
        tok = self.advance()
        if tok.kind == "TERM":
            return self.term(tok)
        if tok.kind == "PHRASE":
            return self.phrase(tok)
        if tok.kind == "FIELD":
            return self.field(tok)
        if tok.kind == "(":
            if self.peek().kind == ")":
                raise self.error("empty parentheses", tok.position)
            if self.peek().kind == "EOF":
                raise self.error("unclosed '('", tok.position)
            self.nest(tok, 1)
            node = self.or_expr(None)
            self.nest(tok, -1)
            close = self.peek()
            if close.kind == "EOF":
                raise self.error("unclosed '('", tok.position)
            if close.kind != ")":
                raise self.error(f"unexpected {close.text!r}", close.position)
            self.advance()
            return node
        if tok.kind == "EOF" and after is not None:
            raise self.error(f"{after.text!r} needs a term after it", after.position)
        raise self.error(f"unexpected {tok.text!r}", tok.position)

    def slots(self, chunk: str, at: int, *, quoted: bool = False) -> tuple[list[Slot], Slot | None]:
        star = chunk.find("*")
        if star >= 0 and star != len(chunk) - 1:
            raise self.error("'*' only goes at the end of a word, as in price*", at + star)
        wildcard = star >= 0
        body = chunk[:-1] if wildcard else chunk
        if wildcard and not body:
            raise self.error("a lone '*' would match every word", at)
        if "?" in body:
            # Inside quotes a '?' ending a word, or in a URL, is punctuation: "is it broken?".
            if _SINGLE.fullmatch(body) and not (quoted and body.endswith("?")):
                return [self.single_wildcard(body, at, wildcard)], None
            if not quoted:
                raise self.error(
                    "'?' only goes inside a plain word, as in wom?n (quote the text to search for it)",
                    at + body.index("?"),
                )
        keys, compound = text.query_keys(body)
        if not keys:
            raise self.error(f"{chunk!r} has no letters or digits", at)
        slots = [Slot(k) for k in keys]
        if wildcard:
            slots[-1] = Slot(keys[-1], prefix=True)
        return slots, None if compound is None else Slot(compound, prefix=wildcard)

    def single_wildcard(self, body: str, at: int, prefix: bool) -> Slot:
        """ "wom?n": '?' stands for exactly one letter or digit; only within one plain word."""
        sigil = body[0] if body[0] in "@#" else ""
        pieces = [text.normalize(p) for p in body[len(sigil) :].split("?")]
        if not all(_WORD_PIECE.fullmatch(p) for p in pieces):
            raise self.error("'?' only goes inside a plain word, as in wom?n", at + body.index("?"))
        regex = r"\w".join(re.escape(p) for p in pieces) + (r"\w*" if prefix else "")
        return Slot(sigil + pieces[0], pattern=re.compile(re.escape(sigil) + regex))

    def term(self, tok: Token) -> Node:
        slots, joined = self.slots(tok.text, tok.position)
        node = Phrase(tuple(slots), tok.position)
        if joined is None:
            return node
        # "e-bike" also matches the joined spelling "ebike"; "e bike" and "e-bike" match the phrase.
        return Or((node, Phrase((joined,), tok.position)), tok.position)

    def phrase(self, tok: Token) -> Node:
        slots: list[Slot] = []
        for m in re.finditer(r"\S+", tok.text):
            slots.extend(self.slots(m.group(), tok.position + 1 + m.start(), quoted=True)[0])
        if not slots:
            raise self.error("empty quotes", tok.position)
        if tok.distance is None:
            return Phrase(tuple(slots), tok.position)
        if len(slots) < 2:
            raise self.error('"..."~n needs at least two words', tok.position)
        # "a b c"~n reads as a NEAR/n b NEAR/n c: each word within n words of the ones before it.
        node: Node = Phrase(tuple(slots[:1]), tok.position)
        for slot in slots[1:]:
            node = Near(node, Phrase((slot,), tok.position), tok.distance, tok.position)
        return node

    def field(self, tok: Token) -> Node:
        """site:, source:, author:, lang:, title:, case: with the value in the same word or quoted."""
        value, at = tok.value, tok.position + len(tok.name) + 1
        nxt = self.peek()
        quoted = not value and nxt.position == at and nxt.kind == "PHRASE"
        grouped = not value and nxt.position == at and nxt.kind == "(" and tok.name == "title"
        if not (value or quoted or grouped):
            raise self.error(f"'{tok.name}:' needs a value right after it, like {_EXAMPLE[tok.name]}", at)
        if value and _NESTED.match(value):
            raise self.error(f"operators do not nest: {tok.text!r}", at)
        if tok.name == "title":
            child = self.primary(tok) if not value else self.term(Token("TERM", value, at))
            return Title(child, tok.position)
        if quoted:
            value = self.advance().text
            if nxt.distance is not None:
                raise self.error(f"'~' does not apply to {tok.name}:", nxt.position)
        if tok.name == "case":
            words = re.findall(r"\S+", value)
            phrase = self.phrase(Token("PHRASE", value, at if quoted else at - 1))
            if not isinstance(phrase, Phrase) or any(s.prefix or s.pattern for s in phrase.slots):
                raise self.error("case: takes plain words, no wildcards", at)
            # Same word boundaries as the index: the words as written, anything but letters between.
            folded = [re.escape(text.fold_accents(w)) for w in words]
            pattern = re.compile(r"(?<!\w)" + r"\W+".join(folded) + r"(?!\w)")
            return Case(phrase, pattern, tok.position)
        return Field(tok.name, self.field_value(tok.name, value, at), tok.position)

    def field_value(self, name: str, value: str, at: int) -> str:
        value = text.normalize(value.strip())
        if name == "site":
            # Talkwalker writes site:"http://www.wort.lu": the host is what counts.
            host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value).rstrip("/").removeprefix("www.")
            if not _HOST.fullmatch(host):
                raise self.error(f"site: needs a host like reddit.com, not {value!r}", at)
            return host
        if name == "lang":
            if not _LANG.fullmatch(value):
                raise self.error(f"lang: needs a language code like en or pt, not {value!r}", at)
            return value
        if name == "author":
            value = value.removeprefix("@")
        if not value:
            raise self.error(f"'{name}:' needs a value right after it, like {_EXAMPLE[name]}", at)
        return value


def _is_positional(node: Node) -> bool:
    if isinstance(node, Phrase | Near):
        return True
    return isinstance(node, Or) and all(_is_positional(c) for c in node.children)


def _matches_nothing_present(node: Node) -> bool:
    """Whether the query matches a mention with no words at all, i.e. it holds only negatives."""
    if isinstance(node, Not):
        return not _matches_nothing_present(node.child)
    if isinstance(node, And):
        return all(_matches_nothing_present(c) for c in node.children)
    if isinstance(node, Or):
        return any(_matches_nothing_present(c) for c in node.children)
    return False


def _first_not(node: Node) -> int:
    if isinstance(node, Not):
        return node.position
    if isinstance(node, And | Or):
        for child in node.children:
            if _matches_nothing_present(child):
                return _first_not(child)
    return node.position
