"""Refresh the screenshots in docs/screenshots/ from the demo, as a newcomer sees it after `make run`.

    .venv/bin/python tools/demo_screenshots.py

Starts `monitor run` on the bundled demo (its own SQLite file, a free port), lets the recording
play until the glitch, the wrong order, the steakhouse request and the forgotten birthday have
arrived, signs in as demo / demo in Debian's chromium, and writes Now, Reply, an incident and
Trends at laptop width, and Now and Reply at phone width. Run it by hand when a page changes: the
images are committed, so they must not churn on every test run.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
DEMO = ROOT / "monitor" / "demo" / "demo.toml"
CHROMIUM = "/usr/bin/chromium"
MONITOR = Path(sys.executable).parent / "monitor"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"timed out waiting for {what}")


def main() -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        env["DATABASE_URL"] = f"sqlite:///{tmp}/demo.db"
        log = open(Path(tmp) / "demo.log", "wb")  # noqa: SIM115 - closed with the process below
        proc = subprocess.Popen(
            [str(MONITOR), "run", "--config", str(DEMO), "--port", str(port)], env=env, stdout=log, stderr=log
        )
        try:
            _wait(lambda: httpx.get(f"{base}/healthz").status_code == 200, 60, "the demo to start")
            # the recording plays 60x fast: the forgotten birthday arrives about 35 s in
            _wait(
                lambda: len(httpx.get(f"{base}/api/incidents").json()["items"]) >= 4, 90, "the demo incidents"
            )
            incident = httpx.get(f"{base}/api/incidents").json()["items"][0]["id"]
            OUT.mkdir(parents=True, exist_ok=True)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
                for width, height, suffix in ((1280, 900, ""), (390, 844, "-phone")):
                    context = browser.new_context(base_url=base, viewport={"width": width, "height": height})
                    page = context.new_page()
                    page.goto("/login")
                    page.fill("#name", "demo")
                    page.fill("#password", "demo")
                    page.click("button[type=submit]")
                    page.wait_for_url(f"{base}/")
                    shots = {"now": "/", "reply": "/reply", "admin": "/admin"}
                    if not suffix:
                        shots |= {"incident": f"/incidents/{incident}", "trends": "/trends"}
                    for name, path in shots.items():
                        page.goto(path)
                        page.wait_for_load_state("networkidle")
                        page.screenshot(path=str(OUT / f"{name}{suffix}.png"), full_page=not suffix)
                        print(OUT / f"{name}{suffix}.png")
                    context.close()
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            log.close()


if __name__ == "__main__":
    main()
