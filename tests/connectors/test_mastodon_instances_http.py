"""Mastodon across instances: a cursor per instance, failures and rate limits per host, bursts."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pydantic
import pytest

from connectors.base import ConnectorError, ErrorClass, PollState
from connectors.registry import CONNECTORS, validate_config
from tests.connectors.test_connector_contract import (
    fixture_json,
    json_response,
)

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
