"""Lemmy (any instance): posts and comments through /api/v3/search, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.base import Connector, FetchResult, Mention, PollState
from connectors.helpers import clean_text, dedupe, drain_cursor, parse_datetime, split_cursor, to_int
from connectors.rss import http_url

_PAGE_SIZE = 50  # the API's maximum


class LemmyConfig(BaseModel):
    """A search on one Lemmy instance (which also sees federated content)."""

    model_config = ConfigDict(extra="forbid")
    instance: str = Field(description="Instance base URL, e.g. https://lemmy.world")
    query: str = Field(min_length=1, description="Search terms, e.g. 'acme'")
    type: Literal["All", "Posts", "Comments"] = Field(default="All", description="What to search (type_)")
    community_name: str | None = Field(default=None, description="Only this community, e.g. 'technology'")

    @field_validator("instance")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return http_url(value).rstrip("/")


class LemmyConnector(Connector[LemmyConfig]):
    """Lemmy posts/comments; the cursor is the newest `published` time seen (ISO-8601), or a backlog."""

    slug: ClassVar[str] = "lemmy"
    title: ClassVar[str] = "Lemmy"
    Config: ClassVar[type[BaseModel]] = LemmyConfig

    async def fetch(self, client: httpx.AsyncClient, config: LemmyConfig, state: PollState) -> FetchResult:
        hw, drain = split_cursor(state.cursor)
        since = parse_datetime(hw)
        params: dict[str, Any] = {"q": config.query, "type_": config.type, "sort": "New", "limit": _PAGE_SIZE}
        if config.community_name:
            params["community_name"] = config.community_name
        items: list[dict[str, Any]] = []
        # Search has no time bound, only page numbers: a backlog resumes at the next page. New
        # posts push older ones to later pages meanwhile, so a resumed page repeats some, never skips.
        first = to_int(drain.get("resume")) or 1
        page, done = first, False
        for page in range(first, first + (self.max_pages if state.cursor else 1)):
            url = f"{config.instance}/api/v3/search"
            response = await self.request(client, "GET", url, params={**params, "page": page})
            payload = self.parse_json_object(response)
            views = [v for key in ("posts", "comments") for v in payload.get(key) or [] if _ap_id(v)]
            fresh = [v for v in views if since is None or (_published(v) or since) > since]
            items.extend(fresh)
            full = any(len(payload.get(key) or []) >= _PAGE_SIZE for key in ("posts", "comments"))
            if not full or len(fresh) < len(views):
                done = True
                break
        items = dedupe(items, _ap_id)
        times = [t for v in items if (t := _published(v)) is not None]
        times += [t for t in (parse_datetime(drain.get("top")), since) if t is not None]
        top = max(times).isoformat() if times else hw
        if not state.cursor or done:
            return FetchResult(items=items, state=PollState(cursor=top))
        cursor = drain_cursor(hw, top=top, resume=page + 1)
        return FetchResult(items=items, state=PollState(cursor=cursor), more=True)

    def normalize(self, raw: Any, config: LemmyConfig) -> Mention | None:
        post, comment = raw.get("post") or {}, raw.get("comment")
        own = comment if isinstance(comment, dict) else post
        if own.get("deleted") or own.get("removed"):
            return None
        title = clean_text(post.get("name")) or None
        body = clean_text(own.get("content") if comment else own.get("body"))
        text = body if comment else "\n\n".join(p for p in (title, body) if p)
        ap_id = _ap_id(raw)
        if not ap_id or not text:
            return None
        creator = raw.get("creator") or {}
        name, host = creator.get("name"), urlsplit(creator.get("actor_id") or "").hostname
        counts = raw.get("counts") or {}
        score, replies = (
            to_int(counts.get("score")),
            to_int(counts.get("child_count", counts.get("comments"))),
        )
        return Mention(
            external_id=ap_id,
            text=text,
            url=ap_id,
            title=title,
            author=f"{name}@{host}" if name and host else name,
            engagement=None if score is None and replies is None else (score or 0) + (replies or 0),
            published_at=parse_datetime(own.get("published")),
            raw=raw,
        )


def _own(view: Any) -> dict[str, Any]:
    if not isinstance(view, dict):
        return {}
    inner = view.get("comment") if isinstance(view.get("comment"), dict) else view.get("post")
    return inner if isinstance(inner, dict) else {}


def _ap_id(view: Any) -> str | None:
    return _own(view).get("ap_id")


def _published(view: Any) -> datetime | None:
    # Lemmy 0.18 sends naive UTC times ("2023-06-01T12:00:00.123456"), 0.19 adds "Z".
    return parse_datetime(_own(view).get("published"))
