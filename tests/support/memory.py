"""Resident memory of a child process, sampled in the background while a test runs (Linux /proc)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any


def rss_mib(pid: int) -> float | None:
    """VmRSS of `pid` in MiB; None once the process is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


class PeakRss:
    """`with PeakRss(pid) as peak: ...; peak.mib` — the highest VmRSS seen, sampled every 50 ms."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            value = rss_mib(self.pid)
            if value is not None:
                self.mib = max(self.mib, value)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
