"""The worker drains a burst deeper than a poll's pages at once and stores it whole; gaps are shown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from connectors.stackexchange import StackExchangeConnector
from monitor.app import create_app
from monitor.db import session_scope, utcnow
from monitor.mentions.models import Mention
from monitor.sources.models import Source
from monitor.worker import Worker
from tests.connectors.burst_apis import FakeApi, StackExchangeApi, XApi

BRANDS = [{"name": "Acme", "query": "acme"}]
BURST_PAGES = 4


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    """Both backends: the gaps column is JSON on SQLite and JSONB on PostgreSQL."""
    return sqlite_url if request.param == "sqlite" else request.getfixturevalue("pg_url")


def _source(factory: Any) -> Source:
    with session_scope(factory) as s:
        src = s.scalars(select(Source)).one()
        s.expunge(src)
        return src


def _worker(make_config: Callable[..., Any], factory: Any, api: FakeApi, client: httpx.AsyncClient) -> Worker:
    config = make_config(brands=BRANDS, sources=[{"name": "src", "kind": api.slug, **api.config}])
    return Worker(config, factory, client, worker_id=f"burst-{api.slug}")


async def test_the_worker_stores_a_burst_once_and_polls_again_at_once(
    make_config, session_factory, monkeypatch
):
    # Each connector's 20-page burst is in tests/connectors/test_bursts.py; here the worker's part
    # (due again at once, every item stored once), with a 1-page budget to keep the test quick.
    monkeypatch.setattr(StackExchangeConnector, "max_pages", 1)
    api = StackExchangeApi()
    async with httpx.AsyncClient(transport=httpx.MockTransport(api.handler)) as client:
        worker = _worker(make_config, session_factory, api, client)
        try:
            api.add(3)
            [first] = await worker.poll_once()
            assert first.error is None and first.new == 3
            api.add(BURST_PAGES * api.page_size)
            due_at_once = []
            for _ in range(10):
                [outcome] = await worker.poll_once(["src"])
                assert outcome.error is None
                src = _source(session_factory)
                due_at_once.append(src.next_poll_at <= utcnow())
                if not due_at_once[-1]:
                    break
        finally:
            await worker.stop()
    with session_scope(session_factory) as s:
        stored = s.scalar(select(func.count()).select_from(Mention))
        distinct = s.scalar(select(func.count(func.distinct(Mention.external_id))))
    assert stored == distinct == 3 + BURST_PAGES * api.page_size
    # Each poll read its one page; while the backlog lasted the source was due again at once.
    assert due_at_once[-1] is False and all(due_at_once[:-1]) and BURST_PAGES <= len(due_at_once) <= 6
    assert len(api.data_requests()) == 1 + len(due_at_once)
    assert src.cursor == str(max(i["creation_date"] for i in api.items)) and not src.gaps


async def test_a_gap_is_recorded_on_the_source_and_shown_in_the_api_and_dashboard(
    make_config, session_factory, engine
):
    now = utcnow()
    api = XApi(start=now - timedelta(days=9))
    async with httpx.AsyncClient(transport=httpx.MockTransport(api.handler)) as client:
        worker = _worker(make_config, session_factory, api, client)
        try:
            api.add(2)
            await worker.poll_once()
            with session_scope(session_factory) as s:  # that poll ran 9 days ago: then an outage
                s.scalars(select(Source)).one().cursor = api.items[0]["id"]
            api.start = now - timedelta(hours=1)
            api.add(150)
            [outcome] = await worker.poll_once(["src"])
            [again] = await worker.poll_once(["src"])  # the cursor is in the window now: no new gap
        finally:
            await worker.stop()
    assert outcome.error is None and outcome.new == 150 and again.new == 0
    [gap] = _source(session_factory).gaps
    assert "7 days" in gap["reason"]
    config = make_config(brands=BRANDS, sources=[{"name": "src", "kind": "x", **api.config}])
    with TestClient(create_app(config, engine=engine), base_url="http://127.0.0.1") as web:
        [shown] = web.get("/api/sources").json()["items"][0]["gaps"]
        page = web.get("/sources").text
    assert shown["reason"].startswith("X recent search reaches back only 7 days")
    assert shown["since"] < (now - timedelta(days=8)).isoformat() < shown["until"]
    assert shown["missed"] is None and shown["at"]
    assert "1 gap: mentions the API could not return" in page and "reaches back only 7 days" in page
