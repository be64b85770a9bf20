"""The file seeds, the database decides: sync keeps API edits, runtime config and the watcher."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from monitor.admin import service
from monitor.brands.models import Brand
from monitor.config import parse_config
from monitor.config_store import ConfigWatcher, load_runtime_config
from monitor.sources.models import Source
from monitor.sync import sync_config

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
TOKEN = "tok-Zq81-secret-value"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    """Overrides the shared fixture: the same test on both backends."""
    return request.getfixturevalue("pg_url") if request.param == "postgres" else sqlite_url


def _file(query: str = "acme", url: str = "https://example.org/feed.xml", **extra):
    doc = {
        "brands": [{"name": "Acme", "query": query}],
        "sources": [{"name": "feed", "kind": "rss", "url": url}],
    }
    return parse_config(doc | extra)


def _start(session_factory, config) -> bool:
    with session_factory() as s:
        changed = sync_config(s, config, now=NOW)
        s.commit()
    return changed


def _rows(session_factory):
    with session_factory() as s:
        brands = {b.name: (b.query, b.enabled) for b in s.scalars(select(Brand))}
        sources = {r.name: (r.config.get("url"), r.enabled) for r in s.scalars(select(Source))}
    return brands, sources


def test_a_restart_keeps_api_edits_and_applies_file_changes(session_factory):
    assert _start(session_factory, _file()) is True
    assert _start(session_factory, _file()) is False  # nothing new in the file: nothing written
    with session_factory() as s:
        service.update_brand(s, "Acme", {"query": "acme OR widget"}, now=NOW)
        service.create_brand(s, {"name": "Beta", "query": "beta"}, now=NOW)
        service.create_source(
            s, {"name": "api-feed", "kind": "rss", "url": "https://example.org/b.xml"}, now=NOW
        )
        service.disable_source(s, "feed", now=NOW)
        s.commit()
    _start(session_factory, _file())  # the same file again: every API edit stands
    assert _rows(session_factory) == (
        {"Acme": ("acme OR widget", True), "Beta": ("beta", True)},
        {"feed": ("https://example.org/feed.xml", False), "api-feed": ("https://example.org/b.xml", True)},
    )
    # the file's entry changes: the file wins for that entry only, once
    _start(session_factory, _file(query="acme OR acme-corp", url="https://example.org/new.xml"))
    brands, sources = _rows(session_factory)
    assert brands["Acme"] == ("acme OR acme-corp", True) and brands["Beta"] == ("beta", True)
    assert sources["feed"] == ("https://example.org/new.xml", True)
    assert sources["api-feed"] == ("https://example.org/b.xml", True)
    # an entry removed from the file: its source disabled, a brand kept; rows the file never had untouched
    _start(session_factory, parse_config({"brands": [{"name": "Acme", "query": "acme OR acme-corp"}]}))
    brands, sources = _rows(session_factory)
    assert sources == {
        "feed": ("https://example.org/new.xml", False),
        "api-feed": ("https://example.org/b.xml", True),
    }
    assert set(brands) == {"Acme", "Beta"}


def test_runtime_config_takes_brands_sources_and_secrets_from_the_database(session_factory, monkeypatch):
    monkeypatch.setenv("FILE_TOKEN", "file-" + TOKEN)
    base = parse_config(
        {
            "worker": {"concurrency": 3},
            "brands": [{"name": "Acme", "query": "acme"}],
            "sources": [
                {
                    "name": "toots",
                    "kind": "mastodon",
                    "instance": "https://m.example",
                    "query": "acme",
                    "access_token": "${FILE_TOKEN}",
                },
            ],
        }
    )
    _start(session_factory, base)
    monkeypatch.setenv("API_TOKEN", TOKEN)
    with session_factory() as s:
        service.create_brand(s, {"name": "Beta", "query": "beta"}, now=NOW)
        service.disable_brand(s, "Acme", now=NOW)
        service.create_source(
            s,
            {
                "name": "more",
                "kind": "mastodon",
                "instance": "https://n.example",
                "query": "beta",
                "access_token": "${API_TOKEN}",
                "brand": "Beta",
            },
            now=NOW,
        )
        service.update_source(s, "toots", {"query": "acme OR beta"}, now=NOW)
        s.commit()
        runtime = load_runtime_config(s, base)
    assert [b.name for b in runtime.brands] == ["Beta"]  # a disabled brand is not matched
    assert runtime.worker.concurrency == 3  # the file's other settings stay
    options = {src.name: src.options for src in runtime.sources}
    assert options["more"]["access_token"] == TOKEN  # from its reference
    assert options["toots"] == {
        "instance": "https://m.example",
        "query": "acme OR beta",
        "access_token": "file-" + TOKEN,
    }  # the API's edit, the file's secret
    assert {s.name: s.brand for s in runtime.sources} == {"toots": None, "more": "Beta"}


def test_watcher_rebuilds_only_after_a_change(session_factory):
    base = _file()
    _start(session_factory, base)
    watcher = ConfigWatcher(session_factory, base)
    first = watcher.refresh()
    assert first is not None and [b.name for b in first.brands] == ["Acme"]
    assert watcher.refresh() is None
    with session_factory() as s:
        service.create_brand(s, {"name": "Beta", "query": "beta"}, now=NOW)
        s.commit()
    changed = watcher.refresh()
    assert changed is not None and [b.name for b in changed.brands] == ["Acme", "Beta"]
    assert watcher.refresh() is None
    _start(session_factory, _file())  # a worker start with an unchanged file moves nothing
    assert watcher.refresh() is None


def test_a_row_the_rules_refuse_is_left_out_not_fatal(session_factory, caplog):
    base = _file()
    _start(session_factory, base)
    with session_factory() as s:
        s.add(
            Source(
                name="odd",
                kind="rss",
                config={"url": "https://x.org/f"},
                interval_seconds=300,
                min_interval_seconds=600,
                max_interval_seconds=900,
                current_interval_seconds=600,
            )
        )
        s.commit()
        runtime = load_runtime_config(s, base)
    assert [src.name for src in runtime.sources] == ["feed"]
    assert "source odd left out" in caplog.text
