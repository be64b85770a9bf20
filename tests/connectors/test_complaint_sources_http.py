"""Where complaints live: Reddit comments, Stack Exchange answers and comments, YouTube video search
and replies, Mastodon across instances — on recorded payloads (tests/fixtures/)."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pydantic
import pytest

from connectors.base import ConnectorError, ErrorClass, PollState, RateLimited
from connectors.registry import CONNECTORS, validate_config
from tests.connectors.burst_apis import RedditCommentsApi
from tests.connectors.test_connector_contract import CASES, Api, fixture_json, json_response, run_fetch


def normalized(case: str, items: list) -> list:
    """The mentions a case's items normalize to (skipped items left out)."""
    kind = case.partition("/")[0]
    config = validate_config(kind, CASES[case].config)
    return [m for raw in items if (m := CONNECTORS[kind]().normalize(raw, config)) is not None]


# -- Reddit comments ----------------------------------------------------------------------------


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


# -- YouTube: video search and replies --------------------------------------------------------


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


# -- Stack Exchange answers and comments --------------------------------------------------------


async def test_stackexchange_answers_come_from_search_excerpts_with_short_links():
    case = {**CASES["stackexchange/answers"].config, "include": ["answers"]}
    api = Api(CASES["stackexchange/answers"])
    connector = CONNECTORS["stackexchange"]()
    async with api.client() as client:
        result = await connector.fetch(client, validate_config("stackexchange", case), PollState())
    [ask] = api.data_requests()
    assert {k: ask.url.params[k] for k in ("q", "sort", "order", "site")} == {
        "q": "acme",
        "sort": "creation",
        "order": "desc",
        "site": "stackoverflow",
    }
    [answer] = normalized("stackexchange/answers", result.items)  # the question is left out
    assert answer.external_id == "answer:16264496" and answer.url == "https://stackoverflow.com/a/16264496"
    assert answer.title is None and answer.author is None  # excerpts carry no owner
    assert answer.text.startswith("Acme's SDK sends the token in a header: protect_from_forgery")
    assert result.state.cursor == '{"excerpts":"1367156521"}'


async def test_stackexchange_questions_and_answers_together_and_the_question_link():
    api = Api(CASES["stackexchange/answers"])
    result = await run_fetch("stackexchange/answers", api)
    mentions = {m.external_id: m for m in normalized("stackexchange/answers", result.items)}
    assert set(mentions) == {"answer:16264496", "question:16258911"}
    question = mentions["question:16258911"]
    assert (
        question.url == "https://stackoverflow.com/q/16258911"
        and question.title == "Rails 4 Authenticity Token"
    )


async def test_stackexchange_comments_stream_normalizes_owner_and_comment_link():
    api = Api(CASES["stackexchange/comments"])
    result = await run_fetch("stackexchange/comments", api)
    [ask] = api.data_requests()
    assert "q" not in ask.url.params and ask.url.params["filter"] == "withbody"
    first, second = normalized("stackexchange/comments", result.items)
    assert first.external_id == "comment:23279137"
    assert first.url == "https://stackoverflow.com/posts/comments/23279137"
    assert first.text == "Thanks, that fixed it – though Acme's docs still say the opposite."
    assert (first.author, first.author_reach, first.engagement) == ("alexcoco", 4081, 2)
    assert second.author == "Müller" and "<code>" not in second.text


async def test_stackexchange_switching_on_answers_goes_on_from_the_questions_cursor():
    api = Api(CASES["stackexchange/answers"])
    await run_fetch("stackexchange/answers", api, PollState(cursor="1367150000"))
    assert api.data_requests()[0].url.params["fromdate"] == "1367150001"


async def test_stackexchange_switching_back_to_questions_only_keeps_the_cursor():
    api = Api(CASES["stackexchange"])
    state = PollState(cursor='{"comments":"1367150000","excerpts":"1367156521"}')
    await run_fetch("stackexchange", api, state)
    assert api.data_requests()[0].url.params["fromdate"] == "1367156522"


async def test_stackexchange_backoff_on_one_endpoint_leaves_the_other_for_the_next_poll():
    config = {"site": "stackoverflow", "query": "acme", "include": ["answers", "comments"]}
    page = fixture_json("stackexchange/search_excerpts_sample.json") | {"backoff": 10}
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        return json_response(page)

    state = PollState(cursor='{"comments":"1367150000","excerpts":"1367150000"}')
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        result = await CONNECTORS["stackexchange"]().fetch(
            client, validate_config("stackexchange", config), state
        )
    assert asked == ["/2.3/search/excerpts"] and result.pause_seconds == 10
    assert result.state.cursor == '{"comments":"1367150000","excerpts":"1367156521"}'


@pytest.mark.parametrize(
    ("site", "url"),
    [
        ("superuser", "https://superuser.com/a/7"),
        ("math", "https://math.stackexchange.com/a/7"),
        ("mathoverflow", "https://mathoverflow.net/a/7"),
        ("es.stackoverflow", "https://es.stackoverflow.com/a/7"),
        ("gaming.stackexchange.com", "https://gaming.stackexchange.com/a/7"),
    ],
)
def test_stackexchange_answer_link_on_each_kind_of_site(site, url):
    config = validate_config("stackexchange", {"site": site, "query": "acme", "include": ["answers"]})
    raw = {"item_type": "answer", "answer_id": 7, "question_id": 6, "body": "<p>acme</p>", "creation_date": 1}
    assert CONNECTORS["stackexchange"]().normalize(raw, config).url == url


@pytest.mark.parametrize(
    ("include", "message"), [(["tweets"], "'questions', 'answers' or 'comments'"), ([], "at least 1")]
)
def test_stackexchange_include_errors_name_the_choices(include, message):
    with pytest.raises(pydantic.ValidationError, match=message):
        validate_config("stackexchange", {"site": "stackoverflow", "query": "acme", "include": include})


# -- Mastodon across instances ----------------------------------------------------------------

_TWO = {
    "instances": ["https://a.example", "https://b.example"],
    "query": "acme",
    "access_tokens": {"a.example": "tok-a", "b.example": "tok-b"},
}


class Instances:
    """Two instances' /api/v2/search, each with its own statuses (min_id: the `limit` just newer)."""

    def __init__(self) -> None:
        template = fixture_json("mastodon/search_v2_mastodon_social.json")["statuses"][0]
        self.statuses: dict[str, list[dict]] = {"a.example": [], "b.example": []}
        self.template = template
        self.count = 0
        self.requests: list[httpx.Request] = []
        self.answers: dict[str, Callable[[httpx.Request], httpx.Response]] = {}

    def add(self, host: str, n: int) -> None:
        for _ in range(n):
            self.count += 1
            status_id = str(116388149027005349 + self.count)
            uri = f"https://{host}/users/acme/statuses/{status_id}"
            self.statuses[host].insert(0, {**self.template, "id": status_id, "uri": uri, "url": uri})

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        host = request.url.host
        if host in self.answers:
            return self.answers[host](request)
        min_id = int(request.url.params.get("min_id", 0))
        newer = [s for s in self.statuses[host] if int(s["id"]) > min_id]
        limit = int(request.url.params["limit"])
        page = newer[-limit:] if min_id else newer[:limit]
        return json_response({"accounts": [], "statuses": page, "hashtags": []})

    def asked(self, host: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.host == host]


async def _poll(api: Instances, state: PollState, config: dict | None = None):
    connector = CONNECTORS["mastodon"]()
    async with httpx.AsyncClient(transport=httpx.MockTransport(api.handler)) as client:
        return await connector.fetch(client, validate_config("mastodon", config or _TWO), state)


async def test_mastodon_keeps_a_cursor_per_instance_and_sends_each_its_own_token():
    api = Instances()
    api.add("a.example", 2)
    api.add("b.example", 3)
    first = await _poll(api, PollState())
    cursors = json.loads(first.state.cursor)
    assert cursors == {
        "a.example": api.statuses["a.example"][0]["id"],
        "b.example": api.statuses["b.example"][0]["id"],
    }
    assert [r.headers["authorization"] for r in api.requests] == ["Bearer tok-a", "Bearer tok-b"]
    api.add("a.example", 1)
    second = await _poll(api, first.state)
    assert [s["uri"] for s in second.items] == [api.statuses["a.example"][0]["uri"]]
    assert api.asked("b.example")[-1].url.params["min_id"] == cursors["b.example"]


async def test_mastodon_one_failing_instance_does_not_lose_the_others_items_or_its_cursor():
    api = Instances()
    api.add("a.example", 2)
    api.add("b.example", 2)
    first = await _poll(api, PollState())
    api.add("a.example", 1)
    api.add("b.example", 4)
    api.answers["a.example"] = lambda r: httpx.Response(503, content=b"down")
    second = await _poll(api, first.state)
    assert len(second.items) == 4  # b's four
    assert json.loads(second.state.cursor)["a.example"] == json.loads(first.state.cursor)["a.example"]
    del api.answers["a.example"]
    third = await _poll(api, second.state)
    assert [s["uri"] for s in third.items] == [api.statuses["a.example"][0]["uri"]]  # read once it is back


async def test_mastodon_every_instance_failing_is_an_error():
    api = Instances()
    api.answers = {h: (lambda r: httpx.Response(503, content=b"down")) for h in ("a.example", "b.example")}
    with pytest.raises(ConnectorError) as info:
        await _poll(api, PollState())
    assert info.value.error_class is ErrorClass.SERVER


async def test_mastodon_a_host_out_of_its_rate_limit_waits_alone():
    api = Instances()
    api.add("a.example", 2)
    api.add("b.example", 2)
    reset = (datetime.now(UTC) + timedelta(seconds=300)).isoformat()

    def limited(request: httpx.Request) -> httpx.Response:
        return json_response(
            {"statuses": []}, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}
        )

    api.answers["a.example"] = limited
    first = await _poll(api, PollState())
    assert first.pause_seconds is None and len(first.items) == 2  # b was read
    assert 290 <= json.loads(first.state.cursor)["wait:a.example"] - time.time() <= 301
    del api.answers["a.example"]
    sent = len(api.asked("a.example"))
    second = await _poll(api, first.state)
    assert len(api.asked("a.example")) == sent and second.items == []  # a is left alone until its reset
    expired = json.loads(second.state.cursor) | {"wait:a.example": int(time.time()) - 1}
    third = await _poll(api, PollState(cursor=json.dumps(expired)))
    assert len(third.items) == 2 and "wait:a.example" not in json.loads(third.state.cursor)


async def test_mastodon_a_burst_on_one_instance_is_read_whole_over_the_next_polls():
    api = Instances()
    api.add("a.example", 2)
    api.add("b.example", 2)
    state = (await _poll(api, PollState())).state
    api.add("a.example", 20 * 40)  # 20 pages of the API's 40
    seen: set[str] = set()
    for _ in range(10):
        result = await _poll(api, state)
        seen |= {s["uri"] for s in result.items}
        state = result.state
        if not result.more:
            break
    assert not result.more and {s["uri"] for s in api.statuses["a.example"][:800]} <= seen


async def test_mastodon_back_to_one_instance_keeps_its_cursor():
    api = Instances()
    api.add("a.example", 2)
    config = {"instance": "https://a.example", "query": "acme", "access_token": "tok-a"}
    await _poll(api, PollState(cursor='{"a.example":"116388149027005349","b.example":"5"}'), config)
    assert api.asked("a.example")[0].url.params["min_id"] == "116388149027005349"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**_TWO, "instance": "https://c.example"}, "exactly one of instance or instances"),
        ({**_TWO, "access_tokens": {"a.example": "tok-a"}}, "access_token .* for b.example"),
        (
            {**_TWO, "access_tokens": {**_TWO["access_tokens"], "c.example": "t"}},
            "not in instances: c.example",
        ),
        ({**_TWO, "instances": ["https://a.example", "https://a.example/"]}, "each instance once"),
        ({**_TWO, "instances": ["ftp://a.example"]}, "http"),
    ],
)
def test_mastodon_instances_config_errors_say_what_to_change(data, message):
    with pytest.raises(pydantic.ValidationError, match=message):
        validate_config("mastodon", data)


def test_mastodon_instance_tokens_do_not_show_in_repr():
    config = validate_config("mastodon", _TWO)
    assert "tok-a" not in repr(config) and "tok-b" not in str(config.model_dump())
