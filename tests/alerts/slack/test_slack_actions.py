"""Acting from Slack: each button, and every request Slack did not sign or that is stale or replayed."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.mentions.labels import current_labels
from monitor.mentions.models import Mention
from tests.alerts.conftest import ScriptedServer, Seeded
from tests.alerts.slack.signed import (
    ACTOR,
    HOOK,
    action_ids,
    click,
    form,
    incident,
    replaced,
    signed_post,
    slack_signature,
    text_of,
)


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
