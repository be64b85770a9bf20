"""A poll across 50 sources on a local server with mixed faults: every healthy source's items are
stored once, every faulty one shows the right state, and nobody waits on the broken ones."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from fastapi.testclient import TestClient

from monitor.app import create_app
from monitor.config import load_config
from tests.support.proc import run_monitor
from tests.support.servers import Reply, ScriptedServer, rss

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
JSON = {"Content-Type": "application/json"}
FEED = {"Content-Type": "application/rss+xml"}


def _sources(srv: ScriptedServer) -> tuple[str, dict[str, str]]:
    """TOML for 50 sources and the error class each faulty one must show."""
    now = format_datetime(datetime.now(UTC), usegmt=True)
    toml, expect = [], {}

    def add(name: str, kind: str, **opts: str) -> None:
        body = "".join(f'{k} = "{v}"\n' for k, v in opts.items())
        toml.append(f'[[sources]]\nname = "{name}"\nkind = "{kind}"\nbrand = "Acme"\n{body}')

    for i in range(15):
        items = [
            {
                "guid": f"r{i}-{j}",
                "title": f"Acme {i}-{j}",
                "description": f"Acme note {j} in feed {i}",
                "link": f"http://r.example/{i}/{j}",
                "pubDate": now,
            }
            for j in range(3)
        ]
        srv.routes[f"/rss/{i}.xml"] = Reply(200, rss(items), FEED)
        add(f"rss-{i}", "rss", url=f"{srv.url}/rss/{i}.xml")
    timeline = (FIXTURES / "mastodon" / "timeline_tag_page1.json").read_bytes()
    search = (FIXTURES / "discourse" / "search_latest.json").read_bytes()
    lemmy = (FIXTURES / "lemmy" / "search_all.json").read_bytes()
    for i in range(5):
        srv.routes[f"/m{i}/api/v1/timelines/tag/acme"] = Reply(200, timeline, JSON)
        add(f"mastodon-{i}", "mastodon", instance=f"{srv.url}/m{i}", hashtag="acme")
        srv.routes[f"/d{i}/search.json"] = Reply(200, search, JSON)
        add(f"discourse-{i}", "discourse", base_url=f"{srv.url}/d{i}", query="acme")
        srv.routes[f"/l{i}/api/v3/search"] = Reply(200, lemmy, JSON)
        add(f"lemmy-{i}", "lemmy", instance=f"{srv.url}/l{i}", query="acme")
    faults = {
        "rate_limited": Reply(429, "slow down", {"Retry-After": "120"}),
        "server": Reply(500, "boom"),
        "timeout": Reply(200, rss([]), FEED, hang=30),
        "parse": Reply(
            200, "<!doctype html><html><body>Sign in</body></html>", {"Content-Type": "text/html"}
        ),
        "too_large": Reply(200, b"<rss>" + b"x" * (6 * 1024 * 1024), FEED),
    }
    for error_class, reply in faults.items():
        for i in range(4):
            srv.routes[f"/bad/{error_class}/{i}.xml"] = reply
            add(f"bad-{error_class}-{i}", "rss", url=f"{srv.url}/bad/{error_class}/{i}.xml")
            expect[f"bad-{error_class}-{i}"] = error_class
    assert len(toml) == 50
    header = (
        '[[brands]]\nname = "Acme"\nquery = "acme"\n'
        "[worker]\nconcurrency = 16\nper_host = 16\nread_timeout = 1\nconnect_timeout = 1\n"
    )
    return header + "".join(toml), expect


def test_fifty_sources_with_mixed_faults(tmp_path, monkeypatch):
    with ScriptedServer() as srv:
        toml, expect = _sources(srv)
        cfg = tmp_path / "m.toml"
        cfg.write_text(toml)
        db = f"sqlite:///{tmp_path}/m.db"
        first = run_monitor("poll", "--once", "--config", str(cfg), db_url=db, timeout=120)
        healthy = [f"rss-{i}" for i in range(15)] + [
            f"{k}-{i}" for k in ("mastodon", "discourse", "lemmy") for i in range(5)
        ]
        second = run_monitor("poll", "--once", "--config", str(cfg), *healthy, db_url=db, timeout=120)

    assert first.returncode == 1, first.stderr
    lines = dict(line.split(": ", 1) for line in first.stdout.splitlines())
    assert len(lines) == 50
    for name in healthy:
        assert lines[name].startswith("fetched ") and not lines[name].endswith(" new 0"), (name, lines[name])
    for name, error_class in expect.items():
        assert lines[name].startswith(f"error {error_class}"), (name, lines[name])
    # re-polling the healthy ones stores nothing twice
    assert second.returncode == 0, second.stdout + second.stderr
    assert all(line.endswith("new 0") for line in second.stdout.splitlines()), second.stdout

    monkeypatch.setenv("DATABASE_URL", db)
    with TestClient(create_app(load_config(cfg)), base_url="http://127.0.0.1") as client:
        sources = {s["name"]: s for s in client.get("/api/sources").json()["items"]}
        mentions = []
        cursor = None
        while True:
            page = client.get(
                "/api/mentions", params={"limit": 500, **({"cursor": cursor} if cursor else {})}
            ).json()
            mentions += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                break
    for name in healthy:
        assert sources[name]["state"] == "ok", sources[name]
    for name, error_class in expect.items():
        src = sources[name]
        assert src["error_class"] == error_class and src["last_error"], src
        expected = ("rate_limited",) if error_class == "rate_limited" else ("degraded", "failing")
        assert src["state"] in expected, src
    limited = sources["bad-rate_limited-0"]
    waited = datetime.fromisoformat(limited["next_poll_at"]) - datetime.fromisoformat(limited["last_poll_at"])
    assert waited.total_seconds() >= 119  # Retry-After honoured
    keys = [(m["source"], m["external_id"]) for m in mentions]
    assert len(keys) == len(set(keys))
    per_source = {name: sum(1 for s, _ in keys if s == name) for name in healthy}
    assert all(n > 0 for n in per_source.values()), per_source
    assert per_source["rss-0"] == 3
