"""The worker's claim loop: a finished poll's slot is refilled at once, not at the next tick.

A tick that claims only for the free slots caps a worker at `concurrency / tick_seconds` polls a
second however fast the polls are. Here each finished poll wakes the loop, which starts the next
claimed source from a small local queue and claims again, in batches, when the queue runs low.
The queue is bounded (`prefetch` beyond the free slots) so no claim waits long; its sources are in
the worker's `_polling` set, so the heartbeat renews their leases and stop() releases them with the
rest. When nothing is due the loop sleeps until the next source is due, or `tick_seconds` at most
(another worker or a config sync may make one due sooner), or until a poll finishes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.sources.models import Source
from monitor.sources.service import Claimed

log = logging.getLogger(__name__)

# The shortest idle wait: a due source another worker holds locked (SKIP LOCKED) must not spin us.
MIN_IDLE_SECONDS = 0.1


def next_due(session: Session, *, now: datetime) -> float | None:
    """Seconds until the next unleased enabled source is due (<= 0: due now), or None if none is."""
    at = session.scalar(
        select(func.min(Source.next_poll_at)).where(Source.enabled.is_(True), Source.lease_owner.is_(None))
    )
    if at is None:
        return None
    if at.tzinfo is None:  # SQLite hands back naive UTC
        at = at.replace(tzinfo=now.tzinfo)
    return (at - now).total_seconds()


class ClaimFeed:
    """Keeps `slots()` polls running from a bounded queue of claimed sources."""

    def __init__(
        self,
        *,
        slots: Callable[[], int],
        prefetch: int,
        idle_seconds: float,
        running: Callable[[], int],
        claim: Callable[[int], Awaitable[list[Claimed]]],
        seconds_to_due: Callable[[], Awaitable[float | None]],
        start: Callable[[Claimed], None],
        held: set[int],
        stopping: Callable[[], bool],
    ) -> None:
        self._slots, self._running, self._claim, self._start = slots, running, claim, start
        self._seconds_to_due, self._stopping = seconds_to_due, stopping
        self.prefetch, self.idle_seconds = prefetch, idle_seconds
        self.held = held  # the worker's _polling: queued sources are leased too
        self.queue: deque[Claimed] = deque()
        self.wake = asyncio.Event()
        self._idle_until = 0.0  # monotonic: nothing was due when we last looked; don't ask before

    def poke(self, *_: object) -> None:
        """A slot freed (a poll's done callback) or something may be due: run the loop now."""
        self.wake.set()

    def _start_queued(self) -> None:
        while self.queue and self._running() < self._slots():
            self._start(self.queue.popleft())

    def _want(self) -> int:
        """How many to claim now: 0 while the queue covers the free slots and is at least half full."""
        free = self._slots() - self._running()
        want = free + self.prefetch - len(self.queue)
        if want <= 0:
            return 0
        # claim in batches: one statement for several slots, not one per finished poll
        if len(self.queue) >= free and want < max(1, self.prefetch // 2):
            return 0
        return want

    async def run(self) -> None:
        """Claim and start polls until the worker stops; the caller hands back what is still queued."""
        while not self._stopping():
            self.wake.clear()  # before reading any state: a change after this sets it again
            self._start_queued()
            want = self._want() if time.monotonic() >= self._idle_until else 0
            if want:
                try:
                    batch = await self._claim(want)
                except Exception:
                    log.exception("claiming due sources failed")
                    self._idle_until = time.monotonic() + self.idle_seconds
                    continue
                if self._stopping():
                    return  # stop() releases every lease this worker holds, these too
                self.held.update(c.id for c in batch)
                self.queue.extend(batch)
                if len(batch) < want:  # nothing more is due: look again when the next one is
                    self._idle_until = time.monotonic() + await self._idle()
                continue
            timeout = self._idle_until - time.monotonic()
            try:
                await asyncio.wait_for(self.wake.wait(), timeout if timeout > 0 else None)
            except TimeoutError:
                pass

    async def _idle(self) -> float:
        try:
            due = await self._seconds_to_due()
        except Exception:
            log.exception("reading the next due time failed")
            due = None
        if due is None:
            return self.idle_seconds
        return min(self.idle_seconds, max(MIN_IDLE_SECONDS, due))
