"""Deliver the outbox: claim due rows with a lease, send them, record the outcome.

Claiming is one statement — `UPDATE ... WHERE id IN (due rows whose lease is free) RETURNING id`,
with `FOR UPDATE SKIP LOCKED` on PostgreSQL and SQLite's single writer elsewhere — so two workers
never hold the same row. A worker that dies after claiming leaves a lease that expires; the row is
then claimed again. Delivery is at least once (a 2xx lost in transit is retried): receivers dedupe
on `X-Monitor-Delivery`, which stays the same on every retry.

Channel URLs are secrets (a Slack hook URL is a credential): they are never stored, logged or put
into an error message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import httpx
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from connectors.helpers import parse_retry_after as _retry_after
from monitor.alerts.models import AlertDelivery
from monitor.alerts.signing import sign
from monitor.db import session_scope, utcnow

if TYPE_CHECKING:
    from monitor.config import ChannelConfig

log = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 300.0
JITTER = 0.1  # up to +10 %: keeps many rows that failed together from retrying in lockstep
MIN_RETRY_AFTER_SECONDS = 1.0  # a `Retry-After: 0` must not turn into a tight loop
_RETRYABLE = {408, 425, 429}


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


@dataclass(frozen=True)
class Outcome:
    result: Literal["delivered", "retry", "failed"]
    status_code: int | None = None
    error: str | None = None
    retry_after: float | None = None


def backoff_seconds(attempts: int) -> float:
    """1, 2, 4, 8, … s after the 1st, 2nd, 3rd, 4th failure, capped at 300 s, plus a little jitter."""
    base = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return base + random.uniform(0, base * JITTER)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds from now (delta-seconds or an HTTP-date), never below the floor."""
    seconds = _retry_after(value, now=now.timestamp() if now else None)
    return None if seconds is None else max(MIN_RETRY_AFTER_SECONDS, seconds)


class _RedactUrls(logging.Filter):
    """Keeps channel URLs out of httpx's own request log lines ("HTTP Request: POST <url> ...")."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.urls:
            msg = record.getMessage()
            redacted = _scrub(msg, self.urls)
            if redacted != msg:
                record.msg, record.args = redacted, None
        return True


_redactor = _RedactUrls()


def _scrub(text: str, urls: set[str]) -> str:
    for url in sorted(urls, key=len, reverse=True):
        text = text.replace(url, "[channel url]")
    return text


def _snippet(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
        concurrency: int = 5,
        send_timeout: float = 10.0,
    ) -> None:
        self._session_factory = session_factory
        self._client = client
        self._channels = {c.name: c for c in channels}
        self.worker_id = worker_id
        self.lease_seconds = lease_seconds
        self.batch_size = batch_size
        self._concurrency = max(1, concurrency)
        # A send must end well inside the lease, or an expired lease could let a second worker send too.
        self._send_timeout = min(send_timeout, lease_seconds / 2)
        self._secret_urls: set[str] = set()
        for c in channels:
            raw = c.url.get_secret_value()
            self._secret_urls |= {raw, str(httpx.URL(raw))}
        _redactor.urls |= self._secret_urls
        httpx_log = logging.getLogger("httpx")
        if _redactor not in httpx_log.filters:
            httpx_log.addFilter(_redactor)

    # -- claim ---------------------------------------------------------------------------------

    def claim(self, now: datetime | None = None) -> list[ClaimedDelivery]:
        """Take a lease on up to `batch_size` due rows and commit it; returns what was claimed."""
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
            rows = session.scalars(
                select(AlertDelivery).where(AlertDelivery.id.in_(ids)).order_by(AlertDelivery.id)
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

    # -- send ----------------------------------------------------------------------------------

    async def send(self, delivery: ClaimedDelivery) -> Outcome:
        """POST one message to its channel and classify the answer; never raises for HTTP trouble."""
        channel = self._channels.get(delivery.channel)
        if channel is None:
            return Outcome("failed", error=f"channel {delivery.channel!r} is no longer configured")
        if channel.kind != delivery.channel_kind:
            return Outcome(
                "failed",
                error=f"channel {channel.name!r} is now a {channel.kind} channel; "
                f"this {delivery.channel_kind} message was not sent",
            )
        url = channel.url.get_secret_value()
        body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if channel.kind == "webhook":
            timestamp = str(int(time.time()))
            headers |= {
                "X-Monitor-Event": delivery.event,
                "X-Monitor-Delivery": delivery.dedupe_key,
                "X-Monitor-Timestamp": timestamp,
            }
            if channel.secret is not None:
                headers["X-Monitor-Signature"] = sign(channel.secret.get_secret_value(), timestamp, body)
        try:
            async with asyncio.timeout(self._send_timeout):
                resp = await self._client.post(
                    url, content=body, headers=headers, timeout=self._send_timeout, follow_redirects=False
                )
        except (TimeoutError, httpx.TimeoutException):
            return Outcome("retry", error=f"timed out after {self._send_timeout:g} s")
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            return Outcome("failed", error=f"invalid channel URL ({type(exc).__name__})")
        except httpx.TransportError as exc:
            return Outcome("retry", error=f"{type(exc).__name__}: {_scrub(str(exc), self._secret_urls)}")
        return self._classify(resp)

    def _classify(self, resp: httpx.Response) -> Outcome:
        code = resp.status_code
        if 200 <= code < 300:
            return Outcome("delivered", status_code=code)
        detail = _scrub(_snippet(resp.text), self._secret_urls)
        error = f"HTTP {code}" + (f": {detail}" if detail else "")
        if code in _RETRYABLE or code >= 500:
            return Outcome("retry", code, error, parse_retry_after(resp.headers.get("Retry-After")))
        if 300 <= code < 400:
            why = "redirects are not followed; point the channel at the final URL"
        elif code in (403, 404, 410):
            why = "the URL is wrong or the hook was revoked"
        else:
            why = "the receiver rejected the message"
        return Outcome("failed", code, f"{error} (not retried: {why})")

    # -- record --------------------------------------------------------------------------------

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
        extra = {"delivery_id": delivery.id, "channel": delivery.channel, "event": delivery.event}
        if not kept:
            log.warning(
                "delivery %s: lease lost before recording %s", delivery.id, outcome.result, extra=extra
            )
        elif values.get("status") == "failed":
            log.warning(
                "delivery %s to %s failed: %s",
                delivery.id,
                delivery.channel,
                values["last_error"],
                extra=extra,
            )
        elif outcome.result == "retry":
            log.info(
                "delivery %s to %s will retry: %s", delivery.id, delivery.channel, outcome.error, extra=extra
            )
        return kept

    # -- loop ----------------------------------------------------------------------------------

    async def run_once(self, now: datetime | None = None) -> int:
        """Claim due rows, send them (`concurrency` at once), record each; returns how many were tried."""
        claimed = await asyncio.to_thread(self.claim, now)
        if not claimed:
            return 0
        limit = asyncio.Semaphore(self._concurrency)

        async def one(delivery: ClaimedDelivery) -> bool:
            async with limit:
                # waited so long for a slot that the lease may be gone: leave the row to whoever holds it
                if time.monotonic() - delivery.claimed_monotonic > self.lease_seconds - self._send_timeout:
                    return False
                outcome = await self.send(delivery)
                await asyncio.to_thread(self.record, delivery, outcome, now or utcnow())
                return True

        results = await asyncio.gather(*(one(d) for d in claimed), return_exceptions=True)
        for r in results:
            if isinstance(r, BaseException):
                log.error("recording a delivery failed: %s: %s", type(r).__name__, r)
        return sum(1 for r in results if r is True)

    async def run_forever(self, *, tick_seconds: float = 1.0, stop: asyncio.Event | None = None) -> None:
        """Deliver until `stop` is set; sleeps `tick_seconds` when nothing was due."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            try:
                busy = await self.run_once()
            except Exception as exc:  # a database hiccup must not end delivery
                log.error("outbox run failed: %s: %s", type(exc).__name__, exc)
                busy = 0
            if not busy:
                try:
                    await asyncio.wait_for(stop.wait(), tick_seconds)
                except TimeoutError:
                    pass
