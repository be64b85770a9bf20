"""The API behind a real uvicorn on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime

import httpx
import uvicorn

from monitor.app import create_app

KEY = "e2e-key"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_real_server_serves_the_api_with_auth(make_config, sqlite_url, seed):
    brand, source = seed.brand("Acme"), seed.source("feed")
    mention = seed.mention(brand, source, text="Acme checkout is broken", published_at=datetime.now(UTC))
    seed.session.commit()

    app = create_app(make_config(database={"url": sqlite_url}, api={"api_keys": [KEY]}))
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            assert thread.is_alive(), "uvicorn exited"
            time.sleep(0.02)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=5) as http:
            assert http.get("/healthz").json() == {"status": "ok", "database": "ok"}
            assert http.get("/api/mentions").status_code == 401
            resp = http.get(
                "/api/mentions", params={"q": "checkout"}, headers={"Authorization": f"Bearer {KEY}"}
            )
            assert resp.status_code == 200
            assert [m["id"] for m in resp.json()["items"]] == [mention.id]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert not thread.is_alive()
