"""The daily digest's content and its three forms (Slack Block Kit, webhook JSON, Markdown). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from monitor.alerts.messages import slack_escape, truncate
from monitor.alerts.views import IncidentView
from monitor.alerts.wording import category_label

_SECTION_MAX = 3000  # Slack's limit on a section's text


@dataclass(frozen=True)
class BrandDay:
    brand: str
    mentions: int
    incidents: int
    replies: int
    median_reply_minutes: float | None


@dataclass(frozen=True)
class TopIncident:
    incident: IncidentView
    url: str | None


@dataclass(frozen=True)
class Digest:
    day: date  # the channel's local date
    since: datetime
    until: datetime
    brands: list[BrandDay]
    top: list[TopIncident]


def _count(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} " + (word if n == 1 else plural or f"{word}s")


def _wait(minutes: float) -> str:
    if minutes < 90:
        return f"{minutes:.0f} min"
    return f"{minutes / 60:.1f} h"


def brand_line(b: BrandDay) -> str:
    """'Acme: 42 mentions, 2 incidents, 5 replies (median 38 min)'."""
    line = f"{b.brand}: {_count(b.mentions, 'mention')}, {_count(b.incidents, 'incident')}"
    if b.replies:
        line += f", {_count(b.replies, 'reply', 'replies')}"
        if b.median_reply_minutes is not None:
            line += f" (median {_wait(b.median_reply_minutes)})"
    return line


def incident_line(top: TopIncident) -> str:
    i = top.incident
    mentions = _count(i.mention_count, "mention")
    return f"SEV{i.severity} {category_label(i.category)} at {i.brand}, {mentions}, {i.status} (#{i.id})"


def title(d: Digest) -> str:
    return f"Daily digest for {d.day.isoformat()}: the last 24 hours"


def render_digest(d: Digest, *, kind: str, delivery_key: str) -> dict[str, Any]:
    """The digest as the channel's kind expects it."""
    if kind == "webhook":
        return _webhook(d, delivery_key)
    if kind == "slack":
        return _slack(d)
    return _markdown(d)


def _webhook(d: Digest, delivery_key: str) -> dict[str, Any]:
    return {
        "event": "digest.daily",
        "id": delivery_key,
        "date": d.day.isoformat(),
        "since": d.since.isoformat(),
        "until": d.until.isoformat(),
        "brands": [
            {
                "brand": b.brand,
                "mentions": b.mentions,
                "incidents": b.incidents,
                "replies": b.replies,
                "median_reply_minutes": b.median_reply_minutes,
            }
            for b in d.brands
        ],
        "top_incidents": [
            {
                "id": t.incident.id,
                "brand": t.incident.brand,
                "category": t.incident.category,
                "severity": t.incident.severity,
                "status": t.incident.status,
                "mention_count": t.incident.mention_count,
                "url": t.url,
            }
            for t in d.top
        ],
    }


def _slack(d: Digest) -> dict[str, Any]:
    brands = "\n".join(f"• {slack_escape(brand_line(b))}" for b in d.brands) or "_No brands configured._"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": truncate(f":newspaper: {title(d)}", 150)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": brands[:_SECTION_MAX]}},
    ]
    if d.top:
        lines = []
        for i in d.top:
            text = slack_escape(incident_line(i))
            lines.append(
                f"• <{i.url}|{text}>" if i.url and i.url.startswith(("http://", "https://")) else f"• {text}"
            )
        top = "*Top incidents*\n" + "\n".join(lines)
    else:
        top = "*Top incidents*\nNone in the last 24 hours."
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": top[:_SECTION_MAX]}})
    return {"text": slack_escape(title(d)), "blocks": blocks}


def _markdown(d: Digest) -> dict[str, Any]:
    lines = [f"- {brand_line(b)}" for b in d.brands] or ["No brands configured."]
    lines += ["", "**Top incidents**"]
    lines += [f"- {incident_line(i)}" + (f": {i.url}" if i.url else "") for i in d.top] or [
        "None in the last 24 hours."
    ]
    return {"title": title(d), "text": "\n".join(lines)}
