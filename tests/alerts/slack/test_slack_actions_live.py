"""Acting from Slack behind a real server: Slack's 3 seconds, the queued message clicked, the log."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor import logs
from monitor.alerts import slack_actions
from monitor.alerts.service import enqueue_incident_alert
from monitor.config import AppConfig
from monitor.incidents.models import Incident
from monitor.mentions.models import Mention
from tests.alerts.conftest import NOW, ScriptedServer, Seeded
from tests.alerts.slack.signed import (
    ACTOR,
    HOOK,
    SECRET,
    click,
    form,
    incident,
    replaced,
    signed_post,
    slack_signature,
    text_of,
)


def test_slack_gets_its_answer_before_the_message_is_replaced(
    live_app: str, server: ScriptedServer, seeded: Seeded, session_factory: sessionmaker[Session]
) -> None:
    server.script(HOOK, server.reply(200, "ok", delay=4.0))  # slower than Slack waits
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
    assert response.status_code == 200 and answered < 2.5, answered  # Slack gives up at 3 s
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
        time.sleep(4.0)
        return slow_act(*args, **kwargs)

    monkeypatch.setattr(slack_actions, "act", act)
    monkeypatch.setattr(slack_actions, "ANSWER_WITHIN", 0.3)
    body = form(click("incident_dismiss", str(seeded.incident.id), server.base + HOOK))
    ts = str(int(time.time()))
    headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": slack_signature(body, ts)}
    started = time.monotonic()
    with httpx.Client(trust_env=False, timeout=10) as http:
        response = http.post(live_app + "/slack/actions", content=body, headers=headers)
    answered = time.monotonic() - started
    assert response.status_code == 200 and answered < 2.5, answered
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
