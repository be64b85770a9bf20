"""Full-text `?q=`: words, phrases, prefixes, accents; the index follows writes; API == dashboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, event, text

from monitor.mentions.search import MAX_TERMS, Term, fts5_query, parse
from monitor.web.queries import MentionQuery, search_mentions

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("q", "terms"),
    [
        ("refund  request", [Term("refund"), Term("request")]),
        ('"log in" acme', [Term("log in"), Term("acme")]),
        ('"  log   in  "', [Term("log in")]),
        ("refu*", [Term("refu", prefix=True)]),
        ("a*", [Term("a")]),  # a one-letter prefix would expand to much of the index
        ("acme.co*", [Term("acme.co")]),  # a prefix is one word of letters and digits
        ('"unbalanced phrase', [Term("unbalanced"), Term("phrase")]),
        ('ok "x" "', [Term("ok"), Term("x")]),
        ('* " - ** ""', []),
        ("Refund refund refund", [Term("Refund"), Term("refund")]),  # case folding is the database's
        ("100%", [Term("100%")]),
    ],
)
def test_parse(q, terms):
    assert parse(q) == terms


def test_parse_caps_the_number_of_terms():
    assert len(parse(" ".join(f"w{n}" for n in range(MAX_TERMS + 5)))) == MAX_TERMS


def test_fts5_query_quotes_every_term():
    terms = [Term("NEAR(x"), Term('a"b'), Term("re", prefix=True)]
    assert fts5_query(terms) == '"NEAR(x" AND "a""b" AND "re"*'


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def corpus(seed):
    acme, feed = seed.brand("Acme"), seed.source("feed")
    rows = {
        "down": {"title": "Acme is DOWN", "text": "cannot log in since noon", "author": "ann"},
        "cafe": {
            "text": "Un café à Zürich: la crème brûlée était parfaite",
            "author": "José Núñez",
            "language": "fr",
        },
        "phrase": {"text": "Refund requested for order 42", "author": "bob", "language": "en"},
        "apart": {"text": "Requested a refund yesterday, still waiting", "language": "en"},
        "kettle": {"title": "Kettle review", "text": "the kettle boils fast", "author": "kim"},
    }
    made = {
        key: seed.mention(acme, feed, published_at=NOW - timedelta(minutes=n), **fields)
        for n, (key, fields) in enumerate(rows.items())
    }
    seed.session.commit()
    return {key: m.id for key, m in made.items()}


def _api(client, q: str) -> list[int]:
    resp = client.get("/api/mentions", params={"q": q})
    assert resp.status_code == 200, resp.text
    return [item["id"] for item in resp.json()["items"]]


def _names(corpus, ids: list[int]) -> list[str]:
    by_id = {v: k for k, v in corpus.items()}
    return [by_id[i] for i in ids]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("down", ["down"]),  # the title
        ("ANN", ["down"]),  # the author
        ("noon", ["down"]),  # the text
        ("cafe", ["cafe"]),  # accents fold both ways
        ("CRÈME brulee", ["cafe"]),
        ("jose nunez", ["cafe"]),
        ("zurich", ["cafe"]),
        ("refund requested", ["phrase", "apart"]),  # words in any order
        ('"refund requested"', ["phrase"]),  # a phrase: in this order, adjacent
        ('"requested refund"', []),
        ("refu*", ["phrase", "apart"]),
        ("req* 42", ["phrase"]),
        ("kettle", ["kettle"]),
        ("kettle noon", []),  # AND
        ("kett", []),  # a word, not a substring
        ("*", []),  # no word in it: nothing, not everything
    ],
)
def test_search_matches(client, corpus, q, expected):
    assert _names(corpus, _api(client, q)) == expected


BOTH = ["phrase", "apart"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('"refund', BOTH),  # an unbalanced quote is dropped
        ('refund"', BOTH),
        ("-refund", BOTH),  # there are no operators but quotes and a trailing *: punctuation is
        ("(refund", BOTH),  # ignored by both tokenizers
        ("^refund", BOTH),
        ("refund:*", BOTH),
        ("refund*:", BOTH),
        ("***refund***", BOTH),
        ("refund AND", []),  # AND, OR, NOT, NEAR are words like any other, AND-ed
        ("refund OR kettle", []),
        ("NOT refund", []),
        ("NEAR(refund, 2)", []),
        ("a & b | !c", []),
        ("'quote", []),
        ('""', []),
        ("\\", []),
        ("%_", []),
    ],
)
def test_bad_syntax_is_plain_words_never_an_error(client, corpus, session, q, expected):
    api = _api(client, q)
    assert _names(corpus, api) == expected
    items, _ = search_mentions(session, MentionQuery(q=q))
    assert [m.id for m in items] == api


@pytest.mark.parametrize("q", ["refund", '"refund requested"', "refu*", "cafe", "kettle boils", "ann", "*"])
def test_api_and_dashboard_agree(client, corpus, session, q):
    items, _ = search_mentions(session, MentionQuery(q=q))
    assert [m.id for m in items] == _api(client, q)


def test_updates_and_deletes_keep_the_index_in_step(client, corpus, session):
    kettle = corpus["kettle"]
    session.execute(
        text("UPDATE mentions SET text = 'the toaster burns toast', author = 'lee' WHERE id = :id"),
        {"id": kettle},
    )
    session.execute(text("UPDATE mentions SET urgency = 0.9 WHERE id = :id"), {"id": corpus["down"]})
    session.commit()
    assert _api(client, "toaster lee") == [kettle]
    assert _api(client, "kettle") == [kettle]  # still in the title
    assert _api(client, "boils") == [] and _api(client, "kim") == []
    assert _api(client, "noon") == [corpus["down"]]  # a write to another column changes nothing

    session.execute(text("UPDATE mentions SET title = NULL WHERE id = :id"), {"id": kettle})
    session.commit()
    assert _api(client, "kettle") == []

    session.execute(text("DELETE FROM mentions WHERE id IN (:a, :b)"), {"a": corpus["phrase"], "b": kettle})
    session.commit()
    assert _api(client, "refund") == [corpus["apart"]]
    if session.get_bind().dialect.name == "sqlite":  # the index itself, not only the joined rows
        match = "SELECT rowid FROM mentions_fts WHERE mentions_fts MATCH 'refund OR boils'"
        assert list(session.scalars(text(match))) == [corpus["apart"]]


def test_search_pages_by_cursor(client, seed):
    acme, feed = seed.brand("Acme"), seed.source("feed")
    for n in range(7):
        seed.mention(acme, feed, text=f"refund number {n}", published_at=NOW - timedelta(minutes=n))
    seed.mention(acme, feed, text="nothing to see", published_at=NOW)
    seed.session.commit()
    seen, cursor = [], None
    while True:
        params = {"q": "refund", "limit": 3} | ({"cursor": cursor} if cursor else {})
        body = client.get("/api/mentions", params=params).json()
        seen += [item["text"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"refund number {n}" for n in range(7)]


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_postgres_matches_other_forms_in_the_detected_language(client, seed):
    acme, feed = seed.brand("Acme"), seed.source("feed")
    en = seed.mention(acme, feed, text="Refunds were delayed again", language="en")
    de = seed.mention(acme, feed, text="Die Rückerstattungen kommen nie", language="de-AT")
    plain = seed.mention(acme, feed, text="Refunds were delayed again", language="xx")
    seed.session.commit()
    assert _api(client, "refund delay") == [en.id]  # English stems; an unknown language does not
    assert _api(client, "rueckerstattung") == []  # accents fold (ü -> u), they are not transliterated
    assert _api(client, "ruckerstattung") == [de.id]
    assert sorted(_api(client, "refunds")) == sorted([en.id, plain.id])  # the word as written, too


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_postgres_search_uses_the_gin_index(session, corpus):
    session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(
        session.scalars(
            text(
                "EXPLAIN SELECT id FROM mentions WHERE search_vector @@ "
                "(monitor_search_term('refund', false) && monitor_search_term('re', true))"
            )
        )
    )
    assert "ix_mentions_search" in plan


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_postgres_terms_are_planned_as_constants(session, corpus, engine):
    # a bound term in a prepared statement gets a generic plan that cannot use the lexeme statistics
    seen: list[str] = []
    listen = lambda _c, _cur, statement, *_: seen.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        for _ in range(12):  # past psycopg's prepare threshold and PostgreSQL's five custom plans
            items, _cursor = search_mentions(session, MentionQuery(q="O'Neil refu*"))
            assert items == []
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    searches = [s for s in seen if "monitor_search_term" in s]
    assert searches and all("monitor_search_term('O''Neil', false)" in s for s in searches)
    assert all("monitor_search_term('refu', true)" in s for s in searches)


def test_a_common_word_pages_in_date_order_whichever_way_sqlite_reads_it(client, seed, db_url):
    # on SQLite, a query matching most rows walks the date index (search._sqlite): same answers
    acme, feed = seed.brand("Acme"), seed.source("feed")
    made = []
    for n in range(100):
        words = "refund" if n % 5 else "other"
        # published out of id order, so a wrong ordering shows
        made.append(
            seed.mention(
                acme, feed, text=f"{words} {n}", published_at=NOW - timedelta(minutes=(n * 37) % 100)
            )
        )
    seed.session.commit()
    expected = [
        m.id
        for m in sorted(
            (m for m in made if m.text.startswith("refund")),
            key=lambda m: (m.published_at, m.id),
            reverse=True,
        )
    ]
    seen: list[str] = []
    listen = lambda _c, _cur, statement, *_: seen.append(statement)  # noqa: E731
    event.listen(Engine, "before_cursor_execute", listen)  # every engine: q runs on the slow-read pool
    try:
        first = client.get("/api/mentions", params={"q": "refund"}).json()
        second = client.get("/api/mentions", params={"q": "refund", "cursor": first["next_cursor"]}).json()
    finally:
        event.remove(Engine, "before_cursor_execute", listen)
    assert [i["id"] for i in first["items"] + second["items"]] == expected and second["next_cursor"] is None
    if db_url.startswith("sqlite"):
        assert any("mentions.id + " in s and "mentions_fts MATCH" in s for s in seen)
