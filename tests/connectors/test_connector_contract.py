"""The contract every connector in the registry keeps (recorded payloads, httpx.MockTransport)."""

from __future__ import annotations

import copy
import json
import pkgutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pydantic
import pytest

import connectors
from connectors.base import ConnectorError, ErrorClass, FetchResult, Mention, PollState, RateLimited
from connectors.registry import CONNECTORS, get_connector, validate_config

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> Any:
    return json.loads(fixture_bytes(name))


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(
        status, content=content, headers={"content-type": "application/json", **(headers or {})}
    )


def feed_response(name: str, **headers: str) -> Callable[[], httpx.Response]:
    return lambda: httpx.Response(
        200, content=fixture_bytes(name), headers={"content-type": "application/xml", **headers}
    )


EMPTY_RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


@dataclass
class Case:
    config: dict[str, Any]
    data_path: str  # the path of the endpoint that returns mentions
    page: Callable[[], httpx.Response]  # the recorded page
    empty: Callable[[], httpx.Response]
    # Does this request carry the cursor? (None: the connector filters on its side instead.)
    cursor_in: Callable[[httpx.Request], bool] | None = None
    after_cursor: Callable[[], httpx.Response] | None = None  # what a server answers then (default: empty)
    rate_headers_zero: Callable[[], dict[str, str]] | None = (
        None  # the API's own "0 remaining" headers, made at test time
    )
    malformed: bytes = b'{"items": [1, 2'
    requests_per_fetch: int = 1  # one per instance where a source polls several
    extra_routes: dict[str, Callable[[httpx.Request], httpx.Response]] = field(default_factory=dict)


def kind_of(name: str) -> str:
    """A case name is a source kind, or "<kind>/<variant>" for another option set of that kind."""
    return name.partition("/")[0]


def _param(name: str) -> Callable[[httpx.Request], bool]:
    return lambda request: name in request.url.params


def _reddit_token(request: httpx.Request) -> httpx.Response:
    assert request.headers["authorization"].startswith("Basic ")
    return json_response({"access_token": "tok", "token_type": "bearer", "expires_in": 86400, "scope": "*"})


def _bsky_session(request: httpx.Request) -> httpx.Response:
    return json_response(
        {"accessJwt": "acc", "refreshJwt": "ref", "handle": "me.bsky.social", "did": "did:plc:me"}
    )


def _reset_in(seconds: float) -> str:
    return str(int(time.time() + seconds))


def _reply_page(request: httpx.Request) -> Any:
    """comments.list?parentId=…: the recorded two pages of replies, by pageToken."""
    first = fixture_json("youtube/comments_by_parent_page1.json")
    if request.url.params.get("pageToken") == first["nextPageToken"]:
        return fixture_json("youtube/comments_by_parent_page2_last.json")
    return first


def _stackexchange_case(options: dict[str, Any], data_path: str, fixture: str) -> Case:
    return Case(
        config={"site": "stackoverflow", **options},
        data_path=data_path,
        page=lambda: json_response(fixture_json(f"stackexchange/{fixture}")),
        empty=lambda: json_response(
            {"items": [], "has_more": False, "quota_max": 300, "quota_remaining": 299}
        ),
        cursor_in=_param("fromdate"),
    )


def _reddit_case(options: dict[str, Any], data_path: str, fixture: str) -> Case:
    return Case(
        config={"client_id": "abc", "client_secret": "s3cret", **options},
        data_path=data_path,
        page=lambda: json_response(
            fixture_json(fixture), headers={"x-ratelimit-remaining": "347.0", "x-ratelimit-reset": "321"}
        ),
        empty=lambda: json_response(
            {"kind": "Listing", "data": {"children": [], "after": None, "before": None}}
        ),
        cursor_in=_param("before"),
        rate_headers_zero=lambda: {"x-ratelimit-remaining": "0.0", "x-ratelimit-reset": "120"},
        extra_routes={"/api/v1/access_token": _reddit_token},
    )


CASES: dict[str, Case] = {
    "rss": Case(
        config={"url": "https://www.reddit.com/.rss"},
        data_path="/.rss",
        page=feed_response(
            "rss/frontpage_atom_2016.xml", etag='"v1"', **{"last-modified": "Mon, 04 Mar 2024 10:00:00 GMT"}
        ),
        empty=lambda: httpx.Response(200, content=EMPTY_RSS, headers={"content-type": "application/rss+xml"}),
        cursor_in=lambda r: r.headers.get("if-none-match") == '"v1"' and "if-modified-since" in r.headers,
        after_cursor=lambda: httpx.Response(304),
        malformed=b"<rss><channel><item><title>x",
    ),
    "google_alerts": Case(
        config={"url": "https://www.google.com/alerts/feeds/04175468913983673025/4428013283581841004"},
        data_path="/alerts/feeds/04175468913983673025/4428013283581841004",
        page=feed_response("rss/google_alerts_atom.xml"),
        empty=lambda: httpx.Response(200, content=EMPTY_RSS, headers={"content-type": "application/rss+xml"}),
        malformed=b"<feed><entry><title>x",
    ),
    "google_news": Case(
        config={"query": '"Acme"', "language": "en-US", "country": "US"},
        data_path="/rss/search",
        page=feed_response("google_news/search_rss.xml"),
        empty=lambda: httpx.Response(200, content=EMPTY_RSS, headers={"content-type": "application/rss+xml"}),
        malformed=b"<rss><channel><item><title>x",
    ),
    "reddit": _reddit_case({"subreddit": "all"}, "/r/all/new", "reddit/new_r_all_page1.json"),
    # The recorded comment listing has no rate-limit headers: the case sends the posts page's.
    "reddit/comments": _reddit_case(
        {"subreddit": "all", "comments": True, "username": "acme_care"},
        "/r/all/comments",
        "reddit/comments_r_all_page1.json",
    ),
    "hackernews": Case(
        config={"query": "apple"},
        data_path="/api/v1/search_by_date",
        page=lambda: json_response(fixture_json("hackernews/search_by_date_story_apple_2014.json")),
        empty=lambda: json_response({"hits": [], "nbHits": 0, "page": 0, "nbPages": 0, "hitsPerPage": 100}),
        cursor_in=lambda r: r.url.params.get("numericFilters", "").startswith("created_at_i>"),
    ),
    "mastodon": Case(
        config={"instance": "https://mastodon.example", "hashtag": "#acme"},
        data_path="/api/v1/timelines/tag/acme",
        page=lambda: json_response(fixture_json("mastodon/timeline_tag_page1.json")),
        empty=lambda: json_response([]),
        cursor_in=_param("min_id"),
        rate_headers_zero=lambda: {
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": (datetime.now(UTC) + timedelta(seconds=120)).isoformat(),
        },
    ),
    # Two instances answering the same recorded search: a status federated to both is kept once.
    "mastodon/instances": Case(
        config={
            "instances": ["https://mastodon.example", "https://fosstodon.example/"],
            "query": "acme",
            "access_tokens": {"mastodon.example": "tok-a", "fosstodon.example": "tok-b"},
        },
        data_path="/api/v2/search",
        page=lambda: json_response(fixture_json("mastodon/search_v2_mastodon_social.json")),
        empty=lambda: json_response(fixture_json("mastodon/search_v2_statuses_empty.json")),
        cursor_in=_param("min_id"),
        rate_headers_zero=lambda: {
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": (datetime.now(UTC) + timedelta(seconds=120)).isoformat(),
        },
        requests_per_fetch=2,
    ),
    "bluesky": Case(
        config={
            "identifier": "me.bsky.social",
            "app_password": "abcd-efgh-ijkl-mnop",
            "query": "redistricting",
        },
        data_path="/xrpc/app.bsky.feed.searchPosts",
        page=lambda: json_response(fixture_json("bluesky/searchPosts_redistricting.json")),
        empty=lambda: json_response({"posts": []}),
        cursor_in=_param("since"),
        rate_headers_zero=lambda: {
            "ratelimit-remaining": "0",
            "ratelimit-reset": _reset_in(120),
            "ratelimit-limit": "3000",
        },
        extra_routes={"/xrpc/com.atproto.server.createSession": _bsky_session},
    ),
    "discourse": Case(
        config={"base_url": "https://forum.example.com"},
        data_path="/posts.json",
        page=lambda: json_response(fixture_json("discourse/posts_latest.json")),
        empty=lambda: json_response({"latest_posts": []}),
    ),
    "stackexchange": _stackexchange_case(
        {"query": "something missing"}, "/2.3/search/advanced", "search_advanced_questions.json"
    ),
    # No recorded search/excerpts or /comments reply was found: samples from the API docs' types.
    "stackexchange/answers": _stackexchange_case(
        {"query": "acme", "include": ["questions", "answers"]},
        "/2.3/search/excerpts",
        "search_excerpts_sample.json",
    ),
    "stackexchange/comments": _stackexchange_case(
        {"query": "acme", "include": ["comments"]}, "/2.3/comments", "comments_withbody_sample.json"
    ),
    "lemmy": Case(
        config={"instance": "https://lemmy.example", "query": "acme"},
        data_path="/api/v3/search",
        page=lambda: json_response(fixture_json("lemmy/search_all.json")),
        empty=lambda: json_response(
            {"type_": "All", "comments": [], "posts": [], "communities": [], "users": []}
        ),
    ),
    "youtube": Case(
        config={"api_key": "AIza-test", "video_ids": ["F1UP7wRCPH8"]},
        data_path="/youtube/v3/commentThreads",
        page=lambda: json_response(fixture_json("youtube/commentThreads_by_video_page1.json")),
        empty=lambda: json_response({"kind": "youtube#commentThreadListResponse", "items": []}),
    ),
    "youtube/search": Case(
        config={"api_key": "AIza-test", "query": "surfing"},
        data_path="/youtube/v3/search",
        page=lambda: json_response(fixture_json("youtube/search_list_videos_by_keywords_p1.json")),
        empty=lambda: json_response({"kind": "youtube#searchListResponse", "items": []}),
        cursor_in=_param("publishedAfter"),
    ),
    "youtube/replies": Case(
        config={"api_key": "AIza-test", "video_ids": ["F1UP7wRCPH8"], "replies": True},
        data_path="/youtube/v3/commentThreads",
        page=lambda: json_response(fixture_json("youtube/commentThreads_by_video_page1.json")),
        empty=lambda: json_response({"kind": "youtube#commentThreadListResponse", "items": []}),
        extra_routes={"/youtube/v3/comments": lambda r: json_response(_reply_page(r))},
    ),
    "x": Case(
        config={"bearer_token": "AAAA-test", "query": "#commtwitter"},
        data_path="/2/tweets/search/recent",
        page=lambda: json_response(
            fixture_json("x/search_all_with_expansions.json"),
            headers={
                "x-rate-limit-limit": "300",
                "x-rate-limit-remaining": "290",
                "x-rate-limit-reset": _reset_in(600),
            },
        ),
        empty=lambda: json_response(fixture_json("x/search_all_empty.json")),
        # The recorded posts are older than recent search's 7 days: the cursor becomes start_time.
        cursor_in=lambda r: "since_id" in r.url.params or "start_time" in r.url.params,
        rate_headers_zero=lambda: {
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": _reset_in(120),
            "x-rate-limit-limit": "300",
        },
    ),
}
HTTP_SLUGS = sorted(CASES)
NON_HTTP = {"demo": {"path": str(FIXTURES / "demo" / "recording.jsonl"), "speed": 60, "loop": False}}


class Api:
    """A MockTransport routed by path; records every request; unknown paths fail the test."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.requests: list[httpx.Request] = []
        self.data: Callable[[httpx.Request], httpx.Response] = self._default

    def _default(self, request: httpx.Request) -> httpx.Response:
        if self.case.cursor_in is not None and self.case.cursor_in(request):
            return (self.case.after_cursor or self.case.empty)()
        return self.case.page()

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path in self.case.extra_routes:
            return self.case.extra_routes[request.url.path](request)
        assert request.url.path == self.case.data_path, f"unexpected request {request.url}"
        return self.data(request)

    def data_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == self.case.data_path]

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handler), timeout=5)


def connector_for(slug: str):
    # A fresh instance, so cached tokens/sessions never leak between tests.
    return CONNECTORS[kind_of(slug)]()


async def run_fetch(slug: str, api: Api, state: PollState | None = None, connector=None) -> FetchResult:
    connector = connector or connector_for(slug)
    config = validate_config(kind_of(slug), CASES[slug].config)
    async with api.client() as client:
        return await connector.fetch(client, config, state or PollState())


def normalized(case: str, items: list) -> list:
    """The mentions a case's items normalize to (skipped items left out)."""
    kind = kind_of(case)
    config = validate_config(kind, CASES[case].config)
    return [m for raw in items if (m := CONNECTORS[kind]().normalize(raw, config)) is not None]


# -- registry ---------------------------------------------------------------------------------


def test_every_module_is_registered():
    support = {"base", "registry", "helpers", "youtube_replies", "reddit_threads"}
    modules = {m.name for m in pkgutil.iter_modules(connectors.__path__)} - support
    registered = {cls.__module__.rsplit(".", 1)[-1] for cls in CONNECTORS.values()}
    assert modules == registered
    # and the contract below covers every slug
    assert set(CONNECTORS) == {kind_of(name) for name in CASES} | set(NON_HTTP)


def test_unknown_slug_lists_known_kinds():
    with pytest.raises(KeyError, match="known kinds: .*rss"):
        get_connector("myspace")
    with pytest.raises(KeyError):
        validate_config("myspace", {})


@pytest.mark.parametrize("slug", sorted(CONNECTORS))
def test_declarations(slug):
    cls = CONNECTORS[slug]
    assert cls.slug == slug and cls.title and cls.default_interval > 0
    assert cls.Config.model_config.get("extra") == "forbid"
    for name, info in cls.Config.model_fields.items():
        assert info.description, f"{slug}.{name} has no description"
    assert get_connector(slug) is get_connector(slug)  # one shared instance per slug


@pytest.mark.parametrize("slug", sorted(CONNECTORS))
def test_config_validates_and_rejects_unknown_keys(slug):
    data = NON_HTTP.get(slug) or CASES[slug].config
    config = validate_config(slug, data)
    assert isinstance(config, CONNECTORS[slug].Config)
    with pytest.raises(pydantic.ValidationError) as info:
        validate_config(slug, {**data, "colour": "blue"})
    assert "colour" in str(info.value) and "Extra inputs are not permitted" in str(info.value)


@pytest.mark.parametrize("slug", sorted(CONNECTORS))
def test_secrets_do_not_show_in_repr(slug):
    data = NON_HTTP.get(slug) or CASES[slug].config
    config = validate_config(slug, data)
    for name, info in type(config).model_fields.items():
        if info.annotation is pydantic.SecretStr or "SecretStr" in str(info.annotation):
            value = data.get(name)
            if value:
                assert value not in repr(config) and value not in str(config.model_dump())


# -- fetch on the recorded page --------------------------------------------------------------


@pytest.mark.parametrize("slug", HTTP_SLUGS)
async def test_recorded_page_normalizes(slug):
    api = Api(CASES[slug])
    result = await run_fetch(slug, api)
    assert api.data_requests(), "the data endpoint was never called"
    assert result.items and not result.not_modified
    config = validate_config(kind_of(slug), CASES[slug].config)
    mentions = [m for raw in result.items if (m := connector_for(slug).normalize(raw, config)) is not None]
    assert mentions
    ids = [m.external_id for m in mentions]
    assert len(ids) == len(set(ids)), "duplicate ids within one fetch"
    for mention in mentions:
        assert isinstance(mention, Mention)
        assert mention.external_id.strip() and mention.text.strip()
        assert "<" not in mention.text or "</" not in mention.text  # no HTML markup left
        assert mention.published_at is not None and mention.published_at.utcoffset() == timedelta(0)
        json.dumps(mention.raw)  # JSON-serializable
    assert result.state.cursor or result.state.etag


@pytest.mark.parametrize("slug", HTTP_SLUGS)
async def test_cursor_round_trips(slug):
    case = CASES[slug]
    api = Api(case)
    first = await run_fetch(slug, api)
    assert first.items
    api.requests.clear()
    second = await run_fetch(slug, api, first.state)
    if case.cursor_in is not None:
        assert any(case.cursor_in(r) for r in api.data_requests()), "the cursor was not sent"
    assert second.items == []  # nothing newer than what the first poll returned
    assert second.state.cursor == first.state.cursor  # the cursor never moves past returned items


@pytest.mark.parametrize("slug", HTTP_SLUGS)
async def test_empty_page_is_fine(slug):
    api = Api(CASES[slug])
    api.data = lambda request: CASES[slug].empty()
    result = await run_fetch(slug, api)
    assert result.items == []
    assert result.pause_seconds is None


@pytest.mark.parametrize("slug", HTTP_SLUGS)
@pytest.mark.parametrize("retry_after", ["120", "http-date"])
async def test_429_raises_rate_limited_with_retry_after(slug, retry_after):
    if retry_after == "http-date":
        retry_after = (datetime.now(UTC) + timedelta(seconds=121)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    api = Api(CASES[slug])
    api.data = lambda request: json_response({"error": "slow down"}, 429, {"retry-after": retry_after})
    with pytest.raises(RateLimited) as info:
        await run_fetch(slug, api)
    assert info.value.error_class is ErrorClass.RATE_LIMITED
    assert info.value.retry_after == pytest.approx(120, abs=2)


# Only the APIs that send rate-limit headers (the others are covered by 429 + Retry-After above).
@pytest.mark.parametrize("slug", [s for s in HTTP_SLUGS if CASES[s].rate_headers_zero is not None])
async def test_rate_limit_headers_at_zero_pause(slug):
    case = CASES[slug]
    api = Api(case)

    def exhausted(request: httpx.Request) -> httpx.Response:
        response = case.page()
        return httpx.Response(
            200, content=response.content, headers={**response.headers, **case.rate_headers_zero()}
        )

    api.data = exhausted
    result = await run_fetch(slug, api)
    assert result.items
    assert result.pause_seconds == pytest.approx(120, abs=3)


@pytest.mark.parametrize("slug", HTTP_SLUGS)
async def test_401_is_auth(slug):
    api = Api(CASES[slug])
    api.data = lambda request: json_response({"error": "unauthorized"}, 401)
    with pytest.raises(ConnectorError) as info:
        await run_fetch(slug, api)
    assert info.value.error_class is ErrorClass.AUTH
    assert "401" in str(info.value) or "rejected" in str(info.value)


@pytest.mark.parametrize("slug", HTTP_SLUGS)
async def test_malformed_body_is_parse_error(slug):
    api = Api(CASES[slug])
    body = CASES[slug].malformed
    api.data = lambda request: httpx.Response(200, content=body, headers={"content-type": "application/json"})
    with pytest.raises(ConnectorError) as info:
        await run_fetch(slug, api)
    assert info.value.error_class is ErrorClass.PARSE


@pytest.mark.parametrize("slug", HTTP_SLUGS)
async def test_html_error_page_is_parse_error(slug):
    api = Api(CASES[slug])
    page = b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>Checking</body></html>"
    api.data = lambda request: httpx.Response(
        200, content=page, headers={"content-type": "text/html; charset=utf-8"}
    )
    with pytest.raises(ConnectorError) as info:
        await run_fetch(slug, api)
    assert info.value.error_class is ErrorClass.PARSE
    assert "HTML page" in str(info.value)


@pytest.mark.parametrize("slug", HTTP_SLUGS)
async def test_body_over_the_cap_is_too_large(slug):
    api = Api(CASES[slug])
    connector = connector_for(slug)
    connector.max_body_bytes = 512  # the recorded pages are all bigger
    with pytest.raises(ConnectorError) as info:
        await run_fetch(slug, api, connector=connector)
    assert info.value.error_class is ErrorClass.TOO_LARGE
    assert "512 bytes cap" in str(info.value)


@pytest.mark.parametrize("slug", HTTP_SLUGS)
async def test_server_error_is_server(slug):
    api = Api(CASES[slug])
    api.data = lambda request: httpx.Response(503, content=b"upstream down")
    with pytest.raises(ConnectorError) as info:
        await run_fetch(slug, api)
    assert info.value.error_class is ErrorClass.SERVER and info.value.status == 503
    assert str(info.value).startswith("HTTP 503 from ")


@pytest.mark.parametrize("slug", HTTP_SLUGS)
async def test_check_uses_one_fetch(slug):
    api = Api(CASES[slug])
    config = validate_config(kind_of(slug), CASES[slug].config)
    async with api.client() as client:
        await connector_for(slug).check(client, config)
    assert len(api.data_requests()) == CASES[slug].requests_per_fetch


@pytest.mark.parametrize("slug", HTTP_SLUGS)
def test_normalize_is_pure_and_skips_empty_items(slug):
    config = validate_config(kind_of(slug), CASES[slug].config)
    connector = connector_for(slug)
    assert connector.normalize({}, config) is None
    raw = {"id": "1"}
    before = copy.deepcopy(raw)
    connector.normalize(raw, config)
    assert raw == before


# -- an error reply sent with HTTP 200 ----------------------------------------------------------

# Each API's own error shape, as its documentation and the recorded fixtures show it.
ERRORS_IN_200: dict[str, tuple[Any, ErrorClass, str]] = {
    "reddit": ({"message": "Forbidden", "error": 403}, ErrorClass.AUTH, "403: Forbidden"),
    "reddit/comments": ({"message": "Forbidden", "error": 403}, ErrorClass.AUTH, "403: Forbidden"),
    "hackernews": (
        {"message": "Invalid value for parameter numericFilters", "status": 400},
        ErrorClass.CLIENT,
        "numericFilters",
    ),
    "bluesky": (
        {"error": "InvalidRequest", "message": "Params must have the property q"},
        ErrorClass.CLIENT,
        "InvalidRequest: Params must have the property q",
    ),
    "discourse": (
        {"errors": ["You are not permitted to view the requested resource."], "error_type": "invalid_access"},
        ErrorClass.AUTH,
        "not permitted",
    ),
    "stackexchange": (
        {
            "error_id": 502,
            "error_message": "too many requests from this IP, more requests available in 82574 seconds",
            "error_name": "throttle_violation",
        },
        ErrorClass.RATE_LIMITED,
        "throttle_violation",
    ),
    "lemmy": ({"error": "couldnt_find_community"}, ErrorClass.CLIENT, "couldnt_find_community"),
    "youtube": (
        fixture_json("youtube/error_permission_403.json"),
        ErrorClass.AUTH,
        "does not have permission",
    ),
    "x": (fixture_json("x/search_all_error_400.json"), ErrorClass.CLIENT, "must be before 'end_time'"),
}
# The variants of a kind answer errors the way the kind does.
ERRORS_IN_200 |= dict.fromkeys(("youtube/search", "youtube/replies"), ERRORS_IN_200["youtube"])
ERRORS_IN_200 |= dict.fromkeys(
    ("stackexchange/answers", "stackexchange/comments"), ERRORS_IN_200["stackexchange"]
)
JSON_SLUGS = sorted(
    s for s in HTTP_SLUGS if kind_of(s) not in {"rss", "google_alerts", "google_news", "mastodon"}
)


def test_every_json_api_has_an_error_in_200_case():
    assert sorted(ERRORS_IN_200) == JSON_SLUGS


@pytest.mark.parametrize("slug", JSON_SLUGS)
async def test_an_error_reply_with_status_200_is_an_error_not_an_empty_page(slug):
    body, error_class, reason = ERRORS_IN_200[slug]
    api = Api(CASES[slug])
    api.data = lambda request: json_response(body)
    with pytest.raises(ConnectorError) as info:
        await run_fetch(slug, api)
    assert info.value.error_class is error_class
    assert reason in str(info.value)


@pytest.mark.parametrize("slug", ["mastodon", "mastodon/instances"])
async def test_mastodon_error_reply_with_status_200(slug):
    api = Api(CASES[slug])
    api.data = lambda request: json_response({"error": "This API requires an authenticated user"})
    with pytest.raises(ConnectorError) as info:
        await run_fetch(slug, api)
    assert info.value.error_class is ErrorClass.AUTH
    assert "requires an authenticated user" in str(info.value)


async def test_reddit_token_refused_with_status_200_is_an_auth_error():
    api = Api(CASES["reddit"])
    api.case = copy.copy(api.case)
    api.case.extra_routes = {"/api/v1/access_token": lambda r: json_response({"error": "invalid_grant"})}
    with pytest.raises(ConnectorError) as info:
        await run_fetch("reddit", api)
    assert info.value.error_class is ErrorClass.AUTH
    assert "reddit refused a token: invalid_grant" in str(info.value)


async def test_x_partial_errors_beside_data_are_not_an_error():
    page = fixture_json("x/search_all_with_expansions.json")
    api = Api(CASES["x"])
    api.data = lambda request: json_response({**page, "errors": [{"title": "Not Found Error"}]})
    result = await run_fetch("x", api)
    assert result.items
