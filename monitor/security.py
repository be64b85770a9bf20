"""Request guards for every route: known Host names, same-origin writes, JSON bodies, security headers.

The open (keyless) API listens on loopback, but a browser on the same machine can still be made
to reach it: a page on `evil.example` can POST a `text/plain` body (no CORS preflight), and a
DNS-rebinding page can even read the answers under its own host name. So:

- bound to loopback, only loopback names, the public URL's host and `MONITOR_ALLOWED_HOSTS` are
  served (400 "unknown host" otherwise);
- a state-changing request whose Origin (or Referer, when Origin is absent) is not this site is
  refused (403), and a JSON endpoint refuses any non-JSON body type (403): those are the only
  kinds of request a cross-site page can send without a preflight;
- a request carrying a valid API key is exempt: a browser never attaches one cross-site.

It is a plain ASGI middleware (not BaseHTTPMiddleware) so the dashboard's event stream is untouched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor.auth import is_loopback, match_key

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
JSON_PREFIX = "/api/"
SIGNED_BY_SLACK = "/slack/actions"  # authenticated by Slack's request signature (alerts/slack_actions.py)

# No inline scripts or styles anywhere: user text that slipped through escaping still could not run.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# /docs and /redoc start their bundles (served from /docs-static, see app.py) with an inline script.
# Nothing from outside: ReDoc's sidebar would otherwise fetch its vendor's logo from a CDN on each visit.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "font-src 'self'; img-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def split_host(value: str) -> tuple[str, int | None]:
    """`host[:port]` → (lower-case host without brackets or trailing dot, port or None); ValueError if bad."""
    value = value.strip()
    if value.startswith("["):
        host, sep, rest = value[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise ValueError(value)
        port_text = rest[1:] if rest else ""
    elif value.count(":") == 1:
        host, _, port_text = value.partition(":")
    else:
        host, port_text = value, ""
    host = host.lower().rstrip(".")
    if not host:
        raise ValueError(value)
    if not port_text:
        return host, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(value)
    return host, int(port_text)


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an absolute http(s) URL, or None for `null`, opaque or malformed ones."""
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            return None
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        return None
    return scheme, parts.hostname.lower().rstrip("."), port


@dataclass(frozen=True, slots=True)
class Policy:
    """What the guard allows; built once by `create_app` from the configuration."""

    check_host: bool  # only when bound to loopback: a public bind answers to whatever name it is given
    allowed_hosts: frozenset[str]
    trusted_origins: frozenset[tuple[str, str, int]]  # the public URL's origin (behind a proxy)
    key_hashes: tuple[str, ...]


def make_policy(
    *,
    bind_host: str,
    public_urls: Iterable[str | None],
    extra_hosts: Iterable[str],
    key_hashes: Iterable[str],
) -> Policy:
    """The guard's policy for an app listening on `bind_host`."""
    hosts = {"localhost", "127.0.0.1", "::1"}
    origins = set()
    for url in public_urls:
        origin = _origin(url) if url else None
        if origin is not None:
            origins.add(origin)
            hosts.add(origin[1])
    for name in extra_hosts:
        if name.strip():
            hosts.add(split_host(name)[0])
    return Policy(
        check_host=is_loopback(bind_host),
        allowed_hosts=frozenset(hosts),
        trusted_origins=frozenset(origins),
        key_hashes=tuple(key_hashes),
    )


def _has_valid_key(headers: Headers, key_hashes: tuple[str, ...]) -> bool:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return (
        bool(key_hashes) and scheme.lower() == "bearer" and match_key(token.strip(), key_hashes) is not None
    )


def _same_site(origin: tuple[str, str, int], host: tuple[str, int | None], policy: Policy) -> bool:
    if origin in policy.trusted_origins:
        return True
    name, port = host
    if origin[1] != name:
        return False
    # a Host without a port came through the scheme's default port (or a TLS proxy in front)
    return origin[2] == port if port is not None else origin[2] in (80, 443)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def check_request(scope: Scope, policy: Policy) -> tuple[int, str] | None:
    """None when the request may proceed, else (status, reason)."""
    headers = Headers(scope=scope)
    raw_host = headers.get("host", "")
    try:
        host = split_host(raw_host)
    except ValueError:
        return 400, f"unknown host {raw_host!r}: the Host header is malformed"
    if policy.check_host and host[0] not in policy.allowed_hosts and not is_loopback(host[0]):
        return 400, (
            f"unknown host {host[0]!r}: this server answers on loopback names only; add the name to "
            "MONITOR_ALLOWED_HOSTS or [api] public_url if it is yours"
        )
    if scope["method"] in SAFE_METHODS or _has_valid_key(headers, policy.key_hashes):
        return None
    if scope["method"] == "POST" and scope["path"] == SIGNED_BY_SLACK:
        return None  # Slack's servers send no Origin; the route refuses any request Slack did not sign
    source = headers.get("origin") or headers.get("referer")
    if source is not None:
        origin = _origin(source)
        if origin is None or not _same_site(origin, host, policy):
            what = "Origin" if headers.get("origin") else "Referer"
            return 403, f"cross-origin request refused: {what} {source[:200]!r} is not this site"
    content_type = headers.get("content-type")
    if scope["path"].startswith(JSON_PREFIX) and content_type is not None and not _is_json(content_type):
        return 403, (
            f"content type {content_type[:100]!r} refused: send the body as application/json "
            "(other types are what cross-site forms send)"
        )
    return None


class SecurityMiddleware:
    """Refuses unknown hosts and cross-site writes; adds the security headers to every response."""

    def __init__(self, app: ASGIApp, *, policy: Policy) -> None:
        self.app, self.policy = app, policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _header_list(scope["path"])
        refused = check_request(scope, self.policy)
        if refused is not None:
            status, reason = refused
            body = json.dumps({"detail": reason}).encode("utf-8")
            start = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": status, "headers": start + headers})
            await send({"type": "http.response.body", "body": body})
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in headers if n not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _header_list(path: str) -> list[tuple[bytes, bytes]]:
    values = dict(SECURITY_HEADERS)
    if path in DOCS_PATHS:
        values["Content-Security-Policy"] = DOCS_CSP
    return [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in values.items()]
