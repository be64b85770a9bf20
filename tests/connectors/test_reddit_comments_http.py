"""Reddit comments (comments = true): User-Agent, fullname cursor, normalize, config errors, bursts."""

from __future__ import annotations

import copy
import json
import time

import httpx
import pydantic
import pytest

from connectors.base import PollState
from connectors.registry import CONNECTORS, validate_config
from tests.connectors.burst_apis import RedditCommentsApi
from tests.connectors.test_connector_contract import (
    CASES,
    Api,
    fixture_json,
    json_response,
    normalized,
    run_fetch,
)


async def test_reddit_comments_send_the_user_agent_reddit_asks_for_and_page_by_fullname():
    api = Api(CASES["reddit/comments"])
    page = fixture_json("reddit/comments_r_all_page1.json")
    later = fixture_json("reddit/comments_r_all_before_cursor.json")  # recorded with before=t1_fy72wjf
    api.data = lambda r: json_response(later if r.url.params.get("before") == "t1_fy72wjf" else page)
    first = await run_fetch("reddit/comments", api)
    second = await run_fetch("reddit/comments", api, first.state)
    assert first.state.cursor == "t1_fy72wjf"  # the newest comment of the recorded page
    assert [r.url.params.get("before") for r in api.data_requests()] == [None, "t1_fy72wjf"]
    for request in api.requests:  # the token request too
        assert request.headers["user-agent"].startswith("python:abc:")
        assert request.headers["user-agent"].endswith(" (by /u/acme_care)")
    later_names = [c["data"]["name"] for c in later["data"]["children"]]
    assert [i["name"] for i in second.items] == later_names
    assert second.state.cursor == max(later_names, key=lambda n: int(n[3:], 36))


async def test_reddit_comment_normalizes_to_its_body_permalink_and_author():
    api = Api(CASES["reddit/comments"])
    result = await run_fetch("reddit/comments", api)
    config = validate_config("reddit", CASES["reddit/comments"].config)
    raw = result.items[0]
    mention = CONNECTORS["reddit"]().normalize(raw, config)
    assert mention.external_id == "t1_fy72wjf" and mention.author == "forest_play"
    assert mention.text.startswith("That’s not the point they were trying to make about per capita.")
    assert mention.title is None  # the post's title would match every reply in the thread
    assert mention.url == (
        "https://www.reddit.com/r/WhitePeopleTwitter/comments/hrqiaj/united_states_of_convenience/fy72wjf/"
    )
    assert mention.published_at.timestamp() == raw["created_utc"]
    removed = {**raw, "body": "[removed]"}
    assert CONNECTORS["reddit"]().normalize(removed, config) is None


async def test_reddit_post_cursor_is_not_sent_to_the_comment_stream():
    api = Api(CASES["reddit/comments"])
    result = await run_fetch("reddit/comments", api, PollState(cursor="t3_kzj68x"))
    assert api.data_requests()[0].url.params.get("before") is None
    assert result.state.cursor.startswith("t1_")


async def test_reddit_posts_keep_working_without_a_username():
    api = Api(CASES["reddit"])
    await run_fetch("reddit", api)
    assert "(by /u/" not in api.data_requests()[0].headers["user-agent"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"subreddit": None}, "give a subreddit, a query, or both"),
        ({"username": "a b"}, "is not a Reddit username"),
    ],
)
def test_reddit_comments_config_errors_say_what_to_change(extra, message):
    data = {**CASES["reddit/comments"].config, **extra}
    with pytest.raises(pydantic.ValidationError, match=message):
        validate_config("reddit", data)


def test_reddit_username_prefix_is_stripped():
    config = validate_config("reddit", {**CASES["reddit/comments"].config, "username": "/u/acme_care"})
    assert config.user_agent().endswith("(by /u/acme_care)")


async def test_reddit_comment_burst_of_20_pages_is_read_whole_within_the_page_budget():
    api = RedditCommentsApi()
    connector = CONNECTORS["reddit"]()
    config = validate_config("reddit", api.config)
    state, seen, pages, polls = PollState(), set(), [], 0
    async with httpx.AsyncClient(transport=httpx.MockTransport(api.handler)) as client:
        api.add(3)
        result = await connector.fetch(client, config, state)
        seen |= {i["name"] for i in result.items}
        state = result.state
        api.add(20 * api.page_size)
        while True:
            sent = len(api.data_requests())
            result = await connector.fetch(client, config, state)
            pages.append(len(api.data_requests()) - sent)
            seen |= {i["name"] for i in result.items}
            state, polls = result.state, polls + 1
            if polls == 1:
                api.add(7)  # more arrive while the backlog is read
            if not result.more:
                break
            assert polls <= 20, "the backlog never drains"
        quiet = await connector.fetch(client, config, state)
    assert seen == api.ids()
    assert max(pages) <= connector.max_pages and polls >= 20 // connector.max_pages
    assert quiet.items == [] and quiet.state.cursor == state.cursor and not result.gaps


# -- comment search: the comments of the threads a post search finds ----------------------------


class Threads:
    """/search answering the recorded thread's post (made an hour old), /comments/<id> its comments."""

    def __init__(self) -> None:
        self.page = fixture_json("reddit/thread_comments_2gmzqe.json")  # [post listing, comments]
        self.post = self.page[0]["data"]["children"][0]["data"]
        self.post["created_utc"] = time.time() - 3600
        self.gone: set[str] = set()
        self.headers: dict[str, str] = {}
        self.requests: list[httpx.Request] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path.endswith("/access_token"):
            return json_response({"access_token": "tok", "expires_in": 86400})
        if path == "/search":
            children = [{"kind": "t3", "data": self.post}]
            return json_response({"kind": "Listing", "data": {"children": children}}, headers=self.headers)
        if path.rstrip("/").rsplit("/", 1)[-1] in self.gone:
            return json_response({"message": "Not Found", "error": 404}, 404)
        return json_response(self.page)

    def comments(self) -> list[dict]:
        return self.page[1]["data"]["children"]

    def thread_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.startswith("/comments/")]


THREADS_CONFIG = {"client_id": "abc", "client_secret": "s3cret", "query": "praw https", "comments": True}


async def _threads_poll(api: Threads, state: PollState):
    connector = CONNECTORS["reddit"]()
    async with httpx.AsyncClient(transport=httpx.MockTransport(api.handler)) as client:
        return await connector.fetch(client, validate_config("reddit", THREADS_CONFIG), state)


async def test_reddit_comment_search_reads_the_comments_of_the_threads_the_search_finds():
    api = Threads()
    first = await _threads_poll(api, PollState())
    search = [r for r in api.requests if r.url.path == "/search"][0]
    assert search.url.params["q"] == "praw https" and search.url.params["sort"] == "new"
    [ask] = api.thread_requests()
    assert ask.url.path == "/comments/2gmzqe" and ask.url.params["sort"] == "new"
    assert [c["name"] for c in first.items] == ["t1_cklfmye", "t1_cklhv0f"]  # a reply nested in the tree
    mentions = normalized("reddit/comments", first.items)
    assert mentions[1].text.startswith("Yes it does. That fix is also in the mas")
    assert mentions[1].url.startswith("https://www.reddit.com/r/redditdev/comments/2gmzqe/")
    assert json.loads(first.state.cursor)["threads"]["t3_2gmzqe"][0] == "t1_cklhv0f"
    # a new reply: only it comes, from the same thread
    reply = copy.deepcopy(api.comments()[0])
    reply["data"].update(name="t1_cklhv0g", id="cklhv0g", body="Still broken for me on Acme's proxy")
    api.comments().insert(0, reply)
    second = await _threads_poll(api, first.state)
    assert [c["name"] for c in second.items] == ["t1_cklhv0g"] and not second.gaps


async def test_reddit_comment_search_follows_only_recent_threads_and_drops_deleted_ones():
    api = Threads()
    api.post["created_utc"] = time.time() - 8 * 86400  # older than the 7 days followed
    old = await _threads_poll(api, PollState())
    assert api.thread_requests() == [] and old.items == [] and old.state.cursor is None
    api.post["created_utc"] = time.time() - 3600
    first = await _threads_poll(api, PollState())
    api.gone.add("2gmzqe")
    second = await _threads_poll(api, first.state)
    assert second.items == [] and json.loads(second.state.cursor or "{}").get("threads", {}) == {}


async def test_reddit_comment_search_pauses_before_the_threads_when_the_search_used_the_last_request():
    api = Threads()
    api.headers = {"x-ratelimit-remaining": "0.0", "x-ratelimit-reset": "120"}
    result = await _threads_poll(api, PollState())
    assert api.thread_requests() == [] and result.pause_seconds == 120
    assert json.loads(result.state.cursor)["threads"]["t3_2gmzqe"][0] is None  # read at the next poll


async def test_reddit_comment_search_records_a_gap_when_a_thread_outran_the_comment_limit():
    api = Threads()
    first = await _threads_poll(api, PollState())
    top = api.comments()[0]["data"]  # every comment loaded is new (the reply nested in it too)...
    top.update(name="t1_cklhv1a", id="cklhv1a")
    top["replies"]["data"]["children"][0]["data"].update(name="t1_cklhv1b", id="cklhv1b")
    more = {"kind": "more", "data": {"count": 480, "children": ["cklhv0x", "cklhv0y"]}}
    api.comments().append(more)  # ...and more sit behind "load more"
    second = await _threads_poll(api, first.state)
    [gap] = second.gaps
    assert "t3_2gmzqe" in gap.reason and len(second.items) == 2
