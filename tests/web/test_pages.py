"""Dashboard pages rendered by the app: escaping, headers, incident actions, checklists, sources."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from monitor.incidents.models import Incident
from monitor.scoring import CATEGORIES
from monitor.sources.models import Source
from monitor.web.checklists import CHECKLISTS
from monitor.web.render import http_url
from tests.web.conftest import API_KEY, HOSTILE_AUTHOR, HOSTILE_TEXT, HOSTILE_URL, Seeder, csrf_of

GLITCH = [
    "Acme checkout shows everything at $0.00, is this real?? ordered 3 already",
    "Acme site glitch: every kettle rings up at $0.00 at checkout right now, ordered two",
]
FIRE = "My Acme kettle caught fire and burned my hand"


def _hostile(seeder: Seeder) -> int:
    result = seeder.items(
        [{"text": HOSTILE_TEXT, "author": HOSTILE_AUTHOR, "url": HOSTILE_URL, "title": "<b onmouseover=x>t"}]
    )
    incident_id = result.stored[0].incident_id
    assert incident_id is not None, "the scorer should file a fire as a safety incident"
    return incident_id


def _api(client: TestClient, path: str) -> dict:
    return client.get(f"/api{path}", headers={"Authorization": f"Bearer {API_KEY}"}).json()


def test_hostile_mention_is_escaped_everywhere(client: TestClient, seeder: Seeder) -> None:
    incident_id = _hostile(seeder)
    for path in ["/", "/mentions", "/mentions?q=kettle", f"/incidents/{incident_id}"]:
        html = client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html and "<b onmouseover" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
        assert "&lt;img src=x onerror=alert(1)&gt;" in html, path
        assert "javascript:" not in html, path
        # the only scripts are our own static files
        assert re.findall(r"<script[^>]*>", html) == [
            s
            for s in re.findall(r"<script[^>]*>", html)
            if re.fullmatch(r'<script src="/static/[a-z]+\.js\?v=\d+" defer>', s)
        ]


def test_security_headers(client: TestClient) -> None:
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/p/1", "https://example.com/p/1"),
        ("http://example.com", "http://example.com"),
        ("javascript:alert(1)", None),
        ("JavaScript:alert(1)", None),
        (" javascript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("vbscript:x", None),
        ("//example.com/x", None),
        ("/relative", None),
        ("https://exa mple.com", None),
        ("http:///nohost", None),
        (None, None),
    ],
)
def test_only_http_links(url: str | None, expected: str | None) -> None:
    assert http_url(url) == expected


def test_post_links_open_safely(client: TestClient, seeder: Seeder) -> None:
    seeder.items([GLITCH[0]])
    html = client.get("/mentions").text
    links = re.findall(r'<a class="out" href="([^"]+)" rel="noopener noreferrer" target="_blank">', html)
    assert links and all(link.startswith("https://") for link in links)


def test_now_lists_active_incidents_worst_first(client: TestClient, seeder: Seeder, session: Session) -> None:
    seeder.items(GLITCH)
    seeder.items([FIRE])
    seeder.items(["Globex is great, love it"])
    html = client.get("/").text
    rows = re.findall(r'<tr data-id="(\d+)" class="status-(\w+)">', html)
    incidents = list(session.scalars(select(Incident)))
    worst_first = sorted(incidents, key=lambda i: (i.severity, -i.last_seen_at.timestamp(), -i.id))
    assert [int(i) for i, _ in rows] == [i.id for i in worst_first]
    assert re.search(r"<title>\(2\) Now · Brand monitor</title>", html)
    assert 'data-label="Last hour" class="num">2</td>' in html  # the pricing incident's velocity
    assert "Globex is great" in html  # latest mentions
    # every row says what it is about: its most urgent post, and why, in words
    rows_html = re.findall(r'<tr data-id="\d+".*?</tr>', html, re.S)
    assert all('<q class="sample">' in r and '<span class="why">why: ' in r for r in rows_html), rows_html
    assert "a zero total" in html and "price_anomaly" not in html


def test_acknowledge_assign_resolve_from_the_incident_page(client: TestClient, seeder: Seeder) -> None:
    seeder.items(GLITCH)
    page = client.get("/incidents/1")
    assert page.status_code == 200
    assert "Response checklist: pricing error" in page.text
    assert "waiting" in page.text  # time to acknowledge is still running
    token = csrf_of(page.text)

    r = client.post("/incidents/1/ack", data={"csrf": token}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/incidents/1?done=ack")
    assert _api(client, "/incidents/1")["acknowledged_by"] == "alice"
    assert "Acknowledged." in client.get("/incidents/1?done=ack").text
    assert "Acknowledge as alice" not in client.get("/incidents/1").text

    r = client.post("/incidents/1/assign", data={"csrf": token, "to": "<b>bob</b>"}, follow_redirects=False)
    assert r.status_code == 303
    assert _api(client, "/incidents/1")["assigned_to"] == "<b>bob</b>"
    assert "&lt;b&gt;bob&lt;/b&gt;" in client.get("/incidents/1").text

    note = "Price fixed at 10:05; <script>alert(1)</script> honoured orders"
    r = client.post("/incidents/1/resolve", data={"csrf": token, "note": note}, follow_redirects=False)
    assert r.status_code == 303
    detail = _api(client, "/incidents/1")
    assert (detail["status"], detail["resolved_by"], detail["resolution_note"]) == ("resolved", "alice", note)
    html = client.get("/incidents/1").text
    assert "Price fixed at 10:05; &lt;script&gt;" in html
    assert 'id="ttr">' in html and "open for" not in html.split('id="ttr">')[1][:80]

    # resolving twice is a conflict, an unknown incident is not found
    assert client.post("/incidents/1/resolve", data={"csrf": token}).status_code == 409
    assert client.post("/incidents/1/ack", data={"csrf": token}).status_code == 409
    assert client.post("/incidents/99/ack", data={"csrf": token}).status_code == 404
    assert client.get("/incidents/99").status_code == 404


def test_acknowledge_from_now_returns_to_now(client: TestClient, seeder: Seeder) -> None:
    seeder.items(GLITCH)
    token = csrf_of(client.get("/").text)
    r = client.post("/incidents/1/ack", data={"csrf": token, "next": "/"}, follow_redirects=False)
    assert r.headers["location"] == "/"
    r = client.post(
        "/incidents/1/ack", data={"csrf": token, "next": "https://evil.example/"}, follow_redirects=False
    )
    assert r.headers["location"] == "/incidents/1?done=ack"


def test_incident_shows_reasons_and_deliveries(client: TestClient, seeder: Seeder) -> None:
    from monitor.alerts.models import AlertDelivery

    seeder.items(GLITCH)
    with seeder.factory() as s:
        s.add(
            AlertDelivery(
                dedupe_key="k1",
                channel="social-slack",
                channel_kind="slack",
                event="incident.opened",
                incident_id=1,
                payload={},
                status="failed",
                attempts=5,
                last_status=500,
                last_error="<html>internal_error</html>",
                give_up_at=datetime.now(UTC),
            )
        )
        s.commit()
    html = client.get("/incidents/1").text
    assert "price_anomaly.zero_total" in html and "+0.85" in html and "&#34;$0.00&#34;" not in html
    assert "social-slack" in html and "HTTP 500" in html and "&lt;html&gt;internal_error" in html


def test_every_category_has_a_checklist() -> None:
    assert set(CHECKLISTS) == set(CATEGORIES)
    assert all(len(steps) >= 3 for steps in CHECKLISTS.values())


def test_sources_page_highlights_failures(client: TestClient, seeder: Seeder, session: Session) -> None:
    now = datetime.now(UTC)
    session.execute(
        update(Source)
        .where(Source.name == "forum")
        .values(
            state="failing",
            error_class="server",
            last_error="HTTP 503 from forum.example <script>",
            last_error_at=now,
            consecutive_errors=4,
        )
    )
    session.execute(
        update(Source)
        .where(Source.name == "news")
        .values(state="ok", last_success_at=now - timedelta(hours=3))
    )
    session.commit()
    html = client.get("/sources").text
    assert "2 of 2 sources need a look" in html
    assert 'class="flag flag-failing" data-source="forum"' in html
    assert 'class="flag flag-silent" data-source="news"' in html  # ok, but nothing for 3 hours
    assert "HTTP 503 from forum.example &lt;script&gt;" in html
    assert "silence from them is not calm" in client.get("/").text


def test_static_files_are_served(client: TestClient) -> None:
    for name in ("app.css", "app.js", "now.js", "trends.js", "incident.js", "favicon.svg"):
        assert client.get(f"/static/{name}").status_code == 200
