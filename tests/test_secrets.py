"""Source secrets stay in the configuration: never in the sources table, /api/sources or a log line."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from connectors.base import ConnectorError, ErrorClass
from monitor import logs
from monitor.app import create_app
from monitor.config import AppConfig, parse_config
from monitor.mentions.models import Mention
from monitor.secrets import SECRET_MASK, config_secrets, mask_options
from monitor.sources.models import Source
from monitor.sources.service import record_failure
from monitor.sync import sync_config
from monitor.worker import Worker
from tests.support.servers import Reply, ScriptedServer, rss

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
FEED_TOKEN = "feedtok-5f1c9a"  # noqa: S105 (a test value)
SECRETS = {
    "youtube": "AIzaSy-test-youtube-key",
    "reddit": "reddit-client-secret-77",
    "stackexchange": "se-key-((Rxw",
    "slack": "/services/T000/B000/XXXXXXXXXXXXXXXX",
}
SOURCES: list[dict[str, Any]] = [
    {"name": "yt", "kind": "youtube", "api_key": SECRETS["youtube"], "channel_id": "UCacme"},
    {
        "name": "rd",
        "kind": "reddit",
        "client_id": "app-id",
        "client_secret": SECRETS["reddit"],
        "subreddit": "acme",
    },
    {
        "name": "se",
        "kind": "stackexchange",
        "site": "stackoverflow",
        "query": "acme",
        "key": SECRETS["stackexchange"],
    },
    {
        "name": "feed",
        "kind": "rss",
        "url": f"https://user:pa55word@feeds.example/acme.rss?token={FEED_TOKEN}&n=5",
    },
]
BRANDS = [{"name": "Acme", "query": "acme"}]


@pytest.fixture
def config(make_config: Callable[..., AppConfig]) -> AppConfig:
    return make_config(
        brands=BRANDS,
        sources=SOURCES,
        channels=[{"name": "ops", "kind": "slack", "url": f"https://hooks.slack.com{SECRETS['slack']}"}],
    )


def _plaintexts() -> list[str]:
    return [*SECRETS.values(), FEED_TOKEN, "pa55word"]


def test_every_configured_secret_is_known_to_the_log_filter(config: AppConfig) -> None:
    found = config_secrets(config)
    assert set(_plaintexts()) <= found
    assert "app-id" not in found and "acme" not in found  # ids and queries are not secrets


@pytest.mark.parametrize(
    ("kind", "options", "stored"),
    [
        (
            "youtube",
            {"api_key": "k-123456", "channel_id": "UCa"},
            {"api_key": SECRET_MASK, "channel_id": "UCa"},
        ),
        ("mastodon", {"instance": "https://m.example", "access_token": None}, None),
        (
            "x",
            {"bearer_token": "AAAA-bearer", "query": "acme"},
            {"bearer_token": SECRET_MASK, "query": "acme"},
        ),
        ("stackexchange", {"site": "so", "key": "se-k"}, {"site": "so", "key": SECRET_MASK}),
        (
            "rss",
            {"url": "https://f.example/a.rss?api_key=z9&page=2"},
            {"url": "https://f.example/a.rss?api_key=••••&page=2"},
        ),
        ("rss", {"url": "https://u:p@f.example/a.rss"}, {"url": "https://••••@f.example/a.rss"}),
    ],
)
def test_mask_options(kind: str, options: dict[str, Any], stored: dict[str, Any] | None) -> None:
    masked = mask_options(kind, options)
    assert masked == (options if stored is None else stored)  # an unset secret stays visibly unset
    assert mask_options(kind, masked) == masked  # masking a stored copy changes nothing


def test_a_google_alerts_feed_url_is_a_secret_but_a_new_one_still_tells_apart() -> None:
    one, two = (f"https://www.google.com/alerts/feeds/1234567890/{n}" for n in ("111222", "333444"))
    masked = [mask_options("google_alerts", {"url": u})["url"] for u in (one, two)]
    assert all(m.startswith("https://www.google.com/•••• #") and "1234567890" not in m for m in masked)
    assert masked[0] != masked[1]  # a different feed resets the cursor
    assert {one, "/alerts/feeds/1234567890/111222"} <= config_secrets_of("google_alerts", url=one)


def config_secrets_of(kind: str, **options: Any) -> set[str]:
    return config_secrets(parse_config({"sources": [{"name": "s", "kind": kind, **options}]}))


def _stored_text(engine: Engine) -> str:
    with engine.connect() as conn:
        return " ".join(str(v) for v in conn.execute(text("SELECT config FROM sources")).scalars())


def test_the_sources_table_never_holds_a_plaintext_secret(
    config: AppConfig, engine: Engine, session: Session
) -> None:
    sync_config(session, config, now=NOW)
    session.commit()
    stored = _stored_text(engine)
    assert not [s for s in _plaintexts() if s in stored], stored
    rows = {s.name: s.config for s in session.scalars(select(Source))}
    assert rows["yt"]["api_key"] == rows["rd"]["client_secret"] == rows["se"]["key"] == SECRET_MASK
    assert rows["feed"]["url"] == "https://••••@feeds.example/acme.rss?token=••••&n=5"


def test_a_rotated_secret_keeps_the_cursor_and_a_new_feed_starts_afresh(
    make_config: Callable[..., AppConfig], session: Session
) -> None:
    def synced(url: str, key: str) -> dict[str, Source]:
        cfg = make_config(
            brands=BRANDS,
            sources=[
                {"name": "feed", "kind": "rss", "url": url},
                {"name": "yt", "kind": "youtube", "api_key": key, "channel_id": "UCa"},
            ],
        )
        sync_config(session, cfg, now=NOW)
        return {s.name: s for s in session.scalars(select(Source))}

    rows = synced("https://f.example/a.rss?token=one", "key-one")
    for row in rows.values():
        row.cursor = "c1"
    rows = synced("https://f.example/a.rss?token=two", "key-two")
    assert [r.cursor for r in rows.values()] == ["c1", "c1"]
    rows = synced("https://f.example/b.rss?token=two", "key-two")
    assert (rows["feed"].cursor, rows["yt"].cursor) == (None, "c1")


def test_a_row_synced_before_masking_is_rewritten_without_resetting_its_cursor(
    config: AppConfig, session: Session, engine: Engine
) -> None:
    legacy = {"api_key": SECRETS["youtube"], "channel_id": "UCacme"}
    session.add(
        Source(name="yt", kind="youtube", config=legacy, cursor="c1", next_poll_at=NOW, created_at=NOW)
    )
    session.commit()
    sync_config(session, config, now=NOW)
    session.commit()
    row = session.scalars(select(Source).where(Source.name == "yt")).one()
    assert (row.cursor, row.config["api_key"]) == ("c1", SECRET_MASK)
    assert SECRETS["youtube"] not in _stored_text(engine)


@pytest.fixture
def api(config: AppConfig, engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(config, engine=engine), base_url="http://127.0.0.1") as client:
        yield client


def test_api_sources_shows_options_with_secrets_masked(
    api: TestClient, config: AppConfig, session: Session
) -> None:
    sync_config(session, config, now=NOW)
    # and a row written by an older version, plaintext secret and all: masked on the way out too
    session.add(
        Source(
            name="old",
            kind="x",
            config={"bearer_token": "AAAA-plain-bearer"},
            next_poll_at=NOW,
            created_at=NOW,
            last_error=f"internal error in rss connector: InvalidURL('https://f.example/a?token={FEED_TOKEN}')",
        )
    )
    session.commit()
    res = api.get("/api/sources")
    assert res.status_code == 200
    assert not [s for s in [*_plaintexts(), "AAAA-plain-bearer"] if s in res.text]
    items = {s["name"]: s for s in res.json()["items"]}
    assert items["yt"]["config"] == {"api_key": SECRET_MASK, "channel_id": "UCacme"}
    assert items["old"]["config"] == {"bearer_token": SECRET_MASK}
    assert items["old"]["last_error"].endswith("InvalidURL('https://f.example/a?token=••••')")


async def test_a_poll_with_a_token_in_the_feed_url_never_logs_it(
    make_config: Callable[..., AppConfig],
    engine: Engine,
    session_factory: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    logs.install()  # what `monitor worker` does after basicConfig
    try:
        await _poll_a_feed_with_a_token(make_config, session_factory, caplog)
    finally:
        logs.uninstall()
    assert FEED_TOKEN not in caplog.text
    assert FEED_TOKEN not in _stored_text(engine)
    with session_factory() as s:
        assert s.scalar(select(Mention.text)) == "acme is down"


async def _poll_a_feed_with_a_token(
    make_config: Callable[..., AppConfig], session_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with ScriptedServer() as feed:
        feed.routes["/f.xml"] = Reply(
            200, rss([{"guid": "1", "title": "acme down", "description": "acme is down"}])
        )
        url = f"{feed.url}/f.xml?token={FEED_TOKEN}"
        cfg = make_config(brands=BRANDS, sources=[{"name": "feed", "kind": "rss", "url": url}])
        worker = Worker(cfg, session_factory)
        try:
            with caplog.at_level(logging.INFO):
                [outcome] = await worker.poll_once()
                # a failing poll's error and a crash's traceback go through the filter as well
                logging.getLogger("monitor.worker").warning("poll of %s failed", url)
                try:
                    raise RuntimeError(f"could not fetch {url}")
                except RuntimeError:
                    logging.getLogger("monitor.worker").exception("poll crashed")
        finally:
            await worker.stop()
    assert outcome.error is None
    assert feed.hits("/f.xml")[0].query == f"token={FEED_TOKEN}"  # the connector had the real URL
    httpx_lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert httpx_lines and all("token=••••" in line for line in httpx_lines)


def test_the_dashboard_sources_page_shows_settings_with_secrets_masked(
    api: TestClient, config: AppConfig, session: Session
) -> None:
    sync_config(session, config, now=NOW)
    session.commit()
    res = api.get("/sources")
    assert res.status_code == 200
    assert not [s for s in _plaintexts() if s in res.text]
    assert "<dt>channel_id</dt><dd>UCacme</dd>" in res.text and f"<dd>{SECRET_MASK}</dd>" in res.text


def test_the_stored_copy_does_not_depend_on_secrets_hidden_from_logs() -> None:
    # a channel at the feed's server root is hidden from logs; the feed's stored URL stays itself
    logs.hide(["http://127.0.0.1:9/d-test/"])
    feed = {"url": "http://127.0.0.1:9/d-test/f.xml"}
    assert mask_options("rss", feed) == feed


def test_an_error_that_quotes_a_tokened_url_is_stored_masked(session: Session, config: AppConfig) -> None:
    sync_config(session, config, now=datetime.now(UTC))
    src = session.scalars(select(Source)).first()
    assert src is not None
    error = ConnectorError(
        ErrorClass.NETWORK, f"internal error: ConnectError('https://feeds.example/a.rss?token={FEED_TOKEN}')"
    )
    record_failure(session, src.id, owner="w", now=datetime.now(UTC), error=error, max_backoff=3600)
    assert src.last_error is not None and FEED_TOKEN not in src.last_error and "token=••••" in src.last_error


def test_tokens_by_host_are_masked_stored_and_hidden_from_logs():
    options = {
        "instances": ["https://m.example", "https://n.example"],
        "query": "acme",
        "access_tokens": {"m.example": "tok-m-0123456789", "n.example": "tok-n-0123456789"},
    }
    assert {"tok-m-0123456789", "tok-n-0123456789"} <= config_secrets_of("mastodon", **options)
    assert mask_options("mastodon", options)["access_tokens"] == SECRET_MASK
