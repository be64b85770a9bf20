"""Per-source behaviour on recorded payloads (httpx.MockTransport): auth flows, paging, API errors."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from connectors.base import ConnectorError, ErrorClass, PollState, RateLimited
from connectors.bluesky import BlueskyConnector, _sort_at
from connectors.hackernews import HackerNewsConnector
from connectors.helpers import iso_z
from connectors.lemmy import LemmyConnector
from connectors.reddit import RedditConnector
from connectors.registry import validate_config
from connectors.stackexchange import StackExchangeConnector
from connectors.x import XConnector
from connectors.youtube import YouTubeConnector, _until_pacific_midnight

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def load(name: str):
    return json.loads((FIXTURES / name).read_text())


def reply(body, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


class Mock:
    """Routes by path to a handler; records requests."""

    def __init__(self, routes: dict[str, Callable[[httpx.Request], httpx.Response]]) -> None:
        self.routes, self.requests = routes, []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.routes[request.url.path](request)

    def hits(self, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == path]


async def fetch(connector, slug: str, config: dict, mock: Mock, state: PollState | None = None):
    async with httpx.AsyncClient(transport=httpx.MockTransport(mock)) as client:
        return await connector.fetch(client, validate_config(slug, config), state or PollState())


# -- Reddit ---------------------------------------------------------------------------------

REDDIT = {"client_id": "abc", "client_secret": "s3cret", "subreddit": "r/all"}


def token(request: httpx.Request) -> httpx.Response:
    assert request.headers["authorization"] == "Basic YWJjOnMzY3JldA=="  # abc:s3cret
    assert request.content == b"grant_type=client_credentials"
    return reply({"access_token": f"tok{time.monotonic_ns()}", "token_type": "bearer", "expires_in": 86400})


def listing(names: list[str]) -> dict:
    template = load("reddit/new_r_all_page1.json")["data"]["children"][0]
    children = [{"kind": "t3", "data": {**template["data"], "name": n, "id": n[3:]}} for n in names]
    return {"kind": "Listing", "data": {"children": children, "after": None, "before": None}}


async def test_reddit_token_is_cached_and_before_cursor_polls():
    mock = Mock(
        {
            "/api/v1/access_token": token,
            "/r/all/new": lambda r: reply(
                load(
                    "reddit/new_r_all_before_cursor.json"
                    if "before" in r.url.params
                    else "reddit/new_r_all_page1.json"
                )
            ),
        }
    )
    connector = RedditConnector()
    first = await fetch(connector, "reddit", REDDIT, mock)
    assert first.state.cursor == "t3_kzj68i" and len(first.items) == 10
    second = await fetch(connector, "reddit", REDDIT, mock, first.state)
    assert [i["name"] for i in second.items][0] == "t3_kzj68x" and second.state.cursor == "t3_kzj68x"
    assert len(mock.hits("/api/v1/access_token")) == 1  # one token for both polls
    params = mock.hits("/r/all/new")[-1].url.params
    assert params["before"] == "t3_kzj68i" and params["raw_json"] == "1" and params["limit"] == "100"
    assert mock.hits("/r/all/new")[-1].headers["authorization"].startswith("bearer tok")


async def test_reddit_burst_is_walked_page_by_page_towards_the_present():
    """250 new posts since the cursor: before=<newest of the page> until a short page."""
    newer = [f"t3_{n:x}" for n in range(0x1000 + 250, 0x1000, -1)]  # newest first

    def new(request):
        before = request.url.params["before"]
        older_first = [n for n in reversed(newer) if int(n[3:], 36) > int(before[3:], 36)]
        return reply(listing(list(reversed(older_first[:100]))))

    mock = Mock({"/api/v1/access_token": token, "/r/all/new": new})
    result = await fetch(RedditConnector(), "reddit", REDDIT, mock, PollState(cursor="t3_1000"))
    assert len(result.items) == 250 and result.state.cursor == newer[0]
    assert len(mock.hits("/r/all/new")) == 3


async def test_reddit_cursor_on_a_removed_post_falls_back_to_the_newest_page():
    mock = Mock(
        {
            "/api/v1/access_token": token,
            "/r/all/new": lambda r: reply(
                listing([]) if "before" in r.url.params else listing(["t3_zz3", "t3_zz2", "t3_zz1"])
            ),
        }
    )
    result = await fetch(RedditConnector(), "reddit", REDDIT, mock, PollState(cursor="t3_zz1"))
    assert [i["name"] for i in result.items] == ["t3_zz3", "t3_zz2"] and result.state.cursor == "t3_zz3"


async def test_reddit_expired_token_is_renewed_once():
    calls = []

    def new(request):
        calls.append(request.headers["authorization"])
        return (
            reply({"message": "Unauthorized", "error": 401}, 401)
            if len(calls) == 1
            else reply(listing(["t3_a"]))
        )

    mock = Mock({"/api/v1/access_token": token, "/r/all/new": new})
    result = await fetch(RedditConnector(), "reddit", REDDIT, mock)
    assert len(result.items) == 1 and len(mock.hits("/api/v1/access_token")) == 2 and calls[0] != calls[1]


async def test_reddit_bad_app_credentials_are_auth():
    mock = Mock({"/api/v1/access_token": lambda r: reply({"message": "Unauthorized", "error": 401}, 401)})
    with pytest.raises(ConnectorError) as info:
        await fetch(RedditConnector(), "reddit", REDDIT, mock)
    assert info.value.error_class is ErrorClass.AUTH
    assert str(info.value) == "reddit rejected the app credentials (client_id/client_secret)"


async def test_reddit_search_params_and_recorded_rate_headers():
    meta = load("reddit/search_r_all.meta.json")
    mock = Mock(
        {
            "/api/v1/access_token": token,
            "/r/acme/search": lambda r: reply(load("reddit/search_r_all.json"), **meta["headers"]),
        }
    )
    config = {**REDDIT, "subreddit": "acme", "query": "acme outage"}
    result = await fetch(RedditConnector(), "reddit", config, mock)
    params = mock.hits("/r/acme/search")[0].url.params
    assert (params["q"], params["sort"], params["restrict_sr"]) == ("acme outage", "new", "1")
    assert len(result.items) == 5 and result.pause_seconds is None  # 151.0 remaining
    mention = RedditConnector().normalize(result.items[0], validate_config("reddit", config))
    assert mention.url.startswith("https://www.reddit.com/r/") and mention.published_at.tzinfo is UTC


def test_reddit_removed_posts_are_skipped():
    config = validate_config("reddit", REDDIT)
    assert RedditConnector().normalize({"name": "t3_x", "title": "", "selftext": "[removed]"}, config) is None


# -- Hacker News ----------------------------------------------------------------------------


def hn_page(ids: list[int], page: int, pages: int) -> dict:
    template = load("hackernews/search_by_date_story_apple_2014.json")["hits"][0]
    hits = [{**template, "objectID": str(i), "created_at_i": 1_700_000_000 + i} for i in ids]
    return {"hits": hits, "page": page, "nbPages": pages, "hitsPerPage": 100}


async def test_hackernews_pages_until_nbpages_and_cursor_filters():
    pages = {0: [9, 8], 1: [7, 6], 2: [5]}
    mock = Mock({"/api/v1/search_by_date": lambda r: reply(hn_page(pages[int(r.url.params["page"])], 0, 3))})
    result = await fetch(
        HackerNewsConnector(), "hackernews", {"query": "acme"}, mock, PollState(cursor="1700000000")
    )
    assert [h["objectID"] for h in result.items] == ["9", "8", "7", "6", "5"]
    assert result.state.cursor == "1700000009"
    params = mock.requests[0].url.params
    assert params["numericFilters"] == "created_at_i>1700000000" and params["tags"] == "(story,comment)"


async def test_hackernews_burst_over_max_pages_reads_the_oldest_pages_first():
    mock = Mock({"/api/v1/search_by_date": lambda r: reply(hn_page([100 - int(r.url.params["page"])], 0, 8))})
    result = await fetch(HackerNewsConnector(), "hackernews", {"query": "acme"}, mock, PollState(cursor="1"))
    assert [int(r.url.params["page"]) for r in mock.requests] == [0, 7, 6, 5, 4]
    assert [h["objectID"] for h in result.items] == ["93", "94", "95", "96"]
    assert result.state.cursor == str(1_700_000_096)  # the next poll continues from here


def test_hackernews_comment_with_null_fields():
    hit = load("hackernews/search_by_date_comment_apple_2014.json")["hits"][0]
    mention = HackerNewsConnector().normalize(hit, validate_config("hackernews", {"query": "apple"}))
    assert mention.title == hit["story_title"] and "&#" not in mention.text and "<" not in mention.text
    ask = load("hackernews/search_by_date_ask_hn_page2_2014.json")["hits"][0]
    assert (
        "I'm a college student"
        in HackerNewsConnector().normalize(ask, validate_config("hackernews", {"query": "x"})).text
    )
    assert (
        HackerNewsConnector().normalize({"objectID": "1", "title": None, "comment_text": None}, None) is None
    )


# -- Bluesky --------------------------------------------------------------------------------

BSKY = {"identifier": "me.bsky.social", "app_password": "abcd-efgh-ijkl-mnop", "query": "redistricting"}


def session(name: str = "acc1") -> Callable[[httpx.Request], httpx.Response]:
    def create(request):
        assert json.loads(request.content) == {
            "identifier": "me.bsky.social",
            "password": "abcd-efgh-ijkl-mnop",
        }
        return reply(
            {"accessJwt": name, "refreshJwt": "ref1", "did": "did:plc:me", "handle": "me.bsky.social"}
        )

    return create


async def test_bluesky_session_is_reused_and_since_cursor_dedupes():
    mock = Mock(
        {
            "/xrpc/com.atproto.server.createSession": session(),
            "/xrpc/app.bsky.feed.searchPosts": lambda r: reply(
                load("bluesky/searchPosts_redistricting.json")
            ),
        }
    )
    connector = BlueskyConnector()
    first = await fetch(connector, "bluesky", BSKY, mock)
    assert len(first.items) == 25
    cursor = json.loads(first.state.cursor)
    assert cursor["since"] == "2025-05-19T17:10:09.561Z" and len(cursor["seen"]) == 1
    second = await fetch(connector, "bluesky", BSKY, mock, first.state)  # the server sends the same page
    assert second.items == [] and second.state.cursor == first.state.cursor
    assert len(mock.hits("/xrpc/com.atproto.server.createSession")) == 1
    search = mock.hits("/xrpc/app.bsky.feed.searchPosts")
    assert search[-1].url.params["since"] == cursor["since"] and search[-1].url.params["sort"] == "latest"
    assert search[-1].headers["authorization"] == "Bearer acc1"


async def test_bluesky_expired_token_is_refreshed_once():
    seen = []

    def search(request):
        seen.append(request.headers["authorization"])
        if request.headers["authorization"] == "Bearer acc1":
            return reply({"error": "ExpiredToken", "message": "Token has expired"}, 400)
        return reply({"posts": []})

    def refresh(request):
        assert request.headers["authorization"] == "Bearer ref1"
        return reply(
            {"accessJwt": "acc2", "refreshJwt": "ref2", "did": "did:plc:me", "handle": "me.bsky.social"}
        )

    mock = Mock(
        {
            "/xrpc/com.atproto.server.createSession": session(),
            "/xrpc/com.atproto.server.refreshSession": refresh,
            "/xrpc/app.bsky.feed.searchPosts": search,
        }
    )
    result = await fetch(BlueskyConnector(), "bluesky", BSKY, mock)
    assert result.items == [] and seen == ["Bearer acc1", "Bearer acc2"]
    assert len(mock.hits("/xrpc/com.atproto.server.createSession")) == 1


async def test_bluesky_failed_refresh_logs_in_again_and_then_gives_up():
    mock = Mock(
        {
            "/xrpc/com.atproto.server.createSession": session(),
            "/xrpc/com.atproto.server.refreshSession": lambda r: reply({"error": "ExpiredToken"}, 400),
            "/xrpc/app.bsky.feed.searchPosts": lambda r: reply(
                {"error": "ExpiredToken", "message": "expired"}, 401
            ),
        }
    )
    with pytest.raises(ConnectorError) as info:
        await fetch(BlueskyConnector(), "bluesky", BSKY, mock)
    assert info.value.error_class is ErrorClass.AUTH and "ExpiredToken" in str(info.value)
    assert len(mock.hits("/xrpc/com.atproto.server.createSession")) == 2  # initial + one retry, no loop
    assert len(mock.hits("/xrpc/app.bsky.feed.searchPosts")) == 2


async def test_bluesky_wrong_app_password_is_auth():
    mock = Mock(
        {
            "/xrpc/com.atproto.server.createSession": lambda r: reply(
                {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}, 401
            )
        }
    )
    with pytest.raises(ConnectorError) as info:
        await fetch(BlueskyConnector(), "bluesky", BSKY, mock)
    assert str(info.value) == "Bluesky rejected the identifier or app password for me.bsky.social"


async def test_bluesky_follows_the_search_cursor():
    posts = load("bluesky/searchPosts_redistricting.json")["posts"]
    big = [{**posts[0], "uri": f"at://did:plc:x/app.bsky.feed.post/{i}"} for i in range(100)]
    mock = Mock(
        {
            "/xrpc/com.atproto.server.createSession": session(),
            "/xrpc/app.bsky.feed.searchPosts": lambda r: reply(
                {"posts": big, "cursor": "100"} if "until" not in r.url.params else {"posts": posts}
            ),
        }
    )
    state = PollState(cursor=json.dumps({"since": "2025-01-01T00:00:00.000Z", "seen": []}))
    result = await fetch(BlueskyConnector(), "bluesky", BSKY, mock, state)
    assert len(result.items) == 125
    # The next page is asked for by time (until, exclusive, 1 ms past the oldest post read), which
    # a later poll can resume from; the API's own cursor is an offset that new posts shift.
    oldest = _sort_at(big[0])
    assert mock.hits("/xrpc/app.bsky.feed.searchPosts")[1].url.params["until"] == iso_z(
        oldest + timedelta(milliseconds=1)
    )


# -- Stack Exchange -------------------------------------------------------------------------

SE = {"site": "stackoverflow", "query": "acme", "key": "appkey"}
SE_PATH = "/2.3/search/advanced"


async def test_stackexchange_gzip_body_fromdate_and_has_more():
    pages = {
        "1": {"items": [{"question_id": 2, "creation_date": 200, "title": "b"}], "has_more": True},
        "2": {"items": [{"question_id": 1, "creation_date": 150, "title": "a"}], "has_more": False},
    }

    def search(request):
        body = gzip.compress(
            json.dumps(
                {**pages["2" if "todate" in request.url.params else "1"], "quota_remaining": 9000}
            ).encode()
        )
        return httpx.Response(
            200, content=body, headers={"content-encoding": "gzip", "content-type": "application/json"}
        )

    mock = Mock({SE_PATH: search})
    result = await fetch(StackExchangeConnector(), "stackexchange", SE, mock, PollState(cursor="100"))
    assert [i["question_id"] for i in result.items] == [2, 1] and result.state.cursor == "200"
    params = mock.requests[0].url.params
    assert params["fromdate"] == "101" and params["key"] == "appkey" and params["filter"] == "withbody"
    assert mock.requests[1].url.params["todate"] == "200"  # narrowed to the oldest question read


async def test_stackexchange_backoff_on_a_200_pauses_and_stops_paging():
    body = {
        "items": [{"question_id": 1, "creation_date": 150, "title": "a"}],
        "has_more": True,
        "backoff": 10,
        "quota_remaining": 9000,
    }
    mock = Mock({SE_PATH: lambda r: reply(body)})
    result = await fetch(StackExchangeConnector(), "stackexchange", SE, mock, PollState(cursor="100"))
    assert result.pause_seconds == 10 and len(mock.requests) == 1


async def test_stackexchange_spent_quota_pauses_until_utc_midnight():
    mock = Mock({SE_PATH: lambda r: reply({"items": [], "has_more": False, "quota_remaining": 0})})
    result = await fetch(StackExchangeConnector(), "stackexchange", SE, mock)
    now = datetime.now(UTC)
    left = 86400 - (now.hour * 3600 + now.minute * 60 + now.second)
    assert result.pause_seconds == pytest.approx(left, abs=5)


@pytest.mark.parametrize(
    "error_id,name,error_class",
    [
        (502, "throttle_violation", ErrorClass.RATE_LIMITED),
        (400, "bad_parameter", ErrorClass.CLIENT),
        (403, "access_denied", ErrorClass.AUTH),
        (401, "access_token_required", ErrorClass.AUTH),
        (500, "internal_error", ErrorClass.SERVER),
    ],
)
async def test_stackexchange_error_wrapper(error_id, name, error_class):
    message = "too many requests from this IP, more requests available in 8532 seconds"
    body = {"error_id": error_id, "error_name": name, "error_message": message if error_id == 502 else "no"}
    mock = Mock({SE_PATH: lambda r: reply(body, 400)})
    with pytest.raises(ConnectorError) as info:
        await fetch(StackExchangeConnector(), "stackexchange", SE, mock)
    assert info.value.error_class is error_class and name in str(info.value)
    if error_id == 502:
        assert isinstance(info.value, RateLimited) and info.value.retry_after == 8532


def test_stackexchange_normalizes_entities():
    raw = {
        "question_id": 7,
        "title": "Why does &quot;acme&quot; fail?",
        "body": "<p>It &amp; it</p>",
        "owner": {"display_name": "J&#252;rgen", "reputation": 12},
        "creation_date": 1367115933,
        "score": 1,
    }
    mention = StackExchangeConnector().normalize(raw, validate_config("stackexchange", SE))
    assert mention.title == 'Why does "acme" fail?' and mention.author == "Jürgen"
    assert mention.text == 'Why does "acme" fail?\n\nIt & it' and mention.external_id == "question:7"


# -- Lemmy ----------------------------------------------------------------------------------


async def test_lemmy_skips_removed_and_filters_by_published():
    mock = Mock({"/api/v3/search": lambda r: reply(load("lemmy/search_all.json"))})
    config = {"instance": "https://lemmy.example", "query": "acme", "type": "All"}
    connector = LemmyConnector()
    state = PollState(cursor="2024-03-05T09:00:00+00:00")
    result = await fetch(connector, "lemmy", config, mock, state)
    assert sorted(v.get("comment", v["post"])["ap_id"] for v in result.items) == [
        "https://lemmy.example/comment/9001",
        "https://lemmy.example/post/7002",
    ]
    mentions = [
        connector.normalize(v, validate_config("lemmy", config))
        for v in load("lemmy/search_all.json")["comments"]
    ]
    assert mentions[0].title == "Acme app down?" and mentions[0].author == "alice@lemmy.example"
    assert mentions[1] is None  # removed
    assert mock.requests[0].url.params["type_"] == "All" and mock.requests[0].url.params["sort"] == "New"


# -- YouTube --------------------------------------------------------------------------------

YT = {"api_key": "AIza-test", "video_ids": ["F1UP7wRCPH8"]}
YT_PATH = "/youtube/v3/commentThreads"


async def test_youtube_follows_next_page_token_and_dedupes():
    def threads(request):
        name = "page2_last" if "pageToken" in request.url.params else "page1"
        return reply(load(f"youtube/commentThreads_by_video_{name}.json"))

    mock = Mock({YT_PATH: threads})
    state = PollState(cursor=json.dumps({"videoId:F1UP7wRCPH8": "2019-01-01T00:00:00+00:00"}))
    result = await fetch(YouTubeConnector(), "youtube", YT, mock, state)
    assert len(mock.requests) == 2 and len(result.items) == 5  # page 2 repeats page 1's threads
    assert json.loads(result.state.cursor) == {"videoId:F1UP7wRCPH8": "2019-11-26T15:51:44+00:00"}
    params = mock.requests[0].url.params
    assert params["order"] == "time" and params["key"] == "AIza-test" and params["maxResults"] == "100"


def google_error(status: int, reason: str) -> Callable[[httpx.Request], httpx.Response]:
    envelope = load("youtube/error_permission_403.json")
    envelope["error"]["code"] = status
    envelope["error"]["errors"][0]["reason"] = reason
    return lambda request: reply(envelope, status)


@pytest.mark.parametrize(
    "status,reason,error_class",
    [
        (403, "quotaExceeded", ErrorClass.RATE_LIMITED),
        (403, "rateLimitExceeded", ErrorClass.RATE_LIMITED),
        (403, "commentsDisabled", ErrorClass.CLIENT),
        (400, "keyInvalid", ErrorClass.AUTH),
        (403, "forbidden", ErrorClass.AUTH),
        (404, "videoNotFound", ErrorClass.GONE),
        (403, "SERVICE_UNAVAILABLE", ErrorClass.AUTH),
    ],
)
async def test_youtube_error_reasons(status, reason, error_class):
    with pytest.raises(ConnectorError) as info:
        await fetch(YouTubeConnector(), "youtube", YT, Mock({YT_PATH: google_error(status, reason)}))
    assert info.value.error_class is error_class
    if reason == "quotaExceeded":
        assert 60 <= info.value.retry_after <= 86400 and "midnight Pacific" in str(info.value)
    if reason == "commentsDisabled":
        assert str(info.value) == "comments are disabled for YouTube video F1UP7wRCPH8"


async def test_youtube_one_video_with_comments_disabled_does_not_silence_the_others():
    def threads(request):
        if request.url.params["videoId"] == "off":
            return google_error(403, "commentsDisabled")(request)
        return reply(load("youtube/commentThreads_by_video_page2_last.json"))

    result = await fetch(
        YouTubeConnector(), "youtube", {**YT, "video_ids": ["off", "F1UP7wRCPH8"]}, Mock({YT_PATH: threads})
    )
    assert len(result.items) == 5


def test_youtube_quota_waits_until_pacific_midnight():
    assert _until_pacific_midnight(datetime(2024, 3, 5, 7, 0, tzinfo=UTC)) == 3600  # 23:00 PST
    assert _until_pacific_midnight(datetime(2024, 7, 5, 6, 59, 30, tzinfo=UTC)) == 60  # 23:59:30 PDT, floor


# -- X --------------------------------------------------------------------------------------

X = {"bearer_token": "AAAA-test", "query": "acme"}
X_PATH = "/2/tweets/search/recent"


async def test_x_pages_with_next_token_back_to_since_id():
    def search(request):
        if "next_token" in request.url.params:
            return reply(load("x/search_all_with_expansions.json"))
        return reply(load("x/search_recent_tweepy.json"))

    mock = Mock({X_PATH: search})
    result = await fetch(XConnector(), "x", X, mock, PollState(cursor="1"))
    assert len(mock.requests) == 2 and len(result.items) == 10 + 5
    assert mock.requests[1].url.params["next_token"] == "b26v89c19zqg8o3fpzbn1e0ffhxjiofzw6po136rvbnul"
    # Post 1 is from 2010, far older than recent search's 7 days: the window is read, the gap shown.
    assert mock.requests[0].url.params["start_time"] and "since_id" not in mock.requests[0].url.params
    assert [g.reason[:30] for g in result.gaps] == ["X recent search reaches back o"]
    assert mock.requests[0].headers["authorization"] == "Bearer AAAA-test"
    # the newest post (2022) is outside the window: the cursor moves to about an hour ago instead
    assert int(result.state.cursor) > 1578516068309794817
    tweepy = XConnector().normalize(result.items[0], validate_config("x", X))
    assert tweepy.author is None and tweepy.url.endswith("/i/web/status/1578516068309794817")


@pytest.mark.parametrize(
    "name,status,error_class,text",
    [
        ("search_all_error_401", 401, ErrorClass.AUTH, "X API HTTP 401: Unauthorized"),
        ("search_all_error_400", 400, ErrorClass.CLIENT, "X API HTTP 400: One or more parameters"),
    ],
)
async def test_x_problem_json_errors(name, status, error_class, text):
    mock = Mock({X_PATH: lambda r: reply(load(f"x/{name}.json"), status)})
    with pytest.raises(ConnectorError) as info:
        await fetch(XConnector(), "x", X, mock)
    assert info.value.error_class is error_class and str(info.value).startswith(text)


async def test_x_429_without_retry_after_uses_the_reset_header():
    reset = str(int(time.time()) + 300)
    mock = Mock(
        {X_PATH: lambda r: reply({"title": "Too Many Requests"}, 429, **{"x-rate-limit-reset": reset})}
    )
    with pytest.raises(RateLimited) as info:
        await fetch(XConnector(), "x", X, mock)
    assert info.value.retry_after == pytest.approx(300, abs=2)
