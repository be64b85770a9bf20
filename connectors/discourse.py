"""Discourse forums (any instance): full-text search, or the latest posts of the whole forum."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from connectors.base import Connector, ConnectorError, FetchResult, Gap, Mention, PollState, RateLimited
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

# /search.json answers 400 past page 10 (SearchController::PAGE_LIMIT): deeper results are reached
# by narrowing the query with `before:<day>` (posts created before that midnight, site time = UTC).
SEARCH_PAGE_LIMIT = 10


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
        gaps: list[Gap] = []
        # A backlog resumes where the last poll stopped: below the lowest post id read (latest
        # posts), or at the next search page within the same `before:` day (new posts push older
        # ones down, so a resumed page repeats some, never skips).
        resume = drain.get("resume")
        spot = resume if isinstance(resume, dict) else {}
        page_number, day = to_int(spot.get("page")) or 1, spot.get("before")
        newest = parse_datetime(spot.get("newest"))  # the newest post of this `before:` window
        before = None if config.query else to_int(resume)
        done = False
        # Pages run newest to oldest; stop at the cursor (without one, read only the newest page).
        for _ in range(self.max_pages if state.cursor else 1):
            if config.query:
                page, more = await self._search_page(client, config, headers, page_number, day)
            else:
                page, more = await self._latest_page(client, config, headers, before)
            fresh = [p for p in page if since is None or p["id"] > since]
            new_ids = {p["id"] for p in fresh} - {p["id"] for p in items}
            items.extend(fresh)
            if page:
                before = min(p["id"] for p in page)
            if page_number == 1:
                newest = max((t for p in page if (t := parse_datetime(p.get("created_at")))), default=None)
            page_number += 1
            if not more or len(fresh) < len(page) or not (new_ids or config.query):
                done = True
                break
            if config.query and page_number > SEARCH_PAGE_LIMIT:
                page_number, day, gap = _next_search_window(page, day, newest)
                gaps.extend([gap] if gap else [])
                if not page_number:
                    done = True
                    break
        items = dedupe(items, lambda p: p["id"])
        ids = [p["id"] for p in items] + [i for i in (to_int(drain.get("top")), since) if i is not None]
        top = max(ids, default=None)
        if not state.cursor or done:
            cursor = None if top is None else str(top)
            return FetchResult(items=items, state=PollState(cursor=cursor), gaps=tuple(gaps))
        where = {"page": page_number, "before": day, "newest": newest and newest.isoformat()}
        where = where if config.query else before
        cursor = drain_cursor(hw, top=top, resume=where)
        return FetchResult(items=items, state=PollState(cursor=cursor), more=True, gaps=tuple(gaps))

    async def _search_page(
        self, client: httpx.AsyncClient, config: DiscourseConfig, headers: dict, page: int, day: str | None
    ) -> tuple[list[dict[str, Any]], bool]:
        term = f"{config.query} order:latest" + (f" before:{day}" if day else "")
        params = {"q": term, "page": page}
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


def _next_search_window(
    page: list[dict[str, Any]], day: str | None, newest: datetime | None
) -> tuple[int, str | None, Gap | None]:
    """After page 10: page 1 of `before:<the day after the oldest post read>`, and any gap (page 0: stop).

    `before:` takes whole days, so when the window's 10 pages did not reach back past a midnight
    the rest of that day cannot be read: the search skips to the day before and records the gap.
    """
    oldest = min((t for p in page if (t := parse_datetime(p.get("created_at"))) is not None), default=None)
    if oldest is None:  # no times to narrow by: the backlog ends here, and says so
        return 0, day, Gap(reason="Discourse search stops at 10 pages and gave no post times to go on")
    if newest is not None and newest.date() > oldest.date():
        return 1, (oldest.date() + timedelta(days=1)).isoformat(), None
    skip_to = oldest.date()
    if day and skip_to >= date.fromisoformat(day):  # never widen the window again
        skip_to = date.fromisoformat(day) - timedelta(days=1)
    start = datetime.combine(skip_to, datetime.min.time(), tzinfo=UTC)
    reason = (
        "Discourse search stops at 10 pages (500 posts) and narrows only by whole days: "
        "older posts of this span were not read"
    )
    return 1, skip_to.isoformat(), Gap(reason=reason, since=start, until=oldest)
