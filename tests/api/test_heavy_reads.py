"""Slow reads on their own pool: a cancelled or starved search answers 503, /healthz is untouched."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import TimeoutError as PoolTimeout

from monitor.config import ConfigError


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def world(seed):
    acme, feed = seed.brand("Acme"), seed.source("feed")
    seed.mention(acme, feed, text="a refund for the broken order")
    seed.mention(acme, feed, text="all good here")
    seed.session.commit()


@pytest.fixture
def locked_mentions(engine: Engine) -> Iterator[None]:
    """Every statement on `mentions` waits on a lock for ~3 s (a stand-in for a slow query)."""
    conn = engine.connect()
    conn.execute(text("LOCK TABLE mentions IN ACCESS EXCLUSIVE MODE"))
    # released by a timer, so code without a time limit gets its answer late instead of hanging
    timer = threading.Timer(3.0, conn.rollback)
    timer.start()
    yield
    timer.join()
    conn.close()


def test_search_answers_the_same_on_the_heavy_pool(client, world):
    items = client.get("/api/mentions", params={"q": "refund"}).json()["items"]
    assert [m["text"] for m in items] == ["a refund for the broken order"]


def test_search_waits_on_its_own_pool_not_the_one_healthz_and_lists_use(make_client, world):
    client = make_client(database={"heavy_pool_size": 1, "heavy_query_timeout": 0.5})
    held = client.app.state.heavy_engine.connect()  # the only heavy connection, busy
    try:
        assert client.get("/healthz").status_code == 200
        assert len(client.get("/api/mentions").json()["items"]) == 2
        resp = client.get("/api/mentions", params={"q": "refund"})
    finally:
        held.close()
    assert resp.status_code == 503, resp.text
    assert "database is busy" in resp.json()["detail"] and resp.headers["Retry-After"] == "5"
    assert client.get("/api/mentions", params={"q": "refund"}).status_code == 200  # free again


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_postgres_search_past_the_time_limit_is_a_503_naming_it(make_client, world, locked_mentions):
    client = make_client(database={"heavy_query_timeout": 0.3})
    resp = client.get("/api/mentions", params={"q": "refund"})
    assert resp.status_code == 503, resp.text
    assert resp.json()["detail"].startswith("the query took longer than 0.3 s and was cancelled")
    assert client.get("/healthz").status_code == 200  # SELECT 1 never waited


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_postgres_heavy_connections_carry_the_statement_timeout(make_client):
    client = make_client(database={"heavy_query_timeout": 1.5})
    with client.app.state.heavy_engine.connect() as conn:
        assert conn.execute(text("SHOW statement_timeout")).scalar() == "1500ms"
    with client.app.state.engine.connect() as conn:  # the main pool keeps the server's default
        assert conn.execute(text("SHOW statement_timeout")).scalar() == "0"


def test_the_time_limit_must_be_positive(make_config):
    with pytest.raises((ConfigError, ValueError), match="heavy_query_timeout"):
        make_config(database={"heavy_query_timeout": 0})


@pytest.mark.parametrize("path", ["/trends.json?range=30d", "/mentions?q=refund"])
def test_dashboard_trends_and_search_use_the_heavy_pool(make_client, world, path):
    client = make_client(database={"heavy_pool_size": 1, "heavy_query_timeout": 0.5})
    held = client.app.state.heavy_engine.connect()
    try:
        assert client.get("/").status_code == 200  # the dashboard's other pages are not held up
        resp = client.get(path)
    finally:
        held.close()
    assert resp.status_code == 503 and "database is busy" in resp.text
    assert client.get(path).status_code == 200


def test_csv_export_reads_on_the_heavy_pool(make_client, world):
    client = make_client(database={"heavy_pool_size": 1, "heavy_query_timeout": 0.5})
    held = client.app.state.heavy_engine.connect()
    try:
        # the stream has started when the session first queries: the error cannot become a 503
        with pytest.raises(RuntimeError, match="response already started") as info:
            client.get("/mentions.csv")
        assert isinstance(info.value.__cause__, PoolTimeout)
    finally:
        held.close()
    assert client.get("/mentions.csv").text.count("\n") == 3


def test_searches_queue_for_a_slot_outside_the_worker_threads(make_client, world):
    client = make_client(database={"heavy_pool_size": 1, "heavy_query_timeout": 0.5})
    gate = client.app.state.heavy_gate
    client.portal.call(gate.acquire)  # the only slot, taken
    try:
        resp = client.get("/api/mentions", params={"q": "refund"})
        assert client.get("/healthz").status_code == 200
        assert client.get("/api/mentions").status_code == 200  # no `q`: no slot needed
    finally:
        gate.release()
    assert resp.status_code == 503 and "database is busy" in resp.json()["detail"]
    assert client.get("/api/mentions", params={"q": "refund"}).status_code == 200
