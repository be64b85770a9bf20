"""Every malformed query raises QueryError pointing at the offending character."""

import pickle

import pytest

from monitor.matching import QueryError, compile_query

# (query, expected position, words the message must contain)
MALFORMED = [
    ("", 0, "empty query"),
    ("   ", 0, "empty query"),
    ("helzberg AND )price", 13, "unexpected ')'"),
    ("(helzberg OR zales", 0, "unclosed '('"),
    ("a AND (b OR (c)", 6, "unclosed '('"),
    ("helzberg)", 8, "unexpected ')'"),
    ("()", 0, "empty parentheses"),
    ("a ( )", 2, "empty parentheses"),
    ("(", 0, "unclosed '('"),
    ('"customer service', 0, "unclosed quote"),
    ('a "b" "c', 6, "unclosed quote"),
    ('""', 0, "empty quotes"),
    ('" "', 0, "empty quotes"),
    ("helzberg AND", 9, "'AND' needs a term after it"),
    ("helzberg OR", 9, "'OR' needs a term after it"),
    ("AND helzberg", 0, "unexpected 'AND'"),
    ("OR helzberg", 0, "unexpected 'OR'"),
    ("a AND OR b", 6, "unexpected 'OR'"),
    ("a OR AND b", 5, "unexpected 'AND'"),
    ("helzberg NOT", 9, "'NOT' needs a term after it"),
    ("helzberg -", 9, "'-' needs a term"),
    ("helzberg - job", 9, "'-' needs a term"),
    ("a NEAR/3", 2, "'NEAR/3' needs a term after it"),
    ("NEAR/3 a", 0, "unexpected 'NEAR/3'"),
    ("a NEAR/x b", 7, "whole number"),
    ("a NEAR/ b", 7, "whole number"),
    ("a NEAR/-1 b", 7, "whole number"),
    ("a NEAR b", 2, "NEAR needs a distance"),
    ("a near/3 b", 2, "capitals"),
    ("a NEAR/2 (b AND c)", 10, "NEAR/n needs terms"),
    ("a NEAR/2 NOT b", 9, "unexpected 'NOT'"),
    ("pr*ce", 2, "'*' only goes at the end"),
    ("helzberg AND pr**", 15, "'*' only goes at the end"),
    ('"pr*ce hike"', 3, "'*' only goes at the end"),
    ("*", 0, "lone '*'"),
    ("a OR *", 5, "lone '*'"),
    ("a & b", 2, "lone '&'"),
    ("!!!", 0, "no letters or digits"),
    ("a @", 2, "no letters or digits"),
    ('"a b"~x', 5, "'~' needs a whole number"),
    ('"a"~3', 0, "at least two words"),
    ("a~2", 1, "NEAR/n"),
    ("a ONEAR b", 2, "ONEAR needs a distance"),
    ("a ONEAR/x b", 8, "whole number"),
    ("a onear/2 b", 2, "capitals"),
    # Field operators: an unknown one is an error naming it, never the literal words.
    ("acme sit:reddit.com", 5, "unknown operator 'sit:'"),
    ("acme url:reddit.com", 5, "unknown operator 'url:'"),
    ("https://acme.com", 0, "unknown operator 'https:'"),
    ("acme site:", 10, "'site:' needs a value right after it"),
    ('acme site: "reddit.com"', 10, "'site:' needs a value"),
    ("acme site:reddit.com/r/x", 10, "site: needs a host"),
    ("acme lang:english", 10, "lang: needs a language code"),
    ("acme author:@", 12, "'author:' needs a value"),
    ("source:(a OR b) acme", 7, "'source:' needs a value"),
    ("title:* acme", 6, "lone '*'"),
    ("case:Ap*le", 7, "'*' only goes at the end"),
    ("case:Apple*", 5, "case: takes plain words"),
    ("site:reddit.com NEAR/2 acme", 0, "NEAR/n needs terms"),
    ('acme site:"reddit.com"~2', 10, "'~' does not apply to site:"),
    # '?' is one letter inside a plain word.
    ("title:site:acme.com", 6, "operators do not nest"),
    ("a?-b", 1, "'?' only goes inside a plain word"),
    ("acme.com/page?id=3", 13, "quote the text"),
    # Only negatives would match nearly every mention.
    ("NOT job", 0, "only negative terms"),
    ("-job", 0, "only negative terms"),
    ("-job -hiring", 0, "only negative terms"),
    ("helzberg OR NOT job", 12, "only negative terms"),
    ("(NOT job)", 1, "only negative terms"),
    ("NOT (a OR b)", 0, "only negative terms"),
]


@pytest.mark.parametrize(("query", "position", "words"), MALFORMED)
def test_malformed_query_reports_position(query: str, position: int, words: str) -> None:
    with pytest.raises(QueryError) as info:
        compile_query(query)
    err = info.value
    assert words in err.message
    assert err.position == position
    assert err.query == query
    assert str(err) == f"{err.message} at position {position}: {query}"


def test_error_reads_like_the_documented_example() -> None:
    with pytest.raises(QueryError, match=r"^unexpected '\)' at position 13: helzberg AND \)price$"):
        compile_query("helzberg AND )price")


def test_query_error_is_a_value_error_and_pickles() -> None:
    err = QueryError("empty query", position=0, query="")
    assert isinstance(err, ValueError)
    again = pickle.loads(pickle.dumps(err))
    assert (again.message, again.position, again.query) == ("empty query", 0, "")


@pytest.mark.parametrize(
    "query",
    ["(" * 100 + "a" + ")" * 100, "NOT " * 100 + "a b", "a" + " NEAR/1 a" * 100],
)
def test_absurd_nesting_is_a_query_error_not_a_crash(query: str) -> None:
    with pytest.raises(QueryError, match="nests more than 64 levels"):
        compile_query(query)


def test_reasonable_nesting_is_fine() -> None:
    assert compile_query("(" * 30 + "a" + ")" * 30).matches("a")
    assert compile_query(" OR ".join(f"(w{i} AND x{i})" for i in range(500))).matches("w499 x499")
