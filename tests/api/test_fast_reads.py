"""List queries at scale: no `raw` loaded, row-value keyset cursors, names resolved to ids first."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, inspect

from monitor.web.queries import MentionQuery, iter_mentions

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Every SQL statement (with its parameters) the engine runs during the test."""
    seen: list[tuple[str, Any]] = []

    def _record(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", _record)
    yield seen
    event.remove(engine, "before_cursor_execute", _record)


def _mention_selects(statements: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [(s, p) for s, p in statements if s.lstrip().startswith("SELECT") and "FROM mentions" in s]


def test_list_does_not_load_the_raw_payload(client, seed, statements):
    acme, feed = seed.brand("Acme"), seed.source("feed")
    seed.mention(acme, feed, raw={"big": "x" * 10_000})
    seed.session.commit()
    statements.clear()
    body = client.get("/api/mentions").json()
    assert len(body["items"]) == 1 and "raw" not in body["items"][0]
    selects = _mention_selects(statements)
    assert selects and all("mentions.raw" not in s for s, _ in selects)


def test_one_mention_does_not_load_the_raw_payload(client, seed, statements):
    acme, feed = seed.brand("Acme"), seed.source("feed")
    m = seed.mention(acme, feed, raw={"big": "x"})
    seed.session.commit()
    statements.clear()
    assert client.get(f"/api/mentions/{m.id}").status_code == 200
    assert all("mentions.raw" not in s for s, _ in _mention_selects(statements))


def test_deep_cursor_walks_every_mention_once_in_order_through_equal_timestamps(client, seed):
    acme, feed = seed.brand("Acme"), seed.source("feed")
    # three timestamps shared by several rows each: the cursor must break ties on id
    for n in range(17):
        seed.mention(acme, feed, published_at=NOW - timedelta(minutes=n // 6))
    seed.session.commit()
    expected = [m["id"] for m in client.get("/api/mentions", params={"limit": 100}).json()["items"]]
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = client.get("/api/mentions", params=params).json()
        seen += [m["id"] for m in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == expected and len(seen) == 17
    pairs = [(m["published_at"], m["id"]) for m in client.get("/api/mentions?limit=100").json()["items"]]
    assert pairs == sorted(pairs, reverse=True)


@pytest.mark.parametrize("param", ["brand", "source"])
def test_unknown_brand_or_source_name_is_an_empty_page(client, seed, param):
    acme, feed = seed.brand("Acme"), seed.source("feed")
    seed.mention(acme, feed)
    seed.session.commit()
    resp = client.get("/api/mentions", params={param: "Nobody"})
    assert resp.status_code == 200
    assert resp.json() == {"items": [], "next_cursor": None}


def test_brand_and_source_filters_use_ids_not_a_join_on_names(client, seed, statements):
    acme, zeta = seed.brand("Acme"), seed.brand("Zeta")
    feed, forum = seed.source("feed"), seed.source("forum")
    keep = seed.mention(acme, forum)
    for brand, source in ((acme, feed), (zeta, forum), (zeta, feed)):
        seed.mention(brand, source)
    seed.session.commit()
    statements.clear()
    items = client.get("/api/mentions", params={"brand": "Acme", "source": "forum"}).json()["items"]
    assert [m["id"] for m in items] == [keep.id]
    assert [(m["brand"], m["source"]) for m in items] == [("Acme", "forum")]
    main = [s for s, _ in _mention_selects(statements) if "ORDER BY" in s]
    assert main and "mentions.brand_id =" in main[0] and "brands.name =" not in main[0]
    assert "mentions.source_id =" in main[0] and "sources.name =" not in main[0]


def test_duplicate_of_is_indexed(engine):
    names = {ix["name"] for ix in inspect(engine).get_indexes("mentions")}
    assert "ix_mentions_duplicate_of" in names


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_postgres_deep_cursor_is_an_index_condition(client, seed, engine, statements):
    acme, feed = seed.brand("Acme"), seed.source("feed")
    for n in range(30):
        seed.mention(acme, feed, published_at=NOW - timedelta(minutes=n))
    seed.session.commit()
    cursor = client.get("/api/mentions", params={"limit": 20}).json()["next_cursor"]
    statements.clear()
    assert len(client.get("/api/mentions", params={"limit": 20, "cursor": cursor}).json()["items"]) == 10
    (sql, params), *_ = [(s, p) for s, p in _mention_selects(statements) if "ORDER BY" in s]
    with engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")  # a 30-row table would be scanned anyway
        plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql, params))
    # the cursor bound is where the index scan starts, not a filter applied to every row before it
    bound = re.compile(r"Index Cond: \(ROW\((mentions\.)?published_at, (mentions\.)?id\) < ROW\(")
    assert bound.search(plan), plan


def test_incident_brand_filter_resolves_the_name_first(client, seed, statements):
    acme, zeta = seed.brand("Acme"), seed.brand("Zeta")
    mine = seed.incident(acme)
    seed.incident(zeta)
    seed.session.commit()
    assert client.get("/api/incidents", params={"brand": "Nobody"}).json() == {
        "items": [],
        "next_cursor": None,
    }
    statements.clear()
    items = client.get("/api/incidents", params={"brand": "Acme"}).json()["items"]
    assert [(i["id"], i["brand"]) for i in items] == [(mine.id, "Acme")]
    main = [s for s, _ in statements if "FROM incidents" in s and "ORDER BY" in s]
    assert main and "incidents.brand_id =" in main[0] and "brands.name =" not in main[0]


@pytest.mark.parametrize("status", [None, "active"])
def test_incident_cursor_walks_ties_on_last_seen_once_in_order(client, seed, status):
    acme = seed.brand("Acme")
    for n in range(9):
        seed.incident(acme, severity=1 + n % 2, last_seen_at=NOW - timedelta(hours=n // 4))
    seed.session.commit()
    params: dict[str, Any] = {"status": status} if status else {}
    expected = [i["id"] for i in client.get("/api/incidents", params=params | {"limit": 50}).json()["items"]]
    seen, cursor = [], None
    while True:
        body = client.get(
            "/api/incidents", params=params | {"limit": 2} | ({"cursor": cursor} if cursor else {})
        )
        seen += [i["id"] for i in body.json()["items"]]
        cursor = body.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == expected and len(seen) == 9


def test_dashboard_export_batches_use_the_row_value_cursor_and_skip_raw(seed, session, statements):
    acme, feed = seed.brand("Acme"), seed.source("feed")
    for n in range(5):
        seed.mention(acme, feed, published_at=NOW - timedelta(minutes=n // 2), raw={"big": "x" * 1000})
    seed.session.commit()
    statements.clear()
    got = [m.id for m in iter_mentions(session, MentionQuery(), batch=2)]
    assert len(got) == len(set(got)) == 5
    selects = [s for s, _ in _mention_selects(statements) if "ORDER BY" in s]
    assert len(selects) == 3 and all("mentions.raw" not in s for s in selects)
    assert all("(mentions.published_at, mentions.id) <" in s for s in selects[1:])
