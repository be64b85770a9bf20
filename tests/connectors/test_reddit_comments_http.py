"""Reddit comments (comments = true): User-Agent, fullname cursor, normalize, config errors, bursts."""

from __future__ import annotations

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
        ({"query": "acme"}, "Reddit's API has no comment search"),
        ({"subreddit": None}, "comments = true needs a subreddit"),
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
