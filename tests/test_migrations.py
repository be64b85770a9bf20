"""Models and migrations agree on SQLite and PostgreSQL: the migrations are the schema."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import monitor.models  # noqa: F401
from monitor.db import Base, make_engine, upgrade
from tests.support.pg import temp_database


def _diff(url: str) -> list:
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
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
