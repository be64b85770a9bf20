"""One channel's hanging endpoint must not hold up another's messages (two real loopback receivers)."""

from __future__ import annotations

import asyncio
import time

import httpx
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts.dispatch import OutboxDispatcher
from monitor.alerts.models import AlertDelivery
from monitor.config import ChannelConfig, parse_config
from monitor.db import utcnow
from monitor.worker import Worker
from tests.alerts.outbox_rows import add_delivery
from tests.support.servers import Reply, ScriptedServer

SEND_TIMEOUT = 2.0


def _add(factory: sessionmaker[Session], channel: ChannelConfig, key: str) -> int:
    return add_delivery(factory, channel, key=key, now=utcnow(), payload={"text": key, "blocks": []})


def _row(factory: sessionmaker[Session], row_id: int) -> AlertDelivery:
    with factory() as s:
        return s.get(AlertDelivery, row_id)


async def _wait_for(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.01)


async def test_a_hanging_endpoint_does_not_hold_up_another_channel_and_is_retried_later(
    session_factory: sessionmaker[Session],
) -> None:
    with ScriptedServer() as stuck, ScriptedServer() as healthy:
        # the first attempt hangs past the send timeout, the retry is answered
        stuck.routes["/hook"] = [Reply(200, "late", hang=SEND_TIMEOUT * 2.5), Reply(200, "ok")]
        healthy.routes["/hook"] = Reply(200, "ok")
        slow = ChannelConfig(name="slow", kind="webhook", url=f"{stuck.url}/hook")
        fast = ChannelConfig(name="fast", kind="slack", url=f"{healthy.url}/hook")
        slow_id = _add(session_factory, slow, "slow:incident:1:v1")  # queued first
        first_id = _add(session_factory, fast, "fast:incident:1:v1")
        stop = asyncio.Event()
        async with httpx.AsyncClient(trust_env=False) as client:
            dispatcher = OutboxDispatcher(
                session_factory, client, [slow, fast], worker_id="w", send_timeout=SEND_TIMEOUT
            )
            t0 = time.monotonic()
            runner = asyncio.create_task(dispatcher.run_forever(tick_seconds=0.05, stop=stop))
            try:
                await _wait_for(lambda: healthy.hits("/hook"), timeout=1.0)
                assert healthy.hits("/hook")[0].at - t0 < 1.0
                await _wait_for(lambda: stuck.hits("/hook"), timeout=1.0)

                # queued while the other endpoint is still hanging: leaves at the next tick
                t1 = time.monotonic()
                second_id = _add(session_factory, fast, "fast:incident:2:v1")
                await _wait_for(lambda: len(healthy.hits("/hook")) == 2, timeout=1.0)
                assert healthy.hits("/hook")[1].at - t1 < 0.5
                assert len(stuck.hits("/hook")) == 1 and _row(session_factory, slow_id).attempts == 0

                # the hanging one is cut off, kept, and sent again after its backoff
                await _wait_for(lambda: _row(session_factory, slow_id).status == "delivered", timeout=6)
            finally:
                stop.set()
                await runner
    slow_row = _row(session_factory, slow_id)
    assert (slow_row.attempts, slow_row.last_status) == (2, 200)
    tries = stuck.hits("/hook")
    assert [t.headers["x-monitor-delivery"] for t in tries] == ["slow:incident:1:v1"] * 2
    assert tries[1].at - tries[0].at >= SEND_TIMEOUT + 1.0  # timed out, then waited its backoff
    for row_id in (first_id, second_id):
        assert (_row(session_factory, row_id).status, _row(session_factory, row_id).attempts) == (
            "delivered",
            1,
        )


async def test_a_lane_stops_at_a_retryable_failure_and_hands_the_rest_back(
    session_factory: sessionmaker[Session],
) -> None:
    with ScriptedServer() as receiver:
        receiver.routes["/hook"] = Reply(429, "rate_limited", {"Retry-After": "30"})
        hook = ChannelConfig(name="hook", kind="slack", url=f"{receiver.url}/hook")
        ids = [_add(session_factory, hook, f"hook:incident:{i}:v1") for i in range(3)]
        async with httpx.AsyncClient(trust_env=False) as client:
            dispatcher = OutboxDispatcher(session_factory, client, [hook], worker_id="w")
            assert await dispatcher.run_once() == 1
            await dispatcher.close()
    assert len(receiver.hits("/hook")) == 1  # not the whole batch into a rate limit
    first, *rest = (_row(session_factory, i) for i in ids)
    assert (first.status, first.attempts, first.last_status) == ("pending", 1, 429)
    for row in rest:  # unsent, not counted as an attempt, and free for the next round
        assert (row.status, row.attempts, row.lease_owner, row.lease_expires_at) == ("pending", 0, None, None)


async def test_the_workers_delivery_job_does_not_wait_for_a_hanging_channel(
    session_factory: sessionmaker[Session],
) -> None:
    """`monitor worker` kicks the lanes every 0.25 s: a message for a healthy channel queued while
    another channel's endpoint hangs leaves within that tick, not after the hang."""
    with ScriptedServer() as stuck, ScriptedServer() as healthy:
        stuck.routes["/hook"] = Reply(200, "late", hang=3.0)  # under the 5 s timeout: just slow
        healthy.routes["/hook"] = Reply(200, "ok")
        config = parse_config(
            {
                "brands": [{"name": "Acme", "query": "acme"}],
                "channels": [
                    {"name": "slow", "kind": "webhook", "url": f"{stuck.url}/hook"},
                    {"name": "fast", "kind": "slack", "url": f"{healthy.url}/hook"},
                ],
            }
        )
        slow, fast = config.channels
        async with httpx.AsyncClient(trust_env=False) as client:
            worker = Worker(config, session_factory, client, worker_id="w")
            await worker.start()
            try:
                slow_id = _add(session_factory, slow, "slow:incident:1:v1")
                await _wait_for(lambda: stuck.hits("/hook"), timeout=2.0)
                t1 = time.monotonic()
                fast_id = _add(session_factory, fast, "fast:incident:1:v1")
                await _wait_for(lambda: healthy.hits("/hook"), timeout=2.0)
                assert healthy.hits("/hook")[0].at - t1 < 1.0
                assert _row(session_factory, fast_id).status == "delivered"
            finally:
                await worker.stop()  # lets the slow send finish: its answer is recorded, not lost
    assert [r.headers["x-monitor-delivery"] for r in stuck.hits("/hook")] == ["slow:incident:1:v1"]
    assert _row(session_factory, slow_id).status == "delivered"


async def test_close_finishes_the_send_in_flight_and_hands_the_rest_of_the_batch_back(
    session_factory: sessionmaker[Session],
) -> None:
    with ScriptedServer() as receiver:
        receiver.routes["/hook"] = Reply(200, "ok", hang=0.3)
        hook = ChannelConfig(name="hook", kind="webhook", url=f"{receiver.url}/hook")
        ids = [_add(session_factory, hook, f"hook:incident:{i}:v1") for i in range(5)]
        async with httpx.AsyncClient(trust_env=False) as client:
            dispatcher = OutboxDispatcher(session_factory, client, [hook], worker_id="w")
            dispatcher.kick()
            await _wait_for(lambda: receiver.hits("/hook"), timeout=2.0)
            await dispatcher.close()  # a shutdown while the first message is at the receiver
            assert dispatcher.kick() == []
    first, *rest = (_row(session_factory, i) for i in ids)
    assert (first.status, first.attempts) == ("delivered", 1)  # its 2xx was recorded, not lost
    assert len(receiver.hits("/hook")) == 1
    for row in rest:  # free at once for another worker, no attempt counted
        assert (row.status, row.attempts, row.lease_owner) == ("pending", 0, None)
