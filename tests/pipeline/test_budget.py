"""The per-poll budget: a huge feed is taken a slice per poll, nothing is lost, the rest comes next."""

from __future__ import annotations

from sqlalchemy import func, select

from monitor.config import parse_config
from monitor.db import make_engine, make_session_factory, session_scope, utcnow
from monitor.mentions.models import Mention
from monitor.sources.models import Source
from monitor.worker import Worker
from tests.support.servers import Reply, ScriptedServer, rss

N, BUDGET = 25, 10


def _state(factory):
    with session_scope(factory) as s:
        src = s.scalars(select(Source)).one()
        stored = s.scalar(select(func.count()).select_from(Mention))
        return stored, src.etag, src.next_poll_at <= utcnow(), src.state


async def test_a_feed_over_budget_is_taken_over_several_polls_without_loss(sqlite_url):
    engine = make_engine(sqlite_url)
    factory = make_session_factory(engine)
    items = [{"guid": f"g{i}", "description": f"Acme order {i} arrived late again"} for i in range(N)]
    with ScriptedServer() as srv:
        srv.routes["/f.xml"] = Reply(200, rss(items), {"ETag": '"v1"'})
        config = parse_config(
            {
                "brands": [{"name": "Acme", "query": "acme"}],
                "sources": [{"name": "f", "kind": "rss", "url": f"{srv.url}/f.xml", "interval_seconds": 600}],
                "worker": {"max_items_per_poll": BUDGET},
            }
        )
        worker = Worker(config, factory, worker_id="budget")
        try:
            seen = []
            for _ in range(3):
                [outcome] = await worker.poll_once()
                assert outcome.error is None
                seen.append((outcome.new, *_state(factory)))
        finally:
            await worker.stop()
    engine.dispose()
    # Over budget the validators are not stored (the feed is fetched whole again) and the source is
    # due at once; the last slice stores the ETag and the normal interval applies.
    assert seen == [
        (10, 10, None, True, "ok"),
        (10, 20, None, True, "ok"),
        (5, 25, '"v1"', False, "ok"),
    ]
    assert [r.headers.get("if-none-match") for r in srv.hits("/f.xml")] == [None, None, None]
