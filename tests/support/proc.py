"""Run the `monitor` console script as a user would, and wait for its API."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

MONITOR = shutil.which("monitor", path=str(Path(sys.executable).parent)) or "monitor"


def monitor_env(db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_") and k != "DATABASE_URL"}
    env["DATABASE_URL"] = db_url
    env.update(extra)
    return env


def run_monitor(*args: str, db_url: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MONITOR, *args], capture_output=True, text=True, timeout=timeout, env=monitor_env(db_url, **env)
    )


def start_monitor(*args: str, db_url: str, log: Path, **env: str) -> subprocess.Popen[bytes]:
    fh = open(log, "wb")  # noqa: SIM115 (closed with the process by the caller's stop())
    return subprocess.Popen(
        [MONITOR, *args], stdout=fh, stderr=subprocess.STDOUT, env=monitor_env(db_url, **env)
    )


def stop(proc: subprocess.Popen[bytes], timeout: float = 10) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_http(
    url: str, *, timeout: float = 30, proc: subprocess.Popen[bytes] | None = None, log: Path | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"monitor exited {proc.returncode}:\n{log.read_text() if log else ''}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not come up in {timeout} s:\n{log.read_text() if log else ''}")


def wait_until(predicate, *, timeout: float, interval: float = 0.2, message: str = "condition") -> float:
    """Poll until predicate() is truthy; returns the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(interval)
    raise AssertionError(f"{message} not met within {timeout} s")
