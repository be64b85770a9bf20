"""`monitor api --workers N`: every server process logs in the chosen format with secrets masked."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.support.proc import start_monitor, stop, wait_http
from tests.support.servers import free_port

pytestmark = pytest.mark.slow
TOKEN = "query-token-6610"  # noqa: S105 (a test value)


def test_every_server_process_writes_masked_json_lines(tmp_path, sqlite_url) -> None:
    port, log = free_port(), tmp_path / "api.log"
    proc = start_monitor(
        "--log-format", "json", "api", "--port", str(port), "--workers", "2", db_url=sqlite_url, log=log
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", proc=proc, log=log)
        deadline = time.monotonic() + 30
        while log.read_text().count("Application startup complete") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            for _ in range(10):  # spread over both processes
                assert client.get("/api/mentions", params={"token": TOKEN}).status_code == 200
    finally:
        stop(proc)
    text = log.read_text()
    assert TOKEN not in text
    events = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    access = [e for e in events if e["logger"] == "uvicorn.access"]
    assert len(access) >= 10 and all("token=••••" in e["message"] for e in access if "/api/" in e["message"])
    startups = [e for e in events if e["message"] == "Application startup complete."]
    assert len(startups) == 2, text[-2000:]


def test_metrics_sum_the_request_timings_of_every_server_process(tmp_path, sqlite_url) -> None:
    port, log = free_port(), tmp_path / "api.log"
    proc = start_monitor("api", "--port", str(port), "--workers", "2", db_url=sqlite_url, log=log)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", proc=proc, log=log)
        deadline = time.monotonic() + 30
        while log.read_text().count("Application startup complete") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            for _ in range(20):  # new connections: the kernel spreads them over both processes
                assert httpx.get(f"http://127.0.0.1:{port}/api/brands").status_code == 200
            counts = set()
            for _ in range(4):  # whichever process answers the scrape
                text = client.get("/metrics").text
                counts |= {
                    line.rsplit(" ", 1)[1]
                    for line in text.splitlines()
                    if line.startswith("monitor_api_request_seconds_count") and 'route="/api/brands"' in line
                }
    finally:
        stop(proc)
    assert counts == {"20.0"}, counts
