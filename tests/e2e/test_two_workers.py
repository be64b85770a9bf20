"""Two `monitor worker` processes on one PostgreSQL share 200 sources without polling one twice."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from sqlalchemy import create_engine, func, select

from monitor.db import upgrade
from monitor.mentions.models import Mention
from monitor.sources.models import Source
from tests.support.pg import temp_database
from tests.support.proc import run_monitor, start_monitor, stop, wait_until
from tests.support.servers import Reply, ScriptedServer, rss

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
N = 200


def test_two_workers_never_poll_a_source_twice(tmp_path):
    now = format_datetime(datetime.now(UTC), usegmt=True)
    with temp_database() as db, ScriptedServer() as srv:
        for i in range(N):
            items = [
                {
                    "guid": f"s{i}-{j}",
                    "title": f"t{i}-{j}",
                    "link": f"http://x.example/{i}/{j}",
                    "description": f"Acme post {j} from feed {i}",
                    "pubDate": now,
                }
                for j in range(2)
            ]
            srv.routes[f"/feed/{i}.xml"] = Reply(200, rss(items), {"Content-Type": "application/rss+xml"})
        cfg = tmp_path / "m.toml"
        cfg.write_text(
            '[[brands]]\nname = "Acme"\nquery = "acme"\n'
            "[worker]\ntick_seconds = 0.2\nconcurrency = 16\nper_host = 16\n"
            + "".join(
                f'[[sources]]\nname = "feed-{i}"\nkind = "rss"\nurl = "{srv.url}/feed/{i}.xml"\n'
                f"interval_seconds = 120\n"
                for i in range(N)
            )
        )
        assert run_monitor("db", "upgrade", "--config", str(cfg), db_url=db).returncode == 0
        logs = [tmp_path / "w1.log", tmp_path / "w2.log"]
        workers = [start_monitor("worker", "--config", str(cfg), db_url=db, log=log) for log in logs]
        try:
            wait_until(
                lambda: all(srv.hits(f"/feed/{i}.xml") for i in range(N)),
                timeout=60,
                message="every feed polled",
            )
            time.sleep(3)  # both workers keep ticking: nothing may be polled again within the interval
        finally:
            for w in workers:
                stop(w)
        hits = Counter(r.path for r in srv.requests)
        assert len(hits) == N
        assert max(hits.values()) == 1, [p for p, n in hits.items() if n > 1][:5]

        engine = create_engine(db)
        with engine.connect() as conn:
            total = conn.scalar(select(func.count()).select_from(Mention))
            distinct = conn.scalar(select(func.count(func.distinct(Mention.external_id))))
            ok = conn.scalar(select(func.count()).select_from(Source).where(Source.state == "ok"))
        engine.dispose()
        assert total == distinct == 2 * N
        assert ok == N
        both = [log.read_text() for log in logs]
        assert all("running" in text for text in both), both


def test_migrations_apply_on_postgres():
    with temp_database() as db:
        upgrade(db)
        upgrade(db)  # idempotent
