"""Reddit comment search: the comments of the threads a post search finds.

Reddit's API has no comment search (`/search` returns posts, subreddits and users). What it can do
is find the posts that match, and read each one's comments: a thread about the brand whose
200 replies never name it is exactly where the complaints are.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import httpx

from connectors.base import ConnectorError, ErrorClass, FetchResult, Gap, PollState
from connectors.helpers import dump_cursor, from_epoch, load_cursor, pause_for, to_int

if TYPE_CHECKING:
    from connectors.reddit import RedditConfig

# Threads followed at once: the newest this many matching posts of the last FOLLOW_DAYS days.
# Each costs one request a poll, of about 100 a minute per OAuth client.
THREADS = 25
FOLLOW_DAYS = 7
# Comments per thread read: newest first, the rest behind Reddit's "load more" stubs.
COMMENT_LIMIT = 500


class ThreadsMixin:
    """`comments = true` with a `query`, for the Reddit connector (uses its _page, _get, parse_json)."""

    async def _thread_comments(
        self, client: httpx.AsyncClient, config: RedditConfig, state: PollState, path: str, base: dict
    ) -> FetchResult:
        # {"threads": {post fullname: [newest comment fullname seen, post created_utc]}}
        previous = load_cursor(state.cursor).get("threads")
        watch = {k: v for k, v in (previous or {}).items() if isinstance(v, list) and len(v) == 2}
        posts, pause = await self._page(client, config, path, base, None)
        for post in posts:
            if post.get("name") and post["name"] not in watch:
                watch[post["name"]] = [None, to_int(post.get("created_utc"))]
        horizon = time.time() - FOLLOW_DAYS * 86400
        followed = sorted((k for k, v in watch.items() if (v[1] or 0) > horizon), key=lambda k: -watch[k][1])
        watch = {k: watch[k] for k in followed[:THREADS]}
        items: list[dict[str, Any]] = []
        gaps: list[Gap] = []
        for name in list(watch):
            if pause:  # out of requests: the other threads wait for the next poll, cursors kept
                break
            try:
                comments, hidden, pause = await self._thread(client, config, name)
            except ConnectorError as exc:
                if exc.error_class is not ErrorClass.GONE:
                    raise
                del watch[name]  # the post was deleted: nothing more will come
                continue
            seen = watch[name][0]
            fresh = [c for c in comments if seen is None or rank(c["name"]) > rank(seen)]
            if seen and hidden and fresh and len(fresh) == len(comments):
                # Every comment loaded is new and more sit behind "load more": some new ones
                # between the last poll and the oldest read may be among them.
                oldest = min(fresh, key=lambda c: rank(c["name"]))
                reason = (
                    f"more than {len(fresh)} new comments in {name} between two polls; older ones not read"
                )
                gaps.append(Gap(reason=reason, until=from_epoch(oldest.get("created_utc"))))
            items += fresh
            if comments:
                watch[name][0] = max([c["name"] for c in comments] + ([seen] if seen else []), key=rank)
        cursor = dump_cursor({"threads": watch}) if watch else None
        return FetchResult(items=items, state=PollState(cursor=cursor), pause_seconds=pause, gaps=tuple(gaps))

    async def _thread(
        self, client: httpx.AsyncClient, config: RedditConfig, name: str
    ) -> tuple[list[dict[str, Any]], bool, float | None]:
        """A thread's comments (flattened, newest first), whether some are hidden, and a pause."""
        url = f"https://oauth.reddit.com/comments/{name.removeprefix('t3_')}"
        params = {"sort": "new", "limit": str(COMMENT_LIMIT), "raw_json": "1"}
        response = await self._get(client, config, url, params)
        pause = pause_for(
            response.headers.get("x-ratelimit-remaining"), to_int(response.headers.get("x-ratelimit-reset"))
        )
        payload = self.parse_json(response)
        if not isinstance(payload, list) or len(payload) != 2 or not isinstance(payload[1], dict):
            raise ConnectorError(ErrorClass.PARSE, "unexpected JSON shape from reddit: not [post, comments]")
        comments: list[dict[str, Any]] = []
        hidden = _flatten(payload[1], comments)
        return comments, hidden, pause


def _flatten(listing: Any, out: list[dict[str, Any]]) -> bool:
    """Collect the t1 comments of a listing and their replies; True if "load more" stubs remain."""
    hidden = False
    children = (listing.get("data") or {}).get("children") or [] if isinstance(listing, dict) else []
    for child in children:
        if not isinstance(child, dict):
            continue
        data = child.get("data") or {}
        if child.get("kind") == "more":
            hidden = hidden or bool(data.get("children"))
        elif child.get("kind") == "t1" and data.get("name"):
            out.append(data)
            hidden = _flatten(data.get("replies"), out) or hidden
    return hidden


def rank(fullname: str) -> int:
    """Reddit ids are base-36 and increase over time: t3_kzj68x > t3_kzj68i."""
    try:
        return int(fullname.partition("_")[2] or fullname, 36)
    except ValueError:
        return -1
