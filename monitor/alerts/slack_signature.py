"""Slack's request signature (v0), checked exactly as Slack documents it, and replays refused.

Slack signs each request: `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{timestamp}:{raw body}">`
with the app's signing secret, `X-Slack-Request-Timestamp` in Unix seconds. A request is accepted
when the signature matches (constant-time compare), the timestamp is within five minutes of our
clock, and that (timestamp, signature) pair has not been accepted before.

Limit: the replay memory lives in the API process. Several API processes behind one URL each keep
their own, so a captured request could be replayed once more against another process within the
five minutes; the actions it can repeat are idempotent or refused on the second try.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import OrderedDict
from collections.abc import Mapping

MAX_SKEW_SECONDS = 5 * 60  # Slack's documented window
VERSION = "v0"


class SignatureError(Exception):
    """The request is not Slack's, or not fresh: the message says which check failed."""


def sign(secret: str, *, timestamp: str, body: bytes) -> str:
    """The `X-Slack-Signature` value Slack would send for this body at this time."""
    base = f"{VERSION}:{timestamp}:".encode() + body
    return f"{VERSION}=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verify(secret: str, *, headers: Mapping[str, str], body: bytes, now: float) -> tuple[str, str]:
    """Check the signature and timestamp; returns (timestamp, signature), else SignatureError."""
    timestamp = headers.get("x-slack-request-timestamp")
    signature = headers.get("x-slack-signature")
    if not timestamp or not signature:
        raise SignatureError("missing X-Slack-Signature or X-Slack-Request-Timestamp header")
    if not timestamp.isascii() or not timestamp.isdigit():
        raise SignatureError("X-Slack-Request-Timestamp is not a Unix time in seconds")
    if abs(now - int(timestamp)) > MAX_SKEW_SECONDS:
        raise SignatureError(
            "X-Slack-Request-Timestamp is more than 5 minutes from this server's clock "
            "(an old or replayed request, or a clock out of sync)"
        )
    expected = sign(secret, timestamp=timestamp, body=body)
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise SignatureError(
            "X-Slack-Signature does not match the body (wrong signing secret or altered body)"
        )
    return timestamp, signature


class ReplayGuard:
    """Remembers accepted (timestamp, signature) pairs as long as their timestamp is acceptable."""

    def __init__(self, *, max_entries: int = 100_000) -> None:
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._max = max_entries

    def first_use(self, timestamp: str, signature: str, *, now: float) -> bool:
        """True the first time a pair is presented; False for a replay."""
        # a pair older than the window is refused by `verify` anyway, so it can be forgotten
        while self._seen and (next(iter(self._seen.values())) < now or len(self._seen) >= self._max):
            self._seen.popitem(last=False)
        key = (timestamp, signature)
        if key in self._seen:
            return False
        self._seen[key] = now + 2 * MAX_SKEW_SECONDS
        return True
