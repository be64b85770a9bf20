"""`monitor sources check` says, per source, ok or what is wrong."""

from __future__ import annotations

from tests.support.proc import run_monitor
from tests.support.servers import Reply, ScriptedServer, rss


def test_sources_check_names_each_problem(tmp_path):
    with ScriptedServer() as srv:
        srv.routes["/ok.xml"] = Reply(200, rss([]), {"Content-Type": "application/rss+xml"})
        srv.routes["/private.xml"] = Reply(401, "login required")
        cfg = tmp_path / "m.toml"
        cfg.write_text(
            "".join(
                f'[[sources]]\nname = "{n}"\nkind = "rss"\nurl = "{srv.url}/{p}"\n'
                for n, p in (("good", "ok.xml"), ("locked", "private.xml"), ("missing", "nope.xml"))
            )
        )
        all_ = run_monitor("sources", "check", "--config", str(cfg), db_url="sqlite://")
        one = run_monitor("sources", "check", "good", "--config", str(cfg), db_url="sqlite://")
        unknown = run_monitor("sources", "check", "nosuch", "--config", str(cfg), db_url="sqlite://")
    lines = dict(line.split(": ", 1) for line in all_.stdout.splitlines())
    assert all_.returncode == 1
    assert lines["good"] == "ok"
    assert lines["locked"].startswith("auth:") and "401" in lines["locked"]
    assert lines["missing"].startswith("gone:") and "404" in lines["missing"]
    assert (one.returncode, one.stdout.strip()) == (0, "good: ok")
    assert unknown.returncode == 2 and "nosuch" in unknown.stderr
