"""Shared fixtures: migrated databases (SQLite per test, PostgreSQL per session) and configs.

- `sqlite_url` / `db_url`: a fresh, migrated SQLite file for each test (copied from one migrated
  template, so Alembic runs once per session).
- `pg_url` (tests marked `postgres`): a uniquely named PostgreSQL database, migrated once per
  session and emptied before each test; dropped at the end. Unreachable server = failure.
- `engine`, `session_factory`, `session`: on `db_url` (override `db_url` to run on both backends).
- `make_config(**sections)`: an AppConfig from a plain dict, through the real validation.
"""

from __future__ import annotations

import os
import shutil
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from monitor.db import make_engine, make_session_factory, upgrade
from monitor.settings import get_settings

# Starlette 1.x warns that its TestClient would rather run on httpx2 than httpx; the project ships
# httpx. Import it once here, warning silenced, so filterwarnings=error does not fail every API test.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    import starlette.testclient  # noqa: F401

PG_URL = os.environ.get("MONITOR_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

# Process settings the tests must not inherit from the developer's shell.
_MONITOR_ENV = (
    "MONITOR_API_KEYS",
    "MONITOR_DATABASE_URL",
    "DATABASE_URL",
    "MONITOR_CONFIG",
    "MONITOR_PUBLIC_URL",
)


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test reads settings afresh from an environment without MONITOR_* leftovers."""
    for name in _MONITOR_ENV:
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(_sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh SQLite database at the latest migration, for this test only."""
    path = tmp_path / "monitor.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """The database the test runs on (SQLite); override it in a module to run on more backends."""
    return sqlite_url


@pytest.fixture(scope="session")
def _pg_database() -> Iterator[str]:
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"monitor_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any failure to reach the server fails the test, never skips it
        admin.dispose()
        pytest.fail(f"PostgreSQL at {PG_URL} is not usable (set MONITOR_TEST_PG_URL): {exc}", pytrace=False)
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url(_pg_database: str, request: pytest.FixtureRequest) -> str:
    """A migrated PostgreSQL database with every table empty; only for tests marked `postgres`."""
    if request.node.get_closest_marker("postgres") is None:
        pytest.fail("pg_url is for tests marked @pytest.mark.postgres", pytrace=False)
    engine = make_engine(_pg_database)
    try:
        with engine.begin() as conn:
            tables = conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                    "AND tablename <> 'alembic_version'"
                )
            ).scalars()
            names = ", ".join(f'"{t}"' for t in tables)
            if names:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()
    return _pg_database


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on `db_url`, disposed after the test."""
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for seeding and checking; commit what the code under test must see."""
    with session_factory() as s:
        yield s


@pytest.fixture
def make_config() -> Callable[..., Any]:
    """`make_config(api={...}, brands=[...], ...)` → a validated AppConfig (monitor.config.parse_config)."""
    from monitor.config import parse_config

    def _make(**sections: Any) -> Any:
        return parse_config(sections)

    return _make
