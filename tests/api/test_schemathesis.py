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
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from sqlalchemy import Engine

from monitor.app import create_app
from monitor.config import parse_config
from monitor.db import make_engine, make_session_factory
from monitor.settings import get_settings
from tests.api.conftest import NOW, Seed

BASE_URL = "http://127.0.0.1"  # a loopback name: the app refuses unknown Host headers
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
MAX_EXAMPLES = 100

CASES: dict[str, int] = {}  # operation → cases run


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


# The schema is read from the app at collection (no request, no database): schemathesis builds one
# test per operation from it. The app opens its database, seeded by `_database`, at the first call.
# Built at collection, outside the tests' clean environment: a developer's MONITOR_API_KEYS or
# DATABASE_URL must not turn every case into a 401 or point the app elsewhere.
_DB_DIR = Path(tempfile.mkdtemp(prefix="monitor-schemathesis-"))
_CONFIG = {
    "brands": [{"name": "Acme", "query": "acme"}],
    "database": {"url": f"sqlite:///{_DB_DIR}/monitor.db"},
}
with mock.patch.dict(os.environ, clear=True):
    get_settings.cache_clear()
    APP = create_app(parse_config(_CONFIG))
get_settings.cache_clear()
schema = schemathesis.openapi.from_dict(APP.openapi())
schema.app = APP


@pytest.fixture(scope="module", autouse=True)
def _database(_sqlite_template: Path) -> Iterator[None]:
    shutil.copyfile(_sqlite_template, _DB_DIR / "monitor.db")
    engine = make_engine(f"sqlite:///{_DB_DIR}/monitor.db")
    _seed(engine)
    engine.dispose()
    yield
    # the figure quoted in the closing note: `pytest -s tests/api/test_schemathesis.py`
    print(f"\nschemathesis: {sum(CASES.values())} cases over {len(CASES)} operations")
    shutdown_lifespans()  # the app's lifespan (engine, http client) started with the first call
    shutil.rmtree(_DB_DIR, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    CASES[case.operation.label] = CASES.get(case.operation.label, 0) + 1
    response = case.call_and_validate(base_url=BASE_URL, checks=CHECKS)
    assert response.status_code != 401, "the app under test is open: no case may need a key"
