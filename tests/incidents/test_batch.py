"""Batch grouping: one decision per incident per batch, and a constant number of statements."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from monitor.alerts.models import AlertDelivery
from monitor.brands.models import Brand
from monitor.config import AppConfig
from monitor.incidents import service
from monitor.incidents.models import Incident
from monitor.mentions.models import Mention
from tests.incidents.conftest import T0, MakeMention

CHANNELS = [{"name": "care-slack", "kind": "slack", "url": "https://hooks.slack.example/T1/B2/x"}]
BRANDS = [{"name": "Kessler Jewelers", "query": "kessler"}]


@pytest.fixture
def config(make_config: Callable[..., AppConfig]) -> AppConfig:
    return make_config(brands=BRANDS, channels=CHANNELS)


def _deliveries(session: Session) -> list[AlertDelivery]:
    return list(session.scalars(select(AlertDelivery).order_by(AlertDelivery.id)))


def _glitch(make_mention: MakeMention) -> list[Mention]:
    """Three voices in six minutes; the third is a big account, which makes it sev1."""
    return [
        make_mention(T0, author="ana", author_reach=300),
        make_mention(T0 + timedelta(minutes=3), author="bo", author_reach=900),
        make_mention(T0 + timedelta(minutes=6), author="cy", author_reach=1_000_000),
    ]


def test_a_burst_in_one_batch_is_one_change_and_one_message(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    posts = _glitch(make_mention)
    changes = service.ingest(session, posts[::-1], config=config, now=posts[-1].published_at)
    assert len(changes) == 1 and [c.notify for c in changes] == [True]
    [change] = changes
    # opened at the second voice (the pricing threshold), with everything the batch knows
    assert (change.event, change.trigger_mention_id) == ("incident.opened", posts[1].id)
    assert (change.mention_count, change.severity) == (3, 1)
    inc = session.get(Incident, change.incident_id)
    assert inc is not None
    assert (inc.messages_sent, inc.state_version, inc.alerted_severity) == (1, 1, 1)
    assert [r.event for r in _deliveries(session)] == ["incident.opened"]
    assert {m.incident_id for m in posts} == {inc.id}


def test_the_same_burst_over_three_polls_follows_the_usual_policy(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    changes = [
        c
        for m in _glitch(make_mention)
        for c in service.ingest(session, [m], config=config, now=m.published_at)
    ]
    assert [(c.event, c.notify, c.severity) for c in changes] == [
        ("incident.opened", False, 3),
        ("incident.opened", True, 2),
        ("incident.escalated", True, 1),
    ]
    assert [r.event for r in _deliveries(session)] == ["incident.opened", "incident.escalated"]


def test_an_alerted_incident_escalates_once_per_batch(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    [opened] = service.ingest(session, [make_mention(T0, direct=True)], config=config, now=T0)
    assert opened.notify and opened.severity == 3
    more = [
        make_mention(T0 + timedelta(minutes=m), author=f"p{m}", author_reach=reach)
        for m, reach in ((1, 10), (2, 20_000), (3, 2_000_000))
    ]
    [change] = service.ingest(session, more, config=config, now=T0 + timedelta(minutes=3))
    # sev2 at the first new voice, then sev1: one message, triggered where it first got worse
    assert (change.event, change.notify, change.severity) == ("incident.escalated", True, 1)
    assert change.trigger_mention_id == more[0].id
    assert [r.event for r in _deliveries(session)] == ["incident.opened", "incident.escalated"]


def test_a_batch_straddling_the_window_splits_in_published_order(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    a, b, far = (make_mention(T0 + timedelta(minutes=m), "billing") for m in (0, 10, 10 + 121))
    late = make_mention(T0 + timedelta(minutes=5), "order_problem")
    changes = service.ingest(session, [far, late, b, a], config=config, now=far.published_at)
    assert [(c.category, c.mention_count, c.trigger_mention_id) for c in changes] == [
        ("billing", 2, b.id),
        ("order_problem", 1, late.id),
        ("billing", 1, far.id),
    ]
    assert a.incident_id == b.incident_id != far.incident_id
    assert [c.event for c in changes] == ["incident.opened"] * 3


def test_stale_mentions_in_a_batch_never_page_but_a_fresh_one_does(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    now = T0 + timedelta(days=2)
    stale = make_mention(T0, "safety")
    fresh = make_mention(now - timedelta(minutes=1), "safety")
    [old], [new] = (service.ingest(session, [m], config=config, now=now) for m in (stale, fresh))
    assert not old.notify and new.notify and old.incident_id != new.incident_id


@contextmanager
def _statements(session: Session) -> Iterator[list[str]]:
    seen: list[str] = []

    def _count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", _count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", _count)


def test_a_batch_costs_a_constant_number_of_statements(
    session: Session, make_config: Callable[..., AppConfig], brand: Brand, make_mention: MakeMention
) -> None:
    config = make_config(brands=BRANDS)  # no channels: outbox rows are per message, not per mention
    others = [
        Brand(name=f"B{i}", query=f"b{i}", handles=[], created_at=T0 - timedelta(days=9)) for i in range(3)
    ]
    session.add_all(others)
    session.flush()
    brand_ids = [brand.id, *(b.id for b in others)]
    categories = ["pricing_error", "order_problem", "billing", "service_failure"]
    # history: an open incident per pair, and a week of chatter for the baselines
    history = [
        make_mention(T0 - timedelta(minutes=30), cat, brand_id=b, author=f"h{b}{cat}")
        for b in brand_ids
        for cat in categories
    ]
    for day in range(1, 8):
        for b in brand_ids:
            make_mention(T0 - timedelta(days=day, minutes=10), None, brand_id=b)
    service.ingest(session, history, config=config, now=T0 - timedelta(minutes=30))
    session.flush()

    batch = []
    for i in range(100):
        # mostly the open pairs, some chatter, and a few safety posts: new incidents
        category = "safety" if i % 25 == 1 else None if i % 5 == 0 else categories[i % 4]
        dup = history[i % len(history)].id if i % 7 == 0 else None
        batch.append(
            make_mention(
                T0 + timedelta(seconds=20 * i),
                category,
                brand_id=brand_ids[i % 4],
                author=f"a{i % 9}",
                duplicate_of_id=dup,
            )
        )
    with _statements(session) as seen:
        changes = service.ingest(session, batch, config=config, now=T0 + timedelta(minutes=40))
    assert len({c.incident_id for c in changes}) == len(changes) >= 4
    assert all(m.incident_id is not None for m in batch if m.category)
    # ten for grouping and baselines, the pair locks (PostgreSQL, one statement), and the slow-burn
    # counts: two per category, one for past pages
    locks = int(session.get_bind().dialect.name == "postgresql")
    assert len(seen) <= 10 + locks + 2 * len(categories) + 1, "\n".join(seen)
    assert sum(s.startswith("INSERT") for s in seen) == 1  # the new incidents, in one statement
