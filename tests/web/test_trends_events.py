"""Trends data (buckets, sentiment, incident markers, share of voice) and the live event stream."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from monitor.web.queries import change_stamp, trends
from tests.web.conftest import HOSTILE_AUTHOR, HOSTILE_TEXT, HOSTILE_URL, Seeder

NOW = datetime(2025, 3, 10, 12, 30, tzinfo=UTC)
GLITCH = "Acme checkout shows everything at $0.00, is this real?? ordered 3 already"


@pytest.fixture
def history(seeder: Seeder) -> Seeder:
    seeder.items(["Acme is lovely", "Acme is great"], now=NOW - timedelta(minutes=10))  # this hour
    seeder.items(["Acme was awful and terrible"], now=NOW - timedelta(hours=2, minutes=5))
    seeder.items([GLITCH, GLITCH.replace("3", "4")], now=NOW - timedelta(hours=5))
    seeder.items(["Globex is fine"], now=NOW - timedelta(days=3))
    seeder.items(["Globex is fine again"], now=NOW - timedelta(days=20))
    return seeder


def test_trends_by_hour(session: Session, history: Seeder) -> None:
    data = trends(session, range_key="24h", now=NOW)
    assert (data["bucket"], data["bucket_seconds"]) == ("hour", 3600)
    acme, globex = data["brands"]
    assert (acme["brand"], globex["brand"]) == ("Acme", "Globex")
    assert len(acme["buckets"]) == 25  # 24 h back, partial hours at both ends
    assert acme["buckets"][-1] == {
        "t": "2025-03-10T12:00:00Z",
        "count": 2,
        "sentiment": pytest.approx(0.6, abs=0.2),
    }
    by_time = {b["t"]: b for b in acme["buckets"]}
    assert by_time["2025-03-10T10:00:00Z"]["count"] == 1 and by_time["2025-03-10T10:00:00Z"]["sentiment"] < 0
    assert by_time["2025-03-10T07:00:00Z"]["count"] == 2
    assert by_time["2025-03-10T08:00:00Z"] == {"t": "2025-03-10T08:00:00Z", "count": 0, "sentiment": None}
    assert acme["total"] == 5 and globex["total"] == 0 and data["total"] == 5
    assert acme["share"] == 1.0
    markers = [(m["category"], m["t"][:13]) for m in acme["incidents"]]
    assert ("pricing_error", "2025-03-10T07") in markers and globex["incidents"] == []


@pytest.mark.parametrize(("key", "buckets", "acme", "globex"), [("7d", 29, 5, 1), ("30d", 31, 5, 2)])
def test_longer_ranges(
    session: Session, history: Seeder, key: str, buckets: int, acme: int, globex: int
) -> None:
    data = trends(session, range_key=key, now=NOW)
    a, g = data["brands"]
    assert len(a["buckets"]) == buckets
    assert (a["total"], g["total"]) == (acme, globex)
    assert a["share"] + g["share"] == pytest.approx(1.0)
    assert sum(b["count"] for b in a["buckets"]) == acme


def test_trends_endpoints(client: TestClient, history: Seeder) -> None:
    page = client.get("/trends?range=7d")
    assert page.status_code == 200 and 'data-src="/trends.json?range=7d"' in page.text
    assert client.get("/trends?range=bogus").text.count('aria-current="page">24h') == 1
    data = client.get("/trends.json?range=30d").json()
    assert data["range"] == "30d" and {b["brand"] for b in data["brands"]} == {"Acme", "Globex"}


def _events(text: str) -> list[dict]:
    out = []
    for block in text.split("\n\n"):
        lines = dict(
            line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":")
        )
        if lines.get("event") == "update":
            out.append({"id": lines["id"], **json.loads(lines["data"])})
    return out


def test_event_stream_sends_changes(client: TestClient, seeder: Seeder, session: Session) -> None:
    seeder.items(["Acme is nice"])
    web = client.app.state.web
    web.sse_tick, web.sse_lifetime = 0.05, 1.5
    stamp = change_stamp(session).token()

    def later() -> None:
        seeder.items([GLITCH, {"text": HOSTILE_TEXT, "author": HOSTILE_AUTHOR, "url": HOSTILE_URL}])

    timer = threading.Timer(0.4, later)
    timer.start()
    try:
        with client.stream("GET", f"/events?since={stamp}") as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            body = "".join(r.iter_text())
    finally:
        timer.join()
    assert body.startswith("retry: 1000")
    events = _events(body)
    assert events, body
    last = events[-1]
    assert last["id"] == last["stamp"] != stamp
    assert last["unacknowledged"] == 2 and len(last["incidents"]) == 2
    new = [m for e in events for m in e["mentions"]]
    assert {m["text"][:10] for m in new} == {GLITCH[:10], HOSTILE_TEXT[:10]}
    hostile = next(m for m in new if m["author"] == HOSTILE_AUTHOR)
    assert hostile["url"] is None  # never a javascript: link, even for the browser to filter
    assert all(m["id"] > 1 for m in new)  # only what arrived after the page's stamp


def test_event_stream_resumes_from_last_event_id(
    client: TestClient, seeder: Seeder, session: Session
) -> None:
    seeder.items(["Acme is nice"])
    web = client.app.state.web
    web.sse_tick, web.sse_lifetime = 0.05, 0.3
    stamp = change_stamp(session).token()
    with client.stream("GET", "/events?since=stale", headers={"Last-Event-ID": stamp}) as r:
        body = "".join(r.iter_text())
    assert _events(body) == []  # nothing changed since the event the browser last saw
