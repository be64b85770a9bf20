"""The newcomer's `make run`: the bundled demo fills /api/incidents while you watch."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.proc import start_monitor, stop, wait_http, wait_until
from tests.support.servers import free_port

pytestmark = pytest.mark.slow
DEMO = Path(__file__).resolve().parents[2] / "monitor" / "demo" / "demo.toml"


def test_demo_serves_incidents_within_a_minute(tmp_path):
    port = free_port()
    log = tmp_path / "demo.log"
    proc = start_monitor(
        "run", "--config", str(DEMO), "--port", str(port), db_url=f"sqlite:///{tmp_path}/demo.db", log=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", proc=proc, log=log)

        def incidents():
            return httpx.get(f"{base}/api/incidents").json()["items"]

        took = wait_until(lambda: incidents(), timeout=60, interval=1, message="a demo incident")
        assert took < 60
        first = incidents()[0]
        assert first["brand"] == "Lumière Jewelers" and first["category"] == "pricing_error"

        # the steakhouse story: a playful request to the brand's handle waits in Reply as an opportunity
        def steak():
            params = {"reply": "open", "brand": "Harbor Steakhouse"}
            return [
                m
                for m in httpx.get(f"{base}/api/mentions", params=params).json()["items"]
                if m["opportunity"]
            ]

        wait_until(lambda: steak(), timeout=60, interval=1, message="the steakhouse request in Reply")
        assert "porterhouse" in steak()[0]["text"]
        # the dashboard asks for sign-in (demo / demo) and then shows the incident
        page = httpx.get(f"{base}/", follow_redirects=False)
        assert page.status_code in (302, 303) and "/login" in page.headers["location"]
    finally:
        stop(proc)
