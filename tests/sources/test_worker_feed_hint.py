"""The worker hands the publisher's timing (FetchResult.min_interval_hint) to the scheduler."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from monitor.config import parse_config
from monitor.db import make_engine, make_session_factory, session_scope
from monitor.sources.models import Source
from monitor.worker import Worker
from tests.support.servers import rss


@pytest.fixture
def factory(sqlite_url):
    engine = make_engine(sqlite_url)
    yield make_session_factory(engine)
    engine.dispose()


def _config():
    # interval 300 s, adaptive by default: bounds 150 s .. 1200 s
    return parse_config(
        {
            "brands": [{"name": "Acme", "query": "acme"}],
            "sources": [
                {"name": "feed", "kind": "rss", "url": "http://feeds.test/a.xml", "interval_seconds": 300}
            ],
        }
    )


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        # the publisher asks for two hours: the source's max (1200 s) is as slow as we go
        ({"Cache-Control": "max-age=7200"}, 1200),
        # no hint: a feed that returned an entry is busy, so the interval halves to its min
        ({}, 150),
    ],
)
async def test_a_polls_caching_headers_set_the_next_interval(factory, headers, expected):
    item = {"guid": "g1", "title": "acme news", "link": "http://x.test/1", "description": "acme news"}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, text=rss([item]), headers={"Content-Type": "application/rss+xml", **headers}
        )

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        worker = Worker(_config(), factory, client, worker_id="hint-1")
        try:
            [outcome] = await worker.poll_once()
        finally:
            await worker.stop()
    assert outcome.error is None and outcome.fetched == 1
    with session_scope(factory) as session:
        src = session.scalars(select(Source).where(Source.name == "feed")).one()
        assert src.current_interval_seconds == expected
