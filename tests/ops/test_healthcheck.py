"""The docker-compose healthchecks: `python -m monitor.healthcheck` on the API and on a worker."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from monitor.healthcheck import check
from tests.support.proc import run_monitor, start_monitor, stop, wait_http
from tests.support.servers import Reply, ScriptedServer, free_port, rss


def _healthcheck(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor.healthcheck", *args], capture_output=True, text=True, timeout=30
    )


def test_api_health_follows_the_status_code() -> None:
    with ScriptedServer() as api:
        api.routes["/healthz"] = Reply(200, '{"status": "ok"}')
        assert check(f"{api.url}/healthz") is None
        api.routes["/healthz"] = Reply(503, '{"status": "error"}')
        assert check(f"{api.url}/healthz") == f"{api.url}/healthz: HTTP 503"
    assert "Connection refused" in (check(f"http://127.0.0.1:{free_port()}/healthz") or "")


def test_worker_health_follows_its_liveness_tick() -> None:
    with ScriptedServer() as worker:
        url = f"{worker.url}/metrics"
        worker.routes["/metrics"] = Reply(200, f"monitor_worker_alive_timestamp_seconds {time.time() - 5}\n")
        assert check(url, max_age=30) is None
        worker.routes["/metrics"] = Reply(
            200, f"monitor_worker_alive_timestamp_seconds {time.time() - 300}\n"
        )
        assert "last liveness tick was 300 s ago (more than 30 s)" in (check(url, max_age=30) or "")
        worker.routes["/metrics"] = Reply(200, "python_info 1\n")
        assert "no monitor_worker_alive_timestamp_seconds" in (check(url, max_age=30) or "")
        result = _healthcheck(url, "--max-age", "30")
        assert result.returncode == 1 and "no monitor_worker_alive" in result.stderr


@pytest.mark.slow
def test_a_running_worker_serves_metrics_and_passes_its_healthcheck(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/m.db"
    with ScriptedServer() as feed:
        feed.routes["/f.xml"] = Reply(
            200, rss([{"guid": "1", "title": "acme", "description": "acme is down"}])
        )
        config = tmp_path / "m.toml"
        config.write_text(
            '[worker]\ntick_seconds = 0.2\n[[brands]]\nname = "Acme"\nquery = "acme"\n'
            f'[[sources]]\nname = "feed"\nkind = "rss"\nurl = "{feed.url}/f.xml"\n'
        )
        assert run_monitor("db", "upgrade", "--config", str(config), db_url=db).returncode == 0
        port, log = free_port(), tmp_path / "worker.log"
        proc = start_monitor(
            "worker", "--config", str(config), "--metrics-port", str(port), db_url=db, log=log
        )
        url = f"http://127.0.0.1:{port}/metrics"
        try:
            wait_http(url, proc=proc, log=log)
            deadline = time.monotonic() + 30
            while 'outcome="ok"' not in httpx.get(url).text and time.monotonic() < deadline:
                time.sleep(0.2)
            text = httpx.get(url).text
            result = _healthcheck(url, "--max-age", "30")
        finally:
            stop(proc)
    assert 'monitor_polls_total{kind="rss",outcome="ok"}' in text
    assert "monitor_mentions_stored_total 1.0" in text
    assert result.returncode == 0, result.stderr


def test_docker_compose_checks_the_api_and_every_worker_with_this_module() -> None:
    yaml = pytest.importorskip("yaml")  # PyYAML comes with the dev tools (schemathesis)
    services = yaml.safe_load((Path(__file__).resolve().parents[2] / "docker-compose.yml").read_text())[
        "services"
    ]
    api, worker = services["api"], services["worker"]
    assert api["healthcheck"]["test"][:4] == ["CMD", "python", "-m", "monitor.healthcheck"]
    assert api["healthcheck"]["test"][-1].endswith(":8000/healthz")
    test = worker["healthcheck"]["test"]
    assert test[:4] == ["CMD", "python", "-m", "monitor.healthcheck"] and "--max-age" in test
    port = worker["command"][worker["command"].index("--metrics-port") + 1]
    assert test[-1] == f"http://127.0.0.1:{port}/metrics"
