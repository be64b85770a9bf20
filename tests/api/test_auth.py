"""API keys: hashing, verification, bind policy, and enforcement on /api/*."""

from __future__ import annotations

import pytest

from monitor.auth import check_bind, hash_key, load_key_hashes, startup_notice, verify_key
from monitor.settings import Settings

KEY = "k-0123456789abcdef"


def test_hash_and_verify():
    hashed = hash_key(KEY)
    assert hashed.startswith("sha256:") and len(hashed) == 7 + 64
    assert verify_key(KEY, [hash_key("other"), hashed])
    assert not verify_key(KEY + "x", [hashed])
    assert not verify_key("", [hashed])
    assert not verify_key(KEY, [])


def test_hashes_come_from_toml_keys_toml_hashes_and_env(make_config):
    config = make_config(api={"api_keys": ["one", "two"], "api_key_hashes": [hash_key("three")]})
    hashes = load_key_hashes(config, Settings(api_keys=" four , ,one"))
    assert set(hashes) == {hash_key(k) for k in ("one", "two", "three", "four")}
    assert len(hashes) == 4
    assert all(h.startswith("sha256:") for h in hashes)  # never the keys themselves


@pytest.mark.parametrize(
    ("host", "has_keys", "refused"),
    [
        ("127.0.0.1", False, False),
        ("127.0.0.2", False, False),
        ("localhost", False, False),
        ("::1", False, False),
        ("0.0.0.0", False, True),
        ("::", False, True),
        ("192.168.1.10", False, True),
        ("monitor.example.com", False, True),
        ("0.0.0.0", True, False),
    ],
)
def test_check_bind(host, has_keys, refused):
    message = check_bind(host, has_keys)
    assert (message is not None) == refused
    if refused and host == "0.0.0.0":
        assert message == (
            "refusing to listen on 0.0.0.0 without API keys: set [api] api_keys or MONITOR_API_KEYS, "
            "or bind to 127.0.0.1"
        )


def test_startup_notice():
    assert (
        startup_notice("127.0.0.1", False)
        == "no API keys configured: the API is open and listens on loopback only"
    )
    assert startup_notice("127.0.0.1", True) is None
    assert startup_notice("0.0.0.0", True) is None


ROUTES = ["/api/mentions", "/api/incidents", "/api/incidents/1", "/api/sources", "/api/brands", "/api/alerts"]


@pytest.mark.parametrize("path", ROUTES)
def test_open_without_keys(client, path):
    assert client.get(path).status_code in (200, 404)


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {KEY}"}, {"Authorization": KEY}],
)
def test_keys_required_when_configured(make_client, path, headers):
    client = make_client(api={"api_keys": [KEY]})
    resp = client.get(path, headers=headers)
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == "Bearer"
    assert resp.json() == {"detail": "missing or invalid API key"}


@pytest.mark.parametrize("path", ROUTES)
def test_right_key_is_accepted(make_client, path):
    client = make_client(api={"api_keys": [KEY]})
    assert client.get(path, headers={"Authorization": f"Bearer {KEY}"}).status_code in (200, 404)


def test_post_actions_need_the_key_too(make_client):
    client = make_client(api={"api_key_hashes": [hash_key(KEY)]})
    assert client.post("/api/incidents/1/ack", json={}).status_code == 401


def test_key_from_a_committed_hash(make_client):
    client = make_client(api={"api_key_hashes": [hash_key(KEY)]})
    assert client.get("/api/sources", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200


def test_key_from_environment(make_client, monkeypatch):
    monkeypatch.setenv("MONITOR_API_KEYS", "env-key-1,env-key-2")
    client = make_client()
    assert client.get("/api/sources").status_code == 401
    assert client.get("/api/sources", headers={"Authorization": "Bearer env-key-2"}).status_code == 200


def test_app_keeps_only_hashes(make_client):
    client = make_client(api={"api_keys": [KEY]})
    assert client.app.state.api_key_hashes == (hash_key(KEY),)
    assert client.app.state.config.api.api_keys == []


@pytest.mark.parametrize("path", ["/healthz", "/docs", "/openapi.json"])
def test_health_and_docs_stay_open(make_client, path):
    client = make_client(api={"api_keys": [KEY]})
    assert client.get(path).status_code == 200
