"""Plain-text/Markdown messages for Apprise channels (email, Teams, Discord, Telegram, ...). Pure.

Apprise turns one title and one Markdown body into each service's own form, so these carry what a
reader needs without Slack's markup: the brand, what is happening, why now, the telling posts and
a link. The payload is `{"title", "text"}`; `stamp_delivery` appends the resend reference to the text.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from monitor.alerts.messages import QUOTE_CHARS, event_label, severity_label, truncate
from monitor.alerts.views import IncidentView, MentionView, SourceView
from monitor.alerts.wording import author_name, category_label, reason_phrase

TITLE_CHARS = 150
MESSAGE_MENTIONS = 2  # the two most telling posts; the link has the rest


def _escape(text: str) -> str:
    """A post's words as text, not markup: Apprise renders Markdown (and raw HTML in it) for email."""
    return html.escape(text, quote=False)


def _number(n: int) -> str:
    return f"{n:,}"


def _mention_lines(m: MentionView) -> list[str]:
    head = m.title or m.source or "Mention"
    who = author_name(m.author)
    meta = [_escape(part) for part in (m.source, who) if part]
    if m.author_reach:
        meta.append(f"{_number(m.author_reach)} followers")
    meta.append(m.published_at.strftime("%Y-%m-%d %H:%M UTC"))
    lines = [f"**{_escape(truncate(head, 120))}**" + (f" — {_escape(m.url)}" if m.url else "")]
    lines.append("> " + (_escape(truncate(m.text, QUOTE_CHARS)) or "(no text)"))
    lines.append(" · ".join(meta))
    phrases = [reason_phrase(r) for r in m.reasons[:3]]
    if phrases:
        lines.append("why: " + ", ".join(p for p in phrases if p))
    return lines


def plain_message(
    *,
    event: str,
    incident: IncidentView,
    mentions: Sequence[MentionView],
    incident_url: str | None,
    why: str | None = None,
) -> dict[str, Any]:
    """An incident's state change as a title and a Markdown body."""
    label, cat, sev = event_label(event), category_label(incident.category), severity_label(incident.severity)
    title = truncate(f"{sev} {cat} at {incident.brand} — {label}", TITLE_CHARS)
    plural = "mention" if incident.mention_count == 1 else "mentions"
    lines = [f"**{cat}** at **{incident.brand}**: {incident.mention_count} {plural}, {sev}, {label}."]
    if why:
        lines.append(f"Why now: {truncate(why, 200)}")
    if incident.reach > 0:  # unknown reach is not "0 people saw it"
        lines.append(f"Reach: {_number(incident.reach)}")
    first, last = (f"{t:%Y-%m-%d %H:%M} UTC" for t in (incident.first_seen_at, incident.last_seen_at))
    lines.append(f"First seen {first}, last seen {last}.")
    for m in list(mentions)[:MESSAGE_MENTIONS]:
        lines += ["", *_mention_lines(m)]
    if incident_url:
        lines += ["", f"Open incident #{incident.id}: {incident_url}"]
    return {"title": title, "text": "\n".join(lines)}


def plain_source_notice(*, event: str, source: SourceView) -> dict[str, Any]:
    """A source that started failing, lost its credentials or recovered, as a title and body."""
    label = event_label(event)
    lines = [f"State: {source.state}"]
    if label != "recovered":
        if source.error_class:
            lines.append(f"Error: {source.error_class}")
        if source.last_error:
            lines.append(f"Reason: {truncate(source.last_error, 300)}")
    when = source.last_success_at.strftime("%Y-%m-%d %H:%M UTC") if source.last_success_at else "never"
    lines.append(f"Last success: {when}")
    return {
        "title": truncate(f"Source {source.name} ({source.kind}) — {label}", TITLE_CHARS),
        "text": "\n".join(lines),
    }
