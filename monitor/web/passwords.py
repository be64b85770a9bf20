"""Dashboard passwords: PBKDF2-HMAC-SHA256 hashes in the `pbkdf2_sha256$<iter>$<salt>$<b64>` form."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

ALGORITHM = "pbkdf2_sha256"
# OWASP's 2023 figure for PBKDF2-HMAC-SHA256; a sign-in costs ~0.3 s, which also slows guessing.
DEFAULT_ITERATIONS = 600_000
_MAX_ITERATIONS = 10_000_000  # a hash from a hostile config must not pin a CPU for minutes


def _derive(password: str, salt: str, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("ascii"), iterations)


def hash_password(password: str, *, iterations: int = DEFAULT_ITERATIONS) -> str:
    """A salted hash of `password` for `[[users]] password_hash` (never store the password)."""
    if iterations < 1:
        raise ValueError("iterations must be positive")
    salt = secrets.token_hex(16)
    digest = base64.b64encode(_derive(password, salt, iterations)).decode("ascii")
    return f"{ALGORITHM}${iterations}${salt}${digest}"


def verify_password(password: str, encoded: str) -> bool:
    """True when `password` matches `encoded`; malformed hashes never match. Constant-time compare."""
    try:
        algorithm, iterations_text, salt, digest = encoded.split("$")
        iterations = int(iterations_text)
        expected = base64.b64decode(digest, validate=True)
        salt.encode("ascii")
    except (ValueError, UnicodeEncodeError):
        return False
    if algorithm != ALGORITHM or not 1 <= iterations <= _MAX_ITERATIONS or not expected:
        return False
    return hmac.compare_digest(_derive(password, salt, iterations), expected)
