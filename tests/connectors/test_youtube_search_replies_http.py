"""YouTube video search (query) and replies (replies = true), on recorded python-youtube pages."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import httpx
import pydantic
import pytest

from connectors.base import PollState, RateLimited
from connectors.registry import CONNECTORS, validate_config
from tests.connectors.test_connector_contract import (
    CASES,
    Api,
    fixture_json,
    json_response,
    normalized,
    run_fetch,
)


async def test_youtube_video_search_asks_for_new_videos_and_goes_on_after_the_newest():
    api = Api(CASES["youtube/search"])
    first = await run_fetch("youtube/search", api)
    second = await run_fetch("youtube/search", api, first.state)
    [ask, again] = api.data_requests()
    assert {k: ask.url.params[k] for k in ("part", "q", "type", "order")} == {
        "part": "snippet",
        "q": "surfing",
        "type": "video",
        "order": "date",
    }
    assert "publishedAfter" not in ask.url.params
    assert again.url.params["publishedAfter"] == "2019-12-06T08:25:39Z"  # the newest recorded video
    assert len(first.items) == 25 and second.items == []


async def test_youtube_video_normalizes_to_title_and_description_with_the_watch_url():
    api = Api(CASES["youtube/search"])
    result = await run_fetch("youtube/search", api)
    config = validate_config("youtube", CASES["youtube/search"].config)
    mentions = {
        m.external_id: m for raw in result.items if (m := CONNECTORS["youtube"]().normalize(raw, config))
    }
    video = mentions["video:i2hewkFijuY"]
    assert video.title == "SURFING PERFECT PIPE & BACKDOOR || SUNRISE SHACK!"  # &amp; unescaped
    assert video.text.startswith(video.title + "\n\nThis is Livin' Movie Premiering")
    assert video.url == "https://www.youtube.com/watch?v=i2hewkFijuY"
    assert video.published_at.isoformat() == "2019-12-04T16:00:08+00:00"
    assert video.author


async def test_youtube_replies_past_the_inline_five_come_from_comments_list_with_the_video_link():
    api = Api(CASES["youtube/replies"])
    result = await run_fetch("youtube/replies", api)
    asks = [r for r in api.requests if r.url.path == "/youtube/v3/comments"]
    # the one recorded thread with replies (totalReplyCount 2, none inline), both recorded pages
    [thread] = [
        t
        for t in result.items
        if t.get("kind") == "youtube#commentThread" and t["snippet"]["totalReplyCount"]
    ]
    assert [r.url.params["parentId"] for r in asks] == [thread["id"], thread["id"]]
    assert api.data_requests()[0].url.params["part"] == "snippet,replies"
    replies = normalized("youtube/replies", [i for i in result.items if i["kind"] == "youtube#comment"])
    assert [m.text for m in replies] == [
        "this is the third reply!",
        "this is the second reply!",
        "hey, this is the replay",
    ]
    video = thread["snippet"]["videoId"]
    assert replies[0].url == f"https://www.youtube.com/watch?v={video}&lc={replies[0].external_id}"
    assert (
        replies[0].author == "kun liu" and replies[0].published_at.isoformat() == "2019-12-01T04:46:31+00:00"
    )


async def test_youtube_inline_replies_cost_no_extra_request():
    page = fixture_json("youtube/commentThreads_by_video_page1.json")
    inline = fixture_json("youtube/comments_by_parent_page1.json")["items"]
    for thread in page["items"]:  # the docs' part=replies shape: replies.comments[] of comment resources
        thread["replies"] = {"comments": inline} if thread["snippet"]["totalReplyCount"] else {}
        thread["snippet"]["totalReplyCount"] = len(inline) if thread["replies"] else 0
    api = Api(CASES["youtube/replies"])
    api.data = lambda request: json_response(page)
    result = await run_fetch("youtube/replies", api)
    assert not [r for r in api.requests if r.url.path == "/youtube/v3/comments"]
    assert {i["id"] for i in result.items if i["kind"] == "youtube#comment"} == {c["id"] for c in inline}


class Thread:
    """One video's thread list and one thread's replies, from the recorded pages, made recent."""

    def __init__(self) -> None:
        page = fixture_json("youtube/commentThreads_by_video_page1.json")
        self.thread = page["items"][-1]  # the recorded thread with replies
        self.replies = [
            *fixture_json("youtube/comments_by_parent_page1.json")["items"],
            *fixture_json("youtube/comments_by_parent_page2_last.json")["items"],
        ]  # newest first
        self.thread["id"] = self.replies[0]["snippet"]["parentId"]  # the thread they answer
        now = datetime.now(UTC)
        self.thread["snippet"]["topLevelComment"]["snippet"]["publishedAt"] = (
            now - timedelta(hours=3)
        ).isoformat()
        for age, reply in enumerate(self.replies):
            reply["snippet"]["publishedAt"] = (now - timedelta(minutes=10 + 30 * age)).isoformat()
        self.visible = 1  # replies posted so far (the oldest first)
        self.exists = True
        self.requests: list[httpx.Request] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        posted = self.replies[len(self.replies) - self.visible :]
        thread = copy.deepcopy(self.thread)
        thread["snippet"]["totalReplyCount"] = len(posted)
        if request.url.path.endswith("/comments"):
            return json_response({"kind": "youtube#commentListResponse", "items": posted})
        if "id" in request.url.params:  # the watch: threads read before, by id
            return json_response({"items": [thread] if self.exists else []})
        since = "videoId" in request.url.params and len(self.requests) > 2
        return json_response({"items": [] if since else [thread]})

    def replies_asked(self) -> int:
        return len([r for r in self.requests if r.url.path.endswith("/comments")])


async def test_youtube_new_replies_on_a_thread_read_before_are_read_once():
    api = Thread()
    connector = CONNECTORS["youtube"]()
    config = validate_config("youtube", CASES["youtube/replies"].config)
    async with httpx.AsyncClient(transport=httpx.MockTransport(api.handler)) as client:
        first = await connector.fetch(client, config, PollState())
        api.visible = 3  # two more replies on the same thread, no new thread
        second = await connector.fetch(client, config, first.state)
        asked = api.replies_asked()
        third = await connector.fetch(client, config, second.state)
        api.exists = False  # the thread is deleted
        fourth = await connector.fetch(client, config, third.state)

    def ids(result):
        return [i["id"] for i in result.items if i["kind"] == "youtube#comment"]

    assert ids(first) == [api.replies[-1]["id"]]
    assert ids(second) == [r["id"] for r in api.replies[:2]]  # only the two new ones
    watch = [r for r in api.requests if "id" in r.url.params]
    assert watch[0].url.params["id"] == api.thread["id"] and watch[0].url.params["part"] == "snippet,replies"
    assert "maxResults" not in watch[0].url.params  # the API refuses it beside id
    assert third.items == [] and api.replies_asked() == asked  # nothing grew: no comments.list call
    assert api.thread["id"] not in json.loads(fourth.state.cursor)["watch"]
    mention = normalized("youtube/replies", second.items)[0]
    assert mention.url.endswith(f"&lc={api.replies[0]['id']}") and "v=F1UP7wRCPH8" in mention.url


async def test_youtube_quota_exhausted_on_the_video_search_is_rate_limited_until_pacific_midnight():
    body = fixture_json("youtube/error_permission_403.json")
    body["error"]["errors"][0]["reason"] = "quotaExceeded"  # the shape Google sends, with this reason
    api = Api(CASES["youtube/search"])
    api.data = lambda request: json_response(body, 403)
    with pytest.raises(RateLimited) as info:
        await run_fetch("youtube/search", api)
    assert "quota" in str(info.value) and 60 <= info.value.retry_after <= 86400


async def test_youtube_comments_disabled_on_a_video_does_not_stop_the_video_search():
    case = CASES["youtube/search"]
    disabled = fixture_json("youtube/error_permission_403.json")
    disabled["error"]["errors"][0]["reason"] = "commentsDisabled"
    api = Api(case)
    api.case = copy.copy(case)
    api.case.extra_routes = {"/youtube/v3/commentThreads": lambda r: json_response(disabled, 403)}
    connector = CONNECTORS["youtube"]()
    config = validate_config("youtube", {**case.config, "video_ids": ["F1UP7wRCPH8"]})
    async with api.client() as client:
        result = await connector.fetch(client, config, PollState())
    assert len(result.items) == 25 and "q:surfing" in result.state.cursor


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"api_key": "k"}, "give channel_id, video_ids or query"),
        ({"api_key": "k", "channel_id": "UC1", "video_ids": ["v"]}, "not both"),
        ({"api_key": "k", "query": "acme", "replies": True}, "apply to comments"),
    ],
)
def test_youtube_config_errors_say_what_to_change(data, message):
    with pytest.raises(pydantic.ValidationError, match=message):
        validate_config("youtube", data)
