"""Migration 0007: indexes the mentions already stored, and its downgrade removes every object it made."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, inspect, text

from alembic import command
from monitor.db import alembic_config, make_engine, upgrade
from tests.support.pg import temp_database

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
TEXTS = ["Un café à Zürich", "Refund requested, order 42", "nothing to see here"]


def _seed_at_0006(conn: Connection) -> None:
    """A brand, a source and three mentions, in SQL: the ORM models describe the newest schema."""
    brand = "INSERT INTO brands (name, query, handles, created_at) VALUES ('Acme', 'acme', '[]', :t)"
    conn.execute(text(brand), {"t": NOW})
    conn.execute(
        text(
            "INSERT INTO sources (name, kind, config, enabled, interval_seconds, "
            "min_interval_seconds, max_interval_seconds, current_interval_seconds, next_poll_at, "
            "last_fetched, last_new, state, consecutive_errors, created_at) "
            "VALUES ('feed', 'rss', '{}', true, 600, 600, 600, 600, :t, 0, 0, 'new', 0, :t)"
        ),
        {"t": NOW},
    )
    for n, body in enumerate(TEXTS):
        conn.execute(
            text(
                "INSERT INTO mentions (source_id, brand_id, external_id, text, author, language, "
                "published_at, fetched_at, sentiment, urgency, is_incident, direct, needs_reply, "
                "opportunity, reasons, raw) VALUES (1, 1, :e, :body, 'José', 'fr', :t, :t, 0, 0, "
                "false, false, false, false, '[]', '{}')"
            ),
            {"e": f"m{n}", "body": body, "t": NOW},
        )


def _found(conn: Connection, word: str) -> list[int]:
    if conn.dialect.name == "postgresql":
        sql = "SELECT id FROM mentions WHERE search_vector @@ monitor_search_term(:w, false) ORDER BY id"
    else:
        sql = "SELECT rowid FROM mentions_fts WHERE mentions_fts MATCH :w ORDER BY rowid"
    return list(conn.scalars(text(sql), {"w": word}))


def _search_objects(conn: Connection) -> set[str]:
    insp = inspect(conn)
    found = {t for t in insp.get_table_names() if t.startswith("mentions_fts")}
    found |= {f"column {c['name']}" for c in insp.get_columns("mentions") if c["name"] == "search_vector"}
    if conn.dialect.name == "postgresql":
        found |= set(conn.scalars(text("SELECT cfgname FROM pg_ts_config WHERE cfgname LIKE 'monitor\\_%'")))
        found |= set(conn.scalars(text("SELECT proname FROM pg_proc WHERE proname = 'monitor_search_term'")))
    else:
        triggers = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'mentions_fts%'"
        found |= set(conn.scalars(text(triggers)))
    return found


def _round_trip(url: str) -> None:
    upgrade(url, "0006")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            _seed_at_0006(conn)
        upgrade(url, "0007")
        with engine.connect() as conn:
            assert _found(conn, "cafe") == [1] and _found(conn, "jose") == [1, 2, 3]  # the rows made before
            assert _search_objects(conn)
        command.downgrade(alembic_config(url), "0006")
        with engine.connect() as conn:
            assert _search_objects(conn) == set()
            assert conn.scalar(text("SELECT count(*) FROM mentions")) == 3  # the data stays
        upgrade(url, "0007")
        with engine.connect() as conn:
            assert _found(conn, "zurich") == [1] and _found(conn, "42") == [2]
    finally:
        engine.dispose()


def test_sqlite_0007_backfills_and_downgrades(tmp_path):
    _round_trip(f"sqlite:///{tmp_path}/m.db")


@pytest.mark.postgres
def test_postgres_0007_backfills_and_downgrades():
    with temp_database() as url:
        _round_trip(url)


def _counts(conn: Connection) -> tuple[int, int, int]:
    return tuple(conn.scalar(text(f"SELECT count(*) FROM {t}")) for t in ("brands", "sources", "mentions"))


def _keeps_data(url: str) -> None:
    """Every migration after 0006, up and down, keeps the brands, sources and mentions stored.

    (SQLite's batch mode rebuilds a table by copy, drop and rename: dropping `brands` with foreign
    keys on cascades into every mention — 0009 once did exactly that.)
    """
    upgrade(url, "0006")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            _seed_at_0006(conn)
        upgrade(url)
        with engine.connect() as conn:
            assert _counts(conn) == (1, 1, 3)
        command.downgrade(alembic_config(url), "0006")
        with engine.connect() as conn:
            assert _counts(conn) == (1, 1, 3)
        upgrade(url)
        with engine.connect() as conn:
            assert _counts(conn) == (1, 1, 3)
            assert _found(conn, "cafe") == [1]
    finally:
        engine.dispose()


def test_sqlite_later_migrations_keep_every_mention(tmp_path):
    _keeps_data(f"sqlite:///{tmp_path}/m.db")


@pytest.mark.postgres
def test_postgres_later_migrations_keep_every_mention():
    with temp_database() as url:
        _keeps_data(url)
