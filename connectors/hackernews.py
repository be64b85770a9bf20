"""Hacker News stories and comments through the Algolia search API (no credentials)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

from connectors.base import Connector, FetchResult, Mention, PollState
from connectors.helpers import dedupe, html_to_text, parse_datetime, to_int

SEARCH_URL = "https://hn.algolia.com/api/v1/search_by_date"
_PAGE_SIZE = 100
_TAGS = {"all": "(story,comment)", "story": "story", "comment": "comment"}


class HackerNewsConfig(BaseModel):
    """A Hacker News full-text search, newest first."""

    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=1, description="Search terms, e.g. 'acme'")
    include: Literal["all", "story", "comment"] = Field(
        default="all", description="What to search: stories, comments, or both"
    )


class HackerNewsConnector(Connector[HackerNewsConfig]):
    """HN via Algolia; the cursor is the newest created_at_i (epoch seconds) seen."""

    slug: ClassVar[str] = "hackernews"
    title: ClassVar[str] = "Hacker News"
    Config: ClassVar[type[BaseModel]] = HackerNewsConfig

    async def fetch(
        self, client: httpx.AsyncClient, config: HackerNewsConfig, state: PollState
    ) -> FetchResult:
        since = to_int(state.cursor)
        params: dict[str, Any] = {
            "query": config.query,
            "tags": _TAGS[config.include],
            "hitsPerPage": _PAGE_SIZE,
        }
        if since is not None:
            params["numericFilters"] = f"created_at_i>{since}"
        items, page_count = await self._page(client, params, 0)
        if since is None:
            pages: range = range(0)  # first poll: only the newest page, no backfill of the archive
        elif page_count > self.max_pages:
            # A burst bigger than one poll may read: take the oldest pages (nearest the cursor)
            # and let the next poll continue from there, rather than skip the middle.
            items = []
            pages = range(page_count - 1, page_count - self.max_pages, -1)
        else:
            pages = range(1, page_count)
        for page in pages:
            items.extend((await self._page(client, params, page))[0])
        items = dedupe(items, lambda h: h.get("objectID"))
        newest = max((to_int(h.get("created_at_i")) or 0 for h in items), default=0)
        cursor = str(max(newest, since or 0)) if (items or since is not None) else None
        return FetchResult(items=items, state=PollState(cursor=cursor))

    async def _page(self, client: httpx.AsyncClient, params: dict[str, Any], page: int) -> tuple[list, int]:
        response = await self.request(client, "GET", SEARCH_URL, params={**params, "page": page})
        payload = self.parse_json_object(response, "hits")
        hits = [h for h in payload.get("hits") or [] if isinstance(h, dict) and h.get("objectID")]
        return hits, to_int(payload.get("nbPages")) or 0

    def normalize(self, raw: Any, config: HackerNewsConfig) -> Mention | None:
        object_id = str(raw.get("objectID") or "")
        title = raw.get("title") or None
        body = html_to_text(raw.get("comment_text") or raw.get("story_text"))
        text = "\n\n".join(part for part in (title, body) if part)
        if not object_id or not text:
            return None  # deleted or dead items come back with every text field null
        points, comments = to_int(raw.get("points")), to_int(raw.get("num_comments"))
        engagement = None if points is None and comments is None else (points or 0) + (comments or 0)
        return Mention(
            external_id=object_id,
            text=text,
            url=f"https://news.ycombinator.com/item?id={object_id}",
            title=title or raw.get("story_title") or None,
            author=raw.get("author") or None,
            engagement=engagement,
            published_at=parse_datetime(raw.get("created_at_i")) or parse_datetime(raw.get("created_at")),
            raw=raw,
        )
