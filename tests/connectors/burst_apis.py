"""In-memory stand-ins for the newest-first search APIs, answering their real paging parameters.

Each holds items made from a recorded payload (tests/fixtures/<source>/), newest first, and
answers the way the real API pages: X since_id/until_id/next_token, Bluesky since/until/cursor,
Stack Exchange fromdate/todate/page, Discourse before= and search page=, Lemmy page=, YouTube
pageToken. `add(n)` is a burst: n items newer than every item so far.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from connectors.helpers import iso_z

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
_TWEPOCH_MS = 1288834974657


def _template(name: str, key: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())[key][0]


def _json(body: Any) -> httpx.Response:
    return httpx.Response(200, json=body)


class FakeApi:
    """Items newest first; subclasses build one item and answer one request."""

    slug: str
    config: dict[str, Any]
    path: str
    page_size: int
    spacing = timedelta(seconds=1)  # between two items' times

    def __init__(self, start: datetime | None = None) -> None:
        self.start = start or datetime.now(UTC) - timedelta(days=1)
        self.items: list[dict[str, Any]] = []  # newest first
        self.count = 0
        self.requests: list[httpx.Request] = []

    def add(self, n: int) -> None:
        for _ in range(n):
            self.count += 1
            self.items.insert(0, self.make(self.count, self.start + self.spacing * self.count))

    def make(self, n: int, at: datetime) -> dict[str, Any]:
        raise NotImplementedError

    def external_id(self, item: dict[str, Any]) -> str:
        raise NotImplementedError

    def answer(self, request: httpx.Request) -> httpx.Response:
        raise NotImplementedError

    def ids(self) -> set[str]:
        return {self.external_id(i) for i in self.items}

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)

    def data_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == self.path]


def _offset_page(items: list, params: httpx.QueryParams, key: str, size: int) -> tuple[list, str | None]:
    offset = int(params.get(key) or 0)
    page = items[offset : offset + size]
    return page, str(offset + size) if offset + size < len(items) else None


class XApi(FakeApi):
    slug, path, page_size = "x", "/2/tweets/search/recent", 100
    config = {"bearer_token": "AAAA-test", "query": "acme"}

    def make(self, n: int, at: datetime) -> dict[str, Any]:
        post = copy.deepcopy(_template("x/search_all_with_expansions.json", "data"))
        ms = int(at.timestamp() * 1000)
        post.update(id=str(((ms - _TWEPOCH_MS) << 22) + n), text=f"Acme outage report {n}")
        post["created_at"] = iso_z(at)
        return post

    def external_id(self, item: dict[str, Any]) -> str:
        return item["id"]

    def answer(self, request: httpx.Request) -> httpx.Response:
        p = request.url.params
        window = int((datetime.now(UTC) - timedelta(days=7)).timestamp() * 1000) - _TWEPOCH_MS << 22
        for name in ("since_id", "until_id"):
            if name in p and int(p[name]) < window:  # recent search: the last 7 days only
                message = (
                    f"Invalid '{name}':'{p[name]}'. '{name}' must be a post id created after the window."
                )
                body = {"errors": [{"parameters": {name: [p[name]]}, "message": message}]}
                body |= {
                    "title": "Invalid Request",
                    "detail": "One or more parameters to your request was invalid.",
                }
                return httpx.Response(400, json=body)
        since, until = int(p.get("since_id", 0)), int(p.get("until_id", 1 << 80))
        start = p.get("start_time")
        rows = [
            i for i in self.items if since < int(i["id"]) < until and (not start or i["created_at"] >= start)
        ]
        page, token = _offset_page(rows, p, "next_token", int(p["max_results"]))
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta |= {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"]}
        if token:
            meta["next_token"] = token
        users = [{"id": page[0]["author_id"], "username": "someone"}] if page else []
        return _json({"data": page, "includes": {"users": users}, "meta": meta} if page else {"meta": meta})


class BlueskyApi(FakeApi):
    slug, path, page_size = "bluesky", "/xrpc/app.bsky.feed.searchPosts", 100
    config = {"identifier": "me.bsky.social", "app_password": "abcd-efgh-ijkl-mnop", "query": "acme"}

    def make(self, n: int, at: datetime) -> dict[str, Any]:
        post = copy.deepcopy(_template("bluesky/searchPosts_redistricting.json", "posts"))
        post["uri"] = f"at://did:plc:burst/app.bsky.feed.post/{n:08d}"
        post["record"] = {**post["record"], "text": f"Acme outage report {n}", "createdAt": iso_z(at)}
        post["indexedAt"] = iso_z(at)
        return post

    def external_id(self, item: dict[str, Any]) -> str:
        return item["uri"]

    def answer(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("createSession"):
            return _json({"accessJwt": "acc", "refreshJwt": "ref", "handle": "me", "did": "did:plc:me"})
        p = request.url.params
        since, until = p.get("since", ""), p.get("until")
        rows = [
            i for i in self.items if i["indexedAt"] >= since and (until is None or i["indexedAt"] < until)
        ]
        page, cursor = _offset_page(rows, p, "cursor", int(p["limit"]))
        return _json({"posts": page, **({"cursor": cursor} if cursor else {})})


class StackExchangeApi(FakeApi):
    slug, path, page_size = "stackexchange", "/2.3/search/advanced", 100
    config = {"site": "stackoverflow", "query": "acme"}

    def make(self, n: int, at: datetime) -> dict[str, Any]:
        question = copy.deepcopy(_template("stackexchange/search_advanced_questions.json", "items"))
        # Two questions a second, so todate (whole seconds, inclusive) has ties to handle.
        created = int(self.start.timestamp()) + n // 2
        question.update(question_id=n, creation_date=created, title=f"Acme SDK fails {n}", body="<p>x</p>")
        return question

    def external_id(self, item: dict[str, Any]) -> str:
        return f"question:{item['question_id']}"

    def answer(self, request: httpx.Request) -> httpx.Response:
        p = request.url.params
        low, high = int(p.get("fromdate", 0)), int(p.get("todate", 1 << 40))
        rows = [i for i in self.items if low <= i["creation_date"] <= high]
        size, page_no = int(p["pagesize"]), int(p.get("page", 1))
        page = rows[(page_no - 1) * size : page_no * size]
        more = page_no * size < len(rows)
        return _json({"items": page, "has_more": more, "quota_max": 10000, "quota_remaining": 9000})


class DiscourseApi(FakeApi):
    """posts.json?before=<id> (exclusive), 50 a page; or search.json?page=N (with a query)."""

    slug, path, page_size = "discourse", "/posts.json", 50
    config = {"base_url": "https://forum.example.com"}

    def make(self, n: int, at: datetime) -> dict[str, Any]:
        post = copy.deepcopy(_template("discourse/posts_latest.json", "latest_posts"))
        post.update(id=n, cooked=f"<p>Acme outage report {n}</p>", created_at=iso_z(at))
        return post

    def external_id(self, item: dict[str, Any]) -> str:
        return str(item["id"])

    def answer(self, request: httpx.Request) -> httpx.Response:
        before = int(request.url.params.get("before", 1 << 40))
        return _json({"latest_posts": [i for i in self.items if i["id"] < before][: self.page_size]})


class DiscourseSearchApi(DiscourseApi):
    """search.json?q=<terms> order:latest [before:YYYY-MM-DD]&page=N: 50 a page, 400 past page 10."""

    slug, path = "discourse", "/search.json"
    config = {"base_url": "https://forum.example.com", "query": "acme"}
    spacing = timedelta(minutes=5)  # a busy forum: under 500 posts a day, so before: can narrow

    def answer(self, request: httpx.Request) -> httpx.Response:
        page_no = int(request.url.params.get("page", 1))
        if page_no > 10:  # SearchController::PAGE_LIMIT
            body = {
                "errors": ["page parameter must not be greater than 10"],
                "error_type": "invalid_parameters",
            }
            return httpx.Response(400, json=body)
        match = re.search(r"before:(\d{4}-\d{2}-\d{2})", request.url.params["q"])
        rows = [i for i in self.items if not match or i["created_at"] < match[1]]
        page = rows[(page_no - 1) * self.page_size : page_no * self.page_size]
        more = page_no * self.page_size < len(rows)
        keep = ("id", "username", "created_at", "topic_id")
        posts = [{k: i[k] for k in keep} | {"blurb": i["cooked"], "post_number": 1} for i in page]
        topics = [{"id": page[0]["topic_id"], "slug": "t", "title": "T"}] if page else []
        grouped = {"more_full_page_results": more}
        return _json({"posts": posts, "topics": topics, "grouped_search_result": grouped})


class LemmyApi(FakeApi):
    slug, path, page_size = "lemmy", "/api/v3/search", 50
    config = {"instance": "https://lemmy.example", "query": "acme"}

    def make(self, n: int, at: datetime) -> dict[str, Any]:
        view = copy.deepcopy(_template("lemmy/search_all.json", "posts"))
        view["post"] = {
            **view["post"],
            "id": n,
            "name": f"Acme outage report {n}",
            "ap_id": f"https://lemmy.example/post/{n}",
            "published": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
        return view

    def external_id(self, item: dict[str, Any]) -> str:
        return item["post"]["ap_id"]

    def answer(self, request: httpx.Request) -> httpx.Response:
        p = request.url.params
        size, page_no = int(p["limit"]), int(p.get("page", 1))
        page = self.items[(page_no - 1) * size : page_no * size]
        return _json({"type_": "All", "comments": [], "posts": page, "communities": [], "users": []})


class YouTubeApi(FakeApi):
    slug, path, page_size = "youtube", "/youtube/v3/commentThreads", 100
    config = {"api_key": "AIza-test", "video_ids": ["F1UP7wRCPH8"]}

    def make(self, n: int, at: datetime) -> dict[str, Any]:
        thread = copy.deepcopy(_template("youtube/commentThreads_by_video_page1.json", "items"))
        thread["id"] = f"Ugburst{n:08d}"
        comment = thread["snippet"]["topLevelComment"]["snippet"]
        comment.update(textOriginal=f"Acme outage report {n}", publishedAt=iso_z(at))
        return thread

    def external_id(self, item: dict[str, Any]) -> str:
        return item["id"]

    def answer(self, request: httpx.Request) -> httpx.Response:
        p = request.url.params
        page, token = _offset_page(self.items, p, "pageToken", int(p["maxResults"]))
        body = {"kind": "youtube#commentThreadListResponse", "items": page}
        return _json({**body, **({"nextPageToken": token} if token else {})})


class RedditCommentsApi(FakeApi):
    """/r/<sub>/comments?before=<fullname>: the `limit` comments just newer than it, newest first.

    Not in FAKE_APIS: Reddit's `before` walks from the cursor up towards the present, so what
    arrives while a burst is read comes in the same drain, not on the poll after it.
    """

    slug, path, page_size = "reddit", "/r/acme/comments", 100
    config = {"client_id": "abc", "client_secret": "s3cret", "subreddit": "acme", "comments": True}

    def make(self, n: int, at: datetime) -> dict[str, Any]:
        listing = json.loads((FIXTURES / "reddit/comments_r_all_page1.json").read_text())
        comment = copy.deepcopy(listing["data"]["children"][0]["data"])
        base36 = _base36(int("fy72wjf", 36) + n)
        comment.update(id=base36, name=f"t1_{base36}", body=f"Acme outage report {n}")
        comment["created_utc"] = at.timestamp()
        return comment

    def external_id(self, item: dict[str, Any]) -> str:
        return item["name"]

    def answer(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/access_token"):
            return _json({"access_token": "tok", "token_type": "bearer", "expires_in": 86400})
        p = request.url.params
        size = int(p["limit"])
        before = p.get("before")
        if before:
            newer = [i for i in self.items if int(i["id"], 36) > int(before[3:], 36)]
            page = newer[-size:]
        else:
            page = self.items[:size]
        children = [{"kind": "t1", "data": i} for i in page]
        return _json({"kind": "Listing", "data": {"children": children, "after": None, "before": None}})


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


class YouTubeSearchApi(YouTubeApi):
    """search.list?type=video&order=date&publishedAfter=…: 50 a page, newest first, by pageToken."""

    path, page_size = "/youtube/v3/search", 50
    config = {"api_key": "AIza-test", "query": "acme"}

    def make(self, n: int, at: datetime) -> dict[str, Any]:
        video = copy.deepcopy(_template("youtube/search_list_videos_by_keywords_p1.json", "items"))
        video["id"] = {"kind": "youtube#video", "videoId": f"vid{n:08d}"}
        video["snippet"] = {**video["snippet"], "title": f"Acme outage report {n}", "publishedAt": iso_z(at)}
        return video

    def external_id(self, item: dict[str, Any]) -> str:
        return f"video:{item['id']['videoId']}"

    def answer(self, request: httpx.Request) -> httpx.Response:
        p = request.url.params
        after = p.get("publishedAfter", "")
        rows = [i for i in self.items if i["snippet"]["publishedAt"] >= after]  # inclusive, as the API
        page, token = _offset_page(rows, p, "pageToken", int(p["maxResults"]))
        body = {"kind": "youtube#searchListResponse", "items": page}
        return _json({**body, **({"nextPageToken": token} if token else {})})


class _StackExchangeSampleApi(StackExchangeApi):
    """An endpoint whose items are a docs sample (no recorded reply exists): `kind`:<id_field>."""

    fixture: str
    id_field: str
    kind: str

    def make(self, n: int, at: datetime) -> dict[str, Any]:
        item = copy.deepcopy(_template(f"stackexchange/{self.fixture}", "items"))
        item.update({self.id_field: n, "creation_date": int(self.start.timestamp()) + n // 2})
        item["body"] = f"<p>Acme SDK fails {n}</p>"
        return item

    def external_id(self, item: dict[str, Any]) -> str:
        return f"{self.kind}:{item[self.id_field]}"


class StackExchangeAnswersApi(_StackExchangeSampleApi):
    """search/excerpts: questions and answers in one list."""

    path, fixture = "/2.3/search/excerpts", "search_excerpts_sample.json"
    id_field, kind = "answer_id", "answer"
    config = {"site": "stackoverflow", "query": "acme", "include": ["answers"]}


class StackExchangeCommentsApi(_StackExchangeSampleApi):
    """/comments: the site's comment stream."""

    path, fixture = "/2.3/comments", "comments_withbody_sample.json"
    id_field, kind = "comment_id", "comment"
    config = {"site": "stackoverflow", "query": "acme", "include": ["comments"]}


FAKE_APIS: dict[str, type[FakeApi]] = {
    "x": XApi,
    "bluesky": BlueskyApi,
    "stackexchange": StackExchangeApi,
    "stackexchange-answers": StackExchangeAnswersApi,
    "stackexchange-comments": StackExchangeCommentsApi,
    "discourse": DiscourseApi,
    "discourse-search": DiscourseSearchApi,
    "lemmy": LemmyApi,
    "youtube": YouTubeApi,
    "youtube-search": YouTubeSearchApi,
}
