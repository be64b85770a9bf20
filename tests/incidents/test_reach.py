"""How long an open incident takes new mentions, and when a resolved one comes back (stress findings)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.config import AppConfig
from monitor.incidents import service
from monitor.incidents.models import Incident
from monitor.incidents.service import IncidentChange
from monitor.int64 import INT64_MAX
from monitor.mentions.models import Mention
from tests.incidents.conftest import T0, MakeMention

BRANDS = [{"name": "Kessler Jewelers", "query": "kessler", "handles": ["@KesslerJewelers"]}]


@pytest.fixture
def config(make_config: Callable[..., AppConfig]) -> AppConfig:
    return make_config(brands=BRANDS)


def _one(session: Session, config: AppConfig, m: Mention, now: datetime | None = None) -> IncidentChange:
    [change] = service.ingest(session, [m], config=config, now=now or m.published_at)
    return change


def test_a_slow_glitch_pages_on_a_second_report_while_its_incident_is_open(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    # an hour apart, the scorer missed the one in between: 125 minutes, past the 120-minute window
    first = _one(session, config, make_mention(T0))
    second = _one(session, config, make_mention(T0 + timedelta(minutes=125)))
    assert not first.notify
    assert (second.incident_id, second.notify, second.event) == (first.incident_id, True, "incident.opened")


def test_an_alerted_incident_takes_a_late_report_instead_of_opening_again(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    burst = [make_mention(T0 + timedelta(minutes=m), "order_problem") for m in (0, 5, 10)]
    assert [_one(session, config, m).notify for m in burst] == [False, False, True]
    late = _one(session, config, make_mention(T0 + timedelta(minutes=10 + 150), "order_problem"))
    assert late.incident_id == burst[0].incident_id and not late.notify


def test_volume_grumbles_nobody_heard_of_still_split_after_the_window(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    a = _one(session, config, make_mention(T0, "order_problem"))
    b = _one(session, config, make_mention(T0 + timedelta(minutes=150), "order_problem"))
    assert a.incident_id != b.incident_id


def test_regression_counts_from_when_an_incident_went_quiet_not_when_the_sweeper_ran(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    opened = _one(session, config, make_mention(T0, "safety"))
    assert opened.notify
    # the sweeper runs ten hours late; the incident went quiet at T0 + 4 h
    service.auto_resolve(session, config=config, now=T0 + timedelta(hours=14))
    back = _one(session, config, make_mention(T0 + timedelta(hours=4 + 25), "safety"))
    assert back.incident_id != opened.incident_id and (back.event, back.notify) == ("incident.opened", True)
    # within a day of going quiet it regresses, as before
    service.auto_resolve(session, config=config, now=T0 + timedelta(hours=29 + 5))
    again = _one(session, config, make_mention(T0 + timedelta(hours=29 + 20), "safety"))
    assert (again.incident_id, again.event) == (back.incident_id, "incident.regressed")


def test_reach_past_32_bits_is_stored_and_summed_on_every_backend(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    # a Mastodon followers_count of 3×10⁹, then 54 Reddit posts at 40 M subscribers each
    big = make_mention(T0, "order_problem", author_reach=3_000_000_000, engagement=2**40)
    first = _one(session, config, big)
    for n in range(54):
        _one(
            session,
            config,
            make_mention(T0 + timedelta(seconds=n + 1), "order_problem", author_reach=40_000_000),
        )
    session.commit()
    session.expire_all()
    incident = session.get(Incident, first.incident_id)
    assert incident is not None and incident.reach == 3_000_000_000 + 54 * 40_000_000
    assert session.get(Mention, big.id).author_reach == 3_000_000_000
    # PostgreSQL's SUM over BIGINT is NUMERIC: the engagement sum must still come back an int
    total = session.scalar(select(func.sum(Mention.engagement)))
    assert (total, type(total)) == (2**40, int)


def test_absurd_counts_are_clamped_to_64_bits_instead_of_failing_the_batch(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    huge = [make_mention(T0 + timedelta(seconds=n), "order_problem", author_reach=10**30) for n in range(2)]
    changes = [_one(session, config, m) for m in huge]
    session.commit()
    session.expire_all()
    assert [session.get(Mention, m.id).author_reach for m in huge] == [INT64_MAX, INT64_MAX]
    assert session.get(Incident, changes[0].incident_id).reach == INT64_MAX
