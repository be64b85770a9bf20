"""Models and migrations agree on SQLite and PostgreSQL: the migrations are the schema."""

from __future__ import annotations

import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

import monitor.models  # noqa: F401
from alembic import command
from monitor.db import Base, alembic_config, make_engine, upgrade
from monitor.mentions.search import is_search_object
from tests.support.pg import temp_database


def _diff(url: str) -> list:
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            # the search index objects (0007) live outside the ORM's metadata by design
            opts = {"compare_type": True, "include_name": is_search_object}
            ctx = MigrationContext.configure(conn, opts=opts)
            return compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()


def test_sqlite_schema_matches_models(tmp_path):
    assert _diff(f"sqlite:///{tmp_path}/m.db") == []


@pytest.mark.postgres
def test_postgres_schema_matches_models():
    with temp_database() as url:
        assert _diff(url) == []


def test_mentions_indexes_cover_api_queries(tmp_path):
    url = f"sqlite:///{tmp_path}/m.db"
    upgrade(url)
    engine = make_engine(url)
    names = {ix["name"] for ix in inspect(engine).get_indexes("mentions")}
    engine.dispose()
    assert {"ix_mentions_published", "ix_mentions_brand_published", "ix_mentions_incident_published"} <= names


def _column_types(url: str) -> dict[str, str]:
    engine = make_engine(url)
    try:
        insp = inspect(engine)
        return {
            f"{table}.{c['name']}": str(c["type"])
            for table in ("incidents", "mentions", "alert_deliveries")
            for c in insp.get_columns(table)
            if c["name"] in ("id", "incident_id", "author_reach", "engagement", "reach", "mention_count")
        }
    finally:
        engine.dispose()


def test_sqlite_downgrades_to_the_start_and_upgrades_again(tmp_path):
    url = f"sqlite:///{tmp_path}/m.db"
    upgrade(url)
    command.downgrade(alembic_config(url), "base")
    assert _diff(url) == []  # _diff upgrades to head again
    # SQLite's INTEGER is already 64-bit (and its rowid ids must stay INTEGER): nothing changes type
    assert set(_column_types(url).values()) == {"INTEGER"}


@pytest.mark.postgres
def test_postgres_counters_and_incident_ids_are_64_bit_and_downgrade_cleanly():
    with temp_database() as url:
        upgrade(url, "0002")
        assert _column_types(url)["incidents.reach"] == "INTEGER"
        upgrade(url)
        assert set(_column_types(url).values()) == {"BIGINT"}
        engine = make_engine(url)
        try:
            with engine.begin() as conn:  # the SERIAL sequence was widened with its column
                conn.execute(text("SELECT setval(pg_get_serial_sequence('incidents', 'id'), 3000000000)"))
                assert conn.scalar(text("SELECT nextval(pg_get_serial_sequence('incidents', 'id'))")) > 2**31
                conn.execute(text("SELECT setval(pg_get_serial_sequence('incidents', 'id'), 1)"))
        finally:
            engine.dispose()
        command.downgrade(alembic_config(url), "0002")
        assert set(_column_types(url).values()) == {"INTEGER", "BIGINT"}  # mentions.id was BIGINT
        assert _column_types(url)["incidents.id"] == "INTEGER"
        assert _diff(url) == []


def _scrubbed(url: str) -> dict:
    upgrade(url, "0002")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            row = {
                "name": "yt",
                "kind": "youtube",
                "config": '{"api_key": "AIza-plain-key", "channel_id": "UC1"}',
                "enabled": True,
                "next_poll_at": "2025-01-01 00:00:00",
                "created_at": "2025-01-01 00:00:00",
                "state": "ok",
            }
            zeros = ("last_fetched", "last_new", "consecutive_errors")
            row |= dict.fromkeys(zeros, 0) | {
                f"{p}interval_seconds": 300 for p in ("", "min_", "max_", "current_")
            }
            conn.execute(text(f"INSERT INTO sources ({', '.join(row)}) VALUES (:{', :'.join(row)})"), row)
        upgrade(url)
        with engine.connect() as conn:
            stored = conn.scalar(text("SELECT config FROM sources"))
    finally:
        engine.dispose()
    return stored if isinstance(stored, dict) else json.loads(stored)


def test_sqlite_upgrade_masks_secrets_stored_by_older_versions(tmp_path):
    assert _scrubbed(f"sqlite:///{tmp_path}/m.db") == {"api_key": "•••• (set)", "channel_id": "UC1"}


@pytest.mark.postgres
def test_postgres_upgrade_masks_secrets_stored_by_older_versions():
    with temp_database() as url:
        assert _scrubbed(url) == {"api_key": "•••• (set)", "channel_id": "UC1"}
