"""Sign-in rate limit: failed attempts per client address and per user name, in a sliding window.

Without it 100 wrong passwords in 67 s were all answered. Only failures count, so a person who
types their password right is never slowed down; a success clears that name's failures. Kept in
the process's memory: each API process limits on its own, and a restart forgets (the limit is
there to make guessing slow, not to keep a record). Behind a reverse proxy every client has the
proxy's address, so the per-address limit then applies to everyone together; the per-name limit
still protects each account.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

PER_NAME = 5  # failures per user name per window: enough for typos, far too few for guessing
PER_ADDRESS = 20  # failures per client address per window, whatever the names tried
WINDOW = 300.0  # seconds
MAX_KEYS = 10_000  # names and addresses remembered at once: random names cannot grow memory without bound


class SignInThrottle:
    """Counts failed sign-ins; `retry_after` says how long a blocked client must wait."""

    def __init__(
        self,
        *,
        per_name: int = PER_NAME,
        per_address: int = PER_ADDRESS,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limits = {"name": per_name, "addr": per_address}
        self._window, self._clock = window, clock
        self._failures: dict[tuple[str, str], deque[float]] = {}

    @staticmethod
    def _keys(address: str, name: str) -> list[tuple[str, str]]:
        return [("addr", address), ("name", name.strip().casefold())]

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self._window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, address: str, name: str) -> int | None:
        """Seconds until this client may try again (at least 1), or None when it may try now."""
        now = self._clock()
        waits = []
        for key in self._keys(address, name):
            times = self._recent(key, now)
            if len(times) >= self._limits[key[0]]:
                # the oldest failure that keeps the count at the limit has to leave the window
                waits.append(times[len(times) - self._limits[key[0]]] + self._window - now)
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, address: str, name: str) -> None:
        """Record a failed attempt."""
        now = self._clock()
        for key in self._keys(address, name):
            times = self._recent(key, now)
            if key not in self._failures:
                self._failures[key] = times
            times.append(now)
        self._forget_oldest()

    def succeeded(self, name: str) -> None:
        """A right password: that name's earlier typos no longer count against it."""
        self._failures.pop(("name", name.strip().casefold()), None)

    def _forget_oldest(self) -> None:
        while len(self._failures) > MAX_KEYS:
            del self._failures[next(iter(self._failures))]
