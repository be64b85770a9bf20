"""Slack button clicks as Slack sends them, for the /slack/actions tests.

The signature is built here from Slack's documented algorithm (not with the module under test):
`v0=` + hex HMAC-SHA256 of `v0:{X-Slack-Request-Timestamp}:{raw body}` keyed by the signing secret.
The payload's `response_url` points at a loopback server, which receives the replaced message.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from monitor.incidents.models import Incident
from tests.alerts.conftest import ScriptedServer

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
