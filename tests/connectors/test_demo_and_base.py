"""The demo player (fake clock, no network) and the shared request/parse helpers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from connectors.base import ConnectorError, ErrorClass, PollState, RateLimited
from connectors.demo import DemoConnector
from connectors.helpers import html_to_text, parse_datetime, parse_link_header, parse_retry_after
from connectors.registry import validate_config
from connectors.rss import RssConnector

RECORDING = Path(__file__).resolve().parent.parent / "fixtures" / "demo" / "recording.jsonl"
T0 = 1_700_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


async def play(connector: DemoConnector, state: PollState, **config):
    cfg = validate_config("demo", {"path": str(RECORDING), **config})
    result = await connector.fetch(None, cfg, state)  # the client is unused
    return result, [connector.normalize(item, cfg) for item in result.items]


async def test_demo_plays_records_as_time_passes():
    clock = Clock()
    demo = DemoConnector(clock=clock)
    result, mentions = await play(demo, PollState())
    assert [m.external_id for m in mentions] == ["demo-1"]
    assert json.loads(result.state.cursor) == {"index": 1, "started_at": T0}
    assert mentions[0].published_at == datetime.fromtimestamp(T0, tz=UTC)

    clock.now += 0.5  # 30 recording seconds: nothing due yet
    result, mentions = await play(demo, result.state)
    assert mentions == []
    clock.now += 1.5  # 120 recording seconds: records 2 and 3
    result, mentions = await play(demo, result.state)
    assert [m.external_id for m in mentions] == ["demo-2", "demo-3"]
    assert mentions[0].published_at == datetime.fromtimestamp(T0 + 1, tz=UTC)  # offset 60 at speed 60
    assert mentions[0].author_reach == 1200 and mentions[1].title == "Outage?"
    clock.now += 100
    result, mentions = await play(demo, result.state)
    assert mentions == [] and json.loads(result.state.cursor)["index"] == 3  # no loop: done


async def test_demo_loop_suffixes_ids():
    clock = Clock()
    demo = DemoConnector(clock=clock)
    result, _ = await play(demo, PollState(), loop=True)
    clock.now += (120 + 60) / 60  # one full pass (last offset + gap) later
    result, mentions = await play(demo, result.state, loop=True)
    assert [m.external_id for m in mentions] == ["demo-2", "demo-3", "demo-1~1"]


async def test_demo_file_errors(tmp_path):
    with pytest.raises(ConnectorError) as info:
        await DemoConnector().fetch(
            None, validate_config("demo", {"path": str(tmp_path / "none.jsonl")}), PollState()
        )
    assert info.value.error_class is ErrorClass.GONE
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "text": "x", "offset_seconds": 0}\n{"text": "no id"}\n')
    with pytest.raises(ConnectorError) as info:
        await DemoConnector().fetch(None, validate_config("demo", {"path": str(bad)}), PollState())
    assert info.value.error_class is ErrorClass.PARSE and "bad.jsonl line 2" in str(info.value)
    with pytest.raises(ValueError):
        validate_config("demo", {"path": "x.jsonl", "speed": 0})


# -- base.request / parse_json ----------------------------------------------------------------


async def request(handler, **kwargs) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        return await RssConnector().request(client, "GET", "https://api.example.org/x", **kwargs)


async def test_304_is_returned_not_raised():
    response = await request(lambda r: httpx.Response(304))
    assert response.status_code == 304


async def test_streamed_body_without_length_is_capped():
    async def chunks():
        for _ in range(3):
            yield b"x" * 1000

    with pytest.raises(ConnectorError) as info:
        await request(lambda r: httpx.Response(200, content=chunks()), max_bytes=2048)  # no Content-Length
    assert info.value.error_class is ErrorClass.TOO_LARGE
    assert str(info.value) == "body exceeds 2 KiB cap (api.example.org)"
    exact = await request(lambda r: httpx.Response(200, content=chunks()), max_bytes=3000)
    assert exact.content == b"x" * 3000


@pytest.mark.parametrize(
    "status,error_class",
    [(401, "auth"), (403, "auth"), (404, "gone"), (410, "gone"), (400, "client"), (502, "server")],
)
async def test_status_mapping(status, error_class):
    with pytest.raises(ConnectorError) as info:
        await request(lambda r: httpx.Response(status))
    assert info.value.error_class == error_class and info.value.status == status
    assert str(info.value).startswith(f"HTTP {status} from api.example.org")


async def test_429_without_retry_after():
    with pytest.raises(RateLimited) as info:
        await request(lambda r: httpx.Response(429))
    assert info.value.retry_after is None and info.value.status == 429
    assert str(info.value) == "HTTP 429 (rate limited) from api.example.org"


async def test_parse_json_messages():
    connector = RssConnector()
    html = await request(
        lambda r: httpx.Response(
            200, text="<html><body>502</body></html>", headers={"content-type": "text/html"}
        )
    )
    with pytest.raises(ConnectorError, match=r"expected JSON, got an HTML page \(text/html\)"):
        connector.parse_json(html)
    empty = await request(lambda r: httpx.Response(200))
    with pytest.raises(ConnectorError, match="empty body"):
        connector.parse_json(empty)
    broken = await request(
        lambda r: httpx.Response(200, text='{"a": ', headers={"content-type": "application/json"})
    )
    with pytest.raises(ConnectorError, match="malformed JSON from api.example.org"):
        connector.parse_json(broken)
    wrong = await request(lambda r: httpx.Response(200, json=[1]))
    with pytest.raises(ConnectorError, match="expected an object"):
        connector.parse_json_object(wrong)


def test_connector_error_reads_as_one_line():
    error = RateLimited("HTTP 429 from example.org", retry_after=30)
    assert str(error) == "HTTP 429 from example.org" and error.error_class == "rate_limited"
    assert ConnectorError(ErrorClass.PARSE, "bad").error_class is ErrorClass.PARSE


# -- helpers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html,text",
    [
        ("<p>Hello &amp; <b>welcome</b></p><p>Two</p>", "Hello & welcome\nTwo"),
        ("line<br>break", "line\nbreak"),
        ("<script>x()</script>kept &#x27;quoted&#x27;", "kept 'quoted'"),
        ("plain   text", "plain text"),
        (None, ""),
    ],
)
def test_html_to_text(html, text):
    assert html_to_text(html) == text


def test_parse_datetime_and_retry_after():
    assert parse_datetime("2024-03-05T10:15:30.123456Z").isoformat() == "2024-03-05T10:15:30.123456+00:00"
    assert parse_datetime("2023-06-01T12:00:00").tzinfo is UTC  # naive means UTC
    assert parse_datetime("2024-03-05T12:00:00+02:00").hour == 10
    assert parse_datetime(0).year == 1970 and parse_datetime("garbage") is None
    assert parse_datetime("Tue, 05 Mar 2024 09:41:00 GMT").hour == 9
    assert parse_retry_after("30") == 30
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 60) == 60
    assert parse_retry_after("nonsense") is None


def test_link_header():
    links = parse_link_header(
        '<https://m.example/a?max_id=1>; rel="next", <https://m.example/a?min_id=9>; rel="prev"'
    )
    assert links == {"next": "https://m.example/a?max_id=1", "prev": "https://m.example/a?min_id=9"}
