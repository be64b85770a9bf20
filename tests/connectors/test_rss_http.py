"""RSS against a real HTTP server on 127.0.0.1: conditional GET, redirects, timeouts, caps."""

from __future__ import annotations

import gzip
import itertools
import threading
from pathlib import Path

import httpx
import pytest

import connectors.rss as rss_module
from connectors.base import ConnectorError, ErrorClass, PollState
from connectors.discourse import DiscourseConnector
from connectors.google import GoogleAlertsConnector, GoogleNewsConnector, unwrap_google_redirect
from connectors.helpers import parse_datetime, to_int
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


# -- hostile feeds (issue 9): each answer is a classified error or harmless items, never a crash ----


@pytest.mark.parametrize("target", ["javascript:alert(1)", "file:///etc/passwd", "ftp://127.0.0.1/feed"])
async def test_redirect_to_an_odd_scheme_is_network_error(server, target):
    server.routes["/feed"] = Reply(302, headers={"Location": target})
    with pytest.raises(ConnectorError) as info:
        await poll(server.url + "/feed")
    assert info.value.error_class is ErrorClass.NETWORK
    assert "127.0.0.1" in str(info.value)


async def test_external_entity_is_never_read(server, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("XXE-SECRET-MARKER")
    server.routes["/feed"] = Reply(
        200,
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<rss version="2.0"><channel><title>t</title><item><guid>x1</guid>'
        "<title>Acme &xxe; news</title><description>about &xxe;</description></item></channel></rss>",
        {"Content-Type": "application/rss+xml"},
    )
    result = await poll(server.url + "/feed")
    assert [e["id"] for e in result.items] == ["x1"]
    assert "XXE-SECRET-MARKER" not in repr(result.items)


async def test_entity_expansion_is_not_expanded(server):
    levels = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    server.routes["/feed"] = Reply(
        200,
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "lol">{levels}]>'
        '<rss version="2.0"><channel><title>t</title><item><guid>b1</guid><title>Acme &l9;</title>'
        "</item></channel></rss>",
        {"Content-Type": "application/rss+xml"},
    )
    result = await poll(server.url + "/feed")
    assert len(repr(result.items)) < 10_000  # 10⁹ "lol"s would be 3 GB


async def test_chunked_body_over_the_cap_is_too_large(server):
    endless = itertools.chain([b"<rss>"], itertools.repeat(b"x" * 65536, 200))  # 12.5 MiB, no length
    server.routes["/feed"] = lambda request: Reply(200, chunks=endless)
    with pytest.raises(ConnectorError) as info:
        await poll(server.url + "/feed")
    assert info.value.error_class is ErrorClass.TOO_LARGE
    assert str(info.value) == "body exceeds 5 MiB cap (127.0.0.1)"


async def test_invalid_utf8_keeps_the_entry(server):
    body = rss([{"guid": "u1", "title": "Acme café", "description": "ok"}]).encode()
    server.routes["/feed"] = Reply(200, body.replace("café".encode(), b"caf\xff\xfe"))
    result = await poll(server.url + "/feed")
    assert [e["id"] for e in result.items] == ["u1"]


@pytest.mark.parametrize(
    "stamp", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "Fri, 31 Dec 9999 23:59:59 -0100"]
)
def test_dates_past_the_datetime_range_are_unusable_not_a_crash(stamp):
    assert parse_datetime(stamp) is None
    config = validate_config("discourse", {"base_url": "http://example.org", "query": "acme"})
    post = {"id": 7, "raw": "Acme checkout is down", "created_at": stamp, "like_count": 10**30}
    mention = DiscourseConnector().normalize(post, config)  # JSON APIs hand the string over as is
    assert mention is not None and mention.published_at is None and mention.engagement is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3_000_000_000, 3_000_000_000),
        (2**63 - 1, 2**63 - 1),
        (2**63, None),
        (10**30, None),
        ("1e400", None),
        (-(2**63) - 1, None),
        (9007199254740993, 9007199254740993),
    ],
)
def test_counters_beyond_64_bits_are_unknown(value, expected):
    assert to_int(value) == expected


async def test_an_unchanged_body_without_validators_is_not_parsed_again(server, monkeypatch):
    server.routes["/feed"] = Reply(200, FEED, {"Content-Type": "application/rss+xml"})
    first = await poll(server.url + "/feed")
    assert len(first.items) == 2

    def parse_again(*args, **kwargs):
        raise AssertionError("an unchanged document was parsed again")

    monkeypatch.setattr("connectors.rss.feedparser.parse", parse_again)
    second = await poll(server.url + "/feed", first.state)
    assert second.not_modified and second.items == [] and second.state.cursor == first.state.cursor


async def test_a_big_feed_is_parsed_and_deduplicated_off_the_event_loop(server, monkeypatch):
    # Other polls share this loop: parsing and de-duplicating belong in a thread, never on it.
    # (A wall-clock bound on loop stalls failed under CI load, where a GC pass or a busy core
    # stalls any thread; which thread does the work is the property, and it cannot flake.)
    entries = "".join(f"<item><guid>{i}</guid><title>n</title></item>" for i in range(20_000))
    server.routes["/feed"] = Reply(
        200, f'<rss version="2.0"><channel><title>t</title>{entries}</channel></rss>'
    )
    threads: dict[str, int] = {}
    real_parse = rss_module.feedparser.parse
    real_unseen = rss_module.RssConnector._unseen_entries

    def parse(*args, **kwargs):
        threads["parse"] = threading.get_ident()
        return real_parse(*args, **kwargs)

    def unseen(self, *args, **kwargs):
        threads["dedupe"] = threading.get_ident()
        return real_unseen(self, *args, **kwargs)

    monkeypatch.setattr(rss_module.feedparser, "parse", parse)
    monkeypatch.setattr(rss_module.RssConnector, "_unseen_entries", unseen)
    result = await poll(server.url + "/feed", http=client(timeout=httpx.Timeout(30)))
    assert len(result.items) == 20_000
    loop_thread = threading.get_ident()
    assert set(threads) == {"parse", "dedupe"}
    assert threads["parse"] != loop_thread and threads["dedupe"] != loop_thread
