"""Webhook signatures, Stripe-style: an HMAC over the timestamp and the exact body bytes.

Every webhook POST carries

    X-Monitor-Timestamp: 1717171717                 (unix seconds when it was sent)
    X-Monitor-Signature: sha256=<hex>               (only when the channel has a `secret`)
    X-Monitor-Delivery: <delivery id>               (the same on every retry: dedupe on it)

where `<hex>` is HMAC-SHA256(key=secret, msg=f"{timestamp}.{raw body}") in lowercase hex.

To verify, a receiver:
1. reads the raw request body as bytes (before any JSON parsing or re-serialising);
2. computes `hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()`;
3. compares it with the header's hex using a constant-time compare (`hmac.compare_digest`);
4. rejects timestamps more than a few minutes from its own clock (replays);
5. ignores a delivery id it has already processed (a retry after a lost 2xx).

`verify_signature` below does 2–4 and can be copied into a receiver as it is.
"""

from __future__ import annotations

import hashlib
import hmac
import time

PREFIX = "sha256="


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The `X-Monitor-Signature` value for this body sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return PREFIX + mac.hexdigest()


def verify_signature(
    secret: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    *,
    tolerance_seconds: int = 300,
    now: float | None = None,
) -> bool:
    """True when the signature matches the body and the timestamp is within `tolerance_seconds`."""
    if not timestamp or not signature or not signature.startswith(PREFIX):
        return False
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature.strip())
