"""One attempt at one message to an Apprise channel (email, Teams, Discord, Telegram, PagerDuty, ...).

Apprise's clients block (smtplib, requests), so each send runs on this module's own threads, never
the event loop's default pool: a send queued behind polls would use up its timeout waiting, give
up, and then still go out later. Each attempt is bounded by the sender's timeout, and Apprise's own
socket timeouts are set inside it; a send cut off by the bound may still complete in its thread, so
like a lost HTTP 2xx it can be delivered twice (at least once; see dispatch.py).

Apprise says only whether a send worked, not why or whether to try again, so every failure is a
retry until the row's `give_up_at` (a wrong address or revoked token then shows as failed after the
retry budget; the reason is in the worker log, where Apprise writes it). Channel URLs hold the
credentials: they are never put into an error message, and Apprise keeps nothing on disk
(memory-only persistent store).
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

import apprise

from monitor import logs

if TYPE_CHECKING:
    from monitor.config import ChannelConfig

CONNECT_TIMEOUT_SECONDS = 2.0
_SECRET_PART = 8  # a chat id or a port is shorter; tokens and passwords are longer
_ASSET = apprise.AppriseAsset(storage_mode=apprise.PersistentStoreMode.MEMORY)


def scheme(url: str) -> str:
    """`mailto` of `mailto://user:pass@host` (the only part of the URL an error may show)."""
    return url.split("://", 1)[0].lower()


def secret_parts(url: str) -> set[str]:
    """The parts of an Apprise URL that may be credentials, for the log filter to mask.

    Services put their tokens in different places: the password (mailto://user:pass@...), the host
    (tgram://bot_token/chat_id), the path (discord://webhook_id/webhook_token) or the query
    (?key=...). Apprise's clients log the API request lines they make (urllib3 at DEBUG) with
    those parts alone, not the whole URL. A DNS name or address (it has a dot) is left readable.
    """
    parts = urlsplit(url)
    candidates = [parts.username, parts.password, parts.netloc.rpartition("@")[2]]
    candidates += parts.path.split("/") + [v for _k, v in parse_qsl(parts.query)]
    return {unquote(c) for c in candidates if c and len(c) >= _SECRET_PART and "." not in c}


def _notify(url: str, title: str, body: str, timeout: float) -> bool:
    """Send through a fresh Apprise object (they are not shared between threads); True on success."""
    plugin = apprise.Apprise.instantiate(url, asset=_ASSET)
    if plugin is None:
        return False
    plugin.socket_connect_timeout = min(timeout, CONNECT_TIMEOUT_SECONDS)
    plugin.socket_read_timeout = timeout
    notifier = apprise.Apprise(asset=_ASSET)
    notifier.add(plugin)
    return bool(notifier.notify(body=body, title=title, body_format=apprise.NotifyFormat.MARKDOWN))


class AppriseSender:
    """Sends `{"title", "text"}` payloads to Apprise channels on threads of its own."""

    def __init__(self, channels: list[ChannelConfig], *, timeout: float) -> None:
        self.timeout = timeout
        count = sum(1 for c in channels if c.kind == "apprise")
        # from now on no log line shows a token of these URLs, whichever library logs it
        logs.hide(
            part for c in channels if c.kind == "apprise" for part in secret_parts(c.url.get_secret_value())
        )
        # one lane per channel sends one message at a time, so one thread per channel suffices
        self._pool = ThreadPoolExecutor(max_workers=max(count, 1), thread_name_prefix="apprise")

    async def send(self, channel: ChannelConfig, payload: dict[str, Any]) -> str | None:
        """None when delivered, else why not (without the URL). Raises TimeoutError past the bound."""
        url = channel.url.get_secret_value()
        call = functools.partial(
            _notify, url, str(payload.get("title") or ""), str(payload.get("text") or ""), self.timeout
        )
        async with asyncio.timeout(self.timeout):
            ok = await asyncio.get_running_loop().run_in_executor(self._pool, call)
        if ok:
            return None
        return f"the {scheme(url)} service did not accept the message (Apprise logs why in the worker log)"

    def close(self) -> None:
        self._pool.shutdown(wait=False)
