"""`db_url` for modules whose queries differ by dialect: each test runs on SQLite and PostgreSQL.

Import it into a test module (`from tests.alerts.backends import db_url`) to override the shared one.
"""

from __future__ import annotations

import pytest


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("pg_url" if request.param == "postgres" else "sqlite_url")
