"""The Slack app's buttons on an incident message; monitor/alerts/slack_actions.py receives the clicks.

Each button's `value` is the incident id and nothing else: a click is authenticated by Slack's
signature, and everything it acts on is read from the database, never from the message.
"""

from __future__ import annotations

from typing import Any

from monitor.alerts.views import IncidentView

ACK = "incident_ack"
ASSIGN = "incident_assign"
RESOLVE = "incident_resolve"
NOT_INCIDENT = "incident_dismiss"
ACTIONS = frozenset({ACK, ASSIGN, RESOLVE, NOT_INCIDENT})
OPEN_INCIDENT = "open_incident"  # a link button: Slack reports its clicks too; there is nothing to do

_CONFIRM_NOT_INCIDENT = {
    "title": {"type": "plain_text", "text": "Not an incident?"},
    "text": {
        "type": "mrkdwn",
        "text": "Resolves it and labels its mentions “not an incident”, so the next training learns from it.",
    },
    "confirm": {"type": "plain_text", "text": "Not an incident"},
    "deny": {"type": "plain_text", "text": "Cancel"},
}


def _button(text: str, action_id: str, incident_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": str(incident_id),
        **extra,
    }


def action_buttons(incident: IncidentView) -> list[dict[str, Any]]:
    """The buttons for the incident's state: none once resolved, no Acknowledge once acknowledged."""
    if incident.status == "resolved":
        return []
    first = (
        []
        if incident.status == "acknowledged"
        else [_button("Acknowledge", ACK, incident.id, style="primary")]
    )
    return [
        *first,
        _button("Assign to me", ASSIGN, incident.id),
        _button("Resolve", RESOLVE, incident.id),
        _button("Not an incident", NOT_INCIDENT, incident.id, confirm=_CONFIRM_NOT_INCIDENT),
    ]
