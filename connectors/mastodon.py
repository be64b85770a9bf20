"""Mastodon (any instance): a public hashtag timeline, or status search with an access token."""

from __future__ import annotations

import time
from typing import Any, ClassVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from connectors.base import Connector, FetchResult, Mention, PollState
from connectors.helpers import dedupe, html_to_text, parse_datetime, parse_link_header, pause_for, to_int
from connectors.rss import http_url

_PAGE_SIZE = 40  # the API's maximum for both endpoints


class MastodonConfig(BaseModel):
    """A hashtag timeline (public) or a status search (needs an access token) on one instance."""

    model_config = ConfigDict(extra="forbid")
    instance: str = Field(description="Instance base URL, e.g. https://mastodon.social")
    hashtag: str | None = Field(default=None, description="Hashtag without '#', e.g. 'acme'")
    query: str | None = Field(default=None, description="Full-text status search (needs access_token)")
    access_token: SecretStr | None = Field(
        default=None, description="User access token with read:search scope; optional for hashtags"
    )

    @field_validator("instance")
    @classmethod
    def _check_instance(cls, value: str) -> str:
        return http_url(value).rstrip("/")

    @field_validator("hashtag")
    @classmethod
    def _strip_hash(cls, value: str | None) -> str | None:
        return (value or "").strip().lstrip("#") or None

    @model_validator(mode="after")
    def _one_target(self) -> MastodonConfig:
        if bool(self.hashtag) == bool((self.query or "").strip()):
            raise ValueError("give exactly one of hashtag or query")
        if self.query and self.access_token is None:
            raise ValueError("status search (query) needs an access_token")
        return self


class MastodonConnector(Connector[MastodonConfig]):
    """Mastodon statuses; the cursor is the newest status id seen (sent as min_id)."""

    slug: ClassVar[str] = "mastodon"
    title: ClassVar[str] = "Mastodon"
    Config: ClassVar[type[BaseModel]] = MastodonConfig

    async def fetch(self, client: httpx.AsyncClient, config: MastodonConfig, state: PollState) -> FetchResult:
        headers = {}
        if config.access_token is not None:
            headers["Authorization"] = f"Bearer {config.access_token.get_secret_value()}"
        if config.hashtag:
            url: str | None = f"{config.instance}/api/v1/timelines/tag/{quote(config.hashtag, safe='')}"
            params: dict[str, Any] | None = {"limit": _PAGE_SIZE}
        else:
            url = f"{config.instance}/api/v2/search"
            params = {"q": config.query, "type": "statuses", "resolve": "false", "limit": _PAGE_SIZE}
        min_id = state.cursor
        if min_id and params is not None:
            params["min_id"] = min_id
        items: list[dict[str, Any]] = []
        pause = None
        for _ in range(self.max_pages if min_id else 1):
            response = await self.request(client, "GET", url, params=params, headers=headers)
            pause = _pause(response)
            payload = self.parse_json(response)
            page = payload.get("statuses") if isinstance(payload, dict) else payload
            page = [s for s in page or [] if isinstance(s, dict) and s.get("id")]
            items.extend(page)
            if not page or len(page) < _PAGE_SIZE or pause:
                break
            # min_id pages come nearest-the-cursor first; rel="prev" (or min_id=<newest>) walks
            # on towards the present.
            prev = parse_link_header(response.headers.get("link")).get("prev")
            if prev:
                url, params = prev, None
            else:
                params = {**(params or {}), "min_id": _newest(page)}
        items = dedupe(items, lambda s: s.get("id"))
        cursor = _newest(items + ([{"id": min_id}] if min_id else [])) if (items or min_id) else None
        return FetchResult(items=items, state=PollState(cursor=cursor), pause_seconds=pause)

    def normalize(self, raw: Any, config: MastodonConfig) -> Mention | None:
        status = raw.get("reblog") or raw
        text = html_to_text(status.get("content"))
        warning = (status.get("spoiler_text") or "").strip()
        if warning:
            text = f"{warning}\n{text}".strip()
        external_id = status.get("uri") or status.get("url") or str(status.get("id") or "")
        if not text or not external_id:
            return None
        account = status.get("account") or {}
        counts = [to_int(status.get(k)) for k in ("replies_count", "reblogs_count", "favourites_count")]
        return Mention(
            external_id=external_id,
            text=text,
            url=status.get("url") or status.get("uri"),
            author=account.get("acct") or account.get("username"),
            author_reach=to_int(account.get("followers_count")),
            engagement=None if all(c is None for c in counts) else sum(c or 0 for c in counts),
            published_at=parse_datetime(status.get("created_at")),
            language=status.get("language") or None,
            raw=raw,
        )


def _newest(statuses: list[dict[str, Any]]) -> str:
    # Snowflake-style ids: compare as numbers (string order breaks when lengths differ).
    return max((str(s["id"]) for s in statuses), key=lambda i: (len(i), i))


def _pause(response: httpx.Response) -> float | None:
    reset = parse_datetime(response.headers.get("x-ratelimit-reset"))
    reset_in = reset.timestamp() - time.time() if reset else None
    return pause_for(response.headers.get("x-ratelimit-remaining"), reset_in)
