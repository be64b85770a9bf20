"""`monitor api --workers N`: several uvicorn processes serving the API, none running the scheduler."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from monitor.app import create_app
from monitor.config import load_config
from monitor.logs import log_config
from monitor.metrics import share_between_processes
from monitor.settings import get_settings

# What each worker process needs to build the same app: the file to load and the listen overrides.
# Only a path crosses the process boundary: API keys and database passwords stay in the file and
# the environment they came from, never in a variable of ours.
SERVE_ENV = "MONITOR_SERVE_API"


def serve_api_workers(*, config_path: Path | None, host: str, port: int, workers: int) -> None:
    """Run `workers` uvicorn processes on host:port, each building the API with `api_app`."""
    share_between_processes()  # /metrics sums every process's request timings
    path = config_path or get_settings().config
    os.environ[SERVE_ENV] = json.dumps(
        {"config": str(path) if path is not None else None, "host": host, "port": port}
    )
    config = uvicorn.Config(
        "monitor.serve:api_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        # each process masks secrets and writes --log-format, configured from this dict alone
        log_config=log_config(),
        lifespan="on",
    )
    try:
        Multiprocess(config, sockets=[tcp_listener(config.bind_socket())]).run()
    except KeyboardInterrupt:
        pass


def tcp_listener(sock: socket.socket) -> socket.socket:
    """The same listening socket, labelled IPPROTO_TCP so accepted connections get TCP_NODELAY.

    uvicorn binds the socket it hands its worker processes with proto 0, and asyncio sets
    TCP_NODELAY only on sockets that say IPPROTO_TCP: with Nagle on, every keep-alive request after
    the first waited ~40 ms for a delayed ACK (48 ms per /healthz with 2 workers, 1.5 ms with one).
    uvicorn issue #3149; drop this when a fixed uvicorn is the minimum.
    """
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return sock
    return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())


def api_app() -> FastAPI:
    """The API alone, for one worker process (uvicorn calls this in each; never the scheduler)."""
    raw = os.environ.get(SERVE_ENV)
    if raw is None:
        raise RuntimeError(f"{SERVE_ENV} is not set: start the API with `monitor api --workers N`")
    spec = json.loads(raw)
    config = load_config(Path(spec["config"]) if spec["config"] else None)
    api = config.api.model_copy(update={"host": spec["host"], "port": spec["port"]})
    # several processes would each run every job: the scheduler belongs to `monitor worker`
    return create_app(config.model_copy(update={"api": api}), run_worker=False)
