"""Sign-in, the signed session cookie and CSRF tokens for the dashboard.

The cookie holds `{user, csrf, issued}` as base64 JSON plus an HMAC-SHA256 of it. The key is
`MONITOR_SESSION_SECRET` when set (sessions survive restarts and work across several API
processes), else random per process (everyone signs in again after a restart). Every visitor,
signed in or not, gets a session: its CSRF token is what each POST form must send back.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import Request, Response

from monitor.auth import key_label, match_key
from monitor.config import UserConfig
from monitor.web.passwords import verify_password

COOKIE = "monitor_session"
MAX_AGE = 12 * 3600  # a working day; then sign in again
OPEN_USER = "dashboard"  # who acknowledged, when nobody signs in


@dataclass(frozen=True, slots=True)
class WebSession:
    user: str | None
    csrf: str
    issued: int


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking at the page, and the token their forms carry."""

    name: str
    csrf: str
    open: bool


class LoginRequired(Exception):
    """Raised by `viewer()`; mount_web turns it into a redirect to /login (401 for /events)."""


class WebError(Exception):
    """An error page with a status code (403 bad CSRF token, 404, 409)."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code, self.message = status_code, message


def session_secret() -> bytes:
    """MONITOR_SESSION_SECRET, or a fresh random key for this process."""
    configured = os.environ.get("MONITOR_SESSION_SECRET", "")
    return configured.encode("utf-8") if configured else secrets.token_bytes(32)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    """Serializes sessions into tamper-evident cookie values."""

    def __init__(self, secret: bytes) -> None:
        self._key = hashlib.sha256(b"monitor.web.session\x00" + secret).digest()

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest())

    def dumps(self, session: WebSession) -> str:
        data = {"u": session.user, "c": session.csrf, "t": session.issued}
        payload = _b64(json.dumps(data, separators=(",", ":")).encode("utf-8"))
        return f"{payload}.{self._sign(payload)}"

    def loads(self, value: str, *, now: float) -> WebSession | None:
        """The session in a cookie value, or None if forged, malformed or expired."""
        payload, _, signature = value.partition(".")
        try:
            if not hmac.compare_digest(self._sign(payload), signature):
                return None
            data = json.loads(_unb64(payload))
        except (ValueError, UnicodeError, binascii.Error):
            return None
        if not isinstance(data, dict):
            return None
        user, csrf, issued = data.get("u"), data.get("c"), data.get("t")
        if (
            not isinstance(csrf, str)
            or not isinstance(issued, int)
            or not (user is None or isinstance(user, str))
        ):
            return None
        if not 0 <= now - issued <= MAX_AGE:
            return None
        return WebSession(user=user, csrf=csrf, issued=issued)


class Revocations:
    """Sessions ended by signing out: a copied cookie stops working at once, server-side.

    A session is known by a hash of its CSRF token (random per session). Entries expire with the
    session itself (issued + MAX_AGE), so the set stays as small as the sign-outs of one working
    day. Kept in the process's memory: with several API processes, or across a restart with
    MONITOR_SESSION_SECRET set, a signed-out cookie is refused only by the process that saw the
    sign-out (until it expires anyway).
    """

    def __init__(self) -> None:
        self._until: dict[str, float] = {}

    @staticmethod
    def _key(session: WebSession) -> str:
        return hashlib.sha256(session.csrf.encode("utf-8")).hexdigest()

    def revoke(self, session: WebSession, *, now: float) -> None:
        self._until = {k: t for k, t in self._until.items() if t > now}
        self._until[self._key(session)] = session.issued + MAX_AGE

    def is_revoked(self, session: WebSession) -> bool:
        return self._key(session) in self._until


def new_session(user: str | None = None) -> WebSession:
    return WebSession(user=user, csrf=secrets.token_urlsafe(24), issued=int(time.time()))


class Authenticator:
    """Checks names and passwords against `[[users]]`, and passwords against the API keys."""

    def __init__(self, users: Sequence[UserConfig], key_hashes: Sequence[str]) -> None:
        self._users = {u.name: u.password_hash.get_secret_value() for u in users}
        self._key_hashes = tuple(key_hashes)
        self._key_labels = {key_label(h) for h in self._key_hashes}

    @property
    def open(self) -> bool:
        """No users and no API keys: the dashboard needs no sign-in (the API is on loopback then)."""
        return not self._users and not self._key_hashes

    @property
    def user_names(self) -> list[str]:
        return sorted(self._users)

    def authenticate(self, name: str, password: str) -> str | None:
        """The signed-in name (a user's, or `key:<prefix>` for an API key), or None."""
        name = name.strip()
        stored = self._users.get(name)
        if stored is not None:
            if verify_password(password, stored):
                return name
        elif self._users:
            # an unknown name costs as much as a wrong password: timing does not reveal who exists
            verify_password(password, next(iter(self._users.values())))
        if password and self._key_hashes:
            matched = match_key(password, self._key_hashes)
            if matched is not None:
                return key_label(matched)
        return None

    def still_valid(self, user: str) -> bool:
        """False once the user (or key) is gone from the configuration."""
        return user in self._users or user in self._key_labels


def current_session(request: Request) -> WebSession:
    """This request's session; a new anonymous one (set on the response) if the cookie is bad."""
    cached = getattr(request.state, "web_session", None)
    if cached is not None:
        return cached
    signer: SessionSigner = request.app.state.web.signer
    raw = request.cookies.get(COOKIE)
    session = signer.loads(raw, now=time.time()) if raw else None
    if session is not None and request.app.state.web.revoked.is_revoked(session):
        session = None  # signed out: the cookie's signature is still good, the session is not
    if session is None:
        session = new_session()
        request.state.web_session_dirty = True
    request.state.web_session = session
    return session


def end_session(request: Request) -> None:
    """Sign out: revoke this session server-side and start a fresh anonymous one."""
    request.app.state.web.revoked.revoke(current_session(request), now=time.time())
    replace_session(request, new_session())


def replace_session(request: Request, session: WebSession) -> None:
    """Switch this request's session (sign-in, sign-out); the response carries the new cookie."""
    request.state.web_session = session
    request.state.web_session_dirty = True


def save_session(request: Request, response: Response) -> None:
    """Set the cookie when the session is new or changed."""
    if not getattr(request.state, "web_session_dirty", False):
        return
    signer: SessionSigner = request.app.state.web.signer
    response.set_cookie(
        COOKIE,
        signer.dumps(request.state.web_session),
        max_age=MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def viewer(request: Request) -> Viewer:
    """Dependency: the signed-in viewer; raises LoginRequired when sign-in is needed."""
    session = current_session(request)
    auth: Authenticator = request.app.state.web.auth
    if auth.open:
        return Viewer(name=OPEN_USER, csrf=session.csrf, open=True)
    if session.user is not None and auth.still_valid(session.user):
        return Viewer(name=session.user, csrf=session.csrf, open=False)
    raise LoginRequired()


def check_csrf(request: Request, token: str | None) -> None:
    """403 unless the form's token is this session's token."""
    expected = current_session(request).csrf
    if not token or not hmac.compare_digest(token.encode("utf-8"), expected.encode("utf-8")):
        raise WebError(403, "This form has expired or did not come from the dashboard. Reload and try again.")


def safe_next(target: str | None) -> str:
    """Where to go after sign-in: only a path on this site (never `//host` or a full URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(c) < 32 for c in target):
        return "/"
    return target
