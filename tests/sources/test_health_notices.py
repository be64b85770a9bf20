"""A source that turns failing produces one notice to the channels, and one on recovery."""

from __future__ import annotations

import json

from monitor.config import parse_config
from monitor.db import make_engine, make_session_factory, upgrade
from monitor.worker import Worker
from tests.support.servers import Reply, ScriptedServer, rss


async def test_failing_then_recovered_notifies_once_each(tmp_path):
    url = f"sqlite:///{tmp_path}/m.db"
    upgrade(url)
    engine = make_engine(url)
    with ScriptedServer() as feed, ScriptedServer() as hook:
        feed.routes["/f.xml"] = Reply(500, "down")
        hook.routes["/hook"] = Reply(200, "ok")
        config = parse_config(
            {
                "brands": [{"name": "Acme", "query": "acme"}],
                "sources": [{"name": "forum", "kind": "rss", "url": f"{feed.url}/f.xml"}],
                "channels": [{"name": "team", "kind": "webhook", "url": f"{hook.url}/hook"}],
            }
        )
        worker = Worker(config, make_session_factory(engine))
        try:
            outcomes = []
            for _ in range(5):  # degraded, degraded, failing, failing, failing
                outcomes += await worker.poll_once()
                await worker.deliver()
            assert all(o.error and o.error.startswith("server") for o in outcomes)
            feed.routes["/f.xml"] = Reply(200, rss([{"guid": "1", "title": "acme", "description": "acme"}]))
            for _ in range(2):
                outcomes = await worker.poll_once()
                await worker.deliver()
            assert outcomes[0].error is None
        finally:
            await worker.stop()
    engine.dispose()
    events = [json.loads(r.body)["event"] for r in hook.hits("/hook", "POST")]
    assert events == ["source.failing", "source.recovered"]
    headers = hook.hits("/hook", "POST")[0].headers
    assert headers["x-monitor-event"] == "source.failing"
