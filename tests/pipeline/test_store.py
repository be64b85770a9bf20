"""Store and group through the real pipeline on a migrated SQLite database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from connectors.base import Mention as Item
from monitor.config import parse_config
from monitor.db import make_engine, make_session_factory, session_scope, upgrade
from monitor.incidents.models import Incident
from monitor.incidents.service import auto_resolve
from monitor.mentions.models import Mention
from monitor.pipeline import Pipeline
from monitor.sources.models import Source
from monitor.sync import sync_config

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
CONFIG = {
    "brands": [{"name": "Acme", "query": "acme"}, {"name": "Orbit", "query": "orbit"}],
    "sources": [
        {"name": "forum", "kind": "rss", "url": "https://forum.example/feed.xml"},
        {"name": "news", "kind": "rss", "url": "https://news.example/feed.xml"},
    ],
}


@pytest.fixture
def factory(tmp_path):
    url = f"sqlite:///{tmp_path}/m.db"
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with session_scope(factory) as s:
        sync_config(s, parse_config(CONFIG), now=NOW)
    yield factory
    engine.dispose()


def _ids(factory) -> dict[str, int]:
    with session_scope(factory) as s:
        return dict(s.execute(select(Source.name, Source.id)).all())


def test_repolling_never_duplicates(factory):
    pipeline = Pipeline(parse_config(CONFIG))
    src = _ids(factory)["forum"]
    items = [Item(external_id=f"p{i}", text=f"acme post number {i}", published_at=NOW) for i in range(3)]
    with session_scope(factory) as s:
        first = pipeline.process(s, source_id=src, items=items, now=NOW)
    with session_scope(factory) as s:
        again = pipeline.process(s, source_id=src, items=items + items[:1], now=NOW + timedelta(minutes=5))
        total = s.scalar(select(func.count()).select_from(Mention))
    assert len(first.stored) == 3
    assert again.stored == []
    assert total == 3


def test_unmatched_items_are_not_stored_and_two_brands_get_a_row_each(factory):
    pipeline = Pipeline(parse_config(CONFIG))
    src = _ids(factory)["forum"]
    items = [
        Item(external_id="x", text="nothing about our brands", published_at=NOW),
        Item(external_id="y", text="acme vs orbit: which phone plan?", published_at=NOW),
        Item(external_id="z", text="the orbital mechanics lecture", published_at=NOW),
    ]
    with session_scope(factory) as s:
        stored = pipeline.process(s, source_id=src, items=items, now=NOW).stored
        brands = sorted((m.external_id, m.brand_id) for m in stored)
    assert [e for e, _ in brands] == ["y", "y"]
    assert len({b for _, b in brands}) == 2


def test_cross_posted_story_is_stored_per_source_but_marked_duplicate(factory):
    pipeline = Pipeline(parse_config(CONFIG))
    ids = _ids(factory)
    text = "Acme checkout shows everything at $0.00 right now, is this real?"
    with session_scope(factory) as s:
        a = pipeline.process(
            s,
            source_id=ids["forum"],
            now=NOW,
            items=[Item(external_id="f1", text=text, url="https://shop.example/deal?utm_source=forum")],
        ).stored
    with session_scope(factory) as s:
        b = pipeline.process(
            s,
            source_id=ids["news"],
            now=NOW,
            items=[Item(external_id="n1", text="RT " + text, url="https://www.shop.example/deal")],
        ).stored
    assert a[0].duplicate_of_id is None
    assert b[0].duplicate_of_id == a[0].id


def test_items_without_time_get_fetch_time_and_reasons_are_kept(factory):
    pipeline = Pipeline(parse_config(CONFIG))
    src = _ids(factory)["forum"]
    with session_scope(factory) as s:
        [row] = pipeline.process(
            s,
            source_id=src,
            now=NOW,
            items=[Item(external_id="q", text="Acme charged me twice for one order and nobody answers")],
        ).stored
        m = s.get(Mention, row.id)
        assert m.published_at == NOW
        assert m.is_incident and m.category == "billing" and m.incident_id == row.incident_id is not None
        assert {r["cue"] for r in m.reasons} >= {"billing.double_charged"}


def test_a_future_date_is_stored_as_fetch_time_and_the_claim_kept_in_raw(factory):
    pipeline = Pipeline(parse_config(CONFIG))
    src = _ids(factory)["forum"]
    future = NOW + timedelta(days=3650)
    with session_scope(factory) as s:
        [row] = pipeline.process(
            s,
            source_id=src,
            now=NOW,
            items=[
                Item(
                    external_id="f",
                    text="Acme charged me twice for one order and nobody answers",
                    published_at=future,
                    raw={"id": "f"},
                )
            ],
        ).stored
        m = s.get(Mention, row.id)
        assert m.published_at == NOW  # else its incident stays "active" for ten years, never quiet
        assert m.raw == {"id": "f", "published_at_given": future.isoformat()}
        assert s.get(Incident, row.incident_id).last_seen_at == NOW
    with session_scope(factory) as s:
        auto_resolve(s, config=parse_config(CONFIG), now=NOW + timedelta(days=7))
    with session_scope(factory) as s:
        assert s.get(Incident, row.incident_id).resolved_at is not None  # it went quiet, and resolves
