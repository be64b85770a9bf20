"""YouTube replies: the ones on the threads a poll reads, and new ones on threads read before.

A reply is a comment resource whose id is "<thread id>.<reply id>"; comments.list leaves out its
video, which the thread knows and the link needs.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

from connectors.base import ConnectorError, ErrorClass
from connectors.helpers import parse_datetime, to_int

if TYPE_CHECKING:
    from connectors.youtube import YouTubeConfig

THREADS_URL = "https://www.googleapis.com/youtube/v3/commentThreads"
COMMENTS_URL = "https://www.googleapis.com/youtube/v3/comments"
# Replies per thread beyond the 5 a thread carries inline: comments.list pages of 100, this many
# at most per thread and poll (a thread with thousands of replies must not eat the daily quota).
REPLY_PAGES = 3
# Threads whose new replies are looked for at each poll (one commentThreads?id= request for all,
# 1 unit): the newest this many, for this long after they were posted.
WATCH_THREADS = 50
WATCH_FOR = timedelta(days=7)


class RepliesMixin:
    """Reply reading for the YouTube connector (uses its request and parse_json_object)."""

    async def _replies(
        self, client: httpx.AsyncClient, config: YouTubeConfig, threads: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Each thread's replies: the (up to 5) inline ones, or comments.list when there are more."""
        replies: list[dict[str, Any]] = []
        for thread in threads:
            snippet = thread.get("snippet") or {}
            inline = [c for c in (thread.get("replies") or {}).get("comments") or [] if isinstance(c, dict)]
            total = to_int(snippet.get("totalReplyCount")) or 0
            found = inline
            if total > len(inline):
                try:
                    found = await self._reply_pages(client, config, thread)
                except ConnectorError as exc:
                    # The thread was deleted since it was listed: its inline replies are what is left.
                    if exc.error_class not in (ErrorClass.CLIENT, ErrorClass.GONE):
                        raise
            # comments.list leaves out the video: the thread knows it, and the link needs it.
            video = snippet.get("videoId")
            replies += [_with_video(c, video) for c in found if c.get("id")]
        return replies

    async def _watched(
        self, client: httpx.AsyncClient, config: YouTubeConfig, watch: Any, items: list[dict[str, Any]]
    ) -> tuple[dict[str, list], list[dict[str, Any]]]:
        """New replies on threads read by earlier polls, and the watch list to store.

        The watch maps a thread id to [replies seen, newest reply time, thread time]; threads a
        poll reads join it, a thread the API no longer returns (deleted) leaves it.
        """
        watch = {k: v for k, v in (watch or {}).items() if isinstance(v, list) and len(v) == 3}
        new_ids = set()
        for item in items:
            if item.get("kind") == "youtube#commentThread":
                new_ids.add(item["id"])
                mine = [_reply_time(r) for r in items if _parent(r) == item["id"]]
                newest = max((t for t in mine if t), default=None)
                count = to_int((item.get("snippet") or {}).get("totalReplyCount")) or 0
                watch[item["id"]] = [count, _iso(newest), _iso(_published(item))]
        horizon = datetime.now(UTC) - WATCH_FOR
        kept = sorted(
            (k for k, v in watch.items() if (parse_datetime(v[2]) or horizon) > horizon),
            key=lambda k: watch[k][2],
            reverse=True,
        )[:WATCH_THREADS]
        watch = {k: watch[k] for k in kept}
        old = [k for k in kept if k not in new_ids]
        if not old:
            return watch, []
        # (maxResults is refused beside id: the API returns every thread asked for, up to 50)
        params = {"part": "snippet,replies", "id": ",".join(old)}
        try:
            response = await self.request(
                client, "GET", THREADS_URL, params={**params, "key": config.api_key.get_secret_value()}
            )
        except ConnectorError as exc:
            if exc.error_class not in (ErrorClass.CLIENT, ErrorClass.GONE):
                raise
            return watch, []  # looked for again at the next poll
        threads = {t.get("id"): t for t in self.parse_json_object(response, "items").get("items") or []}
        grown = []
        for thread_id in old:
            thread = threads.get(thread_id)
            if thread is None:  # deleted: nothing more will come
                del watch[thread_id]
                continue
            count = to_int((thread.get("snippet") or {}).get("totalReplyCount")) or 0
            if count > watch[thread_id][0]:
                grown.append(thread)
        later = []
        for reply in await self._replies(client, config, grown):
            thread_id = _parent(reply)
            seen = parse_datetime(watch.get(thread_id, [0, None])[1])
            when = _reply_time(reply)
            if when is None or seen is None or when > seen:
                later.append(reply)
        for thread in grown:
            mine = [_reply_time(r) for r in later if _parent(r) == thread["id"]]
            newest = max([t for t in mine if t] + [parse_datetime(watch[thread["id"]][1]) or horizon])
            count = to_int(thread["snippet"].get("totalReplyCount")) or 0
            watch[thread["id"]] = [count, _iso(newest), watch[thread["id"]][2]]
        return watch, later

    async def _reply_pages(
        self, client: httpx.AsyncClient, config: YouTubeConfig, thread: dict[str, Any]
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"part": "snippet", "parentId": thread["id"], "maxResults": 100}
        params |= {"textFormat": "plainText", "key": config.api_key.get_secret_value()}
        found: list[dict[str, Any]] = []
        for _ in range(REPLY_PAGES):
            response = await self.request(client, "GET", COMMENTS_URL, params=params)
            payload = self.parse_json_object(response, "items")
            found += [c for c in payload.get("items") or [] if isinstance(c, dict)]
            token = payload.get("nextPageToken")
            if not token:
                break
            params = {**params, "pageToken": token}
        return found


def _with_video(comment: dict[str, Any], video: str | None) -> dict[str, Any]:
    snippet = comment.get("snippet") or {}
    if not video or snippet.get("videoId"):
        return comment
    return {**comment, "snippet": {**snippet, "videoId": video}}


def _parent(comment: dict[str, Any]) -> str | None:
    """The thread a reply belongs to (None for anything that is not a reply)."""
    if comment.get("kind") != "youtube#comment":
        return None
    parent = (comment.get("snippet") or {}).get("parentId")
    return parent or str(comment.get("id") or "").split(".", 1)[0]


def _reply_time(reply: dict[str, Any]) -> datetime | None:
    return parse_datetime((reply.get("snippet") or {}).get("publishedAt"))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _published(thread: dict[str, Any]) -> datetime | None:
    comment = ((thread.get("snippet") or {}).get("topLevelComment") or {}).get("snippet") or {}
    return parse_datetime(comment.get("publishedAt"))
