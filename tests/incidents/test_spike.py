"""Volume spikes: detection against the brand's own hours, what a spike takes, pages and says."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.alerts.messages import slack_message
from monitor.alerts.models import AlertDelivery
from monitor.alerts.views import IncidentView
from monitor.brands.models import Brand
from monitor.config import AppConfig
from monitor.incidents import service
from monitor.incidents.models import Incident
from monitor.incidents.phrases import brand_words, top_phrases, words
from monitor.incidents.schemas import IncidentFilters
from monitor.incidents.spike import Rate, spike_reason, spike_severity, threshold
from monitor.mentions.models import Mention
from monitor.scoring.taxonomy import SPIKE_CATEGORY
from monitor.web.checklists import GENERAL, checklist
from tests.incidents.conftest import T0, MakeMention
from tests.incidents.test_batch import _statements

CHANNELS = [{"name": "care-slack", "kind": "slack", "url": "https://hooks.slack.example/T1/B2/x"}]
BRANDS = [{"name": "Kessler Jewelers", "query": "kessler"}]
SURGE = [
    "everyone is talking about the Kessler gold hoop giveaway",
    "is the kessler gold hoop giveaway real or a scam page",
    "saw the Kessler gold hoop giveaway on my feed twice today",
    "entered the kessler gold hoop giveaway, fingers crossed",
]


@pytest.fixture
def config(make_config: Callable[..., AppConfig]) -> AppConfig:
    return make_config(brands=BRANDS, channels=CHANNELS)


def _posts(make_mention: MakeMention, n: int, *, end: datetime, span: timedelta, **kw: Any) -> list[Mention]:
    """n unflagged posts evenly over `span` ending at `end`."""
    step = span / max(n - 1, 1)
    return [
        make_mention(end - span + i * step, category=None, text=SURGE[i % len(SURGE)], **kw) for i in range(n)
    ]


def _ingest(session: Session, config: AppConfig, rows: list[Mention], now: datetime) -> list[Any]:
    flagged = [m for m in rows if m.is_incident and m.category]
    return service.ingest(session, flagged, config=config, now=now, stored=rows)


def _spikes(session: Session) -> list[Incident]:
    return list(session.scalars(select(Incident).where(Incident.category == SPIKE_CATEGORY)))


def _deliveries(session: Session) -> list[AlertDelivery]:
    return list(session.scalars(select(AlertDelivery).order_by(AlertDelivery.id)))


# --- pure parts -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "need"),
    [
        (Rate(last_hour=0, recent_per_hour=0.0, same_hour=0.0), 12),  # quiet brand: the minimum
        (Rate(last_hour=0, recent_per_hour=3.0, same_hour=1.0), 12),  # 4 x 3 is the minimum
        (Rate(last_hour=0, recent_per_hour=5.0, same_hour=1.0), 20),  # a busy day: the hours before
        (Rate(last_hour=0, recent_per_hour=1.3, same_hour=14.0), 56),  # the evening rush: the same hour
        (Rate(last_hour=0, recent_per_hour=3.1, same_hour=0.0), 13),  # "at least 4x", rounded up
    ],
)
def test_the_threshold_is_the_larger_usual_hour_times_the_ratio(rate: Rate, need: int) -> None:
    assert threshold(rate, min_mentions=12, ratio=4.0) == need


@pytest.mark.parametrize(("last_hour", "severity"), [(12, 3), (35, 3), (36, 2), (119, 2), (120, 1)])
def test_a_spike_escalates_only_when_it_grows_a_lot(last_hour: int, severity: int) -> None:
    assert spike_severity(last_hour, 12) == severity


def test_words_keep_prices_and_apostrophes_and_drop_links() -> None:
    assert words("Why is it $0.00?? DON'T buy https://x.example/a?b=1 now") == [
        "why",
        "is",
        "it",
        "$0.00",
        "don't",
        "buy",
        "now",
    ]


def test_the_repeated_phrase_wins_over_its_parts_and_the_brand_is_left_out() -> None:
    exclude = brand_words("Kessler Jewelers", '"kessler" OR kesslers', ["@KesslerJewelers"])
    assert exclude == {"kessler", "jewelers", "kesslers", "kesslerjewelers"}
    texts = [*SURGE, "Kessler Jewelers: no gold hoop giveaway is running, it is a scam page"]
    phrases = top_phrases(texts, exclude=exclude)
    # "gold hoop giveaway" in all five beats "gold", "hoop giveaway" ...; the brand never shows up
    assert phrases[0] == ("gold hoop giveaway", 5)
    assert ("scam page", 2) in phrases
    assert not any(w in exclude for p, _ in phrases for w in p.split())


def test_phrases_count_posts_not_repeats_and_need_two_posts() -> None:
    texts = ["refund refund refund refund", "refund please", "one-off words here"]
    assert top_phrases(texts) == [("refund", 2)]
    assert top_phrases(["only once said"]) == []


def test_stop_words_never_start_or_end_a_phrase() -> None:
    texts = ["it tastes like soap", "tastes like soap to me", "my latte tastes like soap"]
    assert top_phrases(texts, limit=1) == [("tastes like soap", 3)]


def test_a_phrase_mostly_made_of_a_chosen_one_is_not_quoted_again() -> None:
    texts = [
        "pumpkin cold brew",
        "pumpkin cold brew",
        "pumpkin cold brew trend",
        "cold brew trend",
        "a video",
    ]
    texts += ["the video"]
    # "cold brew trend" (2 posts) repeats two of the three words already quoted
    assert top_phrases(texts) == [("pumpkin cold brew", 3), ("video", 2)]


def test_the_reason_names_numbers_and_phrases() -> None:
    rate = Rate(last_hour=40, recent_per_hour=0.0, same_hour=0.0)
    assert spike_reason(rate, 12, [("gold hoop giveaway", 31)]) == (
        "40 mentions in the last hour, usually almost none (threshold 12); "
        "most repeated: “gold hoop giveaway” (31 posts)"
    )


def test_the_slack_message_of_a_spike_says_what_is_happening() -> None:
    view = IncidentView(
        id=7,
        brand="Kessler Jewelers",
        category=SPIKE_CATEGORY,
        severity=3,
        status="open",
        mention_count=40,
        reach=0,
        first_seen_at=T0,
        last_seen_at=T0,
    )
    why = "40 mentions in the last hour (threshold 12); most repeated: “gold hoop giveaway” (31 posts)"
    msg = slack_message(event="incident.opened", incident=view, mentions=[], incident_url=None, why=why)
    assert msg["blocks"][0]["text"]["text"].startswith(":large_yellow_circle: SEV3 Volume spike at Kessler")
    texts = [b["text"]["text"] for b in msg["blocks"] if b["type"] == "section" and "text" in b]
    assert any(t.startswith("*What is happening*") and "“gold hoop giveaway”" in t for t in texts), texts


# --- detection in the database (SQLite and PostgreSQL) ----------------------------------------------


def _quiet_week(make_mention: MakeMention, end: datetime) -> None:
    """One ordinary post a day at this hour for a week: a quiet brand."""
    for d in range(1, 8):
        make_mention(end - timedelta(days=d, minutes=20), category=None, text="kessler bracelet, lovely")


def test_a_surge_of_unflagged_posts_after_a_quiet_week_opens_one_spike_that_pages(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    now = T0 + timedelta(days=1)
    _quiet_week(make_mention, now)
    flagged = make_mention(now - timedelta(minutes=30), text="kessler charged me twice")
    surge = _posts(make_mention, 12, end=now, span=timedelta(minutes=20))
    changes = _ingest(session, config, [flagged, *surge], now)

    spikes = [c for c in changes if c.category == SPIKE_CATEGORY]
    assert [(c.event, c.notify, c.severity, c.mention_count) for c in spikes] == [
        ("incident.opened", True, 3, 12)
    ]
    assert spikes[0].trigger_mention_id == surge[-1].id
    assert "“gold hoop giveaway” (12 posts)" in spikes[0].reason
    [inc] = _spikes(session)
    session.expire_all()
    # it takes the surge, not the post another incident holds, nor last week's
    assert {m.incident_id for m in surge} == {inc.id}
    assert flagged.incident_id not in (None, inc.id)
    assert (inc.first_seen_at, inc.last_seen_at) == (surge[0].published_at, surge[-1].published_at)
    [delivery] = [d for d in _deliveries(session) if d.incident_id == inc.id]
    body = str(delivery.payload)
    assert "What is happening" in body and "gold hoop giveaway" in body


def test_eleven_posts_are_below_the_minimum(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    now = T0 + timedelta(days=1)
    _quiet_week(make_mention, now)
    assert _ingest(session, config, _posts(make_mention, 11, end=now, span=timedelta(minutes=20)), now) == []
    assert _spikes(session) == []


def test_a_brand_watched_for_less_than_a_day_has_no_spikes(
    session: Session, config: AppConfig, make_mention: MakeMention, brand: Brand
) -> None:
    now = T0 + timedelta(days=1)
    brand.created_at = now - timedelta(hours=20)
    assert _ingest(session, config, _posts(make_mention, 30, end=now, span=timedelta(minutes=20)), now) == []


def test_the_usual_evening_rush_is_not_a_spike(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    now = T0 + timedelta(days=1)
    for d in range(1, 8):  # 20 posts in this hour every day
        _posts(make_mention, 20, end=now - timedelta(days=d), span=timedelta(minutes=50))
    assert _ingest(session, config, _posts(make_mention, 30, end=now, span=timedelta(minutes=50)), now) == []


def test_a_day_already_busy_is_not_a_spike(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    now = T0 + timedelta(days=1)
    _quiet_week(make_mention, now)
    _posts(make_mention, 96, end=now - timedelta(hours=1, minutes=1), span=timedelta(hours=11))  # 8 an hour
    assert _ingest(session, config, _posts(make_mention, 30, end=now, span=timedelta(minutes=50)), now) == []


def test_spikes_can_be_turned_off(
    session: Session, make_config: Callable[..., AppConfig], make_mention: MakeMention
) -> None:
    config = make_config(brands=BRANDS, channels=CHANNELS, alerts={"spikes": False})
    now = T0 + timedelta(days=1)
    _quiet_week(make_mention, now)
    assert _ingest(session, config, _posts(make_mention, 40, end=now, span=timedelta(minutes=20)), now) == []


def test_a_growing_spike_pages_once_escalates_once_and_stops_taking_when_back_to_normal(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    start = T0 + timedelta(days=1)
    _quiet_week(make_mention, start + timedelta(minutes=20))
    events = []
    for i in range(40):  # one post every 30 seconds, one poll each
        at = start + timedelta(seconds=30 * i)
        [c] = _ingest(session, config, [make_mention(at, category=None, text=SURGE[i % 4])], at) or [None]
        if c is not None and c.notify:
            events.append((i + 1, c.event, c.severity))
    assert events == [(12, "incident.opened", 3), (36, "incident.escalated", 2)]
    [inc] = _spikes(session)
    assert (inc.mention_count, inc.messages_sent) == (40, 2)

    # two hours later one ordinary post: the rate is back to normal, the spike takes nothing
    later = start + timedelta(hours=2)
    stray = make_mention(later, category=None, text="kessler bracelet, lovely")
    assert _ingest(session, config, [stray], later) == []
    session.expire_all()
    assert stray.incident_id is None and inc.mention_count == 40
    # and it resolves like any incident gone quiet
    quiet = inc.last_seen_at + timedelta(minutes=config.alerts.resolve_after_minutes + 1)
    [resolved] = service.auto_resolve(session, config=config, now=quiet)
    assert (resolved.incident_id, resolved.event) == (inc.id, "incident.resolved")
    # the brand is still mentioned: the notice says the surge is over, not that nobody talks
    notice = _deliveries(session)[-1]
    assert notice.event == "incident.resolved" and "back to the usual rate for 4 hours" in str(notice.payload)


def test_a_spike_resolved_by_hand_is_not_reopened_by_the_same_surge_only_by_a_much_bigger_one(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    now = T0 + timedelta(days=1)
    _quiet_week(make_mention, now)
    [opened] = _ingest(session, config, _posts(make_mention, 12, end=now, span=timedelta(minutes=20)), now)
    service.resolve(
        session,
        incident_id=opened.incident_id,
        by="dana",
        note="a giveaway post, nothing wrong",
        now=now,
        channels=[],
        policy=config.alerts,
        public_url=None,
    )
    # the surge goes on at the same size: the team has closed it
    later = now + timedelta(minutes=5)
    assert (
        _ingest(session, config, _posts(make_mention, 6, end=later, span=timedelta(minutes=4)), later) == []
    )
    # it triples: that is news again, as a new spike
    later += timedelta(minutes=10)
    [grown] = _ingest(session, config, _posts(make_mention, 20, end=later, span=timedelta(minutes=9)), later)
    assert (grown.event, grown.notify, grown.severity) == ("incident.opened", True, 2)
    assert grown.incident_id != opened.incident_id


def test_checking_a_batch_costs_three_statements_however_many_brands_and_posts(
    session: Session, config: AppConfig, make_mention: MakeMention
) -> None:
    now = T0 + timedelta(days=1)
    brands = [
        Brand(name=f"Brand {i}", query=f"brand{i}", created_at=T0 - timedelta(days=30)) for i in range(5)
    ]
    session.add_all(brands)
    session.flush()
    rows = [
        make_mention(now - timedelta(minutes=i), category=None, brand_id=b.id)
        for b in brands
        for i in range(8)
    ]
    session.flush()
    with _statements(session) as seen:
        assert _ingest(session, config, rows, now) == []
    assert len(seen) == 3, seen


def test_the_incident_list_filters_on_spikes_and_still_refuses_unknown_categories() -> None:
    assert IncidentFilters(category=SPIKE_CATEGORY).category == SPIKE_CATEGORY
    with pytest.raises(ValueError, match="unknown category 'volume'.*volume_spike"):
        IncidentFilters(category="volume")


def test_the_incident_page_checklist_of_a_spike_starts_with_finding_out_what_it_is() -> None:
    steps = checklist(SPIKE_CATEGORY)
    assert steps != GENERAL and "repeated phrases" in steps[0]
