"""Dashboard pages: Now, Incident (with its actions), Sources, and sign-in."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from monitor.db import utcnow
from monitor.deps import SessionDep
from monitor.incidents.queries import get_incident_detail
from monitor.mentions.labels import add_label
from monitor.schemas import IdPath
from monitor.scoring import CATEGORIES
from monitor.web.checklists import GENERAL, checklist
from monitor.web.queries import active_incidents, change_stamp, latest_mentions, sources_health
from monitor.web.render import BAD_SOURCE_STATES, render, secure
from monitor.web.session import (
    Authenticator,
    Viewer,
    WebError,
    check_csrf,
    current_session,
    end_session,
    new_session,
    replace_session,
    safe_next,
    viewer,
)

router = APIRouter(include_in_schema=False)
ViewerDep = Annotated[Viewer, Depends(viewer)]
CsrfField = Annotated[str, Form(max_length=200)]

DONE_MESSAGES = {  # fixed texts: nothing from the query string is echoed into the page
    "ack": "Acknowledged.",
    "assign": "Assignment saved.",
    "resolve": "Resolved.",
}


def page_context(request: Request, session: Session, who: Viewer, *, title: str, nav: str) -> dict[str, Any]:
    """What every page's layout needs: the viewer, the nav state and the unacknowledged count."""
    stamp = change_stamp(session)
    prefix = f"({stamp.unacknowledged}) " if stamp.unacknowledged else ""
    return {
        "viewer": who,
        "nav": nav,
        "stamp": stamp,
        "page_title": title,
        "title": f"{prefix}{title} · Brand monitor",
        "now": utcnow(),
        # Where a form on this page sends the person back to (a path on this site, query kept).
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }


def source_problems(session: Session, now: datetime) -> list[Any]:
    """Sources that are failing or have gone quiet for much longer than their interval."""
    return [s for s in sources_health(session) if s.enabled and source_flag(s, now)]


def source_flag(src: Any, now: datetime) -> str | None:
    """Why a source needs a look: its error state, or silence: no success for 3 intervals."""
    if src.state in BAD_SOURCE_STATES:
        return src.state
    if src.state in ("degraded", "rate_limited"):
        return src.state
    quiet_for = timedelta(seconds=3 * max(src.current_interval_seconds, 60))
    if src.last_success_at is not None and now - src.last_success_at > quiet_for:
        return "silent"
    return None


@router.get("/")
def now_page(request: Request, session: SessionDep, who: ViewerDep) -> Response:
    ctx = page_context(request, session, who, title="Now", nav="now")
    now = ctx["now"]
    ctx.update(
        incidents=active_incidents(session, now=now),
        mentions=latest_mentions(session, limit=20),
        problems=source_problems(session, now),
    )
    return render(request, "now.html", ctx)


@router.get("/incidents/{incident_id}")
def incident_page(
    request: Request, session: SessionDep, who: ViewerDep, incident_id: IdPath, done: str | None = None
) -> Response:
    detail = get_incident_detail(session, incident_id=incident_id)
    if detail is None:
        raise WebError(404, f"There is no incident {incident_id}.")
    ctx = page_context(request, session, who, title=f"Incident {incident_id}", nav="incident")
    now = ctx["now"]
    ack_delta = (detail.acknowledged_at or now) - detail.opened_at
    resolve_delta = (detail.resolved_at or now) - detail.opened_at
    auth: Authenticator = request.app.state.web.auth
    ctx.update(
        incident=detail,
        steps=checklist(detail.category),
        general_steps=GENERAL,
        time_to_ack=ack_delta,
        time_to_resolve=resolve_delta,
        teammates=auth.user_names,
        done=DONE_MESSAGES.get(done or ""),
        timeline_capped=len(detail.mentions) >= 200,
    )
    return render(request, "incident.html", ctx)


def _act(
    request: Request, session: Session, incident_id: int, action: str, next_url: str, **kw: Any
) -> Response:
    from monitor.incidents import service

    if any(isinstance(v, str) and "\x00" in v for v in kw.values()):  # PostgreSQL cannot store one
        raise WebError(400, "Names and notes must not contain NUL characters.")
    try:
        getattr(service, action)(session, incident_id=incident_id, now=utcnow(), **kw)
    except LookupError:
        session.rollback()
        raise WebError(404, f"There is no incident {incident_id}.") from None
    except ValueError as exc:
        session.rollback()
        raise WebError(409, f"Not done: {exc}.") from None
    session.commit()
    return secure(request, RedirectResponse(next_url, status_code=303))


def _back(next_url: str | None, incident_id: int, done: str) -> str:
    """Back to the Now page when the action came from there, else to the incident."""
    return "/" if next_url == "/" else f"/incidents/{incident_id}?done={done}"


@router.post("/incidents/{incident_id}/ack")
def ack_incident(
    request: Request,
    session: SessionDep,
    who: ViewerDep,
    incident_id: IdPath,
    csrf: CsrfField = "",
    next: Annotated[str | None, Form(max_length=500)] = None,
) -> Response:
    check_csrf(request, csrf)
    return _act(request, session, incident_id, "acknowledge", _back(next, incident_id, "ack"), by=who.name)


@router.post("/incidents/{incident_id}/assign")
def assign_incident(
    request: Request,
    session: SessionDep,
    who: ViewerDep,
    incident_id: IdPath,
    csrf: CsrfField = "",
    to: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf)
    return _act(request, session, incident_id, "assign", _back(None, incident_id, "assign"), to=to)


@router.post("/incidents/{incident_id}/resolve")
def resolve_incident(
    request: Request,
    session: SessionDep,
    who: ViewerDep,
    incident_id: IdPath,
    csrf: CsrfField = "",
    note: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    from monitor.incidents.service import public_url

    check_csrf(request, csrf)
    config = request.app.state.config
    return _act(
        request,
        session,
        incident_id,
        "resolve",
        _back(None, incident_id, "resolve"),
        by=who.name,
        note=note.strip() or None,
        channels=config.channels,
        policy=config.alerts,
        public_url=public_url(config),
    )


@router.get("/sources")
def sources_page(request: Request, session: SessionDep, who: ViewerDep) -> Response:
    ctx = page_context(request, session, who, title="Sources", nav="sources")
    now = ctx["now"]
    rows = [(s, source_flag(s, now) if s.enabled else None) for s in sources_health(session)]
    ctx.update(sources=rows, failing=sum(1 for _, flag in rows if flag))
    return render(request, "sources.html", ctx)


# ---- sign-in ------------------------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    auth: Authenticator = request.app.state.web.auth
    if auth.open:
        return secure(request, RedirectResponse("/", status_code=303))
    return _login_page(request, name="", next=next, error=None, status_code=200)


def _flag(value: str | None, name: str) -> bool | None:
    if value in (None, ""):
        return None
    if value in ("true", "false"):
        return value == "true"
    raise WebError(400, f"{name} must be true or false.")


@router.post("/mentions/{mention_id}/label")
def label_mention(
    request: Request,
    session: SessionDep,
    who: ViewerDep,
    mention_id: IdPath,
    csrf: CsrfField = "",
    next: Annotated[str | None, Form(max_length=2000)] = None,
    incident: Annotated[str | None, Form(max_length=5)] = None,
    category: Annotated[str | None, Form(max_length=30)] = None,
    needs_reply: Annotated[str | None, Form(max_length=5)] = None,
    opportunity: Annotated[str | None, Form(max_length=5)] = None,
) -> Response:
    """One click from a mention card: record the correction, then back to the same place."""
    check_csrf(request, csrf)
    if category is not None and category not in CATEGORIES:
        raise WebError(400, "Unknown category.")
    fields = {
        "incident": _flag(incident, "incident"),
        "category": category or None,
        "needs_reply": _flag(needs_reply, "needs_reply"),
        "opportunity": _flag(opportunity, "opportunity"),
    }
    if all(v is None for v in fields.values()):
        raise WebError(400, "Nothing to record: choose a label.")
    try:
        add_label(session, mention_id=mention_id, by=who.name, now=utcnow(), **fields)
    except LookupError:
        session.rollback()
        raise WebError(404, f"There is no mention {mention_id}.") from None
    session.commit()
    return secure(request, RedirectResponse(f"{safe_next(next)}#m{mention_id}", status_code=303))


def _login_page(
    request: Request, *, name: str, next: str | None, error: str | None, status_code: int
) -> Response:
    context = {
        "csrf": current_session(request).csrf,
        "next": safe_next(next),
        "error": error,
        "name": name,
        "title": "Sign in · Brand monitor",
    }
    return render(request, "login.html", context, status_code=status_code)


@router.post("/login")
def login(
    request: Request,
    csrf: CsrfField = "",
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str | None, Form(max_length=500)] = None,
) -> Response:
    check_csrf(request, csrf)
    web = request.app.state.web
    address = request.client.host if request.client else "unknown"
    wait = web.throttle.retry_after(address, name)
    if wait is not None:  # refused before the password is even looked at
        response = _login_page(
            request,
            name=name,
            next=next,
            error=f"Too many failed sign-ins. Try again in {wait} seconds.",
            status_code=429,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    user = web.auth.authenticate(name, password)
    if user is None:
        web.throttle.failed(address, name)
        return _login_page(request, name=name, next=next, error="Wrong name or password.", status_code=401)
    web.throttle.succeeded(name)
    replace_session(request, new_session(user))  # a fresh token: nothing from before sign-in carries over
    return secure(request, RedirectResponse(safe_next(next), status_code=303))


@router.post("/logout")
def logout(request: Request, csrf: CsrfField = "") -> Response:
    check_csrf(request, csrf)
    end_session(request)  # server-side: a copy of the old cookie no longer signs anyone in
    return secure(request, RedirectResponse("/login", status_code=303))
