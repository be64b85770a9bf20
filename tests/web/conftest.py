"""Dashboard fixtures: a configured app on the test database, signed-in clients and a seeder that
stores mentions through the real pipeline (match, score, store, group)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from connectors.base import Mention as Item
from monitor.app import create_app
from monitor.config import AppConfig
from monitor.pipeline import BatchResult, Pipeline
from monitor.scoring import Scorer
from monitor.sources.models import Source
from monitor.sync import sync_config
from monitor.web.passwords import hash_password

PASSWORD = "correct horse battery"
API_KEY = "web-test-key-0123456789"
# few iterations: the tests check the logic, not the cost
ALICE_HASH = hash_password(PASSWORD, iterations=1000)

BRANDS = [{"name": "Acme", "query": "acme"}, {"name": "Globex", "query": "globex"}]
SOURCES = [
    {"name": "forum", "kind": "rss", "url": "http://forum.example/feed.xml"},
    {"name": "news", "kind": "rss", "url": "http://news.example/feed.xml"},
]

HOSTILE_TEXT = (
    "Acme kettle caught fire <script>alert(1)</script> and burned my hand <img src=x onerror=alert(1)>"
)
HOSTILE_AUTHOR = "<img src=x onerror=alert(1)><script>alert(2)</script>"
HOSTILE_URL = "javascript:alert(1)"


def web_config(make_config: Callable[..., AppConfig], *, signed: bool = True, **extra: Any) -> AppConfig:
    sections: dict[str, Any] = {"brands": BRANDS, "sources": SOURCES}
    if signed:
        sections["users"] = [{"name": "alice", "password_hash": ALICE_HASH}]
        sections["api"] = {"api_keys": [API_KEY]}
    return make_config(**(sections | extra))


@functools.cache
def _scorer() -> Scorer:
    # The dashboard's tests check pages, not the detector's judgement: the cue engine is fixed, so
    # the seeded mentions are flagged the same way however the trained model changes.
    return Scorer(engine="cues")


class Seeder:
    """Stores items through `Pipeline.process`, as the worker would after a poll."""

    def __init__(self, factory: sessionmaker[Session], config: AppConfig) -> None:
        self.factory, self.config = factory, config
        self.pipeline = Pipeline(config, scorer=_scorer())
        self._n = 0
        with factory() as session:
            sync_config(session, config, now=datetime.now(UTC))
            session.commit()

    def items(
        self, texts: Sequence[str | dict[str, Any]], *, source: str = "forum", now: datetime | None = None
    ) -> BatchResult:
        now = now or datetime.now(UTC)
        batch = []
        for t in texts:
            self._n += 1
            fields = {"text": t} if isinstance(t, str) else dict(t)
            fields.setdefault("external_id", f"seed-{self._n}")
            fields.setdefault("url", f"https://{source}.example/post/{self._n}")
            fields.setdefault("author", f"user{self._n}")
            fields.setdefault("published_at", now)
            batch.append(Item(**fields))
        with self.factory() as session:
            source_id = session.scalar(select(Source.id).where(Source.name == source))
            assert source_id is not None
            result = self.pipeline.process(session, source_id=source_id, items=batch, now=now)
            session.commit()
        return result


@pytest.fixture
def config(make_config: Callable[..., AppConfig]) -> AppConfig:
    return web_config(make_config)


@pytest.fixture
def seeder(session_factory: sessionmaker[Session], config: AppConfig) -> Seeder:
    return Seeder(session_factory, config)


@pytest.fixture
def app_client(engine: Engine, config: AppConfig) -> Iterator[TestClient]:
    """A started client on the configured app, not signed in."""
    with TestClient(create_app(config, engine=engine), base_url="http://127.0.0.1") as client:
        yield client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def sign_in(client: TestClient, name: str = "alice", password: str = PASSWORD) -> Any:
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"csrf": token, "name": name, "password": password, "next": "/"},
        follow_redirects=False,
    )


@pytest.fixture
def client(app_client: TestClient) -> TestClient:
    """A client signed in as alice."""
    assert sign_in(app_client).status_code == 303
    return app_client
