"""Grouping, lifecycle and the alert outbox on a migrated database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.alerts.models import AlertDelivery
from monitor.brands.models import Brand
from monitor.config import AppConfig
from monitor.incidents import service
from monitor.incidents.baseline import brand_volume
from monitor.incidents.models import Incident
from monitor.mentions.models import Mention
from tests.incidents.conftest import T0, MakeMention

CHANNELS = [
    {"name": "care-slack", "kind": "slack", "url": "https://hooks.slack.example/T1/B2/x"},
    {
        "name": "ops-hook",
        "kind": "webhook",
        "url": "https://ops.example/hook",
        "brands": ["Kessler Jewelers"],
    },
]
BRANDS = [{"name": "Kessler Jewelers", "query": "kessler", "handles": ["@KesslerJewelers"]}]


@pytest.fixture
def config(make_config: Callable[..., AppConfig]) -> AppConfig:
    return make_config(brands=BRANDS, channels=CHANNELS)


def _deliveries(session: Session) -> list[AlertDelivery]:
    return list(session.scalars(select(AlertDelivery).order_by(AlertDelivery.id)))


def _ingest(
    session: Session, config: AppConfig, *mentions: Mention, now: Any = None
) -> list[service.IncidentChange]:
    at = now or max(m.published_at for m in mentions)
    return service.ingest(session, list(mentions), config=config, now=at)


def _each(session: Session, config: AppConfig, *mentions: Mention) -> list[service.IncidentChange]:
    """One batch per mention, as `monitor replay` and a slow feed deliver them: one change each."""
    return [c for m in mentions for c in _ingest(session, config, m)]


def test_pricing_burst_alerts_on_the_second_voice_once_per_channel(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    first = make_mention(T0, author_reach=800)
    [c1] = _ingest(session, config, first)
    assert (c1.event, c1.notify, c1.mention_count, c1.trigger_mention_id) == (
        "incident.opened",
        False,
        1,
        first.id,
    )
    assert _deliveries(session) == []

    second = make_mention(T0 + timedelta(minutes=4), author_reach=3400, engagement=120)
    [c2] = _ingest(session, config, second)
    assert (c2.incident_id, c2.event, c2.notify, c2.mention_count) == (
        c1.incident_id,
        "incident.opened",
        True,
        2,
    )

    inc = session.get(Incident, c1.incident_id)
    assert inc is not None
    assert (inc.alerted, inc.messages_sent, inc.state_version, inc.alerted_severity) == (
        True,
        1,
        1,
        inc.severity,
    )
    assert (inc.reach, inc.first_seen_at, inc.last_seen_at) == (4200, T0, T0 + timedelta(minutes=4))
    assert first.incident_id == second.incident_id == inc.id
    rows = _deliveries(session)
    assert sorted(r.channel for r in rows) == ["care-slack", "ops-hook"]
    assert {r.event for r in rows} == {"incident.opened"} and {r.incident_id for r in rows} == {inc.id}

    # a third voice at the same severity is not news
    [c3] = _ingest(session, config, make_mention(T0 + timedelta(minutes=40)))
    assert (c3.notify, c3.mention_count) == (False, 3)
    assert len(_deliveries(session)) == 2


def test_one_safety_post_alerts_at_once(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    m = make_mention(T0, "safety", urgency=0.8)
    [change] = _ingest(session, config, m)
    assert (change.event, change.notify, change.category, change.severity) == (
        "incident.opened",
        True,
        "safety",
        2,
    )
    assert len(_deliveries(session)) == 2


def test_direct_pricing_mention_alerts_at_once(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    [change] = _ingest(session, config, make_mention(T0, direct=True))
    assert change.notify
    assert session.get(Incident, change.incident_id).direct_count == 1  # type: ignore[union-attr]


def test_duplicates_attach_but_count_once_and_never_page(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    # one person's story cross-posted, and the same link shared by others
    original = make_mention(
        T0, "order_problem", author="ana", author_reach=100, canonical_url="https://x.example/1"
    )
    copies = [
        make_mention(
            T0 + timedelta(minutes=i),
            "order_problem",
            duplicate_of_id=original.id,
            author=author,
            canonical_url=url,
            author_reach=1000,
            direct=True,
        )
        for i, author, url in (
            (1, "ana", None),
            (2, "Ana", "https://x.example/2"),
            (3, "bo", "https://x.example/1"),
        )
    ]
    [change] = _ingest(session, config, original, *copies)  # one batch: one change for the incident
    assert (change.event, change.notify, change.trigger_mention_id) == (
        "incident.opened",
        False,
        copies[-1].id,
    )
    assert {m.incident_id for m in (original, *copies)} == {change.incident_id}
    inc = session.get(Incident, change.incident_id)
    assert inc is not None
    assert (inc.mention_count, inc.reach, inc.direct_count) == (1, 3100, 0)


def test_mentions_are_grouped_in_published_order_and_by_window(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    later = make_mention(T0 + timedelta(minutes=30), "billing")
    earlier = make_mention(T0, "billing")
    [first] = _ingest(session, config, later, earlier)
    assert (first.trigger_mention_id, first.mention_count) == (later.id, 2)  # no page: the last one
    assert earlier.incident_id == later.incident_id == first.incident_id

    # beyond window_minutes (120) after the last mention: a new incident
    far = make_mention(T0 + timedelta(minutes=30 + 121), "billing")
    [c] = _ingest(session, config, far)
    assert c.incident_id != first.incident_id and c.event == "incident.opened"
    # another category never joins
    [other] = _ingest(session, config, make_mention(T0 + timedelta(minutes=31), "order_problem"))
    assert other.incident_id not in {first.incident_id, c.incident_id}


def test_unflagged_and_uncategorized_mentions_are_left_alone(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    chatter = make_mention(T0, None)
    odd = make_mention(T0, "billing", is_incident=False)
    assert _ingest(session, config, chatter, odd) == []
    assert chatter.incident_id is None and odd.incident_id is None
    assert session.scalar(select(func.count()).select_from(Incident)) == 0


def test_volume_category_needs_three_voices_within_an_hour(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    # spread out: three order complaints, each within the window of the last, never three in an hour
    spread = [make_mention(T0 + timedelta(minutes=m), "order_problem") for m in (0, 100, 200)]
    assert [c.notify for c in _each(session, config, *spread)] == [False, False, False]
    assert len({m.incident_id for m in spread}) == 1
    # a burst: the third within the hour pages
    burst = [make_mention(T0 + timedelta(minutes=m), "order_problem") for m in (230, 240)]
    assert [c.notify for c in _each(session, config, *burst)] == [False, True]


def test_volume_threshold_in_one_batch_pages_once_at_the_crossing_mention(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    spread = [make_mention(T0 + timedelta(minutes=m), "order_problem") for m in (0, 100, 200, 230, 240, 250)]
    [change] = _ingest(session, config, *reversed(spread))
    assert (change.event, change.notify, change.mention_count) == ("incident.opened", True, 6)
    assert change.trigger_mention_id == spread[4].id  # the third voice within the hour
    assert len(_deliveries(session)) == 2  # one message, two channels


def test_escalations_and_the_message_cap(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    changes = []
    for i in range(30):  # a glitch going viral: many voices, growing reach, fast
        m = make_mention(T0 + timedelta(minutes=2 * i), author_reach=500 * (i + 1) ** 2, engagement=50 * i)
        changes += _ingest(session, config, m)
    sent = [c for c in changes if c.notify]
    assert [c.event for c in sent] == ["incident.opened", "incident.escalated"]
    assert sent[0].severity > sent[1].severity == 1
    inc = session.get(Incident, changes[0].incident_id)
    assert inc is not None and inc.messages_sent == 2 and inc.state_version == 2
    assert len(_deliveries(session)) == 4  # two messages, two channels

    # resolved after the quiet period: the third and last message
    quiet = inc.last_seen_at + timedelta(minutes=241)
    [resolved] = service.auto_resolve(session, config=config, now=quiet)
    assert (resolved.event, resolved.notify, resolved.trigger_mention_id) == ("incident.resolved", True, None)
    assert (inc.status, inc.resolved_by, inc.resolved_at, inc.messages_sent) == ("resolved", "auto", quiet, 3)

    # it comes back within a day: regressed, same incident, and told — the spent cap was the last
    # episode's; the new episode counts its own messages from the regression notice
    [back] = _ingest(session, config, make_mention(quiet + timedelta(hours=2), direct=True))
    assert (back.incident_id, back.event, back.notify) == (inc.id, "incident.regressed", True)
    assert (inc.status, inc.regressed, inc.regression_count, inc.resolved_at) == ("open", True, 1, None)
    assert inc.messages_sent == 1
    events = [r.event for r in _deliveries(session)]
    assert events.count("incident.resolved") == 2 and events.count("incident.regressed") == 2
    assert len(events) == 8


def test_regression_pages_again_when_under_the_cap(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    [c] = _ingest(session, config, make_mention(T0, "safety"))
    inc = session.get(Incident, c.incident_id)
    assert inc is not None
    service.acknowledge(session, incident_id=inc.id, by="ana", now=T0 + timedelta(minutes=5))
    service.resolve(
        session,
        incident_id=inc.id,
        by="ana",
        note="recalled the batch",
        now=T0 + timedelta(hours=1),
        channels=config.channels,
        policy=config.alerts,
        public_url="https://monitor.example",
    )
    assert (inc.status, inc.messages_sent, inc.resolution_note) == ("resolved", 2, "recalled the batch")
    [back] = _ingest(session, config, make_mention(T0 + timedelta(hours=5), "safety"))
    assert (back.incident_id, back.event, back.notify) == (inc.id, "incident.regressed", True)
    # the regression notice is the first message of the new episode
    assert (inc.messages_sent, inc.acknowledged_by, inc.regression_count) == (1, None, 1)
    assert [r.event for r in _deliveries(session)] == ["incident.opened"] * 2 + ["incident.resolved"] * 2 + [
        "incident.regressed"
    ] * 2


def test_no_regression_after_a_day_or_for_quiet_auto_resolved_incidents(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    [alerted] = _ingest(session, config, make_mention(T0, "safety"))
    [quiet] = _ingest(session, config, make_mention(T0, "billing"))
    service.auto_resolve(session, config=config, now=T0 + timedelta(hours=5))
    # the billing incident was never told to anyone and closed by itself: a new one
    [billing] = _ingest(session, config, make_mention(T0 + timedelta(hours=6), "billing"))
    assert billing.incident_id != quiet.incident_id and billing.event == "incident.opened"
    # the safety incident resolved more than a day ago: a new one too
    [safety] = _ingest(session, config, make_mention(T0 + timedelta(hours=30), "safety"))
    assert safety.incident_id != alerted.incident_id and safety.event == "incident.opened"


def test_auto_resolve_leaves_recent_incidents_and_skips_notices_nobody_needs(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    [old] = _ingest(session, config, make_mention(T0, "billing"))
    [recent] = _ingest(session, config, make_mention(T0 + timedelta(hours=3), "order_problem"))
    changes = service.auto_resolve(session, config=config, now=T0 + timedelta(hours=4, minutes=1))
    assert [(c.incident_id, c.event, c.notify) for c in changes] == [
        (old.incident_id, "incident.resolved", False)
    ]
    assert session.get(Incident, recent.incident_id).status == "open"  # type: ignore[union-attr]
    assert _deliveries(session) == []


def test_resolved_notices_can_be_turned_off(
    session: Session, make_config: Callable[..., AppConfig], make_mention: MakeMention
) -> None:
    config = make_config(brands=BRANDS, channels=CHANNELS, alerts={"resolved_notices": False})
    _ingest(session, config, make_mention(T0, "security"))
    [change] = service.auto_resolve(session, config=config, now=T0 + timedelta(hours=5))
    assert not change.notify
    assert [r.event for r in _deliveries(session)] == ["incident.opened"] * 2


def test_brand_override_beats_category_override(
    session: Session, make_config: Callable[..., AppConfig], make_mention: MakeMention
) -> None:
    config = make_config(
        brands=BRANDS,
        channels=CHANNELS,
        alerts={
            "categories": {"order_problem": {"min_mentions": 5}, "safety": {"enabled": False}},
            "brands": {"Kessler Jewelers": {"order_problem": {"immediate": True}}},
        },
    )
    [order] = _ingest(session, config, make_mention(T0, "order_problem"))
    [safety] = _ingest(session, config, make_mention(T0, "safety"))
    assert order.notify and not safety.notify


def test_stale_mentions_group_without_paging(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    [c] = _ingest(session, config, make_mention(T0, "safety"), now=T0 + timedelta(days=3))
    assert not c.notify and c.incident_id is not None


def test_channels_filtered_by_brand_and_public_url(
    session: Session,
    make_config: Callable[..., AppConfig],
    make_mention: MakeMention,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = Brand(name="Orbit", query="orbit", handles=[], created_at=T0)
    session.add(other)
    session.flush()
    config = make_config(
        brands=[*BRANDS, {"name": "Orbit", "query": "orbit"}],
        channels=CHANNELS,
        api={"public_url": "https://file.example"},
    )
    assert service.public_url(config) == "https://file.example"
    monkeypatch.setenv("MONITOR_PUBLIC_URL", "https://env.example")
    from monitor.settings import get_settings

    get_settings.cache_clear()
    assert service.public_url(config) == "https://env.example"
    assert service.public_url(make_config()) == "https://env.example"
    monkeypatch.delenv("MONITOR_PUBLIC_URL")
    get_settings.cache_clear()
    assert service.public_url(make_config()) == "http://127.0.0.1:8000"

    [c] = _ingest(session, config, make_mention(T0, "safety", brand_id=other.id))
    assert c.brand == "Orbit" and c.notify
    assert [r.channel for r in _deliveries(session)] == ["care-slack"]  # ops-hook is Kessler's only


def test_acknowledge_assign_resolve_errors(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    with pytest.raises(LookupError):
        service.acknowledge(session, incident_id=999, by="ana", now=T0)
    with pytest.raises(LookupError):
        service.assign(session, incident_id=999, to="ana", now=T0)
    kw: dict[str, Any] = {"channels": config.channels, "policy": config.alerts, "public_url": None}
    with pytest.raises(LookupError):
        service.resolve(session, incident_id=999, by="ana", note=None, now=T0, **kw)

    [c] = _ingest(session, config, make_mention(T0, "billing"))
    inc = service.acknowledge(session, incident_id=c.incident_id, by="ana", now=T0 + timedelta(minutes=1))
    again = service.acknowledge(session, incident_id=c.incident_id, by="ben", now=T0 + timedelta(minutes=2))
    assert again is inc and (inc.status, inc.acknowledged_by) == ("acknowledged", "ana")
    assert service.assign(session, incident_id=inc.id, to=" ben ", now=T0).assigned_to == "ben"
    assert service.assign(session, incident_id=inc.id, to="", now=T0).assigned_to is None

    # an acknowledged incident still gathers mentions
    [joined] = _ingest(session, config, make_mention(T0 + timedelta(minutes=10), "billing"))
    assert joined.incident_id == inc.id

    service.resolve(session, incident_id=inc.id, by="ana", note=None, now=T0 + timedelta(minutes=30), **kw)
    assert (inc.status, inc.resolved_by) == ("resolved", "ana")
    assert _deliveries(session) == []  # never alerted: no resolved notice
    with pytest.raises(ValueError):
        service.acknowledge(session, incident_id=inc.id, by="ana", now=T0)
    with pytest.raises(ValueError):
        service.resolve(session, incident_id=inc.id, by="ana", note=None, now=T0, **kw)


def test_brand_baseline_counts_the_same_hour_on_watched_days(
    session: Session, brand: Brand, make_mention: MakeMention
) -> None:
    for day in range(1, 4):  # two mentions at this hour on each of the last three days
        for minute in (5, 40):
            make_mention(T0 - timedelta(days=day, minutes=minute), None)
    make_mention(T0 - timedelta(days=2, hours=3), None)  # another hour: not in the baseline
    first = make_mention(T0 - timedelta(minutes=10), None)
    make_mention(T0 - timedelta(minutes=5), None, duplicate_of_id=first.id)  # the same story: counted once
    make_mention(T0 - timedelta(minutes=1), None)

    watched_long = brand_volume(session, brand_id=brand.id, brand_created_at=brand.created_at, at=T0)
    assert watched_long.last_hour == 2
    assert watched_long.baseline_per_hour == pytest.approx(6 / 7)  # 7 watched days, 4 of them silent

    watched_3d = brand_volume(
        session, brand_id=brand.id, brand_created_at=T0 - timedelta(days=3, hours=2), at=T0
    )
    assert watched_3d.baseline_per_hour == pytest.approx(2.0)
    assert not watched_3d.provisional
    # watched for hours only: the running rate stands in (after three hours), never a spike
    new_brand = brand_volume(session, brand_id=brand.id, brand_created_at=T0 - timedelta(hours=5), at=T0)
    assert (new_brand.last_hour, new_brand.provisional) == (2, True)
    assert new_brand.baseline_per_hour == pytest.approx(2 / 5)
    newest = brand_volume(session, brand_id=brand.id, brand_created_at=T0 - timedelta(hours=2), at=T0)
    assert (newest.baseline_per_hour, newest.last_hour) == (None, 2)


def test_a_busy_brand_needs_more_voices_and_a_spike_fewer(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    # a busy brand: 20 mentions at this hour every day for a week, so five voices are needed, not three
    for day in range(1, 8):
        for i in range(20):
            make_mention(T0 - timedelta(days=day, minutes=2 * i + 1), None)
    complaints = [make_mention(T0 + timedelta(minutes=m), "order_problem") for m in (0, 3, 6, 9, 12)]
    assert [c.notify for c in _each(session, config, *complaints)] == [False, False, False, False, True]

    # a quiet brand spiking far above its usual hour: two voices are enough
    session.execute(Mention.__table__.delete())
    session.execute(Incident.__table__.delete())
    for day in range(1, 8):
        make_mention(T0 - timedelta(days=day, minutes=20), None)
    for i in range(10):
        make_mention(T0 + timedelta(minutes=30 + i), None)
    pair = [make_mention(T0 + timedelta(minutes=m), "order_problem") for m in (45, 50)]
    [change] = _ingest(session, config, *pair)  # one batch, the same baseline at each mention
    assert (change.notify, change.trigger_mention_id) == (True, pair[1].id)


@pytest.mark.parametrize(
    ("dup_fields", "voice"),
    [
        ({"author": "bea"}, True),  # someone else typing the same words
        ({"author": "ANA"}, False),  # the same person again
        ({"author": "cal", "canonical_url": "https://news.example/a"}, False),  # the same link shared
        ({"author": None}, True),  # authors unknown, same site: another post
        ({"author": None, "other_source": True}, False),  # authors unknown, another site: a cross-post
    ],
)
def test_copied_words_from_other_people_are_voices_but_count_once(
    session: Session, config: AppConfig, make_mention: MakeMention, dup_fields: dict[str, Any], voice: bool
) -> None:
    from monitor.sources.models import Source

    original_author = "ana" if dup_fields.get("author") is not None else None
    original = make_mention(
        T0, "order_problem", author=original_author, canonical_url="https://news.example/a"
    )
    extra: dict[str, Any] = {k: v for k, v in dup_fields.items() if k != "other_source"}
    if dup_fields.get("other_source"):
        other = Source(name="elsewhere", kind="rss", next_poll_at=T0, created_at=T0)
        session.add(other)
        session.flush()
        extra["source_id"] = other.id
    copies = [
        make_mention(T0 + timedelta(minutes=1), "order_problem", duplicate_of_id=original.id, **extra),
        make_mention(T0 + timedelta(minutes=2), "order_problem", duplicate_of_id=original.id, **extra),
    ]
    changes = _each(session, config, original, *copies)
    # one person (or one unknown per copy) adds one voice each; a third voice pages an order problem
    expected_last = voice and extra.get("author") is None
    assert [c.notify for c in changes] == [False, False, expected_last]
    assert changes[-1].mention_count == 1
    third = make_mention(T0 + timedelta(minutes=3), "order_problem", author="dee")
    [c] = _ingest(session, config, third)
    if expected_last:  # paged at sev4 on copies; a second distinct story makes it worse
        assert (c.notify, c.event, c.mention_count) == (True, "incident.escalated", 2)
    else:
        assert (c.notify, c.event) == ((True, "incident.opened") if voice else (False, "incident.escalated"))


def test_a_busy_new_brand_uses_its_running_rate(
    session: Session, config: AppConfig, brand: Brand, make_mention: MakeMention
) -> None:
    brand.created_at = T0 - timedelta(hours=6)
    for i in range(120):  # 20 an hour since it was added
        make_mention(T0 - timedelta(minutes=3 * i + 1), None)
    complaints = [make_mention(T0 + timedelta(minutes=m), "order_problem") for m in (0, 2, 4, 6, 8)]
    assert [c.notify for c in _each(session, config, *complaints)] == [False, False, False, False, True]


def test_a_slow_burn_pages_by_its_sixth_report_once(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    # a defect told by one or two people a day for five days: never a burst, each its own incident
    times = [T0 + timedelta(days=d, hours=h) for d in range(5) for h in ((2,) if d % 2 else (1, 7))]
    reports = [make_mention(at, "product_defect", author=f"u{i}") for i, at in enumerate(times)]
    changes = _each(session, config, *reports)
    assert [c.notify for c in changes] == [False] * 5 + [True] + [False] * (len(reports) - 6)
    paged = changes[5]
    assert paged.event == "incident.opened" and paged.trigger_mention_id == reports[5].id
    inc = session.get(Incident, paged.incident_id)
    assert inc is not None and inc.alerted
    assert paged.reason == "6 reports in 7 days (threshold 6)"


def test_a_slow_burn_is_measured_against_the_brands_usual_weeks(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    # the brand hears about four defects a week, every week: six in a week is ordinary for it
    history = [
        make_mention(T0 - timedelta(days=28) + timedelta(days=7 * w + d), "product_defect", author=f"h{w}{d}")
        for w in range(4)
        for d in range(4)
    ]
    assert not any(c.notify for c in _each(session, config, *history))  # never more than 4 in 7 days
    session.query(Incident).update({"status": "resolved", "resolved_by": "auto", "resolved_at": T0})
    week = [make_mention(T0 + timedelta(days=d), "product_defect", author=f"w{d}") for d in range(6)]
    assert not any(c.notify for c in _each(session, config, *week))  # six: a new brand would page
    more = [make_mention(T0 + timedelta(days=6, hours=h), "product_defect", author=f"x{h}") for h in (1, 2)]
    changes = _each(session, config, *more)
    assert [c.notify for c in changes] == [False, True]  # twice its usual week: the eighth pages
    assert changes[1].reason == "8 reports in 7 days (threshold 8)"


def test_a_warning_when_alerts_are_configured_without_a_public_url(
    make_config: Callable[..., AppConfig], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MONITOR_PUBLIC_URL", raising=False)
    bare = make_config(brands=BRANDS, channels=CHANNELS)
    warning = service.public_url_warning(bare)
    assert warning is not None and "http://127.0.0.1:8000" in warning and "public_url" in warning
    assert service.public_url_warning(make_config(brands=BRANDS)) is None  # no alerts, no links
    linked = make_config(brands=BRANDS, channels=CHANNELS, api={"public_url": "https://monitor.example"})
    assert service.public_url_warning(linked) is None
