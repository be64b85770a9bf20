"""Field operators through the real pipeline: the item's URL, author, language and the source row."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from connectors.base import Mention as Item
from monitor.brands.models import Brand
from monitor.config import parse_config
from monitor.db import session_scope
from monitor.matching import Subject
from monitor.mentions.models import Mention
from monitor.pipeline import Pipeline, language_of
from monitor.sources.models import Source
from monitor.sync import sync_config

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
CONFIG = {
    "brands": [
        {"name": "Helzberg", "query": "helzberg"},  # the README's minimal config
        {"name": "Acme", "query": "acme site:reddit.com"},
        {"name": "Orbit", "query": "orbit source:news"},
        {"name": "Lumen", "query": "lumen lang:es"},
    ],
    "sources": [
        {"name": "forum", "kind": "rss", "url": "https://forum.example/feed.xml"},
        {"name": "news", "kind": "rss", "url": "https://news.example/feed.xml"},
    ],
}


@pytest.fixture
def factory(session_factory):
    with session_scope(session_factory) as s:
        sync_config(s, parse_config(CONFIG), now=NOW)
    return session_factory


def _stored(factory, source: str, items: list[Item]) -> set[tuple[str, str]]:
    pipeline = Pipeline(parse_config(CONFIG))
    with session_scope(factory) as s:
        source_id = s.scalar(select(Source.id).where(Source.name == source))
        pipeline.process(s, source_id=source_id, items=items, now=NOW)
    with session_scope(factory) as s:
        rows = s.execute(select(Mention.external_id, Brand.name).join(Brand, Brand.id == Mention.brand_id))
        return {(e, b) for e, b in rows}


def test_fields_reach_the_matcher(factory):
    items = [
        Item("h1", "@Helzberg is the $0 total a mistake?", published_at=NOW),
        Item("a1", "acme lost my order", url="https://old.reddit.com/r/x/1", published_at=NOW),
        Item("a2", "acme lost my order", url="https://forum.example/t/1", published_at=NOW),
        Item("a3", "acme site reddit com", published_at=NOW),  # the operator is not its words
        Item("o1", "orbit gum lost its flavour", published_at=NOW),
        Item("l1", "lumen me cobró dos veces", language="es-MX", published_at=NOW),
        Item("l2", "lumen charged me twice", language="en", published_at=NOW),
    ]
    assert _stored(factory, "forum", items) == {("h1", "Helzberg"), ("a1", "Acme"), ("l1", "Lumen")}


def test_source_operator_reads_the_source_row(factory):
    items = [Item("o1", "orbit gum lost its flavour", published_at=NOW)]
    assert _stored(factory, "news", items) == {("o1", "Orbit")}


def test_language_is_detected_when_the_source_states_none():
    assert language_of(Subject("lumen", language="pt-BR")) == "pt"
    spanish = Subject("Lumen me cobró dos veces este mes y nadie del servicio al cliente contesta")
    assert language_of(spanish) == "es"
    pipeline = Pipeline(parse_config(CONFIG))
    items = [
        Item("l3", spanish.text, published_at=NOW),
        Item("l4", "Lumen charged me twice this month and nobody in support answers", published_at=NOW),
    ]
    pairs = pipeline.match(items, brand_ids={"Lumen": 1})
    assert [(it.external_id, b) for it, b in pairs] == [("l3", "Lumen")]
