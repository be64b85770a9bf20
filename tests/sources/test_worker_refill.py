"""The refilling claim loop: a finished poll's slot is reused at once, not at the next tick."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

import httpx
import pytest

from monitor.config import parse_config
from monitor.db import make_engine, make_session_factory, session_scope
from monitor.sources.models import Source
from monitor.worker import Worker
from monitor.worker_feed import ClaimFeed
from tests.support.servers import rss

N = 4
# The longest tick: a tick-driven worker would poll nothing within the 30 s this test waits at most.
TICK = 60.0


def _config(**worker: object):
    return parse_config(
        {
            "brands": [{"name": "Acme", "query": "acme"}],
            "sources": [
                {"name": f"s{i}", "kind": "rss", "url": f"http://feeds.test/{i}.xml", "interval_seconds": 600}
                for i in range(N)
            ],
            "worker": {"tick_seconds": TICK, "per_host": 8, **worker},
        }
    )


@pytest.fixture
def factory(sqlite_url):
    engine = make_engine(sqlite_url)
    yield make_session_factory(engine)
    engine.dispose()


def _body(request: httpx.Request) -> httpx.Response:
    item = {"guid": request.url.path, "title": "t", "link": f"http://x.test{request.url.path}"}
    return httpx.Response(200, text=rss([item]), headers={"Content-Type": "application/rss+xml"})


async def test_a_finished_polls_slot_takes_the_next_source_without_a_tick(factory):
    events: list[tuple[str, str]] = []
    all_done = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        events.append(("fetch", request.url.path))
        return _body(request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        worker = Worker(_config(concurrency=1, prefetch=0), factory, client, worker_id="refill-1")
        poll = worker.poll

        async def recorded(claimed):
            events.append(("start", claimed.name))
            try:
                return await poll(claimed)
            finally:
                events.append(("end", claimed.name))
                if sum(kind == "end" for kind, _ in events) == N:
                    all_done.set()

        worker.poll = recorded
        ticks = 0
        tick = worker.tick

        async def counted_tick():
            nonlocal ticks
            ticks += 1
            await tick()

        worker.tick = counted_tick
        try:
            await worker.start()
            await asyncio.wait_for(all_done.wait(), timeout=30)  # a hang guard, not a speed bound
        finally:
            await worker.stop()
    assert ticks == 0
    polls = [(kind, name) for kind, name in events if kind != "fetch"]
    # one slot: each poll starts only after the previous one ended, and every source was polled once
    assert [kind for kind, _ in polls] == ["start", "end"] * N
    assert all(a[1] == b[1] for a, b in zip(polls[::2], polls[1::2], strict=True))
    assert Counter(name for kind, name in polls if kind == "start") == {f"s{i}": 1 for i in range(N)}
    with session_scope(factory) as s:
        assert {(src.lease_owner, src.state) for src in s.query(Source)} == {(None, "ok")}


async def test_queued_claims_are_leased_renewed_and_released_on_stop(factory):
    release = asyncio.Event()
    fetched: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        fetched.append(request.url.path)
        await release.wait()  # the first poll holds its slot: the rest wait in the queue
        return _body(request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        worker = Worker(_config(concurrency=1, prefetch=2), factory, client, worker_id="refill-q")
        try:
            await worker.start()
            assert worker._feed is not None
            while len(worker._feed.queue) < 2 or not fetched:
                await asyncio.sleep(0.01)
            queued = {c.id for c in worker._feed.queue}
            assert len(worker._tasks) == 1 and len(fetched) == 1
            assert queued <= worker._polling  # the heartbeat renews what waits in the queue
            with session_scope(factory) as s:
                owners = {src.id: src.lease_owner for src in s.query(Source)}
            assert all(owners[i] == worker.owner for i in queued)
            assert sum(o == worker.owner for o in owners.values()) == 3  # one running, two queued
        finally:
            await worker.stop()
    assert len(fetched) == 1  # the queued sources were never polled
    with session_scope(factory) as s:
        assert {src.lease_owner for src in s.query(Source)} == {None}


async def test_an_idle_feed_does_not_claim_again_on_every_wake_up():
    claims: list[int] = []
    claimed = asyncio.Event()
    stopping = False

    async def claim(limit: int) -> list:
        claims.append(limit)
        claimed.set()
        return []  # nothing is due

    async def seconds_to_due() -> float | None:
        return 500.0  # the next source is due long after this test

    feed = ClaimFeed(
        slots=lambda: 4,
        prefetch=4,
        idle_seconds=TICK,
        running=lambda: 0,
        claim=claim,
        seconds_to_due=seconds_to_due,
        start=lambda c: None,
        held=set(),
        stopping=lambda: stopping,
    )
    runner = asyncio.create_task(feed.run())
    await asyncio.wait_for(claimed.wait(), timeout=30)
    for _ in range(20):  # finished polls wake the loop; none of them may query again while idle
        feed.poke()
        await asyncio.sleep(0)
    stopping = True
    feed.poke()
    await asyncio.wait_for(runner, timeout=30)
    assert claims == [8]  # one batch for every free slot and the prefetch, then asleep


async def test_a_lease_renewal_does_not_wait_behind_a_backlog_of_stores(factory):
    worker = Worker(_config(db_threads=1), factory, worker_id="refill-beat")
    busy, release = threading.Event(), threading.Event()

    def store() -> None:  # a store that holds the only database thread
        busy.set()
        release.wait(30)

    stuck = None
    try:
        worker._sync()  # the sources' rows; no start(): nothing else may claim or poll here
        [first, *_] = worker._claim(10, ("*",))
        with session_scope(factory) as s:
            before = s.get(Source, first.id).lease_expires_at
        worker._polling.add(first.id)
        stuck = asyncio.ensure_future(worker._db(store))
        assert await asyncio.to_thread(busy.wait, 30)
        await asyncio.wait_for(worker.heartbeat(), timeout=30)  # a hang guard: it must not queue
        with session_scope(factory) as s:
            assert s.get(Source, first.id).lease_expires_at > before
        assert not stuck.done()  # the renewal went past the store, not after it
    finally:
        release.set()
        if stuck is not None:
            await stuck
        await worker.stop()
