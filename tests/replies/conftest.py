"""Mention fixtures: the incident tests' brand, source and mention maker, on SQLite and PostgreSQL."""

from tests.incidents.conftest import brand, db_url, make_mention, source  # noqa: F401
