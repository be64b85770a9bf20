"""Bluesky post search (app.bsky.feed.searchPosts) with an app-password session."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from connectors.base import (
    Connector,
    ConnectorError,
    ErrorClass,
    FetchResult,
    Mention,
    PollState,
    RateLimited,
)
from connectors.helpers import (
    dedupe,
    dump_cursor,
    iso_z,
    load_cursor,
    parse_datetime,
    parse_retry_after,
    pause_for,
    seconds_until_epoch,
    to_int,
)
from connectors.rss import http_url

_PAGE_SIZE = 100
_SESSION_ERRORS = {"ExpiredToken", "InvalidToken"}


class BlueskyConfig(BaseModel):
    """A Bluesky search, read with an account's app password."""

    model_config = ConfigDict(extra="forbid")
    identifier: str = Field(min_length=1, description="Account handle or email, e.g. acme-social.bsky.social")
    app_password: SecretStr = Field(
        description="An app password (Settings > App passwords), not the account password"
    )
    query: str = Field(min_length=1, description="Search query (Lucene-like syntax), e.g. 'acme outage'")
    language: str | None = Field(default=None, description="Only posts in this language (ISO code), e.g. en")
    pds: str = Field(default="https://bsky.social", description="The account's PDS (host of the session)")

    @field_validator("pds")
    @classmethod
    def _check_pds(cls, value: str) -> str:
        return http_url(value).rstrip("/")


class _SessionExpired(ConnectorError):
    """The access token expired or was revoked: refresh or log in again, once."""


class BlueskyConnector(Connector[BlueskyConfig]):
    """Bluesky posts; the cursor holds the newest post time seen (sent as since), its uris, any backlog."""

    slug: ClassVar[str] = "bluesky"
    title: ClassVar[str] = "Bluesky"
    Config: ClassVar[type[BaseModel]] = BlueskyConfig

    def __init__(self) -> None:
        # Sessions are reused: createSession allows only 30 calls / 5 min and 300 / day per account.
        self._sessions: dict[tuple[str, str, str], dict[str, str]] = {}

    async def fetch(self, client: httpx.AsyncClient, config: BlueskyConfig, state: PollState) -> FetchResult:
        previous = load_cursor(state.cursor)
        drain = previous.pop("drain", None) or {}
        since, seen = previous.get("since"), set(previous.get("seen") or [])
        params: dict[str, Any] = {"q": config.query, "sort": "latest", "limit": _PAGE_SIZE}
        if since:
            params["since"] = since
        if config.language:
            params["lang"] = config.language
        # A backlog goes on below the oldest post the last poll read (until is exclusive: one
        # millisecond later re-reads that instant, so posts sharing it are not skipped).
        until = drain.get("until")
        items: list[dict[str, Any]] = []
        pause = None
        done = False
        for _ in range(self.max_pages if since else 1):
            response = await self._get(
                client, config, "app.bsky.feed.searchPosts", {**params, "until": until} if until else params
            )
            pause = pause_for(
                response.headers.get("ratelimit-remaining"),
                seconds_until_epoch(response.headers.get("ratelimit-reset")),
            )
            payload = self.parse_json_object(response, "posts")
            page = [p for p in payload.get("posts") or [] if isinstance(p, dict) and p.get("uri")]
            items.extend(page)
            oldest = min((t for p in page if (t := _sort_at(p)) is not None), default=None)
            if not page or not payload.get("cursor") or len(page) < _PAGE_SIZE or oldest is None:
                done = True
                break
            step = iso_z(oldest + timedelta(milliseconds=1))
            until = step if step != until else iso_z(oldest)  # a full page in one millisecond
            if pause:
                break
        # since is inclusive: drop what the last poll already returned (and anything older).
        floor = parse_datetime(since)
        items = [
            p
            for p in dedupe(items, lambda p: p["uri"])
            if p["uri"] not in seen and (floor is None or (_sort_at(p) or floor) >= floor)
        ]
        # The newest mark of the burst is taken on its first poll and kept until it is drained.
        top = drain.get("top") or load_cursor(_next_cursor(items, previous))
        if not since or done:
            cursor = dump_cursor(top) if top else None
            return FetchResult(items=items, state=PollState(cursor=cursor), pause_seconds=pause)
        cursor = dump_cursor({**previous, "drain": {"until": until, "top": top}})
        return FetchResult(items=items, state=PollState(cursor=cursor), pause_seconds=pause, more=True)

    async def _get(
        self, client: httpx.AsyncClient, config: BlueskyConfig, method: str, params: dict
    ) -> httpx.Response:
        url = f"{config.pds}/xrpc/{method}"
        session = await self._session(client, config)
        try:
            return await self.request(
                client, "GET", url, params=params, headers=_bearer(session["accessJwt"])
            )
        except _SessionExpired:
            session = await self._renew(client, config, session)
            return await self.request(
                client, "GET", url, params=params, headers=_bearer(session["accessJwt"])
            )

    async def _session(self, client: httpx.AsyncClient, config: BlueskyConfig) -> dict[str, str]:
        key = _key(config)
        if key not in self._sessions:
            body = {"identifier": config.identifier, "password": config.app_password.get_secret_value()}
            url = f"{config.pds}/xrpc/com.atproto.server.createSession"
            try:
                response = await self.request(client, "POST", url, json=body)
            except ConnectorError as exc:
                if exc.error_class is ErrorClass.AUTH:
                    message = f"Bluesky rejected the identifier or app password for {config.identifier}"
                    raise ConnectorError(ErrorClass.AUTH, message, status=exc.status) from exc
                raise
            self._sessions[key] = self._tokens(response)
        return self._sessions[key]

    async def _renew(
        self, client: httpx.AsyncClient, config: BlueskyConfig, session: dict[str, str]
    ) -> dict[str, str]:
        """Refresh the session with its refresh token; if that fails too, log in afresh."""
        key = _key(config)
        self._sessions.pop(key, None)
        url = f"{config.pds}/xrpc/com.atproto.server.refreshSession"
        try:
            response = await self.request(client, "POST", url, headers=_bearer(session["refreshJwt"]))
            self._sessions[key] = self._tokens(response)
        except ConnectorError as exc:
            if exc.error_class is not ErrorClass.AUTH:
                raise
        return await self._session(client, config)

    def _tokens(self, response: httpx.Response) -> dict[str, str]:
        payload = self.parse_json_object(response, "accessJwt", "refreshJwt")
        return {"accessJwt": payload["accessJwt"], "refreshJwt": payload["refreshJwt"]}

    def api_error(self, response: httpx.Response) -> ConnectorError | None:
        try:
            error = json.loads(response.content).get("error")
        except (ValueError, AttributeError):
            error = None
        if error in _SESSION_ERRORS:
            return _SessionExpired(
                ErrorClass.AUTH, f"Bluesky session expired ({error})", status=response.status_code
            )
        if response.status_code == 429:
            wait = parse_retry_after(response.headers.get("retry-after"))
            if wait is None:
                wait = seconds_until_epoch(response.headers.get("ratelimit-reset"))
            return RateLimited(f"HTTP 429 (rate limited) from {response.url.host}", retry_after=wait)
        return None

    def normalize(self, raw: Any, config: BlueskyConfig) -> Mention | None:
        record = raw.get("record") or {}
        text = (record.get("text") or "").strip()
        uri = raw.get("uri")
        if not uri or not text:
            return None
        author = raw.get("author") or {}
        handle = author.get("handle")
        rkey = uri.rsplit("/", 1)[-1]
        counts = [to_int(raw.get(k)) for k in ("likeCount", "repostCount", "replyCount", "quoteCount")]
        langs = record.get("langs") or []
        return Mention(
            external_id=uri,
            text=text,
            url=f"https://bsky.app/profile/{handle or author.get('did')}/post/{rkey}",
            author=handle,
            author_reach=to_int(author.get("followersCount")),
            engagement=None if all(c is None for c in counts) else sum(c or 0 for c in counts),
            published_at=parse_datetime(record.get("createdAt")) or parse_datetime(raw.get("indexedAt")),
            language=langs[0] if langs else None,
            raw=raw,
        )


def _sort_at(post: dict[str, Any]) -> datetime | None:
    """The search index's sort time: createdAt, unless it claims to be later than indexedAt."""
    times = [
        parse_datetime((post.get("record") or {}).get("createdAt")),
        parse_datetime(post.get("indexedAt")),
    ]
    known = [t for t in times if t is not None]
    return min(known) if known else None


def _next_cursor(items: list[dict[str, Any]], previous: dict[str, Any]) -> str | None:
    timed = [(t, p["uri"]) for p in items if (t := _sort_at(p)) is not None]
    old = parse_datetime(previous.get("since"))
    if not timed:
        return dump_cursor(previous) if previous else None
    newest = max(t for t, _ in timed)
    if old is not None and old > newest:
        return dump_cursor(previous)
    since = iso_z(newest)  # millisecond precision: every post at or after it is remembered in seen
    cutoff = parse_datetime(since)
    seen = {uri for t, uri in timed if cutoff is not None and t >= cutoff}
    if previous.get("since") == since:
        seen |= set(previous.get("seen") or [])
    return dump_cursor({"since": since, "seen": sorted(seen)})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _key(config: BlueskyConfig) -> tuple[str, str, str]:
    digest = hashlib.sha256(config.app_password.get_secret_value().encode()).hexdigest()
    return config.pds, config.identifier, digest
