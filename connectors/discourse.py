"""Discourse forums (any instance): full-text search, or the latest posts of the whole forum."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from connectors.base import Connector, ConnectorError, FetchResult, Mention, PollState, RateLimited
from connectors.helpers import (
    dedupe,
    drain_cursor,
    html_to_text,
    parse_datetime,
    parse_retry_after,
    split_cursor,
    to_int,
)
from connectors.rss import http_url


class DiscourseConfig(BaseModel):
    """A Discourse search (newest first) or the forum's latest posts."""

    model_config = ConfigDict(extra="forbid")
    base_url: str = Field(description="Forum base URL, e.g. https://forum.example.com")
    query: str | None = Field(default=None, description="Search terms; without it every new post is read")
    api_key: SecretStr | None = Field(
        default=None, description="Optional API key (private categories, higher limits)"
    )
    api_username: str | None = Field(default=None, description="User the API key acts as (with api_key)")

    @field_validator("base_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return http_url(value).rstrip("/")

    @model_validator(mode="after")
    def _key_pair(self) -> DiscourseConfig:
        if (self.api_key is None) != (not self.api_username):
            raise ValueError("api_key and api_username go together")
        return self


class DiscourseConnector(Connector[DiscourseConfig]):
    """Discourse posts; the cursor is the highest post id seen (post ids only grow), or a backlog."""

    slug: ClassVar[str] = "discourse"
    title: ClassVar[str] = "Discourse forum"
    Config: ClassVar[type[BaseModel]] = DiscourseConfig
    default_interval: ClassVar[int] = 600

    async def fetch(
        self, client: httpx.AsyncClient, config: DiscourseConfig, state: PollState
    ) -> FetchResult:
        hw, drain = split_cursor(state.cursor)
        since = to_int(hw)
        headers = {"Accept": "application/json"}
        if config.api_key is not None:
            headers |= {
                "Api-Key": config.api_key.get_secret_value(),
                "Api-Username": config.api_username or "",
            }
        items: list[dict[str, Any]] = []
        # A backlog resumes where the last poll stopped: the next search page (new posts push older
        # ones down, so it repeats some, never skips), or below the lowest post id read (latest).
        resume = to_int(drain.get("resume"))
        page_number = resume if config.query and resume else 1
        before = None if config.query else resume
        done = False
        # Pages run newest to oldest; stop at the cursor (without one, read only the newest page).
        for _ in range(self.max_pages if state.cursor else 1):
            if config.query:
                page, more = await self._search_page(client, config, headers, page_number)
            else:
                page, more = await self._latest_page(client, config, headers, before)
            fresh = [p for p in page if since is None or p["id"] > since]
            new_ids = {p["id"] for p in fresh} - {p["id"] for p in items}
            items.extend(fresh)
            if page:
                before = min(p["id"] for p in page)
            page_number += 1
            if not more or len(fresh) < len(page) or not (new_ids or config.query):
                done = True
                break
        items = dedupe(items, lambda p: p["id"])
        ids = [p["id"] for p in items] + [i for i in (to_int(drain.get("top")), since) if i is not None]
        top = max(ids, default=None)
        if not state.cursor or done:
            return FetchResult(items=items, state=PollState(cursor=None if top is None else str(top)))
        cursor = drain_cursor(hw, top=top, resume=page_number if config.query else before)
        return FetchResult(items=items, state=PollState(cursor=cursor), more=True)

    async def _search_page(
        self, client: httpx.AsyncClient, config: DiscourseConfig, headers: dict, page: int
    ) -> tuple[list[dict[str, Any]], bool]:
        params = {"q": f"{config.query} order:latest", "page": page}
        response = await self.request(
            client, "GET", f"{config.base_url}/search.json", params=params, headers=headers
        )
        payload = self.parse_json_object(response)
        topics = {t.get("id"): t for t in payload.get("topics") or [] if isinstance(t, dict)}
        posts = []
        for post in payload.get("posts") or []:
            if isinstance(post, dict) and to_int(post.get("id")) is not None:
                topic = topics.get(post.get("topic_id")) or {}
                posts.append(
                    {
                        **post,
                        "topic_slug": topic.get("slug"),
                        "topic_title": topic.get("title"),
                        "id": int(post["id"]),
                    }
                )
        grouped = payload.get("grouped_search_result") or {}
        return posts, bool(grouped.get("more_full_page_results"))

    async def _latest_page(
        self, client: httpx.AsyncClient, config: DiscourseConfig, headers: dict, before: int | None
    ) -> tuple[list[dict[str, Any]], bool]:
        params = {"before": before} if before is not None else None
        response = await self.request(
            client, "GET", f"{config.base_url}/posts.json", params=params, headers=headers
        )
        payload = self.parse_json_object(response, "latest_posts")
        posts = [
            {**p, "id": int(p["id"])}
            for p in payload.get("latest_posts") or []
            if isinstance(p, dict) and to_int(p.get("id")) is not None
        ]
        return posts, bool(posts)

    def api_error(self, response: httpx.Response) -> ConnectorError | None:
        if response.status_code != 429:
            return None
        wait = parse_retry_after(response.headers.get("retry-after"))
        if wait is None:
            try:
                wait = float(json.loads(response.content)["extras"]["wait_seconds"])
            except (ValueError, KeyError, TypeError):
                wait = None
        return RateLimited(f"HTTP 429 (rate limited) from {response.url.host}", retry_after=wait)

    def normalize(self, raw: Any, config: DiscourseConfig) -> Mention | None:
        if raw.get("deleted_at") or raw.get("user_deleted") or raw.get("hidden"):
            return None
        text = html_to_text(raw.get("cooked") or raw.get("blurb")) or (raw.get("raw") or "").strip()
        topic_id, number = raw.get("topic_id"), raw.get("post_number")
        if not text:
            return None
        url = None
        if topic_id is not None and number is not None:
            url = f"{config.base_url}/t/{raw.get('topic_slug') or topic_id}/{topic_id}/{number}"
        counts = [to_int(raw.get(k)) for k in ("like_count", "reply_count")]
        return Mention(
            external_id=str(raw["id"]),
            text=text,
            url=url,
            title=raw.get("topic_title") or None,
            author=raw.get("username") or None,
            engagement=None if all(c is None for c in counts) else sum(c or 0 for c in counts),
            published_at=parse_datetime(raw.get("created_at")),
            raw=raw,
        )
