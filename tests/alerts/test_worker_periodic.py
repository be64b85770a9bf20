"""The worker's maintenance job queues the periodic alert messages, and its outbox sends them."""

from __future__ import annotations

import json

from monitor.config import parse_config
from monitor.db import make_engine, make_session_factory, upgrade
from monitor.worker import Worker
from tests.support.servers import Reply, ScriptedServer


async def test_maintain_queues_the_digest_once_and_deliver_sends_it(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/m.db"
    upgrade(url)
    engine = make_engine(url)
    with ScriptedServer() as hook:
        hook.routes["/daily"] = Reply(200, "ok")
        # at 00:00 UTC: due whenever the test runs, once per date
        channel = {"name": "daily", "kind": "webhook", "url": f"{hook.url}/daily", "digest": {"at": "00:00"}}
        config = parse_config({"brands": [{"name": "Acme", "query": "acme"}], "channels": [channel]})
        worker = Worker(config, make_session_factory(engine))
        try:
            for _ in range(2):
                await worker.maintain()
                await worker.deliver()
        finally:
            await worker.stop()
    engine.dispose()
    [sent] = hook.hits("/daily", "POST")
    body = json.loads(sent.body)
    assert body["event"] == "digest.daily" and body["id"].startswith("daily:digest:")
    assert body["brands"] == [
        {"brand": "Acme", "mentions": 0, "incidents": 0, "replies": 0, "median_reply_minutes": None}
    ]
