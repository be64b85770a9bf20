"""The app factory: health check, docs, lifespan resources and the optional worker."""

from __future__ import annotations

import sys
import types

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from monitor.app import create_app
from monitor.db import make_engine


def test_healthz(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_down(make_config, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/missing/dir/monitor.db")
    with TestClient(create_app(make_config(), engine=engine), base_url="http://127.0.0.1") as client:
        resp = client.get("/healthz")
    engine.dispose()
    assert resp.status_code == 503
    assert resp.json() == {"status": "error", "database": "unreachable"}


def test_openapi_lists_every_endpoint(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/healthz",
        "/api/mentions",
        "/api/incidents",
        "/api/incidents/{incident_id}",
        "/api/incidents/{incident_id}/ack",
        "/api/incidents/{incident_id}/resolve",
        "/api/incidents/{incident_id}/assign",
        "/api/sources",
        "/api/brands",
        "/api/alerts",
    } <= paths.keys()
    params = {p["name"] for p in paths["/api/mentions"]["get"]["parameters"]}
    assert {
        "brand",
        "source",
        "category",
        "incident",
        "since",
        "until",
        "min_urgency",
        "q",
        "limit",
        "cursor",
    } <= params


def test_lifespan_makes_engine_from_config_and_client(make_config, sqlite_url):
    app = create_app(make_config(database={"url": sqlite_url}))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert client.get("/api/mentions").status_code == 200
        assert isinstance(app.state.http, httpx.AsyncClient)
        assert str(app.state.engine.url) == sqlite_url
        assert app.state.worker is None
    assert app.state.http.is_closed


def test_environment_database_url_wins(make_config, sqlite_url, monkeypatch, tmp_path):
    monkeypatch.setenv("MONITOR_DATABASE_URL", sqlite_url)
    app = create_app(make_config(database={"url": f"sqlite:///{tmp_path}/other.db"}))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert client.get("/healthz").status_code == 200
        assert str(app.state.engine.url) == sqlite_url


def test_app_never_creates_tables(make_config, tmp_path):
    url = f"sqlite:///{tmp_path}/empty.db"
    with TestClient(create_app(make_config(database={"url": url})), base_url="http://127.0.0.1") as client:
        assert client.get("/healthz").status_code == 503  # not migrated, and it stays so
        assert client.get("/api/incidents").status_code == 503
    engine = make_engine(url)
    assert inspect(engine).get_table_names() == []
    engine.dispose()


@pytest.fixture
def fake_worker(monkeypatch):
    module = types.ModuleType("monitor.worker")
    events: list[tuple] = []

    class Worker:
        def __init__(self, config, session_factory, client):
            events.append(("init", config, session_factory, client))

        async def start(self):
            events.append(("start",))

        async def stop(self):
            events.append(("stop",))

    module.Worker = Worker
    monkeypatch.setitem(sys.modules, "monitor.worker", module)
    return events


def test_worker_runs_only_when_asked(make_config, engine, fake_worker):
    with TestClient(create_app(make_config(), engine=engine), base_url="http://127.0.0.1"):
        pass
    assert fake_worker == []
    app = create_app(make_config(), engine=engine, run_worker=True)
    with TestClient(app, base_url="http://127.0.0.1"):
        assert [e[0] for e in fake_worker] == ["init", "start"]
        _, config, session_factory, http = fake_worker[0]
        assert session_factory is app.state.session_factory
        assert http is app.state.http
        assert config is app.state.config
    assert [e[0] for e in fake_worker] == ["init", "start", "stop"]


def test_an_unmigrated_database_is_503_saying_how_to_fix_it(make_config, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/empty.db")
    with TestClient(create_app(make_config(), engine=engine), base_url="http://127.0.0.1") as client:
        health = client.get("/healthz")
        api = client.get("/api/incidents")
        brands = client.get("/api/brands")
    engine.dispose()
    assert health.status_code == 503
    assert health.json()["detail"] == "database not migrated: run `monitor db upgrade`"
    for resp in (api, brands):
        assert resp.status_code == 503, resp.text
        assert resp.json() == {"detail": "database not migrated: run `monitor db upgrade`"}


def test_an_outdated_schema_is_503(make_config, engine):
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000_older'"))
    with TestClient(create_app(make_config(), engine=engine), base_url="http://127.0.0.1") as client:
        resp = client.get("/healthz")
    assert resp.status_code == 503
    assert resp.json()["detail"] == "database schema out of date: run `monitor db upgrade`"


def test_openapi_documents_every_error_an_operation_returns(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for method, op in operations.items():
            codes = set(op["responses"])
            assert "400" in codes, (method, path)
            if path.startswith("/api/"):
                assert {"401", "503"} <= codes, (method, path)
                if op.get("parameters") or op.get("requestBody"):
                    assert "422" in codes, (method, path)
            if method == "post":
                assert "403" in codes, (method, path)
            body = op["responses"].get("401", {}).get("content", {}).get("application/json", {})
            if path.startswith("/api/"):
                assert body["schema"]["$ref"].endswith("/ErrorRead")
