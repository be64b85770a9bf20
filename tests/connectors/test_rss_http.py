"""RSS against a real HTTP server on 127.0.0.1: conditional GET, redirects, timeouts, caps."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx
import pytest

from connectors.base import ConnectorError, ErrorClass, PollState
from connectors.google import GoogleAlertsConnector, GoogleNewsConnector, unwrap_google_redirect
from connectors.registry import validate_config
from connectors.rss import RssConnector
from tests.support.servers import Reply, rss

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ETAG, MODIFIED = '"feed-v1"', "Tue, 05 Mar 2024 10:00:00 GMT"
FEED = rss(
    [
        {
            "guid": "post-1",
            "title": "Acme <b>checkout</b> broken",
            "link": "http://example.org/1",
            "description": "<p>Error &amp; more</p>",
            "pubDate": "Tue, 05 Mar 2024 09:00:00 GMT",
        },
        {
            "guid": "post-2",
            "title": "Acme is great",
            "link": "http://example.org/2",
            "description": "love it",
            "pubDate": "Tue, 05 Mar 2024 08:00:00 GMT",
        },
    ]
)


def client(**kwargs) -> httpx.AsyncClient:
    options = {"timeout": httpx.Timeout(2.0), "follow_redirects": True, "max_redirects": 5, **kwargs}
    return httpx.AsyncClient(**options)


async def poll(
    url: str, state: PollState | None = None, http: httpx.AsyncClient | None = None, connector=None
):
    connector = connector or RssConnector()
    config = validate_config("rss", {"url": url})
    async with http or client() as c:
        return await connector.fetch(c, config, state or PollState())


def conditional(request) -> Reply:
    if request.headers.get("if-none-match") == ETAG or request.headers.get("if-modified-since") == MODIFIED:
        return Reply(304, headers={"ETag": ETAG})
    return Reply(200, FEED, {"Content-Type": "application/rss+xml", "ETag": ETAG, "Last-Modified": MODIFIED})


async def test_conditional_get_uses_etag_and_last_modified(server):
    server.routes["/feed"] = conditional
    first = await poll(server.url + "/feed")
    assert [e["id"] for e in first.items] == ["post-1", "post-2"]
    assert first.state.etag == ETAG and first.state.last_modified == MODIFIED

    second = await poll(server.url + "/feed", first.state)
    assert second.not_modified and second.items == []
    assert second.state == first.state  # cursor and validators kept on a 304
    sent = server.requests[-1].headers
    assert sent["if-none-match"] == ETAG and sent["if-modified-since"] == MODIFIED

    # Last-Modified alone is enough too.
    third = await poll(server.url + "/feed", PollState(last_modified=MODIFIED))
    assert third.not_modified


async def test_feed_without_validators_returns_only_unseen_entries(server):
    server.routes["/feed"] = [
        Reply(200, rss([{"guid": "a", "title": "one"}])),
        Reply(200, rss([{"guid": "b", "title": "two"}, {"guid": "a", "title": "one"}])),
    ]
    first = await poll(server.url + "/feed")
    second = await poll(server.url + "/feed", first.state)
    assert [e["id"] for e in second.items] == ["b"]
    assert second.state.etag is None


async def test_redirect_chain_within_the_limit_is_followed(server):
    for hop in range(3):
        server.routes[f"/r{hop}"] = Reply(302, headers={"Location": f"/r{hop + 1}"})
    server.routes["/r3"] = Reply(200, FEED, {"Content-Type": "application/rss+xml"})
    result = await poll(server.url + "/r0")
    assert len(result.items) == 2


async def test_redirect_chain_beyond_the_limit_is_network_error(server):
    for hop in range(8):
        server.routes[f"/r{hop}"] = Reply(301, headers={"Location": f"/r{hop + 1}"})
    with pytest.raises(ConnectorError) as info:
        await poll(server.url + "/r0")
    assert info.value.error_class is ErrorClass.NETWORK
    assert "too many redirects" in str(info.value) and "127.0.0.1" in str(info.value)


async def test_server_that_never_answers_times_out(server):
    server.routes["/slow"] = Reply(200, FEED, hang=30)
    with pytest.raises(ConnectorError) as info:
        await poll(server.url + "/slow", http=client(timeout=httpx.Timeout(0.3)))
    assert info.value.error_class is ErrorClass.TIMEOUT
    assert str(info.value) == "read from 127.0.0.1 timed out after 0.3 s"


async def test_connection_refused_is_network_error():
    from tests.support.servers import free_port

    with pytest.raises(ConnectorError) as info:
        await poll(f"http://127.0.0.1:{free_port()}/feed")
    assert info.value.error_class is ErrorClass.NETWORK
    assert str(info.value).startswith("could not reach 127.0.0.1")


async def test_html_page_instead_of_a_feed(server):
    server.routes["/feed"] = Reply(
        200,
        "<!doctype html><html><body><h1>Welcome</h1></body></html>",
        {"Content-Type": "text/html; charset=utf-8"},
    )
    with pytest.raises(ConnectorError) as info:
        await poll(server.url + "/feed")
    assert info.value.error_class is ErrorClass.PARSE
    assert str(info.value) == "expected an RSS/Atom feed, got an HTML page from 127.0.0.1"


async def test_malformed_xml_names_the_parser_reason(server):
    server.routes["/feed"] = Reply(
        200, "<rss><channel><item><title>broken", {"Content-Type": "application/xml"}
    )
    with pytest.raises(ConnectorError) as info:
        await poll(server.url + "/feed")
    assert info.value.error_class is ErrorClass.PARSE
    assert str(info.value).startswith("malformed feed from 127.0.0.1: ")
    assert "no element found" in str(info.value)


@pytest.mark.parametrize(
    "status,error_class",
    [
        (404, ErrorClass.GONE),
        (410, ErrorClass.GONE),
        (403, ErrorClass.AUTH),
        (500, ErrorClass.SERVER),
        (418, ErrorClass.CLIENT),
    ],
)
async def test_http_errors_are_classified(server, status, error_class):
    server.routes["/feed"] = Reply(status, "nope")
    with pytest.raises(ConnectorError) as info:
        await poll(server.url + "/feed")
    assert info.value.error_class is error_class and info.value.status == status
    assert f"HTTP {status} from 127.0.0.1" in str(info.value)


async def test_announced_length_over_the_cap_is_refused_early(server):
    connector = RssConnector()
    connector.max_body_bytes = 1024
    server.routes["/big"] = Reply(200, "x" * 5000, {"Content-Type": "application/rss+xml"})
    with pytest.raises(ConnectorError) as info:
        await poll(server.url + "/big", connector=connector)
    assert info.value.error_class is ErrorClass.TOO_LARGE
    assert str(info.value) == "body exceeds 1 KiB cap (127.0.0.1 sent 4.88 KiB)"


async def test_gzip_body_is_decoded_and_capped_after_decoding(server):
    packed = gzip.compress(FEED.encode())
    server.routes["/gz"] = Reply(
        200, packed, {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"}
    )
    result = await poll(server.url + "/gz")
    assert len(result.items) == 2
    # A gzip bomb: small on the wire, over the cap once decoded.
    bomb = gzip.compress(b"<rss>" + b" " * 200_000)
    server.routes["/bomb"] = Reply(
        200, bomb, {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"}
    )
    connector = RssConnector()
    connector.max_body_bytes = 100_000
    with pytest.raises(ConnectorError) as info:
        await poll(server.url + "/bomb", connector=connector)
    assert info.value.error_class is ErrorClass.TOO_LARGE


async def test_entries_are_normalized_to_plain_text(server):
    server.routes["/feed"] = conditional
    result = await poll(server.url + "/feed")
    config = validate_config("rss", {"url": "http://example.org/feed"})
    mention = RssConnector().normalize(result.items[0], config)
    assert mention.external_id == "post-1"
    assert mention.title == "Acme checkout broken"
    assert mention.text == "Error & more"
    assert mention.published_at.isoformat() == "2024-03-05T09:00:00+00:00"


def test_ids_fall_back_to_link_then_a_hash():
    config = validate_config("rss", {"url": "http://example.org/feed"})
    connector = RssConnector()
    assert connector.normalize({"link": "http://e/1", "title": "t"}, config).external_id == "http://e/1"
    hashed = connector.normalize({"title": "t", "summary": "s"}, config).external_id
    assert (
        hashed.startswith("sha256:")
        and hashed == connector.normalize({"title": "t", "summary": "s"}, config).external_id
    )


@pytest.mark.parametrize(
    "name", ["http_high_bit_date.xml", "undeclared_namespace.xml", "rss_incomplete_cdata.xml"]
)
async def test_ill_formed_feeds_do_not_crash(name):
    body = (FIXTURES / "rss" / name).read_bytes()
    transport = httpx.MockTransport(
        lambda r: httpx.Response(200, content=body, headers={"content-type": "text/xml"})
    )
    try:
        result = await poll("http://example.org/feed", http=httpx.AsyncClient(transport=transport))
    except ConnectorError as exc:
        assert exc.error_class is ErrorClass.PARSE
    else:
        config = validate_config("rss", {"url": "http://example.org/feed"})
        for item in result.items:
            RssConnector().normalize(item, config)


def test_config_accepts_only_http_urls():
    for bad in ("ftp://example.org/feed", "file:///etc/passwd", "example.org/feed", "javascript:alert(1)"):
        with pytest.raises(ValueError, match="http"):
            validate_config("rss", {"url": bad})


def test_google_alerts_links_are_unwrapped():
    wrapped = "https://www.google.com/url?rct=j&sa=t&url=https://example.com/a%3Fb%3D1&ct=ga&cd=x&usg=y"
    assert unwrap_google_redirect(wrapped) == "https://example.com/a?b=1"
    assert unwrap_google_redirect("https://example.com/x") == "https://example.com/x"
    assert GoogleAlertsConnector().entry_link({"link": wrapped}) == "https://example.com/a?b=1"


def test_google_news_url_is_built_from_the_query():
    config = validate_config("google_news", {"query": "acme outage", "language": "de", "country": "DE"})
    assert GoogleNewsConnector().feed_url(config) == (
        "https://news.google.com/rss/search?q=acme+outage&hl=de&gl=DE&ceid=DE%3Ade"
    )
