"""The connector interface: errors, the normalized mention, poll state and the base class."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Generic, TypeVar

import httpx
from pydantic import BaseModel

from connectors.helpers import format_bytes, looks_like_html, parse_retry_after


class ErrorClass(StrEnum):
    """Why a poll failed, so the scheduler can pick a backoff and a health state."""

    AUTH = "auth"  # 401/403 (bad/expired credentials)
    GONE = "gone"  # 404/410
    RATE_LIMITED = "rate_limited"  # 429 or an API's own "slow down"
    SERVER = "server"  # 5xx
    TIMEOUT = "timeout"  # connect/read timeout
    NETWORK = "network"  # connection refused, DNS, TLS, too many redirects
    PARSE = "parse"  # malformed JSON/XML, HTML where a feed/JSON was expected, wrong shape
    TOO_LARGE = "too_large"  # body over the cap
    CLIENT = "client"  # other 4xx


class ConnectorError(Exception):
    """A classified poll failure; str() is a one-line reason a person understands."""

    def __init__(
        self,
        error_class: ErrorClass,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.error_class = ErrorClass(error_class)
        self.message = message
        self.status = status
        self.retry_after = retry_after

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.error_class.value!r}, {self.message!r}, "
            f"status={self.status!r}, retry_after={self.retry_after!r})"
        )


class RateLimited(ConnectorError):
    """The source said "slow down"; retry_after is how many seconds to wait, when known."""

    def __init__(self, message: str, *, status: int | None = 429, retry_after: float | None = None) -> None:
        super().__init__(ErrorClass.RATE_LIMITED, message, status=status, retry_after=retry_after)


@dataclass(frozen=True, slots=True)
class Mention:
    """The shared normalized mention shape every connector produces."""

    external_id: str  # stable per source (GUID/id/uri); never empty
    text: str  # plain text (HTML stripped, entities unescaped)
    url: str | None = None
    title: str | None = None
    author: str | None = None
    author_reach: int | None = None  # followers/subscribers/karma where given
    engagement: int | None = None  # score/likes/replies/comments where given
    published_at: datetime | None = None  # timezone-aware UTC
    language: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)  # JSON-serializable original item


@dataclass(frozen=True, slots=True)
class PollState:
    """What the caller stores between polls; the cursor is opaque to it."""

    cursor: str | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Gap:
    """Items an API could not return any more (e.g. older than its search window): shown, not hidden."""

    reason: str  # why, in words a person understands
    since: datetime | None = None  # the span lost, as far as it is known
    until: datetime | None = None
    missed: int | None = None  # roughly how many items, when the API says


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One poll's raw items and the state to store once the items are stored."""

    items: list[Any]
    state: PollState
    not_modified: bool = False
    pause_seconds: float | None = None  # rate-limit headers say: don't call again for this long
    # The page budget ran out before the cursor was reached: the state holds where to resume,
    # so poll again soon rather than after the interval.
    more: bool = False
    gaps: tuple[Gap, ...] = ()
    # The publisher's own "not before" (Cache-Control max-age, Expires, RSS <ttl>), in seconds:
    # the scheduler waits at least this long, within the source's min/max interval.
    min_interval_hint: float | None = None


C = TypeVar("C", bound=BaseModel)


class Connector(ABC, Generic[C]):
    """One source: declarations, one fetch per poll, a pure normalize."""

    slug: ClassVar[str]  # once shipped, never changes
    title: ClassVar[str]
    Config: ClassVar[type[BaseModel]]
    default_interval: ClassVar[int] = 300
    # 5 MiB: one page of any API we poll is far smaller; some forums serve whole archives.
    max_body_bytes: ClassVar[int] = 5 * 1024 * 1024
    # Pages per poll. A burst deeper than this is not skipped: the cursor keeps the old
    # high-water mark plus where to resume, and the next poll (due at once) goes on from there.
    max_pages: ClassVar[int] = 5

    @abstractmethod
    async def fetch(self, client: httpx.AsyncClient, config: C, state: PollState) -> FetchResult:
        """Poll once (possibly several pages) and return raw items plus the new state."""

    @abstractmethod
    def normalize(self, raw: Any, config: C) -> Mention | None:
        """Turn one raw item into a Mention; None skips it (deleted, empty)."""

    async def check(self, client: httpx.AsyncClient, config: C) -> None:
        """Validate credentials and reachability; raises ConnectorError saying what is wrong."""
        await self.fetch(client, config, PollState())

    # -- shared helpers ---------------------------------------------------------------------

    def api_error(self, response: httpx.Response) -> ConnectorError | None:
        """Hook: classify an API's own error envelope before the generic status mapping."""
        return None

    async def request(
        self,
        client: httpx.AsyncClient,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, Any] | None = None,
        json: Any = None,
        max_bytes: int | None = None,
    ) -> httpx.Response:
        """Send a request, read the body under a size cap and raise classified errors.

        Returns 2xx and 304 responses with the body already read; everything else raises.
        """
        cap = max_bytes if max_bytes is not None else self.max_body_bytes
        host = httpx.URL(url).host or url
        try:
            async with client.stream(
                method, url, params=params, headers=headers, data=data, json=json
            ) as response:
                host = response.url.host or host
                length = response.headers.get("content-length", "")
                encoded = response.headers.get("content-encoding", "identity") not in ("", "identity")
                # Refuse early when the server announces an over-cap body (uncompressed only:
                # a compressed length says little about the decoded size).
                if length.isdigit() and not encoded and int(length) > cap:
                    raise ConnectorError(
                        ErrorClass.TOO_LARGE,
                        f"body exceeds {format_bytes(cap)} cap ({host} sent {format_bytes(int(length))})",
                        status=response.status_code,
                    )
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > cap:
                        raise ConnectorError(
                            ErrorClass.TOO_LARGE,
                            f"body exceeds {format_bytes(cap)} cap ({host})",
                            status=response.status_code,
                        )
                    chunks.append(chunk)
        except httpx.TimeoutException as exc:
            raise ConnectorError(ErrorClass.TIMEOUT, _timeout_message(exc, client, host)) from exc
        except httpx.TooManyRedirects as exc:
            raise ConnectorError(
                ErrorClass.NETWORK, f"too many redirects from {host} (limit {client.max_redirects})"
            ) from exc
        except httpx.InvalidURL as exc:  # a redirect to `javascript:alert(1)` and the like
            raise ConnectorError(ErrorClass.NETWORK, f"{host} redirected to an invalid URL: {exc}") from exc
        except httpx.DecodingError as exc:
            raise ConnectorError(ErrorClass.PARSE, f"could not decode the body from {host}: {exc}") from exc
        except httpx.TransportError as exc:
            reason = str(exc) or type(exc).__name__
            raise ConnectorError(ErrorClass.NETWORK, f"could not reach {host}: {reason}") from exc

        # A fresh response holding the decoded body (the streamed one is closed and unread).
        body_headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() != "content-encoding"]
        full = httpx.Response(
            response.status_code,
            headers=body_headers,
            content=b"".join(chunks),
            request=response.request,
            history=response.history,
            extensions=response.extensions,
        )
        self.raise_for_status(full)
        return full

    def raise_for_status(self, response: httpx.Response) -> None:
        """Map an HTTP status (after the api_error hook) to a ConnectorError."""
        status = response.status_code
        if status < 300 or status == 304:
            return
        specific = self.api_error(response)
        if specific is not None:
            raise specific
        host = response.url.host
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            wait = f", retry after {retry_after:.0f} s" if retry_after is not None else ""
            raise RateLimited(f"HTTP 429 (rate limited) from {host}{wait}", retry_after=retry_after)
        if status in (401, 403):
            raise ConnectorError(
                ErrorClass.AUTH, f"HTTP {status} from {host}: credentials missing or rejected", status=status
            )
        if status in (404, 410):
            raise ConnectorError(ErrorClass.GONE, f"HTTP {status} from {host}: not found", status=status)
        if status >= 500:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            raise ConnectorError(
                ErrorClass.SERVER, f"HTTP {status} from {host}", status=status, retry_after=retry_after
            )
        if status >= 400:
            raise ConnectorError(ErrorClass.CLIENT, f"HTTP {status} from {host}", status=status)
        raise ConnectorError(
            ErrorClass.CLIENT, f"HTTP {status} from {host}: unexpected redirect", status=status
        )

    def parse_json(self, response: httpx.Response) -> Any:
        """Decode a JSON body, or raise PARSE with a clear reason."""
        content_type = response.headers.get("content-type", "").split(";")[0].strip() or "no content type"
        host = _host(response)
        body = response.content
        if not body.strip():
            raise ConnectorError(ErrorClass.PARSE, f"expected JSON, got an empty body from {host}")
        if looks_like_html(body, content_type):
            raise ConnectorError(
                ErrorClass.PARSE, f"expected JSON, got an HTML page ({content_type}) from {host}"
            )
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ConnectorError(ErrorClass.PARSE, f"malformed JSON from {host}: {exc}") from exc
        if response.status_code < 300 and isinstance(payload, dict):
            # Some APIs answer 200 with an error envelope; read as "no items" it would show ok.
            reason = error_envelope(payload)
            if reason is not None:
                raise self.api_error(response) or _classify_body_error(reason, host, response.status_code)
        return payload

    def parse_json_object(self, response: httpx.Response, *required: str) -> dict[str, Any]:
        """parse_json, then insist on a JSON object (with the given keys): PARSE otherwise."""
        payload = self.parse_json(response)
        if not isinstance(payload, dict):
            raise ConnectorError(
                ErrorClass.PARSE, f"unexpected JSON shape from {_host(response)}: expected an object"
            )
        missing = [key for key in required if key not in payload]
        if missing:
            raise ConnectorError(
                ErrorClass.PARSE,
                f"unexpected JSON shape from {_host(response)}: missing {', '.join(missing)}",
            )
        return payload


# Keys an error reply carries beside the error itself; any other key means the reply holds data
# (X sends "errors" for the parts of a page it could not expand, next to "data").
_ENVELOPE_KEYS = {"error", "errors", "error_type", "error_description", "message", "title", "detail"}
_ENVELOPE_KEYS |= {"type", "status", "code", "extras", "error_id", "error_name", "error_message"}


def error_envelope(payload: Mapping[str, Any]) -> str | None:
    """The reason when a JSON object is an API's error reply rather than data, else None.

    Shapes: {"error": "..."} (Lemmy, Mastodon, Bluesky), {"error": {"message": ...}} (Google),
    {"error": 403, "message": ...} (Reddit), {"error_id", "error_message"} (Stack Exchange),
    {"errors": [...]} with no data (Discourse, X), {"message", "status"} alone (Algolia).
    """
    error = payload.get("error")
    if "error_id" in payload:
        return str(payload.get("error_message") or payload.get("error_name") or payload["error_id"])
    if error not in (None, False, "", {}, []):
        if isinstance(error, dict):
            return str(error.get("message") or error.get("status") or error.get("code") or error)
        detail = payload.get("message") or payload.get("error_description")
        return f"{error}: {detail}" if detail else str(error)
    errors = payload.get("errors")
    if errors and not set(payload) - _ENVELOPE_KEYS:
        first = errors[0] if isinstance(errors, list) else errors
        if isinstance(first, dict):
            first = first.get("message") or first.get("detail") or first.get("title") or first
        detail = payload.get("detail")
        return f"{detail} ({first})" if detail else str(first)
    if payload.get("message") and not set(payload) - _ENVELOPE_KEYS:
        return str(payload["message"])
    return None


_AUTH_WORDS = ("auth", "token", "credential", "forbidden", "permi", "api key", "apikey", "login", "access")
_RATE_WORDS = ("rate", "limit", "throttl", "quota", "too many")


def _classify_body_error(reason: str, host: str, status: int) -> ConnectorError:
    message = f"{host} answered {status} with an error: {reason[:300]}"
    lowered = reason.lower()
    if any(word in lowered for word in _RATE_WORDS):
        return RateLimited(message, status=status)
    if any(word in lowered for word in _AUTH_WORDS):
        return ConnectorError(ErrorClass.AUTH, message, status=status)
    return ConnectorError(ErrorClass.CLIENT, message, status=status)


def _host(response: httpx.Response) -> str:
    try:
        return response.url.host or "the server"
    except RuntimeError:  # a response built without a request
        return "the server"


def _timeout_message(exc: httpx.TimeoutException, client: httpx.AsyncClient, host: str) -> str:
    timeout = client.timeout
    if isinstance(exc, httpx.ConnectTimeout):
        return f"connect to {host} timed out" + _secs(timeout.connect)
    if isinstance(exc, httpx.WriteTimeout):
        return f"sending to {host} timed out" + _secs(timeout.write)
    if isinstance(exc, httpx.PoolTimeout):
        return f"no free connection to {host}" + _secs(timeout.pool)
    return f"read from {host} timed out" + _secs(timeout.read)


def _secs(value: float | None) -> str:
    return f" after {value:g} s" if value is not None else ""
