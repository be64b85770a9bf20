"""The shared HTTP client for polling and alert delivery."""

import httpx

from monitor.config import WorkerConfig


def make_client(cfg: WorkerConfig) -> httpx.AsyncClient:
    """One pooled client: bounded timeouts, a descriptive User-Agent, redirects within a limit."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(cfg.read_timeout, connect=cfg.connect_timeout),
        headers={"User-Agent": cfg.user_agent},
        follow_redirects=True,
        max_redirects=cfg.max_redirects,
        limits=httpx.Limits(max_connections=max(10, cfg.concurrency * 2), max_keepalive_connections=20),
    )
