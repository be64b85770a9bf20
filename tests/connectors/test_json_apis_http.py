"""Mastodon and Discourse against a real HTTP server on 127.0.0.1: pagination and cursors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from connectors.base import ConnectorError, ErrorClass, PollState, RateLimited
from connectors.discourse import DiscourseConnector
from connectors.mastodon import MastodonConnector
from connectors.registry import validate_config
from tests.support.servers import Reply

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
JSON = {"Content-Type": "application/json; charset=utf-8"}


def load(name: str):
    return json.loads((FIXTURES / name).read_text())


def query(request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.query).items()}


def statuses(first_id: int, count: int) -> list[dict]:
    """count statuses, newest first, ids first_id+count-1 .. first_id (shaped like the recording)."""
    template = load("mastodon/timeline_tag_page1.json")[0]
    out = []
    for n in reversed(range(first_id, first_id + count)):
        at = datetime(2026, 8, 1, tzinfo=UTC) + timedelta(seconds=n - 1000)
        out.append(
            {
                **template,
                "id": str(n),
                "uri": f"https://m.example/statuses/{n}",
                "created_at": at.isoformat().replace("+00:00", "Z"),
                "content": f"<p>toot {n}</p>",
            }
        )
    return out


async def fetch(connector, slug: str, config: dict, state: PollState | None = None):
    async with httpx.AsyncClient(timeout=5, follow_redirects=True) as client:
        return await connector.fetch(client, validate_config(slug, config), state or PollState())


# -- Mastodon -------------------------------------------------------------------------------


async def test_mastodon_walks_min_id_pages_to_the_present(server):
    """A burst of 90 statuses since the cursor arrives in pages of 40 via Link rel="prev"."""
    path = "/api/v1/timelines/tag/acme"

    def timeline(request):
        q = query(request)
        min_id = int(q["min_id"])
        page = [s for s in statuses(1001, 90) if int(s["id"]) > min_id][-40:]  # nearest the cursor
        headers = dict(JSON)
        if page:
            prev = f"{server.url}{path}?limit=40&min_id={page[0]['id']}"
            headers["Link"] = (
                f'<{server.url}{path}?limit=40&max_id={page[-1]["id"]}>; rel="next", <{prev}>; rel="prev"'
            )
        headers.update(
            {
                "X-RateLimit-Limit": "300",
                "X-RateLimit-Remaining": "250",
                "X-RateLimit-Reset": (datetime.now(UTC) + timedelta(minutes=5)).isoformat(),
            }
        )
        return Reply(200, json.dumps(page), headers)

    server.routes[path] = timeline
    config = {"instance": server.url, "hashtag": "acme"}
    result = await fetch(MastodonConnector(), "mastodon", config, PollState(cursor="1000"))
    ids = sorted(int(s["id"]) for s in result.items)
    assert ids == list(range(1001, 1091))
    assert result.state.cursor == "1090" and result.pause_seconds is None
    sent = [query(r).get("min_id") for r in server.requests]
    assert sent == ["1000", "1040", "1080"]  # the third page is short: caught up

    again = await fetch(MastodonConnector(), "mastodon", config, result.state)
    assert again.items == [] and again.state.cursor == "1090"


async def test_mastodon_first_poll_reads_only_the_newest_page(server):
    server.routes["/api/v1/timelines/tag/acme"] = Reply(200, json.dumps(statuses(1, 40)), JSON)
    result = await fetch(MastodonConnector(), "mastodon", {"instance": server.url, "hashtag": "acme"})
    assert len(result.items) == 40 and result.state.cursor == "40"
    assert len(server.requests) == 1 and "min_id" not in query(server.requests[0])


async def test_mastodon_search_sends_the_token_and_reads_statuses(server):
    body = (FIXTURES / "mastodon/search_v2_mastodon_social.json").read_text()
    server.routes["/api/v2/search"] = Reply(200, body, JSON)
    config = {"instance": server.url, "query": "halcy", "access_token": "tok"}
    connector = MastodonConnector()
    result = await fetch(connector, "mastodon", config)
    assert len(result.items) == 2  # statuses only, not accounts or hashtags
    request = server.requests[0]
    assert request.headers["authorization"] == "Bearer tok"
    assert query(request)["type"] == "statuses"
    mention = connector.normalize(result.items[0], validate_config("mastodon", config))
    assert "<" not in mention.text and mention.author_reach is not None and mention.language == "en"


async def test_mastodon_rate_limit_reset_is_iso_time(server):
    reset = (datetime.now(UTC) + timedelta(seconds=90)).isoformat().replace("+00:00", "Z")
    headers = {**JSON, "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    server.routes["/api/v1/timelines/tag/acme"] = Reply(200, json.dumps(statuses(1, 3)), headers)
    result = await fetch(MastodonConnector(), "mastodon", {"instance": server.url, "hashtag": "acme"})
    assert result.pause_seconds == pytest.approx(90, abs=3)


def test_mastodon_config_rules():
    with pytest.raises(ValueError, match="access_token"):
        validate_config("mastodon", {"instance": "https://m.example", "query": "acme"})
    with pytest.raises(ValueError, match="exactly one"):
        validate_config(
            "mastodon", {"instance": "https://m.example", "hashtag": "a", "query": "b", "access_token": "t"}
        )


# -- Discourse ------------------------------------------------------------------------------


def latest_posts(ids: list[int]) -> dict:
    template = load("discourse/posts_latest.json")["latest_posts"][0]
    return {
        "latest_posts": [{**template, "id": i, "post_number": i, "cooked": f"<p>post {i}</p>"} for i in ids]
    }


async def test_discourse_latest_posts_page_back_to_the_cursor(server):
    """posts.json?before= is inclusive on some versions: pages overlap by one post, deduped."""

    def posts(request):
        before = int(query(request).get("before", 10**9))
        ids = [i for i in range(200, 100, -1) if i <= before][:50]
        return Reply(200, json.dumps(latest_posts(ids)), JSON)

    server.routes["/posts.json"] = posts
    config = {"base_url": server.url, "api_key": "k3y", "api_username": "system"}
    result = await fetch(DiscourseConnector(), "discourse", config, PollState(cursor="120"))
    ids = [p["id"] for p in result.items]
    assert ids == list(range(200, 120, -1)) and len(set(ids)) == len(ids)
    assert result.state.cursor == "200"
    assert [query(r).get("before") for r in server.requests] == [None, "151"]
    assert (
        server.requests[0].headers["api-key"] == "k3y"
        and server.requests[0].headers["api-username"] == "system"
    )


async def test_discourse_recorded_inclusive_before_is_deduped(server):
    server.routes["/posts.json"] = lambda r: Reply(
        200,
        (
            FIXTURES
            / ("discourse/posts_before.json" if "before" in r.query else "discourse/posts_latest.json")
        ).read_text(),
        JSON,
    )
    result = await fetch(DiscourseConnector(), "discourse", {"base_url": server.url}, PollState(cursor="1"))
    assert [p["id"] for p in result.items] == [15, 14, 10, 2]


async def test_discourse_search_merges_topics_into_posts(server):
    server.routes["/search.json"] = Reply(200, (FIXTURES / "discourse/search_latest.json").read_text(), JSON)
    config = {"base_url": server.url + "/", "query": "acme"}
    connector = DiscourseConnector()
    result = await fetch(connector, "discourse", config)
    assert query(server.requests[0])["q"] == "acme order:latest"
    mention = connector.normalize(result.items[0], validate_config("discourse", config))
    assert mention.url == f"{server.url}/t/sync-broken-after-2-3-update/812/4"
    assert mention.title == "Sync broken after 2.3 update"
    assert (
        mention.text == 'Since the update the Acme sync fails with "error 500" every time I open the app...'
    )
    assert result.state.cursor == "5321"

    again = await fetch(connector, "discourse", config, result.state)
    assert again.items == [] and again.state.cursor == "5321"


async def test_discourse_rate_limit_uses_wait_seconds(server):
    body = {
        "errors": ["You've performed this action too many times."],
        "error_type": "rate_limit",
        "extras": {"wait_seconds": 42, "time_left": "42 seconds"},
    }
    server.routes["/posts.json"] = Reply(429, json.dumps(body), JSON)
    with pytest.raises(RateLimited) as info:
        await fetch(DiscourseConnector(), "discourse", {"base_url": server.url})
    assert info.value.retry_after == 42


async def test_discourse_forbidden_is_auth(server):
    body = {
        "errors": ["You are not permitted to view the requested resource."],
        "error_type": "invalid_access",
    }
    server.routes["/posts.json"] = Reply(403, json.dumps(body), JSON)
    with pytest.raises(ConnectorError) as info:
        await fetch(
            DiscourseConnector(), "discourse", {"base_url": server.url, "api_key": "x", "api_username": "y"}
        )
    assert info.value.error_class is ErrorClass.AUTH


def test_discourse_key_needs_a_username():
    with pytest.raises(ValueError, match="together"):
        validate_config("discourse", {"base_url": "https://f.example", "api_key": "k"})
