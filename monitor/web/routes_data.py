"""Dashboard data views: the Mentions stream and its CSV export, Trends, and the live event stream."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams

from monitor.db import session_scope, utcnow
from monitor.deps import SessionDep
from monitor.heavy_reads import HeavySessionDep, ListSessionDep
from monitor.mentions.schemas import MentionRead
from monitor.replies.service import reply_stats
from monitor.schemas import MAX_ID, decode_cursor, to_utc
from monitor.scoring import CATEGORIES
from monitor.web.queries import (
    RANGES,
    MentionQuery,
    Stamp,
    active_incidents,
    change_stamp,
    filter_choices,
    iter_mentions,
    latest_mentions,
    search_mentions,
    trends,
)
from monitor.web.render import http_url, render, secure
from monitor.web.routes import ViewerDep, page_context

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
QUICK_RANGES = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}


# ---- mentions -----------------------------------------------------------------------------------


def _time(value: str) -> datetime:
    """ISO-8601; a time without zone (an <input type=datetime-local>) is taken as UTC."""
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else to_utc(parsed)


def parse_filters(params: QueryParams, *, now: datetime) -> MentionQuery:
    """The Mentions filters from a query string; a bad value is reported and ignored, never a 500."""
    f = MentionQuery()

    def text(name: str, limit: int = 200) -> str | None:
        value = (params.get(name) or "").strip()
        if "\x00" in value:  # PostgreSQL cannot compare with it: reported, never a 500
            f.errors.append(f"{name.replace('_', ' ').capitalize()} must not contain NUL characters.")
            return None
        return value[:limit] or None

    f.q, f.brand, f.source = text("q"), text("brand"), text("source")
    category = text("category")
    if category and category != "none" and category not in CATEGORIES:
        f.errors.append(f"Unknown category {category!r}.")
    else:
        f.category = category
    for name in ("min_sentiment", "max_sentiment"):
        raw = text(name)
        if raw is None:
            continue
        try:
            value = float(raw)
        except ValueError:
            f.errors.append(f"{name.replace('_', ' ').capitalize()} must be a number from -1 to 1.")
            continue
        setattr(f, name, max(-1.0, min(1.0, value)))
    f.incident_only = params.get("incident") in ("1", "true", "on")
    raw_id = text("incident_id")
    if raw_id is not None:
        if raw_id.isdigit() and 1 <= int(raw_id) <= MAX_ID:
            f.incident_id = int(raw_id)
        else:
            f.errors.append("Incident must be a number from 1 to 2^63-1.")
    for name in ("since", "until"):
        raw = text(name, 40)
        if raw is None:
            continue
        try:
            setattr(f, name, _time(raw))
        except ValueError:
            f.errors.append(f"{name.capitalize()} must be a date and time, e.g. 2025-03-01T09:00.")
    quick = text("range")
    if quick in QUICK_RANGES and f.since is None:
        f.since = now - QUICK_RANGES[quick]
    cursor = text("cursor", 500)
    if cursor is not None:
        try:
            decode_cursor(cursor, datetime, int)
            f.cursor = cursor
        except ValueError:
            f.errors.append("That page link is out of date; showing the newest mentions.")
    return f


@router.get("/mentions")
def mentions_page(request: Request, session: ListSessionDep, who: ViewerDep) -> Response:
    ctx = page_context(request, session, who, title="Mentions", nav="mentions")
    f = parse_filters(request.query_params, now=ctx["now"])
    items, next_cursor = search_mentions(session, f, limit=PAGE_SIZE)
    brands, sources = filter_choices(session)
    ctx.update(
        f=f,
        mentions=items,
        next_params=f.params(cursor=next_cursor) if next_cursor else None,
        first_params=f.params() if f.cursor else None,
        csv_params=f.params(),
        brands=brands,
        sources=sources,
        categories=CATEGORIES,
    )
    return render(request, "mentions.html", ctx)


CSV_COLUMNS = (
    "id",
    "published_at",
    "brand",
    "source",
    "author",
    "author_reach",
    "title",
    "text",
    "url",
    "sentiment",
    "urgency",
    "category",
    "incident",
    "incident_id",
    "needs_reply",
    "opportunity",
    "language",
    "reasons",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """Text a spreadsheet could run as a formula gets a leading quote; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_row(m: MentionRead) -> list[Any]:
    reasons = "; ".join(f"{r.cue} ({r.weight:+.2f})" for r in m.reasons)
    row = [
        m.id,
        m.published_at.isoformat(),
        m.brand,
        m.source,
        m.author or "",
        m.author_reach if m.author_reach is not None else "",
        m.title or "",
        m.text,
        m.url or "",
        round(m.sentiment, 4),
        round(m.urgency, 4),
        m.category or "",
        "yes" if m.incident else "no",
        m.incident_id or "",
        "yes" if m.needs_reply else "no",
        "yes" if m.opportunity else "no",
        m.language or "",
        reasons,
    ]
    return [csv_cell(v) for v in row]


@router.get("/mentions.csv")
def mentions_csv(request: Request, who: ViewerDep) -> Response:
    """Every mention matching the filters (not just one page), streamed in keyset batches."""
    f = parse_filters(request.query_params, now=utcnow())
    f.cursor = None
    factory = request.app.state.heavy_session_factory  # slow reads' pool, with their time limit

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        with session_scope(factory) as session:  # its own session: the response outlives the request's
            for n, mention in enumerate(iter_mentions(session, f), start=1):
                writer.writerow(_csv_row(mention))
                if n % 500 == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    stamp = utcnow().strftime("%Y%m%d-%H%M")
    response = StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="mentions-{stamp}.csv"'},
    )
    return secure(request, response)


# ---- trends -------------------------------------------------------------------------------------


@router.get("/trends")
def trends_page(request: Request, session: SessionDep, who: ViewerDep, range: str = "24h") -> Response:
    ctx = page_context(request, session, who, title="Trends", nav="trends")
    ctx.update(
        range_key=range if range in RANGES else "24h",
        ranges=RANGES,
        replies=reply_stats(session, now=ctx["now"]),
    )
    return render(request, "trends.html", ctx)


@router.get("/trends.json")
def trends_json(request: Request, session: HeavySessionDep, who: ViewerDep, range: str = "24h") -> Response:
    data = trends(session, range_key=range if range in RANGES else "24h", now=utcnow())
    return secure(request, JSONResponse(data))


# ---- live updates -------------------------------------------------------------------------------


def mention_json(m: MentionRead) -> dict[str, Any]:
    """A mention for the live view: plain data only; the browser puts it in with textContent."""
    return {
        "id": m.id,
        "brand": m.brand,
        "source": m.source,
        "author": m.author,
        "title": m.title,
        "text": m.text[:400],
        "url": http_url(m.url),
        "published_at": m.published_at.isoformat(),
        "sentiment": round(m.sentiment, 3),
        "urgency": round(m.urgency, 3),
        "category": m.category,
        "incident": m.incident,
        "incident_id": m.incident_id,
        "needs_reply": m.needs_reply,
        "opportunity": m.opportunity,
        "language": m.language,
    }


def live_payload(factory: Any, *, stamp: Stamp, after_id: int | None) -> dict[str, Any]:
    """Everything the Now page redraws: the active incidents and the mentions after `after_id`."""
    now = utcnow()
    with session_scope(factory) as session:
        incidents = active_incidents(session, now=now)
        mentions = latest_mentions(session, after_id=after_id, limit=20) if after_id is not None else []
    return {
        "stamp": stamp.token(),
        "unacknowledged": stamp.unacknowledged,
        "active": stamp.active,
        "incidents": [
            {
                "id": row.incident.id,
                "brand": row.incident.brand,
                "category": row.incident.category,
                "status": row.incident.status,
                "severity": row.incident.severity,
                "mention_count": row.incident.mention_count,
                "velocity": row.velocity,
                "first_seen_at": row.incident.first_seen_at.isoformat(),
                "last_seen_at": row.incident.last_seen_at.isoformat(),
                "acknowledged_by": row.incident.acknowledged_by,
                "assigned_to": row.incident.assigned_to,
                "regressed": row.incident.regressed,
                "sample": row.sample,
                "why": row.why,
            }
            for row in incidents
        ],
        "mentions": [mention_json(m) for m in mentions],
        "now": now.isoformat(),
    }


def _read_stamp(factory: Any) -> Stamp:
    with session_scope(factory) as session:
        return change_stamp(session)


@router.get("/events")
async def events(request: Request, who: ViewerDep, since: str | None = None) -> Response:
    """Server-Sent Events: an `update` whenever a mention arrives or an incident changes.

    Each connection polls the database (about once a second), so changes made by a worker in
    another process show up too. A connection ends after `sse_lifetime` seconds and the browser
    reconnects with Last-Event-ID; that keeps shutdowns quick and lost proxies harmless.
    """
    web = request.app.state.web
    factory = request.app.state.session_factory
    last = request.headers.get("last-event-id") or since

    async def stream() -> AsyncIterator[str]:
        known = last
        deadline = time.monotonic() + web.sse_lifetime
        next_ping = time.monotonic() + 15
        yield "retry: 1000\n\n"
        while time.monotonic() < deadline:
            if await request.is_disconnected():
                return
            stamp = await run_in_threadpool(_read_stamp, factory)
            token = stamp.token()
            if token != known:
                after = Stamp.parse_mention_id(known)
                payload = await run_in_threadpool(live_payload, factory, stamp=stamp, after_id=after)
                known = token
                yield f"id: {token}\nevent: update\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n"
            elif time.monotonic() >= next_ping:
                next_ping = time.monotonic() + 15
                yield ": ping\n\n"
            await asyncio.sleep(web.sse_tick)

    response = StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
    return secure(request, response)
