"""A crash between a receiver's 2xx and the outbox update: how much is resent, and how it looks.

The worker "dies" the moment its first 2xx comes back: from then on nothing is sent or recorded
(the injected `Killed` stands for SIGKILL). A second worker takes over after the lease expires.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts.dispatch import ClaimedDelivery, OutboxDispatcher, Outcome
from monitor.alerts.messages import delivery_ref
from monitor.alerts.models import AlertDelivery
from monitor.config import ChannelConfig
from tests.alerts.outbox_rows import add_delivery
from tests.support.servers import Reply, ScriptedServer

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ROWS_PER_CHANNEL = 6


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    """Overrides the shared fixture: the crash window on both backends."""
    return request.getfixturevalue("pg_url") if request.param == "postgres" else sqlite_url


class Killed(BaseException):
    """The process is gone: nothing after this point happens."""


def _add_rows(factory: sessionmaker[Session], channel: ChannelConfig, n: int) -> None:
    for i in range(n):
        payload = (
            {"text": f"alert {i}", "blocks": []}
            if channel.kind == "slack"
            else {"event": "incident.opened", "n": i}
        )
        # a millisecond apart, in queue order, all due at NOW
        due = NOW - timedelta(milliseconds=n - i)
        add_delivery(factory, channel, key=f"{channel.name}:incident:{i}:v1", now=due, payload=payload)


def _die_at_first_2xx(dispatcher: OutboxDispatcher) -> None:
    """From the first delivered outcome on, the process is dead: no record, no new send."""
    dead = False
    send, record = dispatcher.send, dispatcher.record

    async def guarded_send(delivery: ClaimedDelivery) -> Outcome:
        if dead:
            raise Killed
        return await send(delivery)

    def guarded_record(delivery: ClaimedDelivery, outcome: Outcome, now: datetime) -> bool:
        nonlocal dead
        if dead or outcome.result == "delivered":
            dead = True
            raise Killed
        return record(delivery, outcome, now)

    dispatcher.send = guarded_send  # type: ignore[method-assign]
    dispatcher.record = guarded_record  # type: ignore[method-assign]


def _identity(kind: str, headers: dict[str, str], body: bytes) -> str:
    """What a receiver dedupes on: the webhook delivery id, or the Slack message's ref line."""
    message = json.loads(body)
    if kind == "webhook":
        assert message["id"] == headers["x-monitor-delivery"]
        return headers["x-monitor-delivery"]
    [footer] = [b for b in message["blocks"] if b["type"] == "context"]
    return footer["elements"][0]["text"].split()[1]


async def test_a_crash_after_a_2xx_resends_at_most_one_message_per_channel_with_the_same_identity(
    session_factory: sessionmaker[Session],
) -> None:
    with ScriptedServer() as receiver:
        # a little latency, as on the internet: sends of one batch would overlap if run in parallel
        receiver.routes["/slack"] = Reply(200, "ok", hang=0.05)
        receiver.routes["/hook"] = Reply(200, "ok", hang=0.05)
        slack = ChannelConfig(name="slack", kind="slack", url=f"{receiver.url}/slack")
        hook = ChannelConfig(name="hook", kind="webhook", url=f"{receiver.url}/hook")
        for channel in (slack, hook):
            _add_rows(session_factory, channel, ROWS_PER_CHANNEL)
        async with httpx.AsyncClient(trust_env=False) as client:
            crashed = OutboxDispatcher(
                session_factory, client, [slack, hook], worker_id="a", lease_seconds=30
            )
            _die_at_first_2xx(crashed)
            await crashed.run_once(NOW)
            before = {p: len(receiver.hits(f"/{p}")) for p in ("slack", "hook")}
            survivor = OutboxDispatcher(
                session_factory, client, [slack, hook], worker_id="b", lease_seconds=30
            )
            assert await survivor.run_once(NOW + timedelta(seconds=10)) == 0  # leases still held
            while await survivor.run_once(NOW + timedelta(seconds=31)):
                pass

    with session_factory() as s:
        assert set(s.scalars(select(AlertDelivery.status))) == {"delivered"}
    for channel in (slack, hook):
        hits = receiver.hits(f"/{channel.name}")
        seen = Counter(_identity(channel.kind, h.headers, h.body) for h in hits)
        assert len(seen) == ROWS_PER_CHANNEL
        resent = [ident for ident, n in seen.items() if n > 1]
        # only the message whose 2xx was in the crash window comes again, once
        assert len(resent) <= 1 and len(hits) == ROWS_PER_CHANNEL + len(resent), (channel.name, seen)
        # ... and the crash happened after some send on this channel, or not at all
        assert before[channel.name] <= 1, before
        for ident in resent:
            bodies = {h.body for h in hits if _identity(channel.kind, h.headers, h.body) == ident}
            assert len(bodies) == 1, "a resend carries the same bytes as the first attempt"
    slack_refs = {_identity("slack", h.headers, h.body) for h in receiver.hits("/slack")}
    assert slack_refs == {delivery_ref(f"slack:incident:{i}:v1") for i in range(ROWS_PER_CHANNEL)}
    assert sum(before.values()) >= 1  # the crash did come after a 2xx


async def test_a_2xx_is_recorded_at_once_even_while_the_default_thread_pool_is_busy(
    session_factory: sessionmaker[Session],
) -> None:
    """Polls keep the shared thread pool busy; the outcome of a send must not queue behind them."""
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=1)
    loop.set_default_executor(pool)

    def answer(_req: Any) -> Reply:
        # a poll takes the shared pool for 1.5 s just as the receiver accepts the message
        loop.call_soon_threadsafe(lambda: loop.run_in_executor(None, time.sleep, 1.5))
        time.sleep(0.1)
        return Reply(200, "ok")

    with ScriptedServer() as receiver:
        receiver.routes["/hook"] = answer
        hook = ChannelConfig(name="hook", kind="webhook", url=f"{receiver.url}/hook")
        _add_rows(session_factory, hook, 1)
        async with httpx.AsyncClient(trust_env=False) as client:
            dispatcher = OutboxDispatcher(session_factory, client, [hook], worker_id="a")
            t0 = time.monotonic()
            assert await dispatcher.run_once(NOW) == 1
            took = time.monotonic() - t0
    with session_factory() as s:
        assert list(s.scalars(select(AlertDelivery.status))) == ["delivered"]
    assert took < 0.9, f"recording waited {took:.2f} s behind other work"
