"""A feed's own timing hints (Cache-Control, Expires, <ttl>, sy:updatePeriod), over real HTTP on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from email.utils import formatdate

import httpx
import pytest

import connectors.rss as rss_module
from connectors.base import PollState
from connectors.google import GoogleNewsConnector
from connectors.registry import validate_config
from connectors.rss import RssConnector, feed_hint, header_hint, longest
from tests.support.servers import Reply, rss

ITEM = {"guid": "post-1", "title": "Acme checkout broken", "link": "http://example.org/1"}
SY = 'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"'


def feed(channel_extra: str = "", ns: str = "") -> str:
    """An RSS 2.0 feed of one item, with extra channel elements (feedparser reads them from anywhere
    in the channel, so they go first)."""
    doc = rss([ITEM])
    doc = doc.replace("<channel>", f"<channel>{channel_extra}", 1)
    return doc.replace('<rss version="2.0"', f'<rss version="2.0" {ns}', 1) if ns else doc


async def poll(url: str, state: PollState | None = None, connector=None, **config):
    connector = connector or RssConnector()
    options = config or {"url": url}
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as client:
        return await connector.fetch(client, validate_config(connector.slug, options), state or PollState())


@pytest.mark.parametrize(
    ("headers", "hint"),
    [
        ({"Cache-Control": "public, max-age=600"}, 600),
        ({"Cache-Control": 'max-age="1800", must-revalidate'}, 1800),
        ({"Cache-Control": "max-age=600", "Age": "200"}, 400),  # a CDN copy 200 s old: 400 s left
        ({"Cache-Control": "max-age=600", "Age": "900"}, None),  # already stale
        ({"Cache-Control": "no-cache, max-age=600"}, None),
        ({"Cache-Control": "no-store"}, None),
        ({"Cache-Control": "max-age=0"}, None),
        ({"Cache-Control": "max-age=soon"}, None),
        # max-age wins over Expires (RFC 9111)
        ({"Cache-Control": "max-age=60", "Expires": formatdate(time.time() + 7200, usegmt=True)}, 60),
        ({"Expires": "0"}, None),  # the classic "already expired"
        ({"Expires": formatdate(time.time() - 60, usegmt=True)}, None),
    ],
)
async def test_caching_headers_become_the_hint(server, headers, hint):
    server.routes["/feed"] = Reply(200, feed(), {"Content-Type": "application/rss+xml", **headers})
    result = await poll(server.url + "/feed")
    assert len(result.items) == 1
    assert result.min_interval_hint == hint


async def test_expires_counts_from_the_servers_date(server):
    def reply(_request) -> Reply:
        # the server stamps its own Date header as it answers, after this (whole seconds both)
        return Reply(200, feed(), {"Expires": formatdate(time.time() + 3600, usegmt=True)})

    server.routes["/feed"] = reply
    result = await poll(server.url + "/feed")
    # an hour less however long the server took to answer; never more than the hour
    assert 3000 <= result.min_interval_hint <= 3600


@pytest.mark.parametrize(
    ("headers", "hint"),
    [
        # a local clock a day fast or slow does not matter: the server's Date is the reference
        ({"Date": "Tue, 05 Mar 2024 10:00:00 GMT", "Expires": "Tue, 05 Mar 2024 10:30:00 GMT"}, 1800),
        ({"Date": "Tue, 05 Mar 2024 10:00:00 GMT", "Expires": "Tue, 05 Mar 2024 09:00:00 GMT"}, None),
        ({"Date": "garbage", "Expires": "Tue, 05 Mar 2024 10:10:00 GMT"}, 600),  # falls back to now
        ({"Expires": "not a date"}, None),
        ({}, None),
    ],
)
def test_expires_is_read_against_date(headers, hint):
    now = datetime(2024, 3, 5, 10, 0, tzinfo=UTC)
    assert header_hint(httpx.Headers(headers), now=now) == hint


@pytest.mark.parametrize(
    ("extra", "ns", "hint"),
    [
        ("<ttl>60</ttl>", "", 3600),  # minutes
        ("<ttl>0</ttl>", "", None),
        ("<ttl>an hour</ttl>", "", None),
        ("<sy:updatePeriod>daily</sy:updatePeriod>", SY, 86400),  # frequency defaults to 1
        ("<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>", SY, 900),
        ("<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>0</sy:updateFrequency>", SY, 3600),
        ("<sy:updatePeriod>fortnightly</sy:updatePeriod>", SY, None),
        ("<ttl>30</ttl><sy:updatePeriod>hourly</sy:updatePeriod>", SY, 3600),  # the longer of both
    ],
)
async def test_the_feeds_own_ttl_and_update_period_become_the_hint(server, extra, ns, hint):
    server.routes["/feed"] = Reply(200, feed(extra, ns), {"Content-Type": "application/rss+xml"})
    result = await poll(server.url + "/feed")
    assert len(result.items) == 1
    assert result.min_interval_hint == hint


def test_feedparser_names_for_the_syndication_module_in_rss_1_0():
    # RSS 1.0 feeds declare the module under any prefix; feedparser maps it to sy_* all the same
    import feedparser

    doc = (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" '
        'xmlns:syn="http://purl.org/rss/1.0/modules/syndication/"><channel rdf:about="x"><title>t</title>'
        "<syn:updatePeriod>weekly</syn:updatePeriod><syn:updateFrequency>7</syn:updateFrequency>"
        '</channel><item rdf:about="a"><title>a</title></item></rdf:RDF>'
    )
    assert feed_hint(feedparser.parse(doc.encode()).feed) == 86400


async def test_header_and_feed_hints_take_the_longer(server):
    server.routes["/feed"] = Reply(200, feed("<ttl>5</ttl>"), {"Cache-Control": "max-age=900"})
    assert (await poll(server.url + "/feed")).min_interval_hint == 900
    server.routes["/feed"] = Reply(200, feed("<ttl>30</ttl>"), {"Cache-Control": "max-age=900"})
    assert (await poll(server.url + "/feed")).min_interval_hint == 1800


async def test_a_304_carries_its_headers_and_the_remembered_ttl(server):
    etag = '"v1"'

    def conditional(request) -> Reply:
        if request.headers.get("if-none-match") == etag:
            return Reply(304, headers={"ETag": etag, "Cache-Control": "max-age=120"})
        return Reply(200, feed("<ttl>15</ttl>"), {"ETag": etag})

    server.routes["/feed"] = conditional
    first = await poll(server.url + "/feed")
    assert first.min_interval_hint == 900
    second = await poll(server.url + "/feed", first.state)
    assert second.not_modified and second.state == first.state
    assert second.min_interval_hint == 900  # the document's <ttl> still stands; max-age=120 is shorter

    server.routes["/feed"] = Reply(304, headers={"Cache-Control": "max-age=120"})
    no_ttl = await poll(server.url + "/feed", PollState(etag=etag))
    assert no_ttl.not_modified and no_ttl.min_interval_hint == 120


async def test_an_unchanged_body_without_validators_keeps_the_ttl(server):
    server.routes["/feed"] = Reply(200, feed("<ttl>10</ttl>"))
    first = await poll(server.url + "/feed")
    second = await poll(server.url + "/feed", first.state)
    assert second.not_modified and second.min_interval_hint == 600


async def test_a_junk_ttl_in_a_stored_cursor_is_no_hint(server):
    server.routes["/feed"] = Reply(304)
    result = await poll(server.url + "/feed", PollState(cursor='{"ttl": "soon"}', etag='"x"'))
    assert result.not_modified and result.min_interval_hint is None
    assert longest(None, "soon", True, -5, 0) is None and longest(None, 60, 600.5) == 600.5


async def test_presets_inherit_the_hints(server, monkeypatch):
    server.routes["/rss/search"] = Reply(200, feed("<ttl>5</ttl>"), {"Cache-Control": "max-age=60"})
    monkeypatch.setattr(GoogleNewsConnector, "feed_url", lambda self, config: server.url + "/rss/search")
    result = await poll("", connector=GoogleNewsConnector(), query="acme")
    assert result.min_interval_hint == 300


async def test_the_feed_hint_is_read_off_the_event_loop(server, monkeypatch):
    # the hint comes out of the same parse, in the parse pool: never a second parse on the loop
    server.routes["/feed"] = Reply(200, feed("<ttl>20</ttl>"))
    threads: list[int] = []
    real = rss_module.feed_hint

    def spy(parsed_feed):
        threads.append(threading.get_ident())
        return real(parsed_feed)

    monkeypatch.setattr(rss_module, "feed_hint", spy)
    result = await poll(server.url + "/feed")
    assert result.min_interval_hint == 1200
    assert len(threads) == 1 and threads[0] != threading.get_ident()
