"""`monitor api --workers N`: N server processes answer, and none of them runs the scheduler."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from monitor import serve
from monitor.metrics import MULTIPROC_ENV
from monitor.serve import SERVE_ENV, api_app
from tests.support.proc import start_monitor, stop, wait_http
from tests.support.servers import free_port


def _children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the live processes whose parent is `pid`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError):
            continue  # exited while we looked
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append((int(stat.parent.name), cmdline))
    return found


def test_workers_option_starts_that_many_server_processes_that_all_serve(tmp_path, sqlite_url):
    port = free_port()
    log = tmp_path / "api.log"
    proc = start_monitor("api", "--port", str(port), "--workers", "2", db_url=sqlite_url, log=log)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", proc=proc, log=log)
        # every process logs its own startup; both must have finished theirs before the count
        deadline = time.monotonic() + 30
        while log.read_text().count("Application startup complete") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        servers = [
            c for c in _children(proc.pid) if "multiprocessing" in c[1] and "resource_tracker" not in c[1]
        ]
        assert len(servers) == 2, _children(proc.pid)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            for _ in range(20):
                resp = client.get("/api/mentions")
                assert resp.status_code == 200 and resp.json() == {"items": [], "next_cursor": None}
    finally:
        stop(proc)
    text = log.read_text()
    assert text.count("Application startup complete") == 2, text
    assert "scheduler" not in text.lower(), text


def test_a_worker_process_builds_the_api_without_the_scheduler(tmp_path, sqlite_url, monkeypatch):
    config = tmp_path / "monitor.toml"
    config.write_text(f'[database]\nurl = "{sqlite_url}"\n')
    monkeypatch.setenv(SERVE_ENV, json.dumps({"config": str(config), "host": "127.0.0.1", "port": 8123}))
    app = api_app()
    with TestClient(app, base_url="http://127.0.0.1:8123") as client:
        assert client.get("/healthz").status_code == 200
        assert app.state.worker is None
    assert app.state.config.api.port == 8123


def test_the_worker_factory_outside_monitor_api_says_how_to_start_it(monkeypatch):
    monkeypatch.delenv(SERVE_ENV, raising=False)
    with pytest.raises(RuntimeError, match="monitor api --workers N"):
        api_app()


def test_the_listener_handed_to_the_worker_processes_is_marked_tcp(monkeypatch, tmp_path):
    handed: list[socket.socket] = []

    class Supervisor:
        def __init__(self, config: object, sockets: list[socket.socket]) -> None:
            handed.extend(sockets)

        def run(self) -> None:
            pass

    monkeypatch.setattr(serve, "Multiprocess", Supervisor)
    # both set here so that what serve_api_workers writes into os.environ is undone after the test
    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
    monkeypatch.setenv(SERVE_ENV, "")
    serve.serve_api_workers(config_path=None, host="127.0.0.1", port=free_port(), workers=2)
    try:
        # asyncio enables TCP_NODELAY on accepted connections only for proto IPPROTO_TCP
        assert [s.proto for s in handed] == [socket.IPPROTO_TCP]
        handed[0].listen()
        client = socket.create_connection(handed[0].getsockname())
        accepted, _ = handed[0].accept()
        assert accepted.proto == socket.IPPROTO_TCP
        accepted.close()
        client.close()
    finally:
        for s in handed:
            s.close()
