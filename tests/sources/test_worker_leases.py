"""The worker's side of leases: stable identity, heartbeat, release on stop, restart takes back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.config import parse_config
from monitor.db import make_engine, make_session_factory, session_scope, utcnow
from monitor.sources.models import Source
from monitor.worker import Worker
from monitor.worker_identity import acquire

# A closed loopback port: nothing here may reach the network, even if a tick fires.
CONFIG = parse_config(
    {
        "brands": [{"name": "Acme", "query": "acme"}],
        "sources": [
            {"name": f"s{i}", "kind": "rss", "url": f"http://127.0.0.1:9/{i}.xml", "interval_seconds": 600}
            for i in range(3)
        ],
        "worker": {"lease_seconds": 30},
    }
)


@pytest.fixture
def factory(sqlite_url):
    engine = make_engine(sqlite_url)
    yield make_session_factory(engine)
    engine.dispose()


def _leases(factory) -> dict[str, tuple[str | None, object]]:
    with session_scope(factory) as s:
        return {src.name: (src.lease_owner, src.lease_expires_at) for src in s.query(Source)}


def test_one_live_process_holds_a_worker_id(tmp_path):
    first = acquire("node-a", lock_dir=tmp_path)
    second = acquire("node-a", lock_dir=tmp_path)
    assert (first.worker_id, second.worker_id) == ("node-a", "node-a-2")
    assert first.owner.startswith("node-a#") and second.owner.startswith("node-a-2#")
    first.release()
    again = acquire("node-a", lock_dir=tmp_path)  # a restart gets its old name back
    assert again.worker_id == "node-a" and again.owner != first.owner
    second.release()
    again.release()


async def test_stop_releases_the_leases_of_polls_in_flight(factory):
    worker = Worker(CONFIG, factory, worker_id="node-stop")
    await worker.start()
    try:
        claimed = worker._claim(10, ("*",))
        assert len(claimed) == 3
        assert {owner for owner, _ in _leases(factory).values()} == {worker.owner}
    finally:
        await worker.stop()
    assert {owner for owner, _ in _leases(factory).values()} == {None}


async def test_heartbeat_renews_the_leases_of_polls_in_flight(factory):
    worker = Worker(CONFIG, factory, worker_id="node-beat")
    try:
        await worker.start()
        [first, *_] = worker._claim(10, ("*",))
        before = _leases(factory)
        worker._polling.add(first.id)
        await worker.heartbeat()
        after = _leases(factory)
        assert after[first.name][1] > before[first.name][1]
        assert all(after[n] == before[n] for n in after if n != first.name)
    finally:
        await worker.stop()


async def test_a_restarted_worker_takes_back_its_own_leases_at_once(factory):
    crashed = Worker(CONFIG, factory, worker_id="node-r")
    await crashed.start()
    crashed.scheduler.shutdown(wait=False)
    crashed._claim(10, ("*",))
    crashed.identity.release()  # killed: its file lock goes with the process, its leases stay
    await crashed.client.aclose()
    other = Worker(CONFIG, factory, worker_id="node-other")
    with session_scope(factory) as s:
        s.query(Source).filter(Source.name == "s2").update(
            {"lease_owner": other.owner, "lease_expires_at": utcnow() + timedelta(hours=1)}
        )
    restarted = Worker(CONFIG, factory, worker_id="node-r")
    assert restarted.worker_id == "node-r" and restarted.owner != crashed.owner
    try:
        await restarted.start()
        leases = _leases(factory)
        assert leases["s0"] == leases["s1"] == (None, None)  # free now, not after 30 s
        assert leases["s2"][0] == other.owner  # another live worker's lease is not touched
    finally:
        await restarted.stop()
        await other.stop()


async def test_a_tick_that_claims_while_stop_begins_polls_nothing_and_hands_back(factory):
    worker = Worker(CONFIG, factory, worker_id="node-race")
    claim = worker._claim

    def claim_as_stop_begins(*args):
        claimed = claim(*args)
        worker._stopping.set()  # stop() started while this claim was in its thread
        return claimed

    worker._claim = claim_as_stop_begins
    try:
        await worker.start()
        await worker.tick()
        assert not worker._tasks
        assert {owner for owner, _ in _leases(factory).values()} == {None}
    finally:
        await worker.stop()
