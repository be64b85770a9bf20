"""Reddit: a subreddit's new posts or comments, or a post search, with app-only OAuth (client_credentials)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from importlib import metadata
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from connectors.base import Connector, ConnectorError, ErrorClass, FetchResult, Mention, PollState
from connectors.helpers import clean_text, dedupe, from_epoch, pause_for, to_int
from connectors.reddit_threads import ThreadsMixin, rank

TOKEN_URL = "https://www.reddit.com/api/v1/access_token"
API_BASE = "https://oauth.reddit.com"
_PAGE_SIZE = 100
_USERNAME_RE = re.compile(r"[A-Za-z0-9_-]{3,20}")
_REMOVED = {"[removed]", "[deleted]"}
try:
    _VERSION = metadata.version("brand-monitor")
except metadata.PackageNotFoundError:  # run from a source tree that was never installed
    _VERSION = "0"


class RedditConfig(BaseModel):
    """A subreddit's new posts or comments, or a post search (site-wide or within one subreddit)."""

    model_config = ConfigDict(extra="forbid")
    client_id: str = Field(
        min_length=1, description="OAuth app id (a 'script' or 'web' app at reddit.com/prefs/apps)"
    )
    client_secret: SecretStr = Field(description="OAuth app secret")
    subreddit: str | None = Field(
        default=None, description="Subreddit name without r/, e.g. 'acme'; several as 'acme+acmesupport'"
    )
    query: str | None = Field(
        default=None, description="Search terms; without it the subreddit's new posts are polled"
    )
    comments: bool = Field(
        default=False,
        description="Comments instead of posts: the subreddit's new comments (/r/<sub>/comments), or "
        "with a query the comments of the threads the post search finds",
    )
    username: str | None = Field(
        default=None,
        description="Your Reddit username, for the User-Agent Reddit asks for: '... (by /u/<username>)'",
    )

    @field_validator("subreddit")
    @classmethod
    def _strip_prefix(cls, value: str | None) -> str | None:
        value = (value or "").strip().removeprefix("/").removeprefix("r/").strip("/")
        return value or None

    @field_validator("username")
    @classmethod
    def _strip_user(cls, value: str | None) -> str | None:
        value = (value or "").strip().removeprefix("/").removeprefix("u/").strip("/")
        if value and not _USERNAME_RE.fullmatch(value):
            raise ValueError(f"{value!r} is not a Reddit username (3-20 letters, digits, _ or -)")
        return value or None

    @model_validator(mode="after")
    def _needs_target(self) -> RedditConfig:
        if not self.subreddit and not (self.query or "").strip():
            raise ValueError("give a subreddit, a query, or both")
        return self

    def user_agent(self) -> str:
        """The form Reddit's API rules ask for: <platform>:<app ID>:<version> (by /u/<username>)."""
        agent = f"python:{self.client_id}:{_VERSION}"
        return f"{agent} (by /u/{self.username})" if self.username else agent


class RedditConnector(ThreadsMixin, Connector[RedditConfig]):
    """Reddit posts or comments; the cursor is the newest fullname seen (polled with before=)."""

    slug: ClassVar[str] = "reddit"
    title: ClassVar[str] = "Reddit"
    Config: ClassVar[type[BaseModel]] = RedditConfig

    def __init__(self) -> None:
        # (client_id, secret digest) -> (access token, expiry epoch)
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}

    async def fetch(self, client: httpx.AsyncClient, config: RedditConfig, state: PollState) -> FetchResult:
        if config.query:
            path = f"/r/{config.subreddit}/search" if config.subreddit else "/search"
            base = {"q": config.query, "sort": "new", "restrict_sr": "1" if config.subreddit else "0"}
            if config.comments:  # no comment search in the API: the comments of the matching threads
                return await self._thread_comments(client, config, state, path, base)
        elif config.comments:
            path, base = f"/r/{config.subreddit}/comments", {}
        else:
            path, base = f"/r/{config.subreddit}/new", {}
        kind = "t1_" if config.comments else "t3_"
        # A post cursor (t3_) left by switching a source to comments (or back) would compare ids
        # of another kind: start afresh from the newest page instead.
        start = state.cursor if (state.cursor or "").startswith(kind) else None
        items: list[dict[str, Any]] = []
        before = start
        pause = None
        more = False
        for number in range(self.max_pages):
            page, pause = await self._page(client, config, path, base, before)
            if not page and number == 0 and before and not pause:
                # before=<a post since removed by the spam filter> returns nothing forever:
                # read the newest page instead and keep what is newer than the cursor.
                latest, pause = await self._page(client, config, path, base, None)
                page = [d for d in latest if rank(d.get("name") or "") > rank(before)]
            items.extend(page)
            # Without a cursor only the newest page is read; with one, walk towards the present
            # (before=<newest of this page>) until a short page says we are caught up.
            if not before or not page or len(page) < _PAGE_SIZE or pause:
                break
            before = _newest(page)
            # A full last page: newer items may wait above it; the cursor is the newest read, so
            # the next poll (due at once) goes on from there.
            more = number == self.max_pages - 1
        items = dedupe(items, lambda d: d.get("name"))
        cursor = _newest(items) if items else start
        if cursor and start and rank(start) > rank(cursor):
            cursor = start
        return FetchResult(items=items, state=PollState(cursor=cursor), pause_seconds=pause, more=more)

    async def _page(
        self, client: httpx.AsyncClient, config: RedditConfig, path: str, base: dict, before: str | None
    ) -> tuple[list[dict[str, Any]], float | None]:
        params = {**base, "limit": str(_PAGE_SIZE), "raw_json": "1"}
        if before:
            params["before"] = before
        response = await self._get(client, config, API_BASE + path, params)
        pause = pause_for(
            response.headers.get("x-ratelimit-remaining"), to_int(response.headers.get("x-ratelimit-reset"))
        )
        listing = self.parse_json_object(response, "data").get("data") or {}
        if not isinstance(listing, dict):
            raise ConnectorError(ErrorClass.PARSE, "unexpected JSON shape from reddit: data is not a listing")
        page = [c["data"] for c in listing.get("children") or [] if isinstance(c, dict) and c.get("data")]
        return page, pause

    async def _get(
        self, client: httpx.AsyncClient, config: RedditConfig, url: str, params: dict
    ) -> httpx.Response:
        for attempt in range(2):
            token = await self._token(client, config)
            try:
                headers = {"Authorization": f"bearer {token}", "User-Agent": config.user_agent()}
                return await self.request(client, "GET", url, params=params, headers=headers)
            except ConnectorError as exc:
                # A revoked or expired token: forget it and log in again, once.
                if exc.status != 401 or attempt:
                    raise
                self._tokens.pop(_key(config), None)
        raise AssertionError("unreachable")

    async def _token(self, client: httpx.AsyncClient, config: RedditConfig) -> str:
        cached = self._tokens.get(_key(config))
        if cached and cached[1] > time.time():
            return cached[0]
        try:
            response = await self.request(
                client,
                "POST",
                TOKEN_URL,
                data={"grant_type": "client_credentials"},
                headers={**_basic(config), "User-Agent": config.user_agent()},
            )
        except ConnectorError as exc:
            if exc.error_class is ErrorClass.AUTH:
                raise ConnectorError(
                    ErrorClass.AUTH,
                    "reddit rejected the app credentials (client_id/client_secret)",
                    status=exc.status,
                ) from exc
            raise
        payload = self.parse_json_object(response)
        token = payload.get("access_token")
        if not token:
            reason = payload.get("error") or "no access_token in the reply"
            raise ConnectorError(ErrorClass.AUTH, f"reddit refused a token: {reason}")
        # Renew a minute early so a token never expires mid-poll.
        expires = time.time() + max(60.0, float(payload.get("expires_in") or 3600) - 60)
        self._tokens[_key(config)] = (token, expires)
        return token

    def api_error(self, response: httpx.Response) -> ConnectorError | None:
        # The token endpoint answers a bad grant with {"error": "invalid_grant"}, even with a 200.
        if not response.url.path.endswith("/access_token"):
            return None
        try:
            reason = json.loads(response.content).get("error")
        except (ValueError, AttributeError):
            return None
        if not reason:
            return None
        return ConnectorError(
            ErrorClass.AUTH, f"reddit refused a token: {reason}", status=response.status_code
        )

    def normalize(self, raw: Any, config: RedditConfig) -> Mention | None:
        name = raw.get("name")
        if str(name or "").startswith("t1_"):
            return _comment(raw)
        title = clean_text(raw.get("title")) or None
        body = clean_text(raw.get("selftext") or raw.get("body"))
        if body in _REMOVED:
            body = ""
        if not name or not (title or body):
            return None
        score, comments = to_int(raw.get("score")), to_int(raw.get("num_comments"))
        engagement = None if score is None and comments is None else (score or 0) + (comments or 0)
        author = raw.get("author")
        permalink = raw.get("permalink")
        return Mention(
            external_id=name,
            text="\n\n".join(part for part in (title, body) if part),
            url=f"https://www.reddit.com{permalink}" if permalink else raw.get("url"),
            title=title,
            author=None if author in _REMOVED else author,
            author_reach=to_int(raw.get("subreddit_subscribers")),
            engagement=engagement,
            published_at=from_epoch(raw.get("created_utc")),
            raw=raw,
        )


def _comment(raw: dict[str, Any]) -> Mention | None:
    """A t1 comment: its body is the text; the post's title stays in raw (it would match every reply)."""
    body = clean_text(raw.get("body"))
    if not body or body in _REMOVED:
        return None
    author = raw.get("author")
    permalink = raw.get("permalink")
    return Mention(
        external_id=raw["name"],
        text=body,
        url=f"https://www.reddit.com{permalink}" if permalink else raw.get("link_permalink"),
        author=None if author in _REMOVED else author,
        engagement=to_int(raw.get("score")),
        published_at=from_epoch(raw.get("created_utc")),
        raw=raw,
    )


def _newest(items: list[dict[str, Any]]) -> str:
    return max((d["name"] for d in items if d.get("name")), key=rank)


def _key(config: RedditConfig) -> tuple[str, str]:
    secret = hashlib.sha256(config.client_secret.get_secret_value().encode()).hexdigest()
    return config.client_id, secret


def _basic(config: RedditConfig) -> dict[str, str]:
    pair = f"{config.client_id}:{config.client_secret.get_secret_value()}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}
