"""GET /api/incidents, GET /api/incidents/{id}, and the ack / resolve / assign actions."""

from __future__ import annotations

import sys
import types
from datetime import UTC, datetime, timedelta

import pytest

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)  # the seeder's clock (tests/api/conftest.py)


@pytest.fixture
def incidents(seed):
    acme, zeta = seed.brand("Acme"), seed.brand("Zeta")
    rows = {
        "mild": seed.incident(acme, severity=4, last_seen_at=NOW - timedelta(minutes=1)),
        "bad": seed.incident(acme, category="security", severity=1, last_seen_at=NOW - timedelta(hours=3)),
        "acked": seed.incident(
            zeta,
            severity=2,
            status="acknowledged",
            acknowledged_by="sam",
            last_seen_at=NOW - timedelta(hours=1),
        ),
        "done": seed.incident(acme, severity=1, status="resolved", last_seen_at=NOW - timedelta(minutes=30)),
    }
    seed.session.commit()
    return rows


def _ids(resp) -> list[int]:
    assert resp.status_code == 200, resp.text
    return [item["id"] for item in resp.json()["items"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["mild", "done", "acked", "bad"]),  # most recently seen first
        ({"status": "active"}, ["bad", "acked", "mild"]),  # worst first
        ({"status": "open"}, ["mild", "bad"]),
        ({"status": "acknowledged"}, ["acked"]),
        ({"status": "resolved"}, ["done"]),
        ({"brand": "Zeta"}, ["acked"]),
        ({"category": "security"}, ["bad"]),
        ({"status": "active", "brand": "Acme"}, ["bad", "mild"]),
    ],
)
def test_list_filters_and_order(client, incidents, params, expected):
    assert _ids(client.get("/api/incidents", params=params)) == [incidents[k].id for k in expected]


def test_list_item_fields(client, incidents):
    item = client.get("/api/incidents", params={"status": "acknowledged"}).json()["items"][0]
    assert item["brand"] == "Zeta"
    assert item["status"] == "acknowledged"
    assert item["acknowledged_by"] == "sam"
    assert item["last_seen_at"] == "2025-03-01T11:00:00Z"
    assert {"severity", "mention_count", "reach", "max_urgency", "opened_at", "regressed"} <= item.keys()


@pytest.mark.parametrize("status", [None, "active"])
def test_keyset_pages_cover_everything_once(client, seed, status):
    brand = seed.brand()
    for i in range(17):
        seed.incident(brand, severity=1 + i % 3, last_seen_at=NOW - timedelta(minutes=i // 2))
    seed.session.commit()
    base = {"status": status} if status else {}
    expected = _ids(client.get("/api/incidents", params=base | {"limit": 100}))
    seen, cursor = [], None
    while True:
        body = client.get(
            "/api/incidents", params=base | {"limit": 4} | ({"cursor": cursor} if cursor else {})
        )
        seen += _ids(body)
        cursor = body.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == expected
    assert len(set(seen)) == 17


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "closed"}, "status"),
        ({"category": "nonsense"}, "category"),
        ({"limit": "0"}, "limit"),
        ({"cursor": "garbage"}, "cursor"),
    ],
)
def test_list_bad_parameters(client, params, field):
    resp = client.get("/api/incidents", params=params)
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["loc"] == ["query", field]


def test_detail_has_timeline_oldest_first_and_deliveries(client, seed):
    brand, source = seed.brand(), seed.source()
    incident = seed.incident(brand)
    other = seed.incident(brand)
    timeline = [
        seed.mention(
            brand, source, incident_id=incident.id, is_incident=True, published_at=NOW - timedelta(minutes=m)
        )
        for m in (5, 50, 20)
    ]
    seed.mention(brand, source, incident_id=other.id, is_incident=True)
    delivery = seed.delivery(
        incident_id=incident.id, status="failed", attempts=3, last_status=500, last_error="boom"
    )
    seed.delivery(incident_id=other.id)
    seed.session.commit()

    body = client.get(f"/api/incidents/{incident.id}").json()
    assert body["id"] == incident.id
    assert body["brand"] == "Acme"
    assert [m["id"] for m in body["mentions"]] == [timeline[1].id, timeline[2].id, timeline[0].id]
    [d] = body["deliveries"]
    assert d["id"] == delivery.id
    assert (d["status"], d["attempts"], d["last_status"], d["last_error"]) == ("failed", 3, 500, "boom")


def test_detail_timeline_is_capped(client, seed):
    brand, source = seed.brand(), seed.source()
    incident = seed.incident(brand)
    for i in range(205):
        seed.mention(brand, source, incident_id=incident.id, published_at=NOW - timedelta(seconds=i))
    seed.session.commit()
    mentions = client.get(f"/api/incidents/{incident.id}").json()["mentions"]
    assert len(mentions) == 200
    assert mentions[0]["published_at"] < mentions[-1]["published_at"]


def test_unknown_incident_is_404(client):
    resp = client.get("/api/incidents/9")
    assert resp.status_code == 404
    assert resp.json() == {"detail": "incident 9 not found"}


def test_non_integer_id_is_422(client):
    assert client.get("/api/incidents/abc").status_code == 422


# --- actions: the route contract, against a stand-in service (the real one is tested below) ---


@pytest.fixture
def fake_service(monkeypatch):
    """A stand-in `monitor.incidents.service` recording its calls; raise via `fake.fail`."""
    from monitor.incidents.models import Incident

    fake = types.ModuleType("monitor.incidents.service")
    fake.calls = []
    fake.fail = None

    def _get(session, incident_id):
        if fake.fail:
            raise fake.fail
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise LookupError(f"incident {incident_id} not found")
        return incident

    def acknowledge(session, *, incident_id, by, now):
        fake.calls.append(("acknowledge", {"incident_id": incident_id, "by": by, "now": now}))
        incident = _get(session, incident_id)
        incident.status, incident.acknowledged_by, incident.acknowledged_at = "acknowledged", by, now
        return incident

    def resolve(session, *, incident_id, by, note, now, channels, policy, public_url):
        fake.calls.append(
            (
                "resolve",
                {"by": by, "note": note, "channels": channels, "policy": policy, "public_url": public_url},
            )
        )
        incident = _get(session, incident_id)
        incident.status, incident.resolved_by, incident.resolution_note = "resolved", by, note
        return incident

    def assign(session, *, incident_id, to, now):
        fake.calls.append(("assign", {"to": to}))
        incident = _get(session, incident_id)
        incident.assigned_to = to
        return incident

    def public_url(config):
        return config.api.public_url or "http://fallback"

    fake.acknowledge, fake.resolve, fake.assign, fake.public_url = acknowledge, resolve, assign, public_url
    monkeypatch.setitem(sys.modules, "monitor.incidents.service", fake)
    return fake


def test_ack_commits_and_returns_the_incident(client, incidents, fake_service, session_factory):
    incident_id = incidents["mild"].id
    resp = client.post(f"/api/incidents/{incident_id}/ack", json={"by": "maria"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "acknowledged"
    assert resp.json()["acknowledged_by"] == "maria"
    [(name, kwargs)] = fake_service.calls
    assert name == "acknowledge"
    assert kwargs["now"].tzinfo is not None
    from monitor.incidents.models import Incident

    with session_factory() as s:  # committed, not just flushed
        assert s.get(Incident, incident_id).status == "acknowledged"


def test_ack_without_body_defaults_to_the_caller(client, incidents, fake_service):
    resp = client.post(f"/api/incidents/{incidents['mild'].id}/ack")
    assert resp.json()["acknowledged_by"] == "api"


def test_ack_by_defaults_to_the_key_label(make_client, incidents, fake_service):
    from monitor.auth import hash_key

    client = make_client(api={"api_keys": ["s3cret-key"]})
    resp = client.post(
        f"/api/incidents/{incidents['mild'].id}/ack", json={}, headers={"Authorization": "Bearer s3cret-key"}
    )
    assert resp.json()["acknowledged_by"] == "key:" + hash_key("s3cret-key")[7:15]


def test_resolve_passes_note_channels_policy_and_public_url(make_client, incidents, fake_service):
    client = make_client(
        api={"public_url": "https://monitor.example.com"},
        channels=[{"name": "ops", "kind": "webhook", "url": "https://hooks.example.com/x"}],
    )
    resp = client.post(f"/api/incidents/{incidents['mild'].id}/resolve", json={"note": "fixed the CDN"})
    assert resp.status_code == 200, resp.text
    assert (resp.json()["status"], resp.json()["resolution_note"]) == ("resolved", "fixed the CDN")
    [(_, kwargs)] = fake_service.calls
    assert kwargs["by"] == "api"
    assert [c.name for c in kwargs["channels"]] == ["ops"]
    assert kwargs["policy"].resolve_after_minutes == 240
    assert kwargs["public_url"] == "https://monitor.example.com"


def test_assign(client, incidents, fake_service):
    resp = client.post(f"/api/incidents/{incidents['mild'].id}/assign", json={"to": "care-team"})
    assert resp.json()["assigned_to"] == "care-team"


def test_assign_requires_to(client, incidents, fake_service):
    assert client.post(f"/api/incidents/{incidents['mild'].id}/assign", json={}).status_code == 422
    assert fake_service.calls == []


@pytest.mark.parametrize(
    ("action", "body"), [("ack", {}), ("resolve", {"note": "x"}), ("assign", {"to": "someone"})]
)
def test_actions_on_unknown_incident_are_404(client, fake_service, action, body):
    resp = client.post(f"/api/incidents/9/{action}", json=body)
    assert resp.status_code == 404
    assert resp.json() == {"detail": "incident 9 not found"}


def test_invalid_transition_is_409_with_the_message(client, incidents, fake_service, session_factory):
    fake_service.fail = ValueError("incident is already resolved")
    resp = client.post(f"/api/incidents/{incidents['done'].id}/ack", json={"by": "x"})
    assert resp.status_code == 409
    assert resp.json() == {"detail": "incident is already resolved"}


# --- actions against the real service (monitor/incidents/service.py) ---


def test_real_service_ack_then_resolve(client, incidents):
    incident_id = incidents["mild"].id
    acked = client.post(f"/api/incidents/{incident_id}/ack", json={"by": "maria"})
    assert acked.status_code == 200, acked.text
    assert (acked.json()["status"], acked.json()["acknowledged_by"]) == ("acknowledged", "maria")
    assigned = client.post(f"/api/incidents/{incident_id}/assign", json={"to": "care"})
    assert assigned.json()["assigned_to"] == "care"
    resolved = client.post(f"/api/incidents/{incident_id}/resolve", json={"note": "refunded"})
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    assert (body["status"], body["resolved_by"], body["resolution_note"]) == ("resolved", "api", "refunded")
    detail = client.get(f"/api/incidents/{incident_id}").json()
    assert detail["status"] == "resolved"


def test_real_service_unknown_incident_is_404(client):
    assert client.post("/api/incidents/9/ack", json={}).status_code == 404


def test_real_service_refuses_to_ack_or_resolve_a_resolved_incident(client, incidents):
    incident_id = incidents["done"].id
    for action in ("ack", "resolve"):
        resp = client.post(f"/api/incidents/{incident_id}/{action}", json={})
        assert resp.status_code == 409
        assert f"incident {incident_id} is" in resp.json()["detail"]


def test_real_service_empty_assignee_unassigns(client, incidents):
    incident_id = incidents["mild"].id
    client.post(f"/api/incidents/{incident_id}/assign", json={"to": "care"})
    assert client.post(f"/api/incidents/{incident_id}/assign", json={"to": ""}).json()["assigned_to"] is None
