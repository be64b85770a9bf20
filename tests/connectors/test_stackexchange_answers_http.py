"""Stack Exchange answers (search/excerpts) and comments (/comments), per-endpoint cursors, backoff."""

from __future__ import annotations

import httpx
import pydantic
import pytest

from connectors.base import PollState
from connectors.registry import CONNECTORS, validate_config
from tests.connectors.test_connector_contract import (
    CASES,
    Api,
    fixture_json,
    json_response,
    normalized,
    run_fetch,
)


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
