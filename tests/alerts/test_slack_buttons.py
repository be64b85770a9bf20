"""Slack app buttons: configured by `[slack]`, on Slack channels only, and absent without the app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy.orm import Session

from monitor.alerts.messages import slack_message
from monitor.alerts.service import enqueue_incident_alert
from monitor.alerts.views import IncidentView
from monitor.config import ConfigError, parse_config
from monitor.secrets import config_secrets
from tests.alerts.conftest import NOW, Seeded
from tests.alerts.test_messages import INCIDENT

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK = {"name": "care", "kind": "slack", "url": "https://hooks.slack.example/services/T0/B0/x"}
HOOK = {"name": "ops", "kind": "webhook", "url": "https://hooks.example/in"}
APP = {"signing_secret": SECRET, "bot_token": "xoxb-1-2-token"}


def _ids(message: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [
        (e["action_id"], e.get("value"))
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def test_buttons_follow_the_slack_app() -> None:
    with_app = parse_config(
        {"slack": APP, "channels": [SLACK, HOOK, SLACK | {"name": "b", "buttons": False}]}
    )
    assert [c.buttons for c in with_app.channels] == [True, False, False]
    without = parse_config({"channels": [SLACK, HOOK]})
    assert without.slack is None and [c.buttons for c in without.channels] == [False, False]


@pytest.mark.parametrize(
    ("raw", "key", "problem"),
    [
        ({"channels": [SLACK | {"buttons": True}]}, "channels[0].buttons", "need the [slack] app"),
        (
            {"slack": APP, "channels": [HOOK | {"buttons": True}]},
            "channels[0].buttons",
            "only Slack channels",
        ),
        ({"slack": {"signing_secret": "short"}}, "slack.signing_secret", "too short"),
        (
            {"slack": {"signing_secret": SECRET, "bot_token": "xoxp-user"}},
            "slack.bot_token",
            "not a bot token",
        ),
        ({"slack": {"bot_token": "xoxb-1"}}, "slack.signing_secret", "required key is missing"),
        ({"slack": APP | {"api_url": "slack.com"}}, "slack.api_url", "invalid URL"),
        ({"slack": APP | {"token": "x"}}, "slack.token", "unknown key"),
    ],
)
def test_slack_config_errors_name_the_key(raw: dict[str, Any], key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(raw)
    assert err.value.key == key and problem in err.value.problem


def test_the_app_secrets_are_hidden_from_logs() -> None:
    secrets = config_secrets(parse_config({"slack": APP}))
    assert {SECRET, "xoxb-1-2-token"} <= secrets


def test_enqueued_slack_messages_carry_buttons_only_with_the_app(
    session: Session, seed: Callable[..., Seeded]
) -> None:
    s = seed()
    kw: dict[str, Any] = {
        "incident": s.incident,
        "brand_name": s.brand.name,
        "event": "incident.opened",
        "mentions": s.mentions,
        "public_url": "https://monitor.example",
        "give_up_seconds": 60,
        "now": NOW,
    }
    on = parse_config({"slack": APP, "channels": [SLACK]}).channels
    off = parse_config({"channels": [SLACK | {"name": "plain"}]}).channels
    (with_app,) = enqueue_incident_alert(session, channels=on, **kw)
    (without,) = enqueue_incident_alert(session, channels=off, **kw)
    inc = str(s.incident.id)
    assert _ids(with_app.payload) == [
        ("incident_ack", inc),
        ("incident_assign", inc),
        ("incident_resolve", inc),
        ("incident_dismiss", inc),
        ("open_incident", None),
    ]
    assert _ids(without.payload) == [("open_incident", None)]
    # without the app the message is today's: the link button keeps its SEV2 style, nothing else is added
    assert without.payload["blocks"][-1] == {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Open incident"},
                "url": f"https://monitor.example/incidents/{inc}",
                "action_id": "open_incident",
                "style": "danger",
            }
        ],
    }
    assert "Acknowledged by" not in str(without.payload)


def test_buttons_follow_the_incident_state() -> None:
    base = replace(INCIDENT, severity=3)

    def ids(view: IncidentView) -> list[str]:
        message = slack_message(
            event="incident.opened", incident=view, mentions=[], incident_url=None, buttons=True
        )
        return [a for a, _ in _ids(message)]

    assert ids(base) == ["incident_ack", "incident_assign", "incident_resolve", "incident_dismiss"]
    acked = replace(base, status="acknowledged", acknowledged_by="slack:U1 (bo)")
    assert ids(acked) == ["incident_assign", "incident_resolve", "incident_dismiss"]
    assert ids(replace(base, status="resolved")) == []
    confirm = slack_message(event="x", incident=base, mentions=[], incident_url=None, buttons=True)
    dismiss = [e for b in confirm["blocks"] if b["type"] == "actions" for e in b["elements"]][-1]
    assert dismiss["confirm"]["confirm"]["text"] == "Not an incident"  # a second click before it acts
