"""A brand and a source added through the API reach two running `monitor worker` processes on one
PostgreSQL without a restart: the next item naming the new brand is stored as its mention, and the
new source is polled.

Needs the worker hook `Worker.reload_config()` (called at the start of each claim round; it asks a
`monitor.config_store.ConfigWatcher` and, when brands or sources changed, rebuilds the pipeline and
the configuration the worker hands to connectors).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from monitor.brands.models import Brand
from monitor.mentions.models import Mention
from tests.support.pg import temp_database
from tests.support.proc import run_monitor, start_monitor, stop, wait_http, wait_until
from tests.support.servers import Reply, ScriptedServer, free_port, rss

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
KEY = "live-config-admin-key-0123456789"


def _item(guid: str, text: str) -> dict[str, str]:
    now = format_datetime(datetime.now(UTC), usegmt=True)
    return {
        "guid": guid,
        "title": guid,
        "link": f"http://forum.example/{guid}",
        "description": text,
        "pubDate": now,
    }


def _mentions_of(db: str, brand: str) -> int:
    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            stmt = select(func.count()).select_from(Mention).join(Brand, Brand.id == Mention.brand_id)
            return conn.scalar(stmt.where(Brand.name == brand)) or 0
    finally:
        engine.dispose()


def test_a_brand_added_through_the_api_is_matched_by_running_workers(tmp_path):
    items = [_item("a1", "Acme kettle arrived today, works fine")]
    with temp_database() as db, ScriptedServer() as srv:
        srv.routes["/feed.xml"] = lambda req: Reply(200, rss(items), {"Content-Type": "application/rss+xml"})
        srv.routes["/status.xml"] = Reply(
            200,
            rss([_item("s1", "Initech status: all systems normal")]),
            {"Content-Type": "application/rss+xml"},
        )
        port = free_port()
        cfg = tmp_path / "m.toml"
        cfg.write_text(
            f'[api]\nport = {port}\napi_keys = ["{KEY}"]\nadmins = ["key:{_label(KEY)}"]\n'
            '[[brands]]\nname = "Acme"\nquery = "acme"\n'
            f'[[sources]]\nname = "forum"\nkind = "rss"\nurl = "{srv.url}/feed.xml"\n'
            "interval_seconds = 1\nadaptive = false\n"
            "[worker]\ntick_seconds = 0.2\n"
        )
        assert run_monitor("db", "upgrade", "--config", str(cfg), db_url=db).returncode == 0
        logs = [tmp_path / "w1.log", tmp_path / "w2.log", tmp_path / "api.log"]
        # the API first: the workers loading their models on two cores would slow its start
        api = start_monitor("api", "--config", str(cfg), db_url=db, log=logs[2])
        procs = [api]
        try:
            base = f"http://127.0.0.1:{port}"
            wait_http(f"{base}/healthz", proc=api, log=logs[2], timeout=120)
            procs = [
                start_monitor("worker", "--config", str(cfg), db_url=db, log=log) for log in logs[:2]
            ] + [api]
            wait_until(lambda: _mentions_of(db, "Acme") >= 1, timeout=120, message="the first poll")
            workers = [p.pid for p in procs[:2]]
            auth = {"Authorization": f"Bearer {KEY}"}
            resp = httpx.post(
                f"{base}/api/brands", json={"name": "Initech", "query": "initech"}, headers=auth
            )
            assert resp.status_code == 201, resp.text
            # posted after the brand exists: only a worker that reloaded its matchers stores it as Initech's
            items.append(_item("i1", "Initech printer jammed again, support is not answering"))
            wait_until(lambda: _mentions_of(db, "Initech") >= 1, timeout=60, message="Initech matched live")
            body = {
                "name": "initech-status",
                "kind": "rss",
                "url": f"{srv.url}/status.xml",
                "brand": "Initech",
            }
            resp = httpx.post(f"{base}/api/sources", json=body, headers=auth)
            assert resp.status_code == 201, resp.text
            wait_until(lambda: srv.hits("/status.xml"), timeout=60, message="the new source polled")
            wait_until(lambda: _mentions_of(db, "Initech") >= 2, timeout=60, message="its item stored")
            assert all(p.poll() is None for p in procs[:2]) and [p.pid for p in procs[:2]] == workers
        finally:
            for p in procs:
                stop(p)


def _label(key: str) -> str:
    from monitor.auth import hash_key, key_label

    return key_label(hash_key(key)).removeprefix("key:")
