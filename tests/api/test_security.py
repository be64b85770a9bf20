"""Cross-site writes and DNS rebinding are refused; API-key clients and same-site requests are not."""

from __future__ import annotations

import pytest

from monitor.security import split_host

KEY = "security-test-key-0123456789"
EVIL = "https://evil.example"


@pytest.fixture
def incident_id(seed) -> int:
    incident = seed.incident(seed.brand("Acme"))
    seed.session.commit()
    return incident.id


def _status(client, incident_id: int) -> str:
    return client.get(f"/api/incidents/{incident_id}").json()["status"]


@pytest.mark.parametrize(
    ("headers", "content", "reason"),
    [
        ({"Origin": EVIL, "Content-Type": "text/plain"}, '{"by": "x"}', "cross-origin request refused"),
        (
            {"Origin": EVIL, "Content-Type": "application/json"},
            '{"by": "x"}',
            "Origin 'https://evil.example'",
        ),
        ({"Origin": "null", "Content-Type": "text/plain"}, "{}", "Origin 'null'"),
        ({"Origin": "http://127.0.0.1:3000"}, None, "cross-origin"),  # another local site, other port
        ({"Referer": EVIL + "/page"}, None, "Referer 'https://evil.example/page'"),
        ({"Content-Type": "text/plain"}, '{"by": "x"}', "content type 'text/plain' refused"),
        ({"Content-Type": "application/x-www-form-urlencoded"}, "by=x", "application/json"),
        ({"Content-Type": "multipart/form-data; boundary=x"}, "--x--", "content type"),
    ],
)
def test_cross_site_writes_are_refused(client, incident_id, headers, content, reason):
    resp = client.post(f"/api/incidents/{incident_id}/ack", headers=headers, content=content)
    assert resp.status_code == 403, resp.text
    assert resp.headers["content-type"] == "application/json"
    assert reason in resp.json()["detail"]
    assert _status(client, incident_id) == "open"  # nothing changed


@pytest.mark.parametrize(
    "headers",
    [
        {},  # curl, scripts: no Origin
        {"Origin": "http://127.0.0.1"},
        {"Referer": "http://127.0.0.1/incidents/1"},
        {"Content-Type": "application/json; charset=utf-8"},
        {"Content-Type": "application/merge-patch+json"},
    ],
)
def test_same_site_and_script_writes_work(client, incident_id, headers):
    content = '{"by": "sam"}' if "Content-Type" in headers else None
    resp = client.post(f"/api/incidents/{incident_id}/ack", headers=headers, content=content)
    assert resp.status_code == 200, resp.text
    assert _status(client, incident_id) == "acknowledged"


def test_a_valid_api_key_is_not_a_csrf_risk(make_client, incident_id):
    client = make_client(api={"api_keys": [KEY]})
    auth = {"Authorization": f"Bearer {KEY}"}
    resp = client.post(f"/api/incidents/{incident_id}/ack", headers=auth | {"Origin": EVIL})
    assert resp.status_code == 200, resp.text
    wrong = {"Authorization": "Bearer not-the-key", "Origin": EVIL}
    resp = client.post(f"/api/incidents/{incident_id}/resolve", headers=wrong)
    assert resp.status_code == 403
    assert client.get(f"/api/incidents/{incident_id}", headers=auth).json()["status"] == "acknowledged"


def test_the_public_url_is_a_trusted_origin(make_client, incident_id):
    client = make_client(api={"public_url": "https://monitor.example.com/"})
    headers = {"Origin": "https://monitor.example.com", "Host": "monitor.example.com"}
    assert client.post(f"/api/incidents/{incident_id}/ack", headers=headers).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "[::2]"])
def test_unknown_hosts_are_refused_on_loopback(client, host):
    for path in ("/api/incidents", "/healthz", "/", "/static/app.css"):
        resp = client.get(path, headers={"Host": host})
        assert resp.status_code == 400, (path, resp.text)
        assert resp.json()["detail"].startswith("unknown host")


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:8000", "127.0.0.1:8000", "[::1]:8000", "LOCALHOST."]
)
def test_loopback_names_are_served(client, host):
    assert client.get("/api/incidents", headers={"Host": host}).status_code == 200


def test_allowed_hosts_and_public_url_host_are_served(make_client, monkeypatch):
    monkeypatch.setenv("MONITOR_ALLOWED_HOSTS", "monitor.lan, [fd00::5]")
    client = make_client(api={"public_url": "https://monitor.example.com"})
    for host in ("monitor.lan", "monitor.lan:8080", "[fd00::5]:8000", "monitor.example.com"):
        assert client.get("/api/incidents", headers={"Host": host}).status_code == 200, host
    assert client.get("/api/incidents", headers={"Host": "other.lan"}).status_code == 400


def test_a_public_bind_answers_any_host(make_client):
    client = make_client(api={"host": "0.0.0.0", "api_keys": [KEY]})
    resp = client.get("/healthz", headers={"Host": "monitor.example.com"})
    assert resp.status_code == 200


def test_a_malformed_host_is_refused(client):
    resp = client.get("/api/incidents", headers={"Host": "localhost:99999"})
    assert resp.status_code == 400
    assert "malformed" in resp.json()["detail"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("LocalHost:80", ("localhost", 80)),
        ("[::1]:8000", ("::1", 8000)),
        ("[::1]", ("::1", None)),
        ("example.com.", ("example.com", None)),
    ],
)
def test_split_host(value, expected):
    assert split_host(value) == expected


@pytest.mark.parametrize("value", ["", "[::1", "host:0", "host:x", "[::1]x"])
def test_split_host_refuses_malformed(value):
    with pytest.raises(ValueError):
        split_host(value)


@pytest.mark.parametrize("path", ["/api/incidents", "/api/nope", "/nope", "/static/app.css", "/healthz"])
def test_every_response_carries_nosniff_and_a_csp(client, path):
    resp = client.get(path)
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in resp.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]


def test_the_api_docs_page_may_load_its_bundle(client):
    # Swagger UI starts with an inline script (its bundle is local: no CDN); nothing else may
    csp = client.get("/docs").headers["content-security-policy"]
    assert "'unsafe-inline'" in csp and "https:" not in csp
    assert "'unsafe-inline'" not in client.get("/api/brands").headers["content-security-policy"]
