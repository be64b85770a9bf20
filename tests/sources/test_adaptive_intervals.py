"""Adaptive polling: default bounds per kind, and the publisher's hint within [min, max]."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.base import PollState
from monitor.config import ConfigError, SourceConfig, parse_config
from monitor.sources import service
from monitor.sources.models import Source

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request):
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


def bounds(**fields) -> tuple[int, int]:
    return SourceConfig(name="s", **fields).interval_bounds()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"kind": "rss"}, (150, 1200)),  # only the default interval: adaptive, 2x faster to 4x slower
        ({"kind": "rss", "interval_seconds": 900}, (450, 3600)),
        ({"kind": "reddit", "interval_seconds": 120}, (60, 480)),
        # quota-billed APIs never go faster than asked: each call spends the day's quota
        ({"kind": "x", "interval_seconds": 900}, (900, 3600)),
        ({"kind": "youtube", "interval_seconds": 1800}, (1800, 7200)),
        ({"kind": "stackexchange", "interval_seconds": 900}, (900, 3600)),
        ({"kind": "rss", "interval_seconds": 40000}, (20000, 86400)),  # a derived max stops at a day
        ({"kind": "rss", "interval_seconds": 100000}, (50000, 100000)),  # ...never below the interval
        ({"kind": "rss", "adaptive": False}, (300, 300)),
        ({"kind": "rss", "min_interval_seconds": 300, "max_interval_seconds": 300}, (300, 300)),
        ({"kind": "rss", "min_interval_seconds": 60}, (60, 1200)),  # one bound given, the other derived
        ({"kind": "rss", "max_interval_seconds": 172800}, (150, 172800)),  # an explicit max may pass a day
        ({"kind": "demo", "interval_seconds": 1}, (1, 4)),
    ],
)
def test_bounds_are_derived_per_kind_unless_given(fields, expected):
    assert bounds(**fields) == expected


def test_adaptive_false_with_bounds_is_a_config_error_naming_the_source():
    with pytest.raises(ConfigError, match=r"sources\[0\].*adaptive = false"):
        parse_config(
            {
                "sources": [
                    {"name": "f", "kind": "rss", "url": "https://e.org/f", "adaptive": False}
                    | {"min_interval_seconds": 60}
                ]
            }
        )
    # an interval outside explicit bounds is still refused (existing configs keep their meaning)
    with pytest.raises(ConfigError, match="must lie between"):
        parse_config(
            {
                "sources": [
                    {"name": "f", "kind": "rss", "url": "https://e.org/f"} | {"min_interval_seconds": 600}
                ]
            }
        )


def source(current: int, lo: int, hi: int) -> Source:
    return Source(current_interval_seconds=current, min_interval_seconds=lo, max_interval_seconds=hi)


@pytest.mark.parametrize(
    ("current", "entries", "hint", "expected"),
    [
        (300, 0, None, 450),  # quiet: 1.5x
        (300, 3, None, 150),  # busy: halved
        (300, 3, 600, 600),  # busy, but the publisher asks for 10 min: honoured
        (300, 0, 3000, 1200),  # a hint past max slows polling only to max
        (300, 3, 30, 150),  # a hint shorter than our own interval never speeds polling up
        (160, 3, 10, 150),  # ...nor pushes it below min
        (300, 0, 0, 450),  # a zero hint is no hint
        (1200, 0, 500, 1200),  # already at max
    ],
)
def test_the_next_interval_honours_the_hint_within_min_and_max(current, entries, hint, expected):
    assert service._adapt_interval(source(current, 150, 1200), entries, hint=hint) == expected


def seed(session, **fields) -> int:
    row = Source(name="feed", kind="rss", config={}, next_poll_at=NOW, state="ok", **fields)
    session.add(row)
    session.commit()
    return row.id


def succeed(session, source_id, **kwargs):
    src, _ = service.record_success(
        session, source_id, owner="w", now=NOW, state=PollState(), fetched=1, new=0, **kwargs
    )
    session.commit()
    return src


def test_record_success_schedules_by_the_hint_on_both_backends(session):
    source_id = seed(
        session, current_interval_seconds=300, min_interval_seconds=150, max_interval_seconds=1200
    )
    src = succeed(session, source_id, min_interval_hint=900.0)  # Cache-Control: max-age=900, say
    assert (src.current_interval_seconds, src.next_poll_at) == (900, NOW + timedelta(seconds=900))
    src = succeed(session, source_id, min_interval_hint=7200.0)  # <ttl>120</ttl>: capped at max
    assert (src.current_interval_seconds, src.next_poll_at) == (1200, NOW + timedelta(seconds=1200))


def test_a_rate_limit_pause_and_a_backlog_still_win_over_the_hint(session):
    source_id = seed(
        session, current_interval_seconds=300, min_interval_seconds=150, max_interval_seconds=1200
    )
    src = succeed(session, source_id, min_interval_hint=600.0, pause_seconds=5000.0)
    assert src.next_poll_at == NOW + timedelta(seconds=5000)  # past max: the rate limit says so
    src = succeed(session, source_id, min_interval_hint=600.0, backlog=True)
    assert src.next_poll_at == NOW  # items already fetched are waiting: our own work, due at once


def test_a_busy_feed_is_read_faster_even_without_brand_mentions(session):
    # a forum feed with 20 new posts and none about the brand: its window still turns over
    source_id = seed(
        session, current_interval_seconds=300, min_interval_seconds=150, max_interval_seconds=1200
    )
    src, _ = service.record_success(
        session, source_id, owner="w", now=NOW, state=PollState(), fetched=20, new=0
    )
    assert src.current_interval_seconds == 150
    src = succeed(session, source_id)  # fetched=1, new=0: still entries
    assert src.current_interval_seconds == 150
    src, _ = service.record_success(
        session, source_id, owner="w", now=NOW, state=PollState(), fetched=0, new=0
    )
    assert src.current_interval_seconds == 225  # nothing at all: slower


def test_a_fixed_interval_ignores_hints(session):
    source_id = seed(
        session, current_interval_seconds=300, min_interval_seconds=300, max_interval_seconds=300
    )
    src = succeed(session, source_id, min_interval_hint=3600.0)
    assert (src.current_interval_seconds, src.next_poll_at) == (300, NOW + timedelta(seconds=300))


def test_sync_stores_the_derived_bounds(session):
    from monitor.sync import sync_config

    config = parse_config(
        {
            "sources": [
                {"name": "feed", "kind": "rss", "url": "https://e.org/f"},
                {"name": "fixed", "kind": "rss", "url": "https://e.org/x", "adaptive": False},
                {
                    "name": "tweets",
                    "kind": "x",
                    "query": "acme",
                    "bearer_token": "t",
                    "interval_seconds": 900,
                },
            ]
        }
    )
    sync_config(session, config, now=NOW)
    session.commit()
    rows = {s.name: s for s in session.query(Source)}
    got = {
        n: (r.min_interval_seconds, r.current_interval_seconds, r.max_interval_seconds)
        for n, r in rows.items()
    }
    assert got == {"feed": (150, 300, 1200), "fixed": (300, 300, 300), "tweets": (900, 900, 3600)}
