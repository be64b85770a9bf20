"""YouTube (Data API v3, API key): comment threads (and replies) on a channel's videos or on given
videos, and a video search for the brand."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

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
    html_to_text,
    iso_seconds,
    load_cursor,
    parse_datetime,
    parse_retry_after,
    to_int,
)
from connectors.youtube_replies import THREADS_URL, RepliesMixin

SEARCH_URL = "https://www.googleapis.com/youtube/v3/search"
_PACIFIC = ZoneInfo("America/Los_Angeles")
_QUOTA = {"quotaExceeded", "dailyLimitExceeded"}
_RATE = {"rateLimitExceeded", "userRateLimitExceeded"}
_AUTH = {"keyInvalid", "keyExpired", "forbidden", "accessNotConfigured", "ipRefererBlocked", "authError"}
_GONE = {"videoNotFound", "channelNotFound", "commentThreadNotFound"}


class YouTubeConfig(BaseModel):
    """Comments on one channel's videos or on given videos, and/or a video search."""

    model_config = ConfigDict(extra="forbid")
    api_key: SecretStr = Field(description="YouTube Data API v3 key (Google Cloud console)")
    channel_id: str | None = Field(default=None, description="Channel id (UC...): comments on all its videos")
    video_ids: list[str] = Field(
        default_factory=list, max_length=50, description="Video ids to watch instead"
    )
    search_terms: str | None = Field(default=None, description="Only comments containing these terms")
    query: str | None = Field(
        default=None,
        description="Search new videos for these terms (search.list, newest first; 100 quota units a page)",
    )
    replies: bool = Field(
        default=False,
        description="Also read the replies to each new comment thread (comments.list beyond the 5 inline)",
    )

    @model_validator(mode="after")
    def _one_target(self) -> YouTubeConfig:
        if self.channel_id and self.video_ids:
            raise ValueError("give channel_id or video_ids, not both")
        if not (self.channel_id or self.video_ids or (self.query or "").strip()):
            raise ValueError("give channel_id, video_ids or query (a video search)")
        if (self.search_terms or self.replies) and not (self.channel_id or self.video_ids):
            raise ValueError("search_terms and replies apply to comments: give channel_id or video_ids")
        return self


class YouTubeConnector(RepliesMixin, Connector[YouTubeConfig]):
    """YouTube comments and videos; the cursor maps each target to its newest time seen, and backlogs."""

    slug: ClassVar[str] = "youtube"
    title: ClassVar[str] = "YouTube"
    Config: ClassVar[type[BaseModel]] = YouTubeConfig
    default_interval: ClassVar[int] = 1800  # each page costs 1 unit of a 10,000 units/day quota

    async def fetch(self, client: httpx.AsyncClient, config: YouTubeConfig, state: PollState) -> FetchResult:
        previous = load_cursor(state.cursor)
        targets = [("allThreadsRelatedToChannelId", config.channel_id)] if config.channel_id else []
        targets += [("videoId", v) for v in config.video_ids]
        if config.query:
            targets.append(("q", config.query))
        cursor, items, errors, more = dict(previous), [], [], False
        for param, target in targets:
            key = f"{param}:{target}"
            since = parse_datetime(previous.get(key))
            drain = previous.get(f"drain:{key}") or {}
            try:
                found, token = await self._walk(client, config, param, target, since, drain.get("token"))
                extra = await self._replies(client, config, found) if config.replies and param != "q" else []
            except ConnectorError as exc:
                # One video with comments disabled (or deleted) must not silence the others.
                if exc.error_class in (ErrorClass.CLIENT, ErrorClass.GONE) and len(targets) > 1:
                    errors.append(exc)
                    continue
                raise
            items.extend(found + extra)
            times = [t for item in found if (t := _published(item))]
            times += [since, parse_datetime(drain.get("top"))]
            newest = max((t for t in times if t is not None), default=None)
            if token is not None and since is not None:
                # Budget spent before reaching the cursor: keep it, resume at the next page.
                cursor[f"drain:{key}"] = {"token": token, "top": newest.isoformat() if newest else None}
                more = True
                continue
            cursor.pop(f"drain:{key}", None)
            if newest is not None:
                cursor[key] = newest.isoformat()
        if errors and len(errors) == len(targets):
            raise errors[0]
        if config.replies:
            cursor["watch"], later = await self._watched(client, config, previous.get("watch"), items)
            items += later
        items = dedupe(items, _item_key)
        state = PollState(cursor=dump_cursor(cursor) if cursor else None)
        return FetchResult(items=items, state=state, more=more)

    async def _walk(
        self,
        client: httpx.AsyncClient,
        config: YouTubeConfig,
        param: str,
        target: str,
        since: datetime | None,
        resume: str | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Threads (or videos) newer than `since`, and the page token to resume at when the budget ran out."""
        key = config.api_key.get_secret_value()
        if param == "q":
            url = SEARCH_URL
            params: dict[str, Any] = {"part": "snippet", "q": target, "type": "video", "order": "date"}
            params |= {"maxResults": 50, "key": key}
            if since is not None:
                params["publishedAfter"] = iso_seconds(since)  # inclusive: the same video is dropped below
        else:
            url = THREADS_URL
            part = "snippet,replies" if config.replies else "snippet"
            params = {"part": part, param: target, "order": "time", "maxResults": 100, "key": key}
            if config.search_terms:
                params["searchTerms"] = config.search_terms
        if resume:
            params["pageToken"] = resume
        found: list[dict[str, Any]] = []
        # Newest first: page on until an item is not newer than the cursor (first poll: one page).
        for _ in range(self.max_pages if since else 1):
            try:
                response = await self.request(client, "GET", url, params=params)
            except ConnectorError as exc:
                if exc.error_class is not ErrorClass.CLIENT or "pageToken" not in params or found:
                    raise
                # A stored page token the API no longer takes: start the backlog again from the
                # newest page (the cursor is unchanged, so this repeats items, never skips them).
                params.pop("pageToken")
                response = await self.request(client, "GET", url, params=params)
            payload = self.parse_json_object(response, "items")
            page = [i for i in payload.get("items") or [] if isinstance(i, dict) and i.get("id")]
            fresh = [i for i in page if since is None or (_published(i) or since) > since]
            found.extend(fresh)
            token = payload.get("nextPageToken")
            if not token or len(fresh) < len(page) or not page:
                return found, None
            params = {**params, "pageToken": token}
        return found, params.get("pageToken") if since else None

    def api_error(self, response: httpx.Response) -> ConnectorError | None:
        try:
            error = json.loads(response.content)["error"]
            reason = str((error.get("errors") or [{}])[0].get("reason", ""))
            detail = str(error.get("message") or reason)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError):
            return None
        status = response.status_code
        params = response.request.url.params
        target = params.get("videoId") or params.get("allThreadsRelatedToChannelId") or params.get("parentId")
        if reason in _QUOTA:
            wait = _until_pacific_midnight()
            return RateLimited(
                f"YouTube API quota exhausted ({reason}); it resets at midnight Pacific time",
                status=status,
                retry_after=wait,
            )
        if reason in _RATE:
            wait = parse_retry_after(response.headers.get("retry-after")) or 60.0
            return RateLimited(f"YouTube rate limit ({reason})", status=status, retry_after=wait)
        if reason == "commentsDisabled":
            return ConnectorError(
                ErrorClass.CLIENT, f"comments are disabled for YouTube video {target}", status=status
            )
        if reason in _AUTH or status in (401, 403):
            return ConnectorError(
                ErrorClass.AUTH, f"YouTube refused the API key ({reason or status}): {detail}", status=status
            )
        if reason in _GONE:
            return ConnectorError(ErrorClass.GONE, f"YouTube: {target} not found ({reason})", status=status)
        return None

    def normalize(self, raw: Any, config: YouTubeConfig) -> Mention | None:
        kind = raw.get("kind")
        if kind == "youtube#searchResult":
            return _video_mention(raw)
        if kind == "youtube#comment":
            return _comment_mention(raw)
        snippet = raw.get("snippet") or {}
        comment = (snippet.get("topLevelComment") or {}).get("snippet") or {}
        text = (comment.get("textOriginal") or "").strip() or html_to_text(comment.get("textDisplay"))
        thread_id = raw.get("id")
        if not thread_id or not text:
            return None
        video = comment.get("videoId") or snippet.get("videoId")
        likes, replies = to_int(comment.get("likeCount")), to_int(snippet.get("totalReplyCount"))
        return Mention(
            external_id=thread_id,
            text=text,
            url=f"https://www.youtube.com/watch?v={video}&lc={thread_id}" if video else None,
            author=comment.get("authorDisplayName") or None,
            engagement=None if likes is None and replies is None else (likes or 0) + (replies or 0),
            published_at=parse_datetime(comment.get("publishedAt")),
            raw=raw,
        )


def _video_mention(raw: dict[str, Any]) -> Mention | None:
    """A search.list result: the video's title and description (search snippets are HTML-escaped)."""
    video, snippet = _video(raw), raw.get("snippet") or {}
    title = html.unescape(snippet.get("title") or "").strip() or None
    text = "\n\n".join(p for p in (title, html.unescape(snippet.get("description") or "").strip()) if p)
    if not video or not text:
        return None
    return Mention(
        external_id=f"video:{video}",
        text=text,
        url=f"https://www.youtube.com/watch?v={video}",
        title=title,
        author=snippet.get("channelTitle") or None,
        published_at=parse_datetime(snippet.get("publishedAt")),
        raw=raw,
    )


def _comment_mention(raw: dict[str, Any]) -> Mention | None:
    """A reply (comments.list, or inline in a thread): its id is "<thread id>.<reply id>"."""
    snippet = raw.get("snippet") or {}
    text = (snippet.get("textOriginal") or "").strip() or html_to_text(snippet.get("textDisplay"))
    reply_id, video = raw.get("id"), snippet.get("videoId")
    if not reply_id or not text:
        return None
    return Mention(
        external_id=reply_id,
        text=text,
        url=f"https://www.youtube.com/watch?v={video}&lc={reply_id}" if video else None,
        author=snippet.get("authorDisplayName") or None,
        engagement=to_int(snippet.get("likeCount")),
        published_at=parse_datetime(snippet.get("publishedAt")),
        raw=raw,
    )


def _item_key(item: dict[str, Any]) -> str | None:
    ident = item.get("id")
    return ident if isinstance(ident, str) else _video(item)


def _video(item: dict[str, Any]) -> str | None:
    ident = item.get("id")
    return ident.get("videoId") if isinstance(ident, dict) else None


def _published(item: dict[str, Any]) -> datetime | None:
    snippet = item.get("snippet") or {}
    if item.get("kind") == "youtube#searchResult":
        return parse_datetime(snippet.get("publishedAt"))
    comment = (snippet.get("topLevelComment") or {}).get("snippet") or {}
    return parse_datetime(comment.get("publishedAt"))


def _until_pacific_midnight(now: datetime | None = None) -> float:
    """Seconds until the daily quota resets (midnight America/Los_Angeles), at most a day."""
    local = (now or datetime.now(UTC)).astimezone(_PACIFIC)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=_PACIFIC)
    return min(86400.0, max(60.0, (midnight - local).total_seconds()))
