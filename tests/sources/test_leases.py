"""Claims, leases, backoff and health on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.base import ConnectorError, ErrorClass, PollState, RateLimited
from monitor.config import parse_config
from monitor.db import make_engine, make_session_factory, session_scope, upgrade
from monitor.sources import service
from monitor.sources.models import Source
from monitor.sources.queries import list_sources
from monitor.sync import sync_config
from tests.support.pg import temp_database

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
CONFIG = parse_config(
    {
        "sources": [
            {"name": f"s{i}", "kind": "rss", "url": f"https://e.org/{i}", "interval_seconds": 60}
            for i in range(5)
        ]
    }
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def factory(request, tmp_path):
    def make(url):
        upgrade(url)
        engine = make_engine(url)
        f = make_session_factory(engine)
        with session_scope(f) as s:
            sync_config(s, CONFIG, now=NOW)
        return engine, f

    if request.param == "sqlite":
        engine, f = make(f"sqlite:///{tmp_path}/m.db")
        yield f
        engine.dispose()
    else:
        with temp_database() as url:
            engine, f = make(url)
            yield f
            engine.dispose()


def claim(f, owner, now, limit=10):
    with session_scope(f) as s:
        return service.claim_due(s, owner=owner, now=now, limit=limit, lease_seconds=30)


def test_a_claimed_source_is_not_claimed_again(factory):
    first = claim(factory, "a", NOW, limit=3)
    second = claim(factory, "b", NOW)
    assert len(first) == 3 and len(second) == 2
    assert not {c.id for c in first} & {c.id for c in second}
    assert claim(factory, "c", NOW) == []


def test_a_crashed_workers_lease_expires(factory):
    [c] = claim(factory, "dead", NOW, limit=1)
    assert all(x.id != c.id for x in claim(factory, "b", NOW + timedelta(seconds=10)))
    # next check was scheduled at claim time (+60 s); the lease ran out at +30 s
    later = claim(factory, "b", NOW + timedelta(seconds=61))
    assert c.id in {x.id for x in later}


def test_failure_backs_off_and_success_resets(factory):
    [c] = claim(factory, "w", NOW, limit=1)
    err = ConnectorError(ErrorClass.SERVER, "HTTP 503 from e.org", status=503)
    with session_scope(factory) as s:
        src, _ = service.record_failure(s, c.id, owner="w", now=NOW, error=err, max_backoff=3600)
        assert (src.state, src.consecutive_errors, src.lease_owner) == ("degraded", 1, None)
        first_delay = (src.next_poll_at - NOW).total_seconds()
    delays = [first_delay]
    for _ in range(2, 6):
        with session_scope(factory) as s:
            src, _ = service.record_failure(s, c.id, owner="w", now=NOW, error=err, max_backoff=3600)
            delays.append((src.next_poll_at - NOW).total_seconds())
            state = src.state
    assert state == "failing"
    assert delays[0] == 60 and delays[-1] > delays[1] > 60
    with session_scope(factory) as s:
        src, was = service.record_success(
            s, c.id, owner="w", now=NOW, state=PollState("cur", '"e"', None), fetched=2, new=1
        )
        assert (was, src.state, src.consecutive_errors, src.cursor, src.last_error) == (
            "failing",
            "ok",
            0,
            "cur",
            None,
        )


def test_retry_after_is_honoured_and_backoff_is_capped():
    assert service.backoff_seconds(60, 1, cap=3600, retry_after=900) == 900
    assert service.backoff_seconds(60, 30, cap=3600) <= 3600
    assert service.backoff_seconds(60, 30, cap=3600) >= 3600 * 0.8


@pytest.mark.parametrize(
    ("error_class", "n", "state"),
    [
        (ErrorClass.AUTH, 1, "auth_failed"),
        (ErrorClass.GONE, 1, "gone"),
        (ErrorClass.PARSE, 1, "failing"),
        (ErrorClass.TOO_LARGE, 1, "failing"),
        (ErrorClass.TIMEOUT, 1, "degraded"),
        (ErrorClass.TIMEOUT, 3, "failing"),
        (ErrorClass.RATE_LIMITED, 2, "rate_limited"),
        (ErrorClass.RATE_LIMITED, 3, "failing"),
    ],
)
def test_health_state(error_class, n, state):
    assert service.health_state(error_class, n) == state


def test_interval_adapts_to_the_sources_own_activity(tmp_path):
    url = f"sqlite:///{tmp_path}/a.db"
    upgrade(url)
    engine = make_engine(url)
    f = make_session_factory(engine)
    cfg = parse_config(
        {
            "sources": [
                {
                    "name": "busy",
                    "kind": "rss",
                    "url": "https://e.org/b",
                    "interval_seconds": 300,
                    "min_interval_seconds": 60,
                    "max_interval_seconds": 3600,
                }
            ]
        }
    )
    with session_scope(f) as s:
        sync_config(s, cfg, now=NOW)
    intervals = []
    for new in (5, 5, 5) + (0,) * 11:
        [c] = claim(f, "w", NOW + timedelta(days=len(intervals)), limit=1)
        with session_scope(f) as s:
            src, _ = service.record_success(
                s, c.id, owner="w", now=NOW, state=PollState(), fetched=new, new=new
            )
            intervals.append(src.current_interval_seconds)
    engine.dispose()
    assert intervals[:3] == [150, 75, 60]  # a busy source is polled faster, down to its floor
    assert intervals[-1] == 3600 and intervals == sorted(intervals[:3], reverse=True) + sorted(intervals[3:])


def test_an_unbounded_retry_after_is_capped_and_shown(factory):
    [c] = claim(factory, "w", NOW, limit=1)
    err = RateLimited("HTTP 429 (rate limited) from e.org, retry after 999999999 s", retry_after=999999999)
    with session_scope(factory) as s:
        src, _ = service.record_failure(s, c.id, owner="w", now=NOW, error=err, max_backoff=3600)
        assert src.state == "rate_limited"
        assert src.next_poll_at == NOW + timedelta(seconds=service.MAX_WAIT_SECONDS)
        assert "next try at 2026-11-20 15:00:00 UTC" in src.last_error
        assert "capped at 6 h" in src.last_error
    with session_scope(factory) as s:
        [row] = [r for r in list_sources(s) if r.name == c.name]
        assert (row.state, row.next_poll_at) == ("rate_limited", NOW + timedelta(hours=6))
        assert "asked to wait 999999999 s" in row.last_error


def test_rate_limit_headers_on_success_are_capped_too(factory):
    [c] = claim(factory, "w", NOW, limit=1)
    with session_scope(factory) as s:
        src, _ = service.record_success(
            s, c.id, owner="w", now=NOW, state=PollState(), fetched=0, new=0, pause_seconds=1e9
        )
        assert src.next_poll_at == NOW + timedelta(seconds=service.MAX_WAIT_SECONDS)


def _lease(f, source_id):
    with session_scope(f) as s:
        src = s.get(Source, source_id)
        return src.lease_owner, src.lease_expires_at, src.next_poll_at


def test_renewal_extends_only_the_owners_leases(factory):
    [a] = claim(factory, "w1#a", NOW, limit=1)
    [b] = claim(factory, "w2#b", NOW, limit=1)
    later = NOW + timedelta(seconds=20)
    with session_scope(factory) as s:
        n = service.renew_leases(s, owner="w1#a", ids=[a.id, b.id], now=later, lease_seconds=30)
    assert n == 1
    assert _lease(factory, a.id)[1] == later + timedelta(seconds=30)
    assert _lease(factory, b.id)[1] == NOW + timedelta(seconds=30)
    # renewed: at +40 s the source is still held, though its first lease ran out at +30 s
    with session_scope(factory) as s:
        names = [a.name]
        assert (
            service.claim_due(
                s, owner="w3#c", now=NOW + timedelta(seconds=40), limit=5, lease_seconds=30, names=names
            )
            == []
        )


def test_a_restarted_worker_takes_back_its_own_leases_at_once(factory):
    mine = claim(factory, "host:1#dead", NOW, limit=2)
    [other] = claim(factory, "host:2#live", NOW, limit=1)
    [lookalike] = claim(factory, "host:10#x", NOW, limit=1)
    restart = NOW + timedelta(seconds=5)
    with session_scope(factory) as s:
        n = service.release_stale_leases(s, worker_id="host:1", owner="host:1#new", now=restart)
    assert n == 2
    for c in mine:
        assert _lease(factory, c.id) == (None, None, restart)  # free and due now, not in a lease or interval
    assert _lease(factory, other.id)[0] == "host:2#live"
    assert _lease(factory, lookalike.id)[0] == "host:10#x"
    assert {c.id for c in mine} <= {c.id for c in claim(factory, "host:1#new", restart)}


def test_release_on_shutdown_frees_only_this_owner(factory):
    held = claim(factory, "w#1", NOW, limit=2)
    [other] = claim(factory, "w#2", NOW, limit=1)
    with session_scope(factory) as s:
        assert service.release_leases(s, owner="w#1", now=NOW) == 2
    assert all(_lease(factory, c.id) == (None, None, NOW) for c in held)
    assert _lease(factory, other.id)[0] == "w#2"
