"""X (Twitter) API v2 recent search with an app bearer token."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from connectors.base import (
    Connector,
    ConnectorError,
    ErrorClass,
    FetchResult,
    Gap,
    Mention,
    PollState,
    RateLimited,
)
from connectors.helpers import (
    dedupe,
    drain_cursor,
    iso_seconds,
    parse_datetime,
    parse_retry_after,
    pause_for,
    seconds_until_epoch,
    split_cursor,
    to_int,
)

SEARCH_URL = "https://api.twitter.com/2/tweets/search/recent"


class XConfig(BaseModel):
    """A recent-search query (the last 7 days), read with an app bearer token."""

    model_config = ConfigDict(extra="forbid")
    bearer_token: SecretStr = Field(description="App-only bearer token from the developer portal")
    query: str = Field(
        min_length=1, max_length=512, description='Search query, e.g. "acme -is:retweet lang:en"'
    )


class XConnector(Connector[XConfig]):
    """Posts on X; the cursor is the newest post id seen (sent as since_id), or a backlog being drained."""

    slug: ClassVar[str] = "x"
    title: ClassVar[str] = "X (Twitter)"
    Config: ClassVar[type[BaseModel]] = XConfig
    default_interval: ClassVar[int] = 900  # the Basic tier allows 60 recent searches per 15 min

    async def fetch(self, client: httpx.AsyncClient, config: XConfig, state: PollState) -> FetchResult:
        hw, drain = split_cursor(state.cursor)
        params: dict[str, Any] = {
            "query": config.query,
            "max_results": 100,
            "tweet.fields": "created_at,author_id,public_metrics,lang",
            "expansions": "author_id",
            "user.fields": "public_metrics,username",
        }
        gaps: list[Gap] = []
        window_start = datetime.now(UTC) - _WINDOW
        resume = str(drain["resume"]) if drain.get("resume") else None
        if resume and _id_time(resume) < window_start + _WINDOW_MARGIN:
            # The rest of an unfinished backlog fell out of the window (no poll for days): it cannot
            # be read any more. Say so, and start again from the newest, down to the burst's top.
            lost = Gap(reason=_WINDOW_GAP, since=_id_time(hw) if hw else None, until=_id_time(resume))
            cursor = str(drain.get("top") or hw or "") or None
            return FetchResult(items=[], state=PollState(cursor=cursor), more=True, gaps=(lost,))
        if hw and _id_time(hw) < window_start:
            # Recent search answers 400 for a since_id older than its 7-day window: read the whole
            # window instead and say which span could not be reached.
            gaps.append(Gap(reason=_WINDOW_GAP, since=_id_time(hw), until=window_start + _WINDOW_MARGIN))
            params["start_time"] = iso_seconds(window_start + _WINDOW_MARGIN)
        elif hw:
            params["since_id"] = hw
        if resume:
            params["until_id"] = resume  # exclusive: go on below the oldest post read
        headers = {"Authorization": f"Bearer {config.bearer_token.get_secret_value()}"}
        items: list[dict[str, Any]] = []
        pause = None
        done = False
        # Without a cursor only the newest page is read; with one, pages reach back to it.
        for _ in range(self.max_pages if state.cursor else 1):
            response = await self.request(client, "GET", SEARCH_URL, params=params, headers=headers)
            pause = pause_for(
                response.headers.get("x-rate-limit-remaining"),
                seconds_until_epoch(response.headers.get("x-rate-limit-reset")),
            )
            payload = self.parse_json_object(response)
            if "data" not in payload and "meta" not in payload:
                raise ConnectorError(ErrorClass.PARSE, "unexpected JSON shape from X: no data or meta")
            users = {u.get("id"): u for u in (payload.get("includes") or {}).get("users") or []}
            page = [
                {**post, "author": users.get(post.get("author_id"))}
                for post in payload.get("data") or []
                if isinstance(post, dict) and post.get("id")
            ]
            items.extend(page)
            token = (payload.get("meta") or {}).get("next_token")
            if not token or not page:
                done = True
                break
            if pause:
                break
            params = {**params, "next_token": token}
        items = dedupe(items, lambda p: p["id"])
        ids = [str(p["id"]) for p in items]
        top = _newest([*ids, str(drain["top"])] if drain.get("top") else ids)
        if not state.cursor or done:
            cursor = _newest([*ids, *([top] if top else []), *([hw] if hw else [])])
            if cursor and _id_time(cursor) < window_start + _QUIET_MARGIN:
                # A quiet query's newest post ages out of the window although every poll saw all
                # there was: this poll read up to now, so the cursor moves to an id of an hour ago
                # (a margin for indexing), and a week without posts is not reported as a gap.
                cursor = _newest([cursor, _id_at(datetime.now(UTC) - _SETTLE)])
            return FetchResult(
                items=items, state=PollState(cursor=cursor), pause_seconds=pause, gaps=tuple(gaps)
            )
        below = min(ids, key=_id_key) if ids else resume
        floor = None if gaps else hw  # the window's start is the floor now: the gap is recorded once
        cursor = drain_cursor(floor, top=top, resume=below)
        return FetchResult(
            items=items, state=PollState(cursor=cursor), pause_seconds=pause, more=True, gaps=tuple(gaps)
        )

    def api_error(self, response: httpx.Response) -> ConnectorError | None:
        status = response.status_code
        if status == 429:
            wait = parse_retry_after(response.headers.get("retry-after"))
            if wait is None:
                wait = seconds_until_epoch(response.headers.get("x-rate-limit-reset"))
            return RateLimited(f"HTTP 429 (rate limited) from {response.url.host}", retry_after=wait)
        try:  # problem+json: {title, detail, type, errors: [{message}]}
            problem = json.loads(response.content)
            detail = problem.get("detail") or problem.get("title")
            first = (problem.get("errors") or [{}])[0]
            extra = first.get("message") if isinstance(first, dict) else None
        except (ValueError, AttributeError, IndexError):
            return None
        if not detail:
            return None
        message = f"X API HTTP {status}: {detail}" + (f" ({extra})" if extra else "")
        if status in (401, 403):
            return ConnectorError(ErrorClass.AUTH, message, status=status)
        if 400 <= status < 500 and status not in (404, 410):
            return ConnectorError(ErrorClass.CLIENT, message, status=status)
        return None

    def normalize(self, raw: Any, config: XConfig) -> Mention | None:
        text = (raw.get("text") or "").strip()
        post_id = str(raw.get("id") or "")
        if not post_id or not text:
            return None
        author = raw.get("author") or {}
        username = author.get("username")
        metrics = raw.get("public_metrics") or {}
        counts = [
            to_int(metrics.get(k)) for k in ("like_count", "retweet_count", "reply_count", "quote_count")
        ]
        return Mention(
            external_id=post_id,
            text=text,
            url=f"https://x.com/{username or 'i/web'}/status/{post_id}",
            author=username,
            author_reach=to_int((author.get("public_metrics") or {}).get("followers_count")),
            engagement=None if all(c is None for c in counts) else sum(c or 0 for c in counts),
            published_at=parse_datetime(raw.get("created_at")),
            language=raw.get("lang") or None,
            raw=raw,
        )


# Recent search covers the last 7 days; ask from a little later so a slow poll is not refused.
_WINDOW = timedelta(days=7)
_WINDOW_MARGIN = timedelta(minutes=5)
_WINDOW_GAP = "X recent search reaches back only 7 days; posts older than that were not read"
_QUIET_MARGIN = timedelta(days=1)  # a cursor this close to the window's start is moved up
_SETTLE = timedelta(hours=1)
_TWEPOCH_MS = 1288834974657  # ids are snowflakes: milliseconds since this epoch, shifted 22 bits


def _id_key(post_id: str) -> tuple[int, str]:
    return len(post_id), post_id  # ids are numeric strings


def _newest(ids: list[str]) -> str | None:
    return max(ids, key=_id_key) if ids else None


def _id_at(when: datetime) -> str:
    """The lowest post id created at this time (since_id compares ids, which are times)."""
    return str((int(when.timestamp() * 1000) - _TWEPOCH_MS) << 22)


def _id_time(post_id: str) -> datetime:
    """When a post with this id was created (from the snowflake id)."""
    number = to_int(post_id) or 0
    return datetime.fromtimestamp(((number >> 22) + _TWEPOCH_MS) / 1000, tz=UTC)
