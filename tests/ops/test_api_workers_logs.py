"""`monitor api --workers N`: every server process logs masked lines and counts in /metrics."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.proc import start_monitor, stop, wait_http
from tests.support.servers import free_port

pytestmark = pytest.mark.slow
TOKEN = "query-token-6610"  # noqa: S105 (a test value)


@contextmanager
def _two_api_processes(log: Path, db_url: str, *options: str) -> Iterator[str]:
    """`monitor [options] api --workers 2` on a free port, once both processes have started."""
    port = free_port()
    proc = start_monitor(*options, "api", "--port", str(port), "--workers", "2", db_url=db_url, log=log)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", proc=proc, log=log)
        deadline = time.monotonic() + 30
        while log.read_text().count("Application startup complete") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


def test_every_server_process_writes_masked_json_lines(tmp_path, sqlite_url) -> None:
    log = tmp_path / "api.log"
    with _two_api_processes(log, sqlite_url, "--log-format", "json") as base:
        for _ in range(10):  # new connections: the kernel spreads them over both processes
            assert httpx.get(f"{base}/api/mentions", params={"token": TOKEN}).status_code == 200
    text = log.read_text()
    assert TOKEN not in text
    events = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    access = [e for e in events if e["logger"] == "uvicorn.access"]
    assert len(access) >= 10 and all("token=••••" in e["message"] for e in access if "/api/" in e["message"])
    startups = [e for e in events if e["message"] == "Application startup complete."]
    assert len(startups) == 2, text[-2000:]


def test_metrics_sum_the_request_timings_of_every_server_process(tmp_path, sqlite_url) -> None:
    with _two_api_processes(tmp_path / "api.log", sqlite_url) as base:
        for _ in range(20):
            assert httpx.get(f"{base}/api/brands").status_code == 200
        counts = set()
        for _ in range(4):  # whichever process answers the scrape
            text = httpx.get(f"{base}/metrics").text
            counts |= {
                line.rsplit(" ", 1)[1]
                for line in text.splitlines()
                if line.startswith("monitor_api_request_seconds_count") and 'route="/api/brands"' in line
            }
    assert counts == {"20.0"}, counts
