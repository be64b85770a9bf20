"""Acting from Slack: requests signed exactly as Slack signs them, against the real app and database.

The signature is built here from Slack's documented algorithm (not with the module under test):
`v0=` + hex HMAC-SHA256 of `v0:{X-Slack-Request-Timestamp}:{raw body}` keyed by the signing secret.
The payload's `response_url` points at a loopback server, which receives the replaced message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor import logs
from monitor.alerts import slack_actions
from monitor.alerts.service import enqueue_incident_alert
from monitor.app import create_app
from monitor.config import AppConfig
from monitor.incidents.models import Incident
from monitor.mentions.labels import current_labels
from monitor.mentions.models import Mention
from tests.alerts.conftest import NOW, ScriptedServer, Seeded, seed_incident
from tests.support.servers import free_port

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
HOOK = "/actions/T0001/1234/abcdef"
ACTOR = "slack:U0AB12CD (ana)"


def slack_signature(body: bytes, timestamp: str, secret: str = SECRET) -> str:
    basestring = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), basestring, hashlib.sha256).hexdigest()


def click(action_id: str, value: str, response_url: str, **extra: Any) -> dict[str, Any]:
    """A block_actions payload shaped as Slack sends it for a button in a message."""
    return {
        "type": "block_actions",
        "user": {"id": "U0AB12CD", "username": "ana", "name": "ana", "team_id": "T0001"},
        "api_app_id": "A0001",
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": "1700000000.000100",
            "channel_id": "C0001",
            "is_ephemeral": False,
        },
        "trigger_id": "123.456.abc",
        "team": {"id": "T0001", "domain": "acme"},
        "channel": {"id": "C0001", "name": "alerts"},
        "message": {"type": "message", "ts": "1700000000.000100", "text": "SEV2 ...", "blocks": []},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b1",
                "text": {"type": "plain_text", "text": "Button"},
                "value": value,
                "type": "button",
                "action_ts": "1700000001.000200",
            }
        ],
    } | extra


def form(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def signed_post(
    client: TestClient, body: bytes, *, timestamp: int | None = None, secret: str = SECRET, **headers: str
) -> Any:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return client.post(
        "/slack/actions",
        content=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": slack_signature(body, ts, secret),
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        | headers,
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    """Overrides the shared fixture: every click on both backends."""
    return request.getfixturevalue("pg_url") if request.param == "postgres" else sqlite_url


@pytest.fixture
def seeded(session_factory: sessionmaker[Session]) -> Seeded:
    with session_factory() as session:
        seeded = seed_incident(session, n_mentions=3)
        session.commit()
        session.refresh(seeded.incident)
        session.expunge_all()
    return seeded


@pytest.fixture
def make_app(engine: Engine, make_config: Callable[..., Any]) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def _make(**sections: Any) -> TestClient:
        sections = {"api": {"public_url": "https://monitor.example"}} | sections
        client = TestClient(create_app(make_config(**sections), engine=engine), base_url="http://127.0.0.1")
        client.__enter__()
        clients.append(client)
        return client

    yield _make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def app(make_app: Callable[..., TestClient], server: ScriptedServer) -> TestClient:
    return make_app(slack={"signing_secret": SECRET, "bot_token": "xoxb-1-2-abc", "api_url": server.base})


def incident(session_factory: sessionmaker[Session], incident_id: int) -> Incident:
    with session_factory() as s:
        inc = s.get(Incident, incident_id)
        assert inc is not None
        s.expunge(inc)
        return inc


def replaced(server: ScriptedServer) -> dict[str, Any]:
    (request,) = server.received(HOOK)
    assert request.headers["Content-Type"].startswith("application/json")
    return json.loads(request.body)


def action_ids(message: dict[str, Any]) -> list[str]:
    return [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


def text_of(message: dict[str, Any]) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def test_acknowledge_updates_the_incident_and_the_message(
    app: TestClient, server: ScriptedServer, seeded: Seeded, session_factory: sessionmaker[Session]
) -> None:
    inc_id = seeded.incident.id
    response = signed_post(app, form(click("incident_ack", str(inc_id), server.base + HOOK)))
    assert response.status_code == 200, response.text

    inc = incident(session_factory, inc_id)
    assert (inc.status, inc.acknowledged_by) == ("acknowledged", ACTOR)
    message = replaced(server)
    assert message["replace_original"] is True
    assert message["blocks"][0]["text"]["text"].endswith("— acknowledged")
    assert f"Acknowledged by {ACTOR}" in text_of(message)  # who, and when (a Slack date)
    assert "<!date^" in text_of(message)
    # the incident is acknowledged: no second Acknowledge, the rest stay
    assert action_ids(message) == ["incident_assign", "incident_resolve", "incident_dismiss", "open_incident"]


def test_assign_to_me(
    app: TestClient, server: ScriptedServer, seeded: Seeded, session_factory: sessionmaker[Session]
) -> None:
    inc_id = seeded.incident.id
    assert (
        signed_post(app, form(click("incident_assign", str(inc_id), server.base + HOOK))).status_code == 200
    )
    inc = incident(session_factory, inc_id)
    assert (inc.assigned_to, inc.status) == (ACTOR, "open")
    message = replaced(server)
    assert f"Assigned to {ACTOR}" in text_of(message)
    assert action_ids(message)[0] == "incident_ack"


def test_resolve(
    app: TestClient, server: ScriptedServer, seeded: Seeded, session_factory: sessionmaker[Session]
) -> None:
    inc_id = seeded.incident.id
    assert (
        signed_post(app, form(click("incident_resolve", str(inc_id), server.base + HOOK))).status_code == 200
    )
    inc = incident(session_factory, inc_id)
    assert (inc.status, inc.resolved_by, inc.resolution_note) == ("resolved", ACTOR, None)
    message = replaced(server)
    assert ":white_check_mark:" in message["blocks"][0]["text"]["text"]
    assert f"Resolved by {ACTOR}" in text_of(message)
    assert action_ids(message) == ["open_incident"]  # nothing left to do from Slack


def test_not_an_incident_resolves_and_labels_every_mention(
    app: TestClient, server: ScriptedServer, seeded: Seeded, session_factory: sessionmaker[Session]
) -> None:
    inc_id = seeded.incident.id
    assert (
        signed_post(app, form(click("incident_dismiss", str(inc_id), server.base + HOOK))).status_code == 200
    )
    inc = incident(session_factory, inc_id)
    assert (inc.status, inc.resolved_by, inc.resolution_note) == ("resolved", ACTOR, "not an incident")
    with session_factory() as s:
        ids = s.scalars(select(Mention.id).where(Mention.incident_id == inc_id)).all()
        labels = current_labels(s, ids)
    assert len(ids) == 3 and set(labels) == set(ids)
    assert {(lab.incident, lab.category, lab.labeled_by) for lab in labels.values()} == {(False, None, ACTOR)}
    assert "not an incident" in text_of(replaced(server))


def test_unknown_incident_is_an_ephemeral_message_not_an_error(
    app: TestClient, server: ScriptedServer, seeded: Seeded
) -> None:
    response = signed_post(app, form(click("incident_ack", "987654", server.base + HOOK)))
    assert response.status_code == 200
    assert response.json()["response_type"] == "ephemeral"
    assert "#987654 no longer exists" in response.json()["text"]
    told = replaced(server)
    assert told["response_type"] == "ephemeral" and told["replace_original"] is False
    assert "no longer exists" in told["text"]


def test_a_refused_change_is_explained_to_the_clicker(
    app: TestClient, server: ScriptedServer, seeded: Seeded, session_factory: sessionmaker[Session]
) -> None:
    inc_id = seeded.incident.id
    signed_post(app, form(click("incident_resolve", str(inc_id), server.base + HOOK)))
    response = signed_post(app, form(click("incident_ack", str(inc_id), server.base + "/second")))
    assert response.status_code == 200
    assert response.json()["text"] == f"Nothing was changed: incident {inc_id} is resolved."
    assert incident(session_factory, inc_id).acknowledged_by is None


def test_a_button_value_that_is_not_an_incident_id(
    app: TestClient, server: ScriptedServer, seeded: Seeded
) -> None:
    response = signed_post(app, form(click("incident_ack", "1; drop table", server.base + HOOK)))
    assert response.status_code == 200
    assert "does not name an incident" in response.json()["text"]


def test_the_open_incident_link_click_is_acknowledged_and_ignored(
    app: TestClient, server: ScriptedServer, seeded: Seeded, session_factory: sessionmaker[Session]
) -> None:
    response = signed_post(app, form(click("open_incident", "", server.base + HOOK)))
    assert (response.status_code, response.content) == (200, b"")
    assert server.received() == []
    assert incident(session_factory, seeded.incident.id).status == "open"


# --- refused requests ------------------------------------------------------------------------------


def _refused(
    response: Any, server: ScriptedServer, session_factory: sessionmaker[Session], inc_id: int
) -> str:
    assert response.status_code == 401, response.text
    assert server.received() == []
    assert incident(session_factory, inc_id).status == "open"
    return response.json()["detail"]


def test_wrong_signature_is_refused(
    app: TestClient, server: ScriptedServer, seeded: Seeded, session_factory: sessionmaker[Session]
) -> None:
    body = form(click("incident_ack", str(seeded.incident.id), server.base + HOOK))
    response = signed_post(app, body, secret="another-apps-secret-0123456789ab")
    assert "does not match" in _refused(response, server, session_factory, seeded.incident.id)


def test_an_old_timestamp_is_refused(
    app: TestClient, server: ScriptedServer, seeded: Seeded, session_factory: sessionmaker[Session]
) -> None:
    body = form(click("incident_ack", str(seeded.incident.id), server.base + HOOK))
    response = signed_post(app, body, timestamp=int(time.time()) - 5 * 60 - 10)  # correctly signed, stale
    assert "more than 5 minutes" in _refused(response, server, session_factory, seeded.incident.id)


def test_an_altered_body_is_refused(
    app: TestClient, server: ScriptedServer, seeded: Seeded, session_factory: sessionmaker[Session]
) -> None:
    inc_id = seeded.incident.id
    original = form(click("incident_assign", str(inc_id), server.base + HOOK))
    ts = str(int(time.time()))
    altered = form(click("incident_resolve", str(inc_id), server.base + HOOK))  # same signature, other body
    response = app.post(
        "/slack/actions",
        content=altered,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": slack_signature(original, ts),
        },
    )
    assert "does not match" in _refused(response, server, session_factory, inc_id)


def test_a_replayed_request_is_refused(
    app: TestClient, server: ScriptedServer, seeded: Seeded, session_factory: sessionmaker[Session]
) -> None:
    inc_id = seeded.incident.id
    body = form(click("incident_ack", str(inc_id), server.base + HOOK))
    ts = int(time.time())
    assert signed_post(app, body, timestamp=ts).status_code == 200
    again = signed_post(app, body, timestamp=ts)
    assert again.status_code == 401
    assert "already received" in again.json()["detail"]
    assert len(server.received(HOOK)) == 1  # the replay did nothing


@pytest.mark.parametrize("missing", ["X-Slack-Signature", "X-Slack-Request-Timestamp"])
def test_unsigned_requests_are_refused(
    app: TestClient,
    server: ScriptedServer,
    seeded: Seeded,
    session_factory: sessionmaker[Session],
    missing: str,
) -> None:
    body = form(click("incident_ack", str(seeded.incident.id), server.base + HOOK))
    ts = str(int(time.time()))
    headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": slack_signature(body, ts)}
    del headers[missing]
    response = app.post("/slack/actions", content=body, headers=headers)
    assert "missing" in _refused(response, server, session_factory, seeded.incident.id)


def test_a_signed_body_that_is_not_a_payload_form_is_a_clear_400(app: TestClient) -> None:
    response = signed_post(app, b'{"type": "block_actions"}')
    assert response.status_code == 400
    assert "payload=<JSON" in response.json()["detail"]


def test_without_the_slack_app_the_path_is_404(
    make_app: Callable[..., TestClient], server: ScriptedServer, seeded: Seeded
) -> None:
    client = make_app()
    response = signed_post(client, form(click("incident_ack", str(seeded.incident.id), server.base + HOOK)))
    assert response.status_code == 404
    assert "not configured" in response.json()["detail"]


def test_the_path_is_exempt_from_the_origin_check_and_only_it(
    app: TestClient, server: ScriptedServer, seeded: Seeded, session_factory: sessionmaker[Session]
) -> None:
    body = form(click("incident_ack", str(seeded.incident.id), server.base + HOOK))
    response = signed_post(app, body, Origin="https://slack.com")
    assert response.status_code == 200
    assert incident(session_factory, seeded.incident.id).status == "acknowledged"
    other = app.post(
        f"/api/incidents/{seeded.incident.id}/resolve", json={}, headers={"Origin": "https://slack.com"}
    )
    assert other.status_code == 403


# --- Slack's Web API when the response URL is gone -------------------------------------------------


def test_chat_update_with_the_bot_token_when_response_url_fails(
    app: TestClient, server: ScriptedServer, seeded: Seeded
) -> None:
    server.script(HOOK, server.reply(404, "expired_url"))
    server.script("/chat.update", server.reply(200, "ok"))
    body = form(click("incident_ack", str(seeded.incident.id), server.base + HOOK))
    assert signed_post(app, body).status_code == 200
    (update,) = server.received("/chat.update")
    assert update.headers["Authorization"] == "Bearer xoxb-1-2-abc"
    sent = json.loads(update.body)
    assert (sent["channel"], sent["ts"]) == ("C0001", "1700000000.000100")
    assert f"Acknowledged by {ACTOR}" in text_of(sent)


# --- Slack's 3 seconds --------------------------------------------------------------------------


@pytest.fixture
def live_app(make_config: Callable[..., AppConfig], engine: Engine, server: ScriptedServer) -> Iterator[str]:
    """The app behind a real uvicorn on loopback: only a real server shows when the answer leaves."""
    config = make_config(slack={"signing_secret": SECRET})
    uv = uvicorn.Server(
        uvicorn.Config(
            create_app(config, engine=engine), host="127.0.0.1", port=free_port(), log_level="warning"
        )
    )
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{uv.config.port}"
    uv.should_exit = True
    thread.join(timeout=10)


def test_slack_gets_its_answer_before_the_message_is_replaced(
    live_app: str, server: ScriptedServer, seeded: Seeded, session_factory: sessionmaker[Session]
) -> None:
    server.script(HOOK, server.reply(200, "ok", delay=2.5))  # a slow response_url
    body = form(click("incident_ack", str(seeded.incident.id), server.base + HOOK))
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": slack_signature(body, ts),
    }
    started = time.monotonic()
    with httpx.Client(trust_env=False, timeout=10) as http:
        response = http.post(live_app + "/slack/actions", content=body, headers=headers)
    answered = time.monotonic() - started
    assert response.status_code == 200 and answered < 1.0, answered  # well within Slack's 3 s
    assert incident(session_factory, seeded.incident.id).status == "acknowledged"  # done before answering
    deadline = time.monotonic() + 10
    while not server.received(HOOK):
        assert time.monotonic() < deadline, "the message was never replaced"
        time.sleep(0.05)
    assert replaced(server)["replace_original"] is True


# --- the round trip: the message as queued, clicked -----------------------------------------------


def test_a_click_on_the_queued_message_acts_on_its_incident(
    app: TestClient,
    server: ScriptedServer,
    seeded: Seeded,
    session_factory: sessionmaker[Session],
    make_config: Callable[..., AppConfig],
) -> None:
    config = make_config(
        slack={"signing_secret": SECRET},
        channels=[{"name": "care", "kind": "slack", "url": "https://hooks.slack.example/services/T/B/x"}],
    )
    with session_factory() as s:
        inc = s.get(Incident, seeded.incident.id)
        assert inc is not None
        mentions = s.scalars(select(Mention).where(Mention.incident_id == inc.id)).all()
        (row,) = enqueue_incident_alert(
            s,
            channels=config.channels,
            incident=inc,
            brand_name=seeded.brand.name,
            event="incident.opened",
            mentions=mentions,
            public_url="https://monitor.example",
            give_up_seconds=60,
            now=NOW,
        )
        message = row.payload
        s.commit()
    (actions,) = [b for b in message["blocks"] if b["type"] == "actions"]
    resolve = next(e for e in actions["elements"] if e["text"]["text"] == "Resolve")
    payload = click(resolve["action_id"], resolve["value"], server.base + HOOK)
    payload["message"] |= {"blocks": message["blocks"], "text": message["text"]}
    assert signed_post(app, form(payload)).status_code == 200
    assert incident(session_factory, seeded.incident.id).resolved_by == ACTOR
    assert f"Resolved by {ACTOR}" in text_of(replaced(server))


def test_an_action_slower_than_slack_waits_is_answered_first_and_finished_after(
    live_app: str,
    server: ScriptedServer,
    seeded: Seeded,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slow_act = slack_actions.act

    def act(*args: Any, **kwargs: Any) -> Any:  # e.g. labelling the mentions of a huge incident
        time.sleep(1.5)
        return slow_act(*args, **kwargs)

    monkeypatch.setattr(slack_actions, "act", act)
    monkeypatch.setattr(slack_actions, "ANSWER_WITHIN", 0.3)
    body = form(click("incident_dismiss", str(seeded.incident.id), server.base + HOOK))
    ts = str(int(time.time()))
    headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": slack_signature(body, ts)}
    started = time.monotonic()
    with httpx.Client(trust_env=False, timeout=10) as http:
        response = http.post(live_app + "/slack/actions", content=body, headers=headers)
    assert response.status_code == 200 and time.monotonic() - started < 1.0
    deadline = time.monotonic() + 10
    while not server.received(HOOK):
        assert time.monotonic() < deadline, "the message was never replaced"
        time.sleep(0.05)
    assert "not an incident" in text_of(replaced(server))
    assert incident(session_factory, seeded.incident.id).resolution_note == "not an incident"


def test_a_response_url_never_reaches_the_log(
    app: TestClient, seeded: Seeded, caplog: pytest.LogCaptureFixture
) -> None:
    """httpx logs each request's URL at INFO; a response_url lets anyone post in that channel."""
    response_url = "https://hooks.slack.com/actions/T0001/1234567890/zyXWvuTsRq"
    sent: list[str] = []

    def slack(request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        return httpx.Response(200, text="ok")

    shared = app.app.state.http  # type: ignore[attr-defined]
    app.app.state.http = httpx.AsyncClient(transport=httpx.MockTransport(slack))  # type: ignore[attr-defined]
    logs.install()
    try:
        with caplog.at_level(logging.INFO, logger="httpx"):
            assert signed_post(
                app, form(click("incident_ack", str(seeded.incident.id), response_url))
            ).is_success
    finally:
        logs.uninstall()
        app.app.state.http = shared  # type: ignore[attr-defined]
    assert sent == [response_url]
    lines = "\n".join(r.getMessage() for r in caplog.records)
    assert "HTTP Request: POST https://hooks.slack.com/••••" in lines
    assert "zyXWvuTsRq" not in lines
