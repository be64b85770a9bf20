"""Outbox delivery against a real HTTP receiver on 127.0.0.1: retries, give-up, leases, races."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts.dispatch import OutboxDispatcher, backoff_seconds, parse_retry_after
from monitor.alerts.messages import delivery_ref
from monitor.alerts.models import AlertDelivery
from monitor.alerts.service import enqueue_incident_alert
from monitor.alerts.signing import verify_signature
from monitor.config import ChannelConfig
from monitor.db import make_engine, make_session_factory, utcnow
from tests.alerts.outbox_rows import add_delivery

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _channel(server: Any, name: str = "hook", kind: str = "webhook", **kw: Any) -> ChannelConfig:
    return ChannelConfig(name=name, kind=kind, url=f"{server.base}/{name}", **kw)


def _add(
    factory: sessionmaker[Session],
    channel: ChannelConfig,
    *,
    key: str | None = None,
    now: datetime = NOW,
    give_up_seconds: int = 900,
    payload: dict[str, Any] | None = None,
) -> int:
    key = key or f"{channel.name}:incident:1:v{time.monotonic_ns()}"
    return add_delivery(factory, channel, key=key, now=now, give_up_seconds=give_up_seconds, payload=payload)


def _get(factory: sessionmaker[Session], row_id: int) -> AlertDelivery:
    with factory() as s:
        return s.get(AlertDelivery, row_id)


def _dispatcher(factory, client, channels, **kw: Any) -> OutboxDispatcher:
    return OutboxDispatcher(factory, client, channels, **({"worker_id": "w1"} | kw))


async def test_webhook_is_signed_and_the_signature_verifies(session_factory, server, http_client) -> None:
    hook = _channel(server, secret="whsec_test")
    row_id = _add(
        session_factory, hook, key="hook:incident:9:v1", payload={"event": "incident.opened", "é": "ü"}
    )
    assert await _dispatcher(session_factory, http_client, [hook]).run_once(NOW) == 1
    [req] = server.received("/hook")
    h = {k.lower(): v for k, v in req.headers.items()}
    assert h["content-type"] == "application/json"
    assert h["x-monitor-event"] == "incident.opened"
    assert h["x-monitor-delivery"] == "hook:incident:9:v1"
    ts = h["x-monitor-timestamp"]
    assert abs(int(ts) - time.time()) < 5
    expected = hmac.new(b"whsec_test", ts.encode() + b"." + req.body, hashlib.sha256).hexdigest()
    assert h["x-monitor-signature"] == f"sha256={expected}"
    assert verify_signature("whsec_test", req.body, ts, h["x-monitor-signature"])
    assert not verify_signature("whsec_test", req.body + b" ", ts, h["x-monitor-signature"])
    assert not verify_signature("other", req.body, ts, h["x-monitor-signature"])
    assert not verify_signature("whsec_test", req.body, str(int(ts) - 3600), h["x-monitor-signature"])
    # the body's `id` is the delivery id too, for receivers that keep only the body
    assert json.loads(req.body) == {"event": "incident.opened", "é": "ü", "id": "hook:incident:9:v1"}
    row = _get(session_factory, row_id)
    assert (row.status, row.attempts, row.last_status, row.delivered_at) == ("delivered", 1, 200, NOW)
    assert row.lease_owner is None and row.lease_expires_at is None


async def test_no_signature_without_secret_and_slack_gets_plain_json(
    session_factory, server, http_client
) -> None:
    hook, slack = _channel(server), _channel(server, "slack", "slack")
    _add(session_factory, hook)
    _add(session_factory, slack, key="slack:incident:1:v1", payload={"text": "hi", "blocks": []})
    assert await _dispatcher(session_factory, http_client, [hook, slack]).run_once(NOW) == 2
    [h] = server.received("/hook")
    assert "X-Monitor-Signature" not in h.headers and h.headers["X-Monitor-Delivery"].startswith("hook:")
    [s] = server.received("/slack")
    ref = delivery_ref("slack:incident:1:v1")
    footer = f"ref {ref} · a message with the same ref is a resend of this one"
    assert json.loads(s.body) == {
        "text": "hi",
        "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": footer}]}],
    }
    assert s.headers["Content-Type"] == "application/json" and "X-Monitor-Delivery" not in s.headers


async def test_500_500_429_then_200_delivers_exactly_once_in_bounded_time(
    session_factory, session, seed, server, http_client
) -> None:
    """The done-when scenario, in real time: backoff 1 s, 2 s, then Retry-After 1 s."""
    server.script(
        "/hook",
        server.reply(500, "boom"),
        server.reply(500, "boom"),
        server.reply(429, "slow down", {"Retry-After": "1"}),
        server.reply(200, "ok"),
    )
    hook = _channel(server, secret="k")
    s = seed()
    start_at = utcnow()
    [row] = enqueue_incident_alert(
        session,
        channels=[hook],
        incident=s.incident,
        brand_name="Helzberg",
        event="incident.opened",
        mentions=s.mentions,
        public_url=None,
        give_up_seconds=60,
        now=start_at,
    )
    session.commit()
    dispatcher = _dispatcher(session_factory, http_client, [hook])
    start = time.monotonic()
    while time.monotonic() - start < 10:
        await dispatcher.run_once()
        if _get(session_factory, row.id).status != "pending":
            break
        await asyncio.sleep(0.02)
    elapsed = time.monotonic() - start
    done = _get(session_factory, row.id)
    assert (done.status, done.attempts, done.last_status, done.last_error) == ("delivered", 4, 200, None)
    got = server.received("/hook")
    assert [r.headers["X-Monitor-Delivery"] for r in got] == [row.dedupe_key] * 4  # same id on every retry
    gaps = [b.at - a.at for a, b in zip(got, got[1:], strict=False)]
    assert 0.95 <= gaps[0] <= 1.4 and 1.95 <= gaps[1] <= 2.5 and 0.95 <= gaps[2] <= 1.3, gaps
    assert 3.9 <= elapsed <= 5.5, elapsed
    print(f"\n500/500/429/200 delivered after {elapsed:.2f} s (gaps {', '.join(f'{g:.2f}' for g in gaps)})")


async def test_gives_up_after_give_up_seconds_with_reason(session_factory, server, http_client) -> None:
    server.script("/hook", *[server.reply(500, "Internal Server Error")] * 10)
    hook = _channel(server)
    row_id = _add(session_factory, hook, give_up_seconds=10)
    dispatcher = _dispatcher(session_factory, http_client, [hook])
    now = NOW
    for _ in range(10):
        assert await dispatcher.run_once(now) == 1
        row = _get(session_factory, row_id)
        if row.status != "pending":
            break
        assert await dispatcher.run_once(row.next_attempt_at - timedelta(milliseconds=1)) == 0  # not yet due
        now = row.next_attempt_at
    assert row.status == "failed" and row.attempts == 4
    # 1 + 2 + 4 s of backoff (plus up to 10 % jitter); the next wait, 8 s, would pass the 10 s limit
    assert re.fullmatch(
        r"gave up after 4 attempts over [78] s: HTTP 500: Internal Server Error", row.last_error
    )
    assert len(server.received("/hook")) == 4
    with session_factory() as s:
        [shown] = s.scalars(select(AlertDelivery).where(AlertDelivery.status == "failed")).all()
    assert shown.id == row_id and shown.last_error.startswith("gave up after 4 attempts")
    assert await dispatcher.run_once(now + timedelta(hours=1)) == 0


async def test_404_fails_at_once_with_the_reason(session_factory, server, http_client) -> None:
    server.script("/slack", server.reply(404, "no_service"))
    slack = _channel(server, "slack", "slack")
    row_id = _add(session_factory, slack)
    dispatcher = _dispatcher(session_factory, http_client, [slack])
    assert await dispatcher.run_once(NOW) == 1
    row = _get(session_factory, row_id)
    assert (row.status, row.attempts, row.last_status) == ("failed", 1, 404)
    assert row.last_error == "HTTP 404: no_service (not retried: the URL is wrong or the hook was revoked)"
    assert await dispatcher.run_once(NOW + timedelta(hours=1)) == 0
    assert len(server.received()) == 1


async def test_channel_no_longer_configured(session_factory, server, http_client) -> None:
    gone = _channel(server, "gone")
    row_id = _add(session_factory, gone)
    assert await _dispatcher(session_factory, http_client, [_channel(server)]).run_once(NOW) == 1
    row = _get(session_factory, row_id)
    assert (row.status, row.last_error) == ("failed", "channel 'gone' is no longer configured")
    assert server.received() == []


async def test_crash_between_claim_and_send_is_sent_once_after_the_lease_expires(
    session_factory, server, http_client
) -> None:
    hook = _channel(server)
    row_id = _add(session_factory, hook)
    crashed = _dispatcher(session_factory, http_client, [hook], worker_id="a", lease_seconds=30)
    assert [d.id for d in crashed.claim(NOW)] == [row_id]
    del crashed  # the worker died after committing its claim, before sending
    survivor = _dispatcher(session_factory, http_client, [hook], worker_id="b", lease_seconds=30)
    assert await survivor.run_once(NOW + timedelta(seconds=29)) == 0  # lease still held
    assert await survivor.run_once(NOW + timedelta(seconds=31)) == 1
    assert await survivor.run_once(NOW + timedelta(seconds=120)) == 0
    assert len(server.received("/hook")) == 1
    assert _get(session_factory, row_id).status == "delivered"


async def test_a_stale_claim_cannot_overwrite_the_new_owners_outcome(
    session_factory, server, http_client
) -> None:
    hook = _channel(server)
    row_id = _add(session_factory, hook)
    slow = _dispatcher(session_factory, http_client, [hook], worker_id="a", lease_seconds=30)
    [stale] = slow.claim(NOW)
    other = _dispatcher(session_factory, http_client, [hook], worker_id="b", lease_seconds=30)
    assert await other.run_once(NOW + timedelta(seconds=31)) == 1
    from monitor.alerts.dispatch import Outcome

    assert slow.record(stale, Outcome("failed", 400, "HTTP 400"), NOW + timedelta(seconds=32)) is False
    assert _get(session_factory, row_id).status == "delivered"


async def test_timeouts_and_refused_connections_retry_and_never_leak_the_url(
    session_factory, server, http_client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.script("/hook", server.reply(200, "late", delay=1.0))
    hook = _channel(server)
    dead = ChannelConfig(name="dead", kind="slack", url="http://127.0.0.1:9/services/T0/B0/SECRETTOKEN")
    slow_id, dead_id = _add(session_factory, hook), _add(session_factory, dead)
    dispatcher = _dispatcher(session_factory, http_client, [hook, dead], send_timeout=0.3)
    t0 = time.monotonic()
    assert await dispatcher.run_once(NOW) == 2
    assert time.monotonic() - t0 < 0.9
    slow, refused = _get(session_factory, slow_id), _get(session_factory, dead_id)
    assert (slow.status, slow.last_error) == ("pending", "timed out after 0.3 s")
    assert refused.status == "pending" and refused.last_error.startswith("ConnectError")
    assert 1 <= (refused.next_attempt_at - NOW).total_seconds() <= 1.1
    for row in (slow, refused):
        assert "127.0.0.1" not in row.last_error and "SECRETTOKEN" not in row.last_error
    # httpx logs every request URL at INFO; the dispatcher redacts channel URLs from those lines
    await http_client.post(f"{server.base}/hook", content=b"{}")  # a log line from httpx itself
    assert "SECRETTOKEN" not in caplog.text and server.base + "/hook" not in caplog.text
    assert "HTTP Request: POST [channel url]" in caplog.text


async def test_retry_after_http_date_overrides_backoff(session_factory, server, http_client) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    server.script("/hook", server.reply(503, "maintenance", {"Retry-After": later}))
    hook = _channel(server)
    row_id = _add(session_factory, hook)
    assert await _dispatcher(session_factory, http_client, [hook]).run_once(NOW) == 1
    row = _get(session_factory, row_id)
    assert row.status == "pending" and row.last_error == "HTTP 503: maintenance"
    assert 115 <= (row.next_attempt_at - NOW).total_seconds() <= 121


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("1", 1.0),
        ("0", 1.0),
        ("2.5", 2.5),
        ("soon", None),
        (None, None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 1.0),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


@pytest.mark.parametrize(
    ("attempts", "base"), [(1, 1), (2, 2), (3, 4), (4, 8), (9, 256), (10, 300), (30, 300)]
)
def test_backoff_doubles_with_small_jitter_and_a_cap(attempts: int, base: float) -> None:
    for _ in range(20):
        assert base <= backoff_seconds(attempts) <= base * 1.1


async def _race(url: str, server: Any, rows: int = 40, rounds: int = 2) -> None:
    """Two dispatchers on separate engines claim from the same due rows at once."""
    engines = [make_engine(url), make_engine(url)]
    try:
        a_factory, b_factory = (make_session_factory(e) for e in engines)
        hook = _channel(server)
        for i in range(rows):
            _add(a_factory, hook, key=f"hook:incident:{i}:v1")
        async with httpx.AsyncClient(trust_env=False) as c1, httpx.AsyncClient(trust_env=False) as c2:
            a = _dispatcher(a_factory, c1, [hook], worker_id="a", batch_size=7)
            b = _dispatcher(b_factory, c2, [hook], worker_id="b", batch_size=7)
            sent = {"a": 0, "b": 0}
            for _ in range(rows):
                racers = [a, b] * rounds
                got = await asyncio.gather(*[d.run_once(NOW) for d in racers])
                for d, n in zip(racers, got, strict=True):
                    sent[d.worker_id] += n
                if not any(got):
                    break
        keys = [r.headers["X-Monitor-Delivery"] for r in server.received("/hook")]
        assert sum(sent.values()) == rows and len(keys) == rows and len(set(keys)) == rows
        assert sent["a"] > 0 and sent["b"] > 0, sent  # both took part
        with a_factory() as s:
            assert set(s.scalars(select(AlertDelivery.status))) == {"delivered"}
    finally:
        for e in engines:
            e.dispose()


async def test_two_dispatchers_never_double_send_sqlite(db_url: str, server) -> None:
    await _race(db_url, server)


@pytest.mark.postgres
async def test_two_dispatchers_never_double_send_postgres(pg_url: str, server) -> None:
    await _race(pg_url, server)
