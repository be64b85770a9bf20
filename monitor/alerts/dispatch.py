"""Deliver the outbox: each channel in its own lane that claims, sends and records on its own.

Lanes. Every configured channel has a lane: an asyncio task that claims up to `batch_size` of its
channel's due rows, sends them one at a time in order, and records each outcome. `kick()` starts
the lane of every channel that is not already sending and returns at once, so a channel whose
endpoint hangs (each attempt is cut off after `send_timeout`) holds up only its own lane: other
channels' messages keep going out, and a message queued meanwhile for another channel leaves at the
next kick. A lane stops at its first retryable failure and hands the rest of its batch back unsent
(a 429 or a dead endpoint is not hammered with the rest of the batch). Rows of a channel no longer
configured fail in a lane of their own, without I/O.

Claiming is one statement — `UPDATE ... WHERE id IN (due rows whose lease is free) RETURNING id`,
with `FOR UPDATE SKIP LOCKED` on PostgreSQL and SQLite's single writer elsewhere — so two workers
never hold the same row. A worker that dies after claiming leaves a lease that expires; the row is
then claimed again.

Delivery guarantee: at least once, per channel in queue order.
- A decided alert is never lost: its row is written with the decision and stays until a 2xx is
  recorded, a non-retryable answer fails it, or `give_up_at` passes (then it shows as failed).
- A message can be delivered twice only when the receiver accepted it and the worker did not
  record that: the process died (or the database was unreachable) between the receiver's 2xx and
  the commit that marks the row delivered, or the 2xx was lost on the way back (a timeout or reset
  after the receiver acted). The retry comes after the lease expires (or the backoff).
- The window is as small as it can be: the outcome of each response is committed in its own short
  transaction right after that response — a 2xx waits at most 50 ms for its body, and the commit
  runs on the dispatcher's own database threads, never queued behind polls. A lane has one message
  in flight, so a crash duplicates at most one message per channel (with every channel busy, one
  per channel: each lane's message in flight at that moment).
- Every attempt at a row sends identical bytes. Webhooks: `X-Monitor-Delivery` and the body's `id`
  are the delivery id — a receiver that ignores ids it has processed gets exactly once. Slack:
  incoming webhooks accept no idempotency key and cannot edit a message, so a resend is posted
  again; its last line carries the same `ref <10 hex digits>` as the first, which marks it as
  the same alert. Apprise channels (email, Teams, ...): the same title and body, ending with the
  same `ref` line; the service's own envelope (an email's Message-ID and Date) is new each time.

Channel URLs are secrets (a Slack hook URL is a credential): they are never stored, logged or put
into an error message.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts.models import AlertDelivery
from monitor.alerts.sender import ChannelSender, Outcome, backoff_seconds, parse_retry_after
from monitor.db import session_scope, utcnow

if TYPE_CHECKING:
    from monitor.config import ChannelConfig

__all__ = ["ClaimedDelivery", "OutboxDispatcher", "Outcome", "backoff_seconds", "parse_retry_after"]

log = logging.getLogger(__name__)
T = TypeVar("T")

_ORPHANS = None  # the lane of rows whose channel is no longer configured


@dataclass(frozen=True)
class ClaimedDelivery:
    """A row this worker holds the lease on, copied out of the session that claimed it."""

    id: int
    dedupe_key: str
    channel: str
    channel_kind: str
    event: str
    payload: dict[str, Any]
    attempts: int
    give_up_at: datetime
    created_at: datetime
    lease_owner: str
    claimed_monotonic: float


class OutboxDispatcher:
    """Sends due outbox rows through the injected client; many dispatchers may run side by side."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        client: httpx.AsyncClient,
        channels: Sequence[ChannelConfig],
        *,
        worker_id: str,
        lease_seconds: int = 60,
        batch_size: int = 20,
        send_timeout: float = 5.0,
    ) -> None:
        self._session_factory = session_factory
        self.worker_id = worker_id
        self.lease_seconds = lease_seconds
        self.batch_size = batch_size
        # A send must end well inside the lease, or an expired lease could let a second worker send too.
        self._sender = ChannelSender(client, channels, timeout=min(send_timeout, lease_seconds / 2))
        self._send_timeout = self._sender.timeout
        names = sorted({c.name for c in channels})
        self._lanes: dict[str | None, ColumnElement[bool]] = {n: AlertDelivery.channel == n for n in names}
        self._lanes[_ORPHANS] = AlertDelivery.channel.not_in(names)
        self._running: dict[str | None, asyncio.Task[int]] = {}
        self._closing = False
        # Own threads for the database: recording a 2xx must not wait behind polls in the default pool.
        self._db = ThreadPoolExecutor(max_workers=len(self._lanes), thread_name_prefix="outbox-db")

    # -- claim ---------------------------------------------------------------------------------

    def claim(self, now: datetime | None = None, *, channel: str | None = None) -> list[ClaimedDelivery]:
        """Take a lease on up to `batch_size` due rows (of one channel, if given); returns them."""
        return self._claim(now, AlertDelivery.channel == channel if channel is not None else None)

    def _claim(self, now: datetime | None, lane: ColumnElement[bool] | None) -> list[ClaimedDelivery]:
        now = now or utcnow()
        # unique per claim, so a claim that outlived its lease can never record over the new owner's
        owner = f"{self.worker_id[:80]}/{secrets.token_hex(6)}"
        due = (
            select(AlertDelivery.id)
            .where(
                AlertDelivery.status == "pending",
                AlertDelivery.next_attempt_at <= now,
                or_(AlertDelivery.lease_expires_at.is_(None), AlertDelivery.lease_expires_at <= now),
            )
            .order_by(AlertDelivery.next_attempt_at, AlertDelivery.id)
            .limit(self.batch_size)
        )
        if lane is not None:
            due = due.where(lane)
        with session_scope(self._session_factory) as session:
            if session.get_bind().dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            claim = (
                update(AlertDelivery)
                .where(AlertDelivery.id.in_(due.scalar_subquery()))
                .values(lease_owner=owner, lease_expires_at=now + timedelta(seconds=self.lease_seconds))
                .returning(AlertDelivery.id)
                .execution_options(synchronize_session=False)
            )
            ids = list(session.scalars(claim))
            if not ids:
                return []
            # the queue's order, so a channel hears "opened" before "resolved"
            rows = session.scalars(
                select(AlertDelivery)
                .where(AlertDelivery.id.in_(ids))
                .order_by(AlertDelivery.next_attempt_at, AlertDelivery.id)
            )
            mono = time.monotonic()
            return [
                ClaimedDelivery(
                    id=r.id,
                    dedupe_key=r.dedupe_key,
                    channel=r.channel,
                    channel_kind=r.channel_kind,
                    event=r.event,
                    payload=r.payload,
                    attempts=r.attempts,
                    give_up_at=r.give_up_at,
                    created_at=r.created_at,
                    lease_owner=owner,
                    claimed_monotonic=mono,
                )
                for r in rows
            ]

    def release(self, deliveries: Sequence[ClaimedDelivery]) -> None:
        """Give back claimed rows that were not sent (no attempt counted), for the next round."""
        if not deliveries:
            return
        with session_scope(self._session_factory) as session:
            session.execute(
                update(AlertDelivery)
                .where(
                    AlertDelivery.id.in_([d.id for d in deliveries]),
                    AlertDelivery.lease_owner == deliveries[0].lease_owner,
                )
                .values(lease_owner=None, lease_expires_at=None)
                .execution_options(synchronize_session=False)
            )

    # -- send and record -----------------------------------------------------------------------

    async def send(self, delivery: ClaimedDelivery) -> Outcome:
        """POST one message to its channel and classify the answer; never raises for HTTP trouble."""
        return await self._sender.send(delivery)

    def record(self, delivery: ClaimedDelivery, outcome: Outcome, now: datetime) -> bool:
        """Store the outcome and release the lease; False when the lease was lost to another worker."""
        attempts = delivery.attempts + 1
        values: dict[str, Any] = {
            "attempts": attempts,
            "last_status": outcome.status_code,
            "lease_owner": None,
            "lease_expires_at": None,
        }
        if outcome.result == "delivered":
            values |= {"status": "delivered", "delivered_at": now, "last_error": None}
        elif outcome.result == "failed":
            values |= {"status": "failed", "last_error": outcome.error}
        else:
            delay = outcome.retry_after if outcome.retry_after is not None else backoff_seconds(attempts)
            next_at = now + timedelta(seconds=delay)
            if next_at > delivery.give_up_at:
                span = (now - delivery.created_at).total_seconds()
                plural = "attempt" if attempts == 1 else "attempts"
                error = f"gave up after {attempts} {plural} over {span:.0f} s: {outcome.error}"
                values |= {"status": "failed", "last_error": error}
            else:
                values |= {"next_attempt_at": next_at, "last_error": outcome.error}
        with session_scope(self._session_factory) as session:
            done = session.execute(
                update(AlertDelivery)
                .where(AlertDelivery.id == delivery.id, AlertDelivery.lease_owner == delivery.lease_owner)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            kept = done.rowcount == 1
        _log_outcome(delivery, outcome, values, kept=kept)
        return kept

    # -- lanes ---------------------------------------------------------------------------------

    async def _in_db(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._db, functools.partial(fn, *args))

    async def _drain(self, lane: str | None, now: datetime | None) -> int:
        """One lane's round: claim its due rows, send each in order, record each at once."""
        claimed = await self._in_db(self._claim, now, self._lanes[lane])
        tried = 0
        for i, delivery in enumerate(claimed):
            # the lease must outlast this send, or another worker could claim and send the row too;
            # on shutdown the rest go back at once rather than wait out the lease
            late = time.monotonic() - delivery.claimed_monotonic > self.lease_seconds - self._send_timeout
            if late or self._closing:
                await self._in_db(self.release, claimed[i:])
                break
            outcome = await self.send(delivery)
            await self._in_db(self.record, delivery, outcome, now or utcnow())
            tried += 1
            if outcome.result == "retry":
                await self._in_db(self.release, claimed[i + 1 :])
                break
        return tried

    def kick(self, now: datetime | None = None) -> list[asyncio.Task[int]]:
        """Start the lane of each channel not already sending; returns at once with the lanes started."""
        started: list[asyncio.Task[int]] = []
        if self._closing:
            return started
        for lane in self._lanes:
            running = self._running.get(lane)
            if running is not None and not running.done():
                continue  # still busy (perhaps hanging): it must not hold up the others
            task = asyncio.create_task(self._drain(lane, now), name=f"outbox lane {lane!r}")
            task.add_done_callback(functools.partial(_log_lane_failure, lane))
            self._running[lane] = task
            started.append(task)
        return started

    async def run_once(self, now: datetime | None = None) -> int:
        """Wait for lanes already sending, then run a round of every lane; returns how many were tried."""
        busy = [t for t in self._running.values() if not t.done()]
        if busy:
            await asyncio.wait(busy)
        started = self.kick(now)
        if not started:
            return 0
        results = await asyncio.gather(*started, return_exceptions=True)
        return sum(r for r in results if isinstance(r, int))

    async def run_forever(self, *, tick_seconds: float = 1.0, stop: asyncio.Event | None = None) -> None:
        """Kick the idle lanes every `tick_seconds` until `stop` is set, then close."""
        stop = stop or asyncio.Event()
        try:
            while not stop.is_set():
                self.kick()
                try:
                    await asyncio.wait_for(stop.wait(), tick_seconds)
                except TimeoutError:
                    pass
        finally:
            await self.close()

    async def close(self, *, grace_seconds: float | None = None) -> None:
        """Let each lane finish the send in flight and hand back the rest, then stop the threads.

        A lane still busy after `grace_seconds` (default: one send timeout and a second) is cancelled.
        """
        self._closing = True
        lanes = [t for t in self._running.values() if not t.done()]
        if lanes:
            _done, pending = await asyncio.wait(lanes, timeout=grace_seconds or self._send_timeout + 1)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        self._sender.close()
        self._db.shutdown(wait=False)


def _log_lane_failure(lane: str | None, task: asyncio.Task[int]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        # a database hiccup: the lane's claimed rows come back when their lease expires
        log.error("outbox lane %r failed: %s: %s", lane, type(exc).__name__, exc)


def _log_outcome(delivery: ClaimedDelivery, outcome: Outcome, values: dict[str, Any], *, kept: bool) -> None:
    extra = {"delivery_id": delivery.id, "channel": delivery.channel, "event": delivery.event}
    if not kept:
        log.warning("delivery %s: lease lost before recording %s", delivery.id, outcome.result, extra=extra)
    elif values.get("status") == "failed":
        log.warning(
            "delivery %s to %s failed: %s", delivery.id, delivery.channel, values["last_error"], extra=extra
        )
    elif outcome.result == "retry":
        log.info(
            "delivery %s to %s will retry: %s", delivery.id, delivery.channel, outcome.error, extra=extra
        )
