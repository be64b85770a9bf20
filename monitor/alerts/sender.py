"""One attempt at one outbox message: build the exact bytes, POST them, classify the answer.

Apprise channels (email, Teams, Discord, ...) go through apprise_channel.py instead of a POST; an
Apprise failure is retried like a 5xx. No database here (`dispatch.py` claims and records). Channel
URLs are secrets (a Slack hook URL is a credential): they are never logged or put into an error
message.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

import httpx

from connectors.helpers import parse_retry_after as _retry_after
from monitor.alerts.apprise_channel import AppriseSender
from monitor.alerts.messages import stamp_delivery
from monitor.alerts.signing import sign

if TYPE_CHECKING:
    from monitor.config import ChannelConfig

BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 300.0
JITTER = 0.1  # up to +10 %: keeps many rows that failed together from retrying in lockstep
MIN_RETRY_AFTER_SECONDS = 1.0  # a `Retry-After: 0` must not turn into a tight loop
CONNECT_TIMEOUT_SECONDS = 2.0  # a loopback or datacenter connect takes milliseconds; a dead host, forever
ERROR_BODY_BYTES = 4096  # enough for a receiver's error message; a huge error page is not read
SUCCESS_BODY_WAIT_SECONDS = 0.05  # a 2xx body ("ok") comes with the headers; never wait long for it
_RETRYABLE = {408, 425, 429}


class Message(Protocol):
    """What a send needs from an outbox row."""

    @property
    def dedupe_key(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def channel_kind(self) -> str: ...
    @property
    def event(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...


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
            redacted = scrub(msg, self.urls)
            if redacted != msg:
                record.msg, record.args = redacted, None
        return True


_redactor = _RedactUrls()


def scrub(text: str, urls: set[str]) -> str:
    """`text` with every channel URL replaced by a placeholder."""
    for url in sorted(urls, key=len, reverse=True):
        text = text.replace(url, "[channel url]")
    return text


def _snippet(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def _read_some(resp: httpx.Response, limit: int) -> str:
    """At most `limit` bytes of the body, decoded leniently (only an error message needs it)."""
    data = b""
    async for chunk in resp.aiter_bytes():
        data += chunk
        if len(data) >= limit:
            break
    return data[:limit].decode(resp.encoding or "utf-8", errors="replace")


class ChannelSender:
    """POSTs messages to the configured channels through the injected client."""

    def __init__(
        self, client: httpx.AsyncClient, channels: Sequence[ChannelConfig], *, timeout: float
    ) -> None:
        self._client = client
        self._channels = {c.name: c for c in channels}
        self.timeout = timeout
        self._timeouts = httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_SECONDS))
        self._apprise = AppriseSender(list(channels), timeout=timeout)
        self.secret_urls: set[str] = set()
        for c in channels:
            raw = c.url.get_secret_value()
            # an Apprise URL (mailto://user:pass@...) is a secret as written; httpx need not parse it
            self.secret_urls |= {raw} if c.kind == "apprise" else {raw, str(httpx.URL(raw))}
        _redactor.urls |= self.secret_urls
        for name in ("httpx", "apprise"):
            logger = logging.getLogger(name)
            if _redactor not in logger.filters:
                logger.addFilter(_redactor)

    async def send(self, message: Message) -> Outcome:
        """POST one message to its channel and classify the answer; never raises for HTTP trouble."""
        channel = self._channels.get(message.channel)
        if channel is None:
            return Outcome("failed", error=f"channel {message.channel!r} is no longer configured")
        if channel.kind != message.channel_kind:
            return Outcome(
                "failed",
                error=f"channel {channel.name!r} is now a {channel.kind} channel; "
                f"this {message.channel_kind} message was not sent",
            )
        # The same bytes on every retry: a receiver can compare them, and a signature stays valid.
        payload = stamp_delivery(message.payload, kind=channel.kind, delivery_key=message.dedupe_key)
        if channel.kind == "apprise":
            return await self._send_apprise(channel, payload)
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if channel.kind == "webhook":
            timestamp = str(int(time.time()))
            headers |= {
                "X-Monitor-Event": message.event,
                "X-Monitor-Delivery": message.dedupe_key,
                "X-Monitor-Timestamp": timestamp,
            }
            if channel.secret is not None:
                headers["X-Monitor-Signature"] = sign(channel.secret.get_secret_value(), timestamp, body)
        try:
            # the whole attempt is bounded too: per-operation timeouts do not stop a trickling receiver
            async with asyncio.timeout(self.timeout):
                return await self._post(channel.url.get_secret_value(), body, headers)
        except (TimeoutError, httpx.TimeoutException):
            return Outcome("retry", error=f"timed out after {self.timeout:g} s")
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            return Outcome("failed", error=f"invalid channel URL ({type(exc).__name__})")
        except httpx.TransportError as exc:
            return Outcome("retry", error=f"{type(exc).__name__}: {scrub(str(exc), self.secret_urls)}")

    async def _send_apprise(self, channel: ChannelConfig, payload: dict[str, Any]) -> Outcome:
        try:
            error = await self._apprise.send(channel, payload)
        except TimeoutError:
            return Outcome("retry", error=f"timed out after {self.timeout:g} s")
        except Exception as exc:  # a plugin's own bug or I/O error; its message may quote the URL
            return Outcome("retry", error=f"Apprise raised {type(exc).__name__}")
        return Outcome("delivered") if error is None else Outcome("retry", error=error)

    def close(self) -> None:
        """Stop the Apprise threads (a send in flight finishes in its thread)."""
        self._apprise.close()

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        request = self._client.stream(
            "POST", url, content=body, headers=headers, timeout=self._timeouts, follow_redirects=False
        )
        async with request as resp:
            code = resp.status_code
            if 200 <= code < 300:
                # Accepted: the caller must record it before anything slow happens (a crash in between
                # means a resend). A short body is drained so the connection can be reused; one that
                # does not come at once is abandoned with its connection.
                with contextlib.suppress(TimeoutError, httpx.HTTPError):
                    async with asyncio.timeout(SUCCESS_BODY_WAIT_SECONDS):
                        await _read_some(resp, ERROR_BODY_BYTES)
                return Outcome("delivered", status_code=code)
            text = await _read_some(resp, ERROR_BODY_BYTES)
        return self._classify(code, text, resp.headers.get("Retry-After"))

    def _classify(self, code: int, text: str, retry_after: str | None) -> Outcome:
        detail = scrub(_snippet(text), self.secret_urls)
        error = f"HTTP {code}" + (f": {detail}" if detail else "")
        if code in _RETRYABLE or code >= 500:
            return Outcome("retry", code, error, parse_retry_after(retry_after))
        if 300 <= code < 400:
            why = "redirects are not followed; point the channel at the final URL"
        elif code in (403, 404, 410):
            why = "the URL is wrong or the hook was revoked"
        else:
            why = "the receiver rejected the message"
        return Outcome("failed", code, f"{error} (not retried: {why})")
