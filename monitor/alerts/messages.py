"""Alert messages, built before anything is sent (sentry's `message_builder`): pure, no I/O.

`slack_message` gives Slack Block Kit; `webhook_payload` a stable JSON document for any receiver;
`source_notice` either, for a source that starts failing or recovers; `stamp_delivery` adds the
delivery id (webhook `id`) or a short reference (Slack) that a resend repeats. Views are small frozen
copies of the ORM rows, so building a message never touches the database.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

from monitor.alerts.slack_buttons import OPEN_INCIDENT, action_buttons
from monitor.alerts.views import IncidentView, MentionView, SourceView
from monitor.alerts.wording import author_name, category_label, reason_evidence, reason_phrase
from monitor.scoring.taxonomy import SPIKE_CATEGORY

__all__ = [
    "IncidentView",
    "MentionView",
    "SourceView",
    "delivery_ref",
    "slack_message",
    "source_notice",
    "stamp_delivery",
    "webhook_payload",
]

INCIDENT_OPENED = "incident.opened"
INCIDENT_ESCALATED = "incident.escalated"
INCIDENT_RESOLVED = "incident.resolved"
INCIDENT_REGRESSED = "incident.regressed"
SOURCE_FAILING = "source.failing"
SOURCE_AUTH_FAILED = "source.auth_failed"
SOURCE_RECOVERED = "source.recovered"

MAX_MENTIONS = 5  # Slack shows a handful well; the dashboard has the rest
QUOTE_CHARS = 280
WEBHOOK_TEXT_CHARS = 2000  # bounds the webhook body; the API has the full text
TOP_REASONS = 3
# Slack's limits: header 150 chars, section text 3000, button text 75 (Block Kit reference).
_HEADER_MAX, _SECTION_MAX, _BUTTON_URL_MAX = 150, 3000, 3000
_SPIKE_WHY_MAX = 600  # a spike's reason carries its three most repeated phrases

_EVENT_LABELS = {
    "opened": "new",
    "new": "new",
    "escalated": "escalated",
    "resolved": "resolved",
    "regressed": "regressed",
    "updated": "updated",
    "failing": "failing",
    "auth_failed": "authentication failed",
    "recovered": "recovered",
}
_SEVERITY_EMOJI = {
    1: ":red_circle:",
    2: ":large_orange_circle:",
    3: ":large_yellow_circle:",
    4: ":white_circle:",
}


# --- text helpers -----------------------------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Escape the three characters Slack mrkdwn treats as control characters (& < >)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    """One line of at most `limit` characters, cut on a word boundary when one is near."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.7:
        cut = cut[:space]
    return cut.rstrip(" .,;:") + "…"


def event_label(event: str) -> str:
    """`incident.opened` → `new`, `source.auth_failed` → `authentication failed`."""
    tail = event.rsplit(".", 1)[-1]
    return _EVENT_LABELS.get(tail, tail.replace("_", " "))


def severity_label(severity: int) -> str:
    return f"SEV{severity}"


def _safe_url(url: str | None) -> str | None:
    """http(s) links only, with the characters that would break `<url|label>` percent-encoded."""
    if not url or not re.match(r"^https?://", url, re.IGNORECASE):
        return None
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~-._")


def _link(url: str | None, label: str) -> str:
    safe = _safe_url(url)
    label = slack_escape(truncate(label, 120)).replace("|", "¦")
    return f"<{safe}|{label}>" if safe else label


def _human_number(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    if n >= 10_000:
        return f"{n / 1000:.0f}k"
    return f"{n:,}"


def _slack_date(when: datetime | None) -> str:
    """A date Slack shows in the reader's time zone, with a UTC fallback."""
    if when is None:
        return "never"
    fallback = when.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def top_reasons(reasons: Sequence[Mapping[str, Any]], n: int = TOP_REASONS) -> list[Mapping[str, Any]]:
    """The cues that weighed most, strongest first."""

    def weight(r: Mapping[str, Any]) -> float:
        try:
            return abs(float(r.get("weight") or 0))
        except (TypeError, ValueError):
            return 0.0

    return sorted(reasons, key=weight, reverse=True)[:n]


def _reason_text(r: Mapping[str, Any]) -> str:
    text = slack_escape(reason_phrase(r))
    evidence = reason_evidence(r)
    if evidence:
        text += f" “{slack_escape(evidence)}”"
    return text


# --- Slack -----------------------------------------------------------------------------------------


def _mention_blocks(m: MentionView) -> list[dict[str, Any]]:
    label = m.title or m.source or "mention"
    head = f"*{_link(m.url, label)}*"
    quote_text = slack_escape(truncate(m.text, QUOTE_CHARS)) or "_(no text)_"
    context = []
    if m.source:
        context.append(slack_escape(m.source))
    name = author_name(m.author)
    if name:
        who = slack_escape(truncate(name, 80))
        if m.author_reach:
            who += f" ({_human_number(m.author_reach)} followers)"
        context.append(who)
    context.append(_slack_date(m.published_at))
    reasons = top_reasons(m.reasons)
    if reasons:
        context.append("why: " + ", ".join(_reason_text(r) for r in reasons))
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{head}\n>{quote_text}"[:_SECTION_MAX]}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(context)[:_SECTION_MAX]}]},
    ]


def _handling_line(incident: IncidentView) -> str | None:
    """Who acknowledged, is assigned, resolved it, and when."""
    parts = []
    if incident.acknowledged_by:
        when = _slack_date(incident.acknowledged_at)
        parts.append(f"Acknowledged by {slack_escape(incident.acknowledged_by)} {when}")
    if incident.assigned_to:
        parts.append(f"Assigned to {slack_escape(incident.assigned_to)}")
    if incident.status == "resolved" and incident.resolved_by:
        parts.append(f"Resolved by {slack_escape(incident.resolved_by)} {_slack_date(incident.resolved_at)}")
    return " · ".join(parts)[:_SECTION_MAX] if parts else None


def slack_message(
    *,
    event: str,
    incident: IncidentView,
    mentions: Sequence[MentionView],
    incident_url: str | None,
    why: str | None = None,
    buttons: bool = False,
) -> dict[str, Any]:
    """A Slack Block Kit message for an incident's state change; `why`: the policy's reason, in words.

    `buttons`: the Slack app is configured, so the message carries the incident's action buttons and
    a line saying who is handling it.
    """
    label, cat, sev = event_label(event), category_label(incident.category), severity_label(incident.severity)
    emoji = (
        ":white_check_mark:" if label == "resolved" else _SEVERITY_EMOJI.get(incident.severity, ":warning:")
    )
    header = truncate(f"{emoji} {sev} {cat} at {incident.brand} — {label}", _HEADER_MAX)
    plural = "mention" if incident.mention_count == 1 else "mentions"
    fallback = f"{sev} {cat.lower()} at {incident.brand}: {incident.mention_count} {plural} ({label})"
    fields = [f"*Mentions*\n{incident.mention_count}"]
    if incident.reach > 0:  # unknown reach is not "0 people saw it"
        fields.append(f"*Reach*\n{_human_number(incident.reach)}")
    fields += [
        f"*First seen*\n{_slack_date(incident.first_seen_at)}",
        f"*Last seen*\n{_slack_date(incident.last_seen_at)}",
    ]
    spike = incident.category == SPIKE_CATEGORY
    if why and not spike:
        fields.append(f"*Why now*\n{slack_escape(truncate(why, 200))}")
    status = incident.status + (" (regressed)" if incident.regressed else "")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header, "emoji": True}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"*{slack_escape(incident.brand)}* · {cat} · {sev} · status: {status} · "
                    f"incident #{incident.id}",
                }
            ],
        },
    ]
    if why and spike:  # a surge of unknown content: its numbers and most repeated phrases come first
        what = f"*What is happening*\n{slack_escape(truncate(why, _SPIKE_WHY_MAX))}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": what}})
    shown = list(mentions)[:MAX_MENTIONS]
    if shown:
        blocks.append({"type": "divider"})
        for m in shown:
            blocks.extend(_mention_blocks(m))
        if len(mentions) > len(shown):
            more = len(mentions) - len(shown)
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"…and {more} more"}]})
    elements = action_buttons(incident) if buttons else []
    handling = _handling_line(incident) if buttons else None
    if handling:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": handling}]})
    url = _safe_url(incident_url)
    if url and len(url) <= _BUTTON_URL_MAX:
        button = {
            "type": "button",
            "text": {"type": "plain_text", "text": "Open incident"},
            "url": url,
            "action_id": OPEN_INCIDENT,
        }
        if incident.severity <= 2 and label != "resolved" and not elements:
            button["style"] = "danger"
        elements.append(button)
    if elements:
        blocks.append({"type": "actions", "elements": elements})
    return {"text": slack_escape(fallback), "blocks": blocks}


# --- generic webhook -------------------------------------------------------------------------------


def _incident_json(incident: IncidentView, incident_url: str | None) -> dict[str, Any]:
    return {
        "id": incident.id,
        "brand": incident.brand,
        "category": incident.category,
        "category_label": category_label(incident.category),
        "severity": incident.severity,
        "severity_label": severity_label(incident.severity),
        "status": incident.status,
        "mention_count": incident.mention_count,
        "reach": incident.reach or None,  # null: unknown (no author reach was given)
        "first_seen_at": _iso(incident.first_seen_at),
        "last_seen_at": _iso(incident.last_seen_at),
        "regressed": incident.regressed,
        "url": incident_url,
    }


def _mention_json(m: MentionView) -> dict[str, Any]:
    return {
        "id": m.id,
        "title": m.title,
        "text": m.text if len(m.text) <= WEBHOOK_TEXT_CHARS else truncate(m.text, WEBHOOK_TEXT_CHARS),
        "url": m.url,
        "author": m.author,
        "author_reach": m.author_reach,
        "source": m.source,
        "published_at": _iso(m.published_at),
        "sentiment": m.sentiment,
        "urgency": m.urgency,
        "reasons": [
            {
                "cue": r.get("cue"),
                "weight": r.get("weight"),
                "evidence": r.get("evidence"),
                "text": reason_phrase(r),
            }
            for r in m.reasons
        ],
    }


def webhook_payload(
    *,
    event: str,
    incident: IncidentView,
    mentions: Sequence[MentionView],
    incident_url: str | None,
    delivery_key: str,
    why: str | None = None,
) -> dict[str, Any]:
    """The generic JSON body; `id` equals the `X-Monitor-Delivery` header, for receivers to dedupe on."""
    return {
        "event": event,
        "id": delivery_key,
        "incident": _incident_json(incident, incident_url),
        "mentions": [_mention_json(m) for m in list(mentions)[:MAX_MENTIONS]],
        "incident_url": incident_url,
        "reason": why,
    }


# --- delivery identity -----------------------------------------------------------------------------


def delivery_ref(delivery_key: str) -> str:
    """A short reference for one message, the same on every retry: 10 hex digits of its key's SHA-256."""
    return hashlib.sha256(delivery_key.encode()).hexdigest()[:10]


def stamp_delivery(payload: dict[str, Any], *, kind: str, delivery_key: str) -> dict[str, Any]:
    """The body as sent: a webhook's `id` is the delivery id; a Slack message ends with its reference.

    Slack incoming webhooks take no idempotency key and cannot edit a message, so a resend after a
    lost `200` posts again; the reference line lets a reader (or a bot) see it is the same alert.
    The result depends only on the arguments, so every retry sends identical bytes.
    """
    if kind == "webhook":
        return payload | {"id": delivery_key}
    line = f"ref {delivery_ref(delivery_key)} · a message with the same ref is a resend of this one"
    if "blocks" not in payload:
        return payload | {"text": f"{payload.get('text', '')}\n_{line}_".lstrip("\n")}
    footer = {"type": "context", "elements": [{"type": "mrkdwn", "text": line}]}
    return payload | {"blocks": [*payload["blocks"], footer]}


# --- source health ---------------------------------------------------------------------------------


def source_notice(
    *,
    event: str,
    source: SourceView,
    kind: Literal["slack", "webhook"],
    delivery_key: str | None = None,
) -> dict[str, Any]:
    """A notice that a source started failing, lost its credentials or recovered."""
    label = event_label(event)
    reason = truncate(source.last_error, 300) if source.last_error else None
    if kind == "webhook":
        return {
            "event": event,
            "id": delivery_key,
            "source": {
                "id": source.id,
                "name": source.name,
                "kind": source.kind,
                "state": source.state,
                "error_class": source.error_class,
                "reason": reason,
                "consecutive_errors": source.consecutive_errors,
                "last_success_at": _iso(source.last_success_at),
                "last_error_at": _iso(source.last_error_at),
            },
        }
    recovered = label == "recovered"
    emoji = ":white_check_mark:" if recovered else ":warning:"
    header = truncate(f"{emoji} Source {source.name} ({source.kind}) — {label}", _HEADER_MAX)
    lines = [f"*State:* {slack_escape(source.state)}"]
    if not recovered:
        if source.error_class:
            lines.append(f"*Error:* {slack_escape(source.error_class)}")
        if reason:
            lines.append(f"*Reason:* {slack_escape(reason)}")
        if source.consecutive_errors:
            lines.append(f"*Consecutive errors:* {source.consecutive_errors}")
    lines.append(f"*Last success:* {_slack_date(source.last_success_at)}")
    if label == "authentication failed":
        lines.append("_Mentions from this source are not being collected until its credentials are fixed._")
    fallback = f"Source {source.name} ({source.kind}): {label}" + (
        f" — {reason}" if reason and not recovered else ""
    )
    return {
        "text": slack_escape(truncate(fallback, 300)),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": header, "emoji": True}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:_SECTION_MAX]}},
        ],
    }
