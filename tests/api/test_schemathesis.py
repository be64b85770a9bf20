"""schemathesis against the app's own OpenAPI: every operation, generated inputs, no server error,
only documented status codes, every response matching its schema.

The app runs in-process (ASGI) on a migrated SQLite file seeded with a few brands, sources,
mentions, incidents and deliveries, so ids that schemathesis tries (it favours small ones and the
edges of each range) hit real rows as well as missing ones. Generation is derandomized: the same
cases run every time, and the file stays within ~90 s on a 2-core machine.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from sqlalchemy import Engine, text

from monitor.app import create_app
from monitor.config import parse_config
from monitor.db import make_engine, make_session_factory
from monitor.models import Base
from monitor.settings import get_settings
from tests.api.conftest import NOW, Seed

BASE_URL = "http://127.0.0.1"  # a loopback name: the app refuses unknown Host headers
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
MAX_EXAMPLES = 100

CASES: dict[tuple[str, str], int] = {}  # (backend, operation) → cases run


def _seed(engine: Engine) -> None:
    with make_session_factory(engine)() as session:
        seed = Seed(session)
        acme, zeta = seed.brand("Acme"), seed.brand("Zeta", handles=["@zeta"], exclude="job")
        feed, forum = seed.source("feed"), seed.source("forum", kind="discourse")
        incidents = [
            seed.incident(acme, severity=2),
            seed.incident(acme, category="security", status="acknowledged", acknowledged_by="sam"),
            seed.incident(zeta, status="resolved", resolved_by="ann", resolved_at=NOW),
        ]
        for n in range(6):
            seed.mention(
                acme if n % 2 else zeta,
                feed if n % 3 else forum,
                incident_id=incidents[n % 3].id,
                is_incident=n % 2 == 0,
                category="outage" if n % 2 == 0 else None,
                reasons=[{"cue": "outage_terms", "weight": 0.4, "evidence": "down"}],
                published_at=NOW - timedelta(hours=n),
            )
        seed.delivery(incident_id=incidents[0].id)
        seed.delivery(incident_id=incidents[1].id, status="failed", last_status=500)
        session.commit()


# The schema is read from an app built at collection (no request, no database): schemathesis
# builds one test per operation from it; each test then calls the app of its backend. Built
# outside the tests' clean environment, so a developer's MONITOR_API_KEYS must not make the apps
# closed (every case a 401): the environment is emptied while they are made.
def _open_app(engine: Engine | None = None) -> FastAPI:
    with mock.patch.dict(os.environ, clear=True):
        get_settings.cache_clear()
        try:
            return create_app(parse_config({"brands": [{"name": "Acme", "query": "acme"}]}), engine=engine)
        finally:
            get_settings.cache_clear()


schema = schemathesis.openapi.from_dict(_open_app().openapi())


def _empty_postgres(url: str) -> Engine:
    """The session's PostgreSQL database with every table emptied and ids restarting at 1."""
    engine = make_engine(url)
    names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    return engine


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend_app(
    request: pytest.FixtureRequest, _sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, FastAPI]]:
    """(backend, the open app on its seeded database); the app's lifespan starts with the first call."""
    if request.param == "postgres":
        engine = _empty_postgres(request.getfixturevalue("_pg_database"))
    else:
        path = tmp_path_factory.mktemp("schemathesis") / "monitor.db"
        shutil.copyfile(_sqlite_template, path)
        engine = make_engine(f"sqlite:///{path}")
    _seed(engine)
    yield request.param, _open_app(engine)
    cases = {op: n for (backend, op), n in CASES.items() if backend == request.param}
    # the figure quoted in the closing note: `pytest -s tests/api/test_schemathesis.py`
    print(f"\nschemathesis on {request.param}: {sum(cases.values())} cases over {len(cases)} operations")
    shutdown_lifespans()
    engine.dispose()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case: schemathesis.Case, backend_app: tuple[str, FastAPI]) -> None:
    backend, app = backend_app
    CASES[backend, case.operation.label] = CASES.get((backend, case.operation.label), 0) + 1
    response = case.call_and_validate(base_url=BASE_URL, checks=CHECKS, app=app)
    assert response.status_code != 401, "the app under test is open: no case may need a key"
