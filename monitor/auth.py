"""API keys: only their SHA-256 hashes are kept, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Iterable

from monitor.config import AppConfig
from monitor.settings import Settings

_PREFIX = "sha256:"


def hash_key(key: str) -> str:
    """The `sha256:<hex>` form of a key, as accepted in `[api] api_key_hashes`."""
    return _PREFIX + hashlib.sha256(key.encode("utf-8")).hexdigest()


def load_key_hashes(config: AppConfig, settings: Settings) -> tuple[str, ...]:
    """Every configured key as a hash: TOML keys, TOML hashes and `MONITOR_API_KEYS`, deduplicated."""
    hashes = [hash_key(k.get_secret_value()) for k in config.api.api_keys if k.get_secret_value()]
    hashes += config.api.api_key_hashes
    if settings.api_keys:
        hashes += [hash_key(k.strip()) for k in settings.api_keys.split(",") if k.strip()]
    return tuple(dict.fromkeys(hashes))


def match_key(presented: str, hashes: Iterable[str]) -> str | None:
    """The stored hash the presented key matches, or None; every hash is compared, in constant time."""
    candidate = hash_key(presented).encode("ascii")
    found = None
    for stored in hashes:
        # no early exit: the time taken does not tell which (or whether a) key matched
        if hmac.compare_digest(candidate, stored.encode("ascii")):
            found = stored
    return found


def verify_key(presented: str, hashes: Iterable[str]) -> bool:
    """True when the presented key is one of the configured keys."""
    return match_key(presented, hashes) is not None


def key_label(stored_hash: str) -> str:
    """A name for whoever used a key, for `acknowledged_by`: a short prefix of its hash, never the key."""
    return "key:" + stored_hash.removeprefix(_PREFIX)[:8]


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and `localhost`."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, has_keys: bool) -> str | None:
    """None if the API may listen on `host`, else why not: an open API stays on loopback."""
    if has_keys or is_loopback(host):
        return None
    return (
        f"refusing to listen on {host} without API keys: set [api] api_keys or MONITOR_API_KEYS, "
        "or bind to 127.0.0.1"
    )


def startup_notice(host: str, has_keys: bool) -> str | None:
    """A warning line to log when the API runs open (on loopback), else None."""
    if has_keys or not is_loopback(host):
        return None
    return "no API keys configured: the API is open and listens on loopback only"
