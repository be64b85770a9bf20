"""Slack action fixtures: a seeded incident, the app with a Slack app configured, the same behind uvicorn.

Every test here runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor.app import create_app
from monitor.config import AppConfig
from tests.alerts.conftest import ScriptedServer, Seeded, seed_incident
from tests.alerts.slack.signed import SECRET
from tests.support.servers import free_port


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    """Overrides the shared fixture: every click on both backends."""
    return request.getfixturevalue("pg_url") if request.param == "postgres" else sqlite_url


@pytest.fixture
def seeded(session_factory: sessionmaker[Session]) -> Seeded:
    with session_factory() as session:
        seeded = seed_incident(session, n_mentions=3)
        session.commit()
        session.refresh(seeded.incident)
        session.expunge_all()
    return seeded


@pytest.fixture
def make_app(engine: Engine, make_config: Callable[..., Any]) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def _make(**sections: Any) -> TestClient:
        sections = {"api": {"public_url": "https://monitor.example"}} | sections
        client = TestClient(create_app(make_config(**sections), engine=engine), base_url="http://127.0.0.1")
        client.__enter__()
        clients.append(client)
        return client

    yield _make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def app(make_app: Callable[..., TestClient], server: ScriptedServer) -> TestClient:
    return make_app(slack={"signing_secret": SECRET, "bot_token": "xoxb-1-2-abc", "api_url": server.base})


@pytest.fixture
def live_app(make_config: Callable[..., AppConfig], engine: Engine, server: ScriptedServer) -> Iterator[str]:
    """The app behind a real uvicorn on loopback: only a real server shows when the answer leaves."""
    config = make_config(slack={"signing_secret": SECRET})
    uv = uvicorn.Server(
        uvicorn.Config(
            create_app(config, engine=engine), host="127.0.0.1", port=free_port(), log_level="warning"
        )
    )
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{uv.config.port}"
    uv.should_exit = True
    thread.join(timeout=10)
