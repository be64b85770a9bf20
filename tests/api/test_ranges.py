"""Ids past 64 bits are a 422 naming the parameter; ids past 32 bits and dates at the ends of the
calendar are ordinary values (404 / empty / clamped), never a 500 — on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from monitor.schemas import MAX_ID, decode_cursor, encode_cursor

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)  # the seeder's clock (tests/api/conftest.py)
BEYOND_INT4 = [2**31, 2**32 + 7, MAX_ID]
BEYOND_INT8 = [2**63, 2**64, 10**30]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def world(seed):
    acme = seed.brand("Acme")
    feed = seed.source("feed")
    incident = seed.incident(acme)
    mentions = [
        seed.mention(acme, feed, published_at=NOW - timedelta(days=d), incident_id=incident.id)
        for d in (0, 400)
    ]
    seed.session.commit()
    return incident, mentions


def _one_error(resp, loc: list[str]) -> str:
    assert resp.status_code == 422, resp.text
    [error] = resp.json()["detail"]
    assert error["loc"] == loc
    return error["msg"]


@pytest.mark.parametrize("big", BEYOND_INT4)
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/incidents/{}", None),
        ("POST", "/api/incidents/{}/ack", None),
        ("POST", "/api/incidents/{}/resolve", None),
        ("POST", "/api/incidents/{}/assign", {"to": "sam"}),
        ("GET", "/api/mentions/{}", None),
        ("POST", "/api/mentions/{}/label", {"incident": True}),
    ],
)
def test_ids_beyond_32_bits_are_not_found(client, world, method, path, body, big):
    resp = client.request(method, path.format(big), json=body)
    assert resp.status_code == 404, resp.text
    assert str(big) in resp.json()["detail"]


@pytest.mark.parametrize("big", BEYOND_INT8)
@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/incidents/{}", "incident_id"),
        ("/api/incidents/{}/ack", "incident_id"),
        ("/api/mentions/{}", "mention_id"),
        ("/api/mentions/{}/label", "mention_id"),
    ],
)
def test_ids_beyond_64_bits_are_422_naming_the_parameter(client, world, path, name, big):
    method = "POST" if path.endswith(("ack", "label")) else "GET"
    body = {"incident": True} if path.endswith("label") else None
    msg = _one_error(client.request(method, path.format(big), json=body), ["path", name])
    assert "less than or equal to 9223372036854775807" in msg


@pytest.mark.parametrize("path", ["/api/mentions", "/api/alerts"])
def test_id_filters_are_ranged(client, world, path):
    for big in BEYOND_INT4:
        resp = client.get(path, params={"incident_id": big})
        assert resp.status_code == 200, resp.text
        assert resp.json()["items"] == []
    for big in BEYOND_INT8:
        msg = _one_error(client.get(path, params={"incident_id": big}), ["query", "incident_id"])
        assert "less than or equal to" in msg


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # year 1 at +01:00 is before year 1 in UTC: clamped to the earliest time, so "since the beginning"
        ({"since": "0001-01-01T00:00:00+01:00"}, [0, 1]),
        ({"until": "9999-12-31T23:59:59-01:00"}, [0, 1]),
        ({"since": "0001-01-01T00:00:00+01:00", "until": "9999-12-31T23:59:59-01:00"}, [0, 1]),
        ({"since": "9999-12-31T23:59:59-01:00"}, []),
        ({"until": "0001-01-01T00:00:00+01:00"}, []),
        ({"since": "0001-01-01T00:00:00Z", "until": "9999-12-31T23:59:59.999999Z"}, [0, 1]),
        ({"since": (NOW - timedelta(days=1)).isoformat()}, [0]),
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_clamped(client, world, params, expected):
    _, mentions = world
    resp = client.get("/api/mentions", params=params)
    assert resp.status_code == 200, resp.text
    assert [m["id"] for m in resp.json()["items"]] == [mentions[i].id for i in expected]


def test_dashboard_filters_are_ranged(client, world):
    # the dashboard is open here (no users, no keys): its Mentions page reads the same filters
    for params in (
        {"incident_id": str(2**64)},
        {"since": "0001-01-01T00:00:00+01:00"},
        {"until": "9999-12-31T23:59:59-01:00"},
    ):
        assert client.get("/mentions", params=params).status_code == 200, params
    assert client.get(f"/incidents/{2**63}").status_code == 422
    assert client.get(f"/incidents/{2**40}").status_code == 404


@pytest.mark.parametrize(
    "cursor",
    [
        encode_cursor(datetime(1, 1, 1, tzinfo=UTC), 2**63),
        encode_cursor(datetime(2025, 1, 1, tzinfo=UTC), -(2**64)),
    ],
)
def test_cursors_with_out_of_range_ids_are_refused(cursor):
    with pytest.raises(ValueError, match="invalid cursor"):
        decode_cursor(cursor, datetime, int)


def test_cursor_times_past_the_calendar_are_clamped():
    raw = base64.urlsafe_b64encode(json.dumps(["0001-01-01T00:00:00+01:00", 5]).encode()).decode()
    assert decode_cursor(raw, datetime, int) == (datetime.min.replace(tzinfo=UTC), 5)


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/mentions", {"brand": "Ac\x00me"}, "brand"),
        ("/api/mentions", {"source": "\x00"}, "source"),
        ("/api/mentions", {"q": "down\x00"}, "q"),
        ("/api/incidents", {"brand": "\x00"}, "brand"),
    ],
)
def test_nul_characters_in_filters_are_422(client, world, path, params, field):
    # PostgreSQL cannot hold or compare a NUL: it was a 500 there, and matched nothing on SQLite
    msg = _one_error(client.get(path, params=params), ["query", field])
    assert "NUL" in msg


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/incidents/{}/ack", {"by": "sam\x00"}, "by"),
        ("/api/incidents/{}/resolve", {"note": "fixed\x00"}, "note"),
        ("/api/incidents/{}/assign", {"to": "\x00"}, "to"),
    ],
)
def test_nul_characters_in_bodies_are_422(client, world, path, body, field):
    incident, _ = world
    msg = _one_error(client.post(path.format(incident.id), json=body), ["body", field])
    assert "NUL" in msg
    assert client.get(f"/api/incidents/{incident.id}").json()["status"] == "open"


def test_nul_characters_in_dashboard_filters_are_reported(client, world):
    resp = client.get("/mentions", params={"q": "a\x00b"})
    assert resp.status_code == 200
    assert "Q must not contain NUL characters." in resp.text
