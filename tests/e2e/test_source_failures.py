"""Every kind of broken feed is shown on its source with a clear reason; the others keep polling."""

from __future__ import annotations

from fastapi.testclient import TestClient

from monitor.app import create_app
from monitor.config import load_config
from tests.support.proc import run_monitor
from tests.support.servers import Reply, ScriptedServer, rss

FEED_HEADERS = {"Content-Type": "application/rss+xml"}


def test_poll_once_shows_each_failure(tmp_path, monkeypatch):
    good = rss(
        [{"guid": "a1", "title": "Acme", "description": "Acme shipped my order fast", "link": "http://x/a1"}]
    )
    with ScriptedServer() as srv:
        srv.routes.update(
            {
                "/good.xml": Reply(200, good, FEED_HEADERS),
                "/malformed.xml": Reply(200, "<rss><channel><item><title>Acme", FEED_HEADERS),
                "/html.xml": Reply(
                    200, "<!doctype html><html><body>Login</body></html>", {"Content-Type": "text/html"}
                ),
                "/huge.xml": Reply(200, b"<rss>" + b"x" * (6 * 1024 * 1024), FEED_HEADERS),
                "/hang.xml": Reply(200, good, FEED_HEADERS, hang=30),
                "/error.xml": Reply(500, "boom"),
            }
        )
        names = ["good", "malformed", "html", "huge", "hang", "error"]
        cfg = tmp_path / "m.toml"
        cfg.write_text(
            '[[brands]]\nname = "Acme"\nquery = "acme"\n[worker]\nread_timeout = 1.5\nconnect_timeout = 1\n'
            + "".join(
                f'[[sources]]\nname = "{n}"\nkind = "rss"\nurl = "{srv.url}/{n}.xml"\ninterval_seconds = 60\n'
                for n in names
            )
        )
        db = f"sqlite:///{tmp_path}/m.db"
        res = run_monitor("poll", "--once", "--config", str(cfg), db_url=db)
    assert res.returncode == 1, res.stderr
    lines = dict(line.split(": ", 1) for line in res.stdout.splitlines())
    assert lines["good"] == "fetched 1, new 1"
    assert lines["malformed"].startswith("error parse")
    assert lines["html"].startswith("error parse") and "HTML" in lines["html"]
    assert lines["huge"].startswith("error too_large")
    assert lines["hang"].startswith("error timeout")
    assert lines["error"].startswith("error server") and "500" in lines["error"]

    monkeypatch.setenv("DATABASE_URL", db)
    with TestClient(create_app(load_config(cfg)), base_url="http://127.0.0.1") as client:
        sources = {s["name"]: s for s in client.get("/api/sources").json()["items"]}
    assert sources["good"]["state"] == "ok" and sources["good"]["last_error"] is None
    expected = {
        "malformed": "parse",
        "html": "parse",
        "huge": "too_large",
        "hang": "timeout",
        "error": "server",
    }
    for name, error_class in expected.items():
        src = sources[name]
        assert src["error_class"] == error_class, src
        assert src["state"] in ("degraded", "failing") and src["last_error"], src
        assert src["next_poll_at"] > src["last_poll_at"]
