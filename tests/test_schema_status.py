"""schema_status: an unmigrated or older database is named, never mistaken for a current one."""

from __future__ import annotations

from monitor.db import SchemaStatus, make_engine, schema_problem, schema_status, upgrade


def _status(url: str) -> tuple[SchemaStatus, str | None]:
    engine = make_engine(url)
    try:
        return schema_status(engine), schema_problem(engine)
    finally:
        engine.dispose()


def test_empty_database_is_missing(tmp_path):
    status, problem = _status(f"sqlite:///{tmp_path}/empty.db")
    assert status is SchemaStatus.MISSING
    assert problem == "the database schema is not created: run `monitor db upgrade`"


def test_older_revision_is_outdated(tmp_path):
    url = f"sqlite:///{tmp_path}/old.db"
    upgrade(url, "0001")
    status, problem = _status(url)
    assert status is SchemaStatus.OUTDATED
    assert problem == "the database schema is out of date: run `monitor db upgrade`"


def test_migrated_database_is_current(sqlite_url):
    assert _status(sqlite_url) == (SchemaStatus.CURRENT, None)
