"""The Reply page: posts that ask or expect the brand to answer, and marking them answered.

Questions and complaints come first, the urgent ones (urgency ≥ 0.5) on top, newest first within;
opportunities (a playful request, someone asking for a recommendation) are listed apart.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from monitor.db import utcnow
from monitor.deps import SessionDep
from monitor.mentions.queries import list_mentions
from monitor.mentions.schemas import MentionFilters, MentionRead
from monitor.replies.service import ReplyError, reply_stats, update_reply
from monitor.schemas import IdPath
from monitor.web.render import render, secure
from monitor.web.routes import CsrfField, ViewerDep, page_context
from monitor.web.session import WebError, check_csrf, safe_next

router = APIRouter(include_in_schema=False)

URGENT = 0.5  # the Now page's bar for "someone should look soon"
QUEUE_PAGE = 100
SHOWS = {"open": "Waiting", "replied": "Replied", "no_reply": "No reply needed"}


def _split(items: list[MentionRead]) -> tuple[list[MentionRead], list[MentionRead]]:
    """(questions and complaints, urgent first then newest; opportunities, newest first)."""
    # a playful request ("meet me at the gate with a steak?") asks for an answer and is a chance
    chances = [m for m in items if m.opportunity and not m.incident]
    rest = [m for m in items if m not in chances]
    rest.sort(key=lambda m: (m.urgency >= URGENT, m.published_at, m.id), reverse=True)
    return rest, chances


@router.get("/reply")
def reply_page(
    request: Request,
    session: SessionDep,
    who: ViewerDep,
    show: str = "open",
    brand: str | None = None,
    mine: bool = False,
) -> Response:
    show = show if show in SHOWS else "open"
    ctx = page_context(request, session, who, title="Reply", nav="reply")
    filters = MentionFilters(
        reply=show,  # type: ignore[arg-type]
        brand=brand or None,
        assignee=who.name if mine else None,
        limit=QUEUE_PAGE,
    )
    page = list_mentions(session, filters=filters)
    questions, chances = _split(page.items) if show == "open" else (page.items, [])
    ctx.update(
        show=show,
        shows=SHOWS,
        brand=brand or "",
        mine=mine,
        questions=questions,
        chances=chances,
        more=page.next_cursor is not None,
        stats=reply_stats(session, now=ctx["now"]),
        teammates=request.app.state.web.auth.user_names,
    )
    return render(request, "reply.html", ctx)


@router.post("/mentions/{mention_id}/reply")
def mark_reply(
    request: Request,
    session: SessionDep,
    who: ViewerDep,
    mention_id: IdPath,
    csrf: CsrfField = "",
    next: Annotated[str | None, Form(max_length=2000)] = None,
    status: Annotated[Literal["replied", "no_reply", "open"] | None, Form()] = None,
    url: Annotated[str | None, Form(max_length=2000)] = None,
    assignee: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    """One click from a Reply card: replied (with an optional link), no reply needed, or assign."""
    check_csrf(request, csrf)
    if any(v is not None and "\x00" in v for v in (url, assignee)):
        raise WebError(400, "Links and names must not contain NUL characters.")
    if status is None and assignee is None:
        raise WebError(400, "Nothing to record: choose replied, no reply needed or someone to assign.")
    link = url.strip() if url and url.strip() else None
    try:
        update_reply(
            session,
            mention_id=mention_id,
            by=who.name,
            now=utcnow(),
            status=status,
            url=link if status == "replied" else None,
            assignee=assignee,
        )
    except LookupError:
        session.rollback()
        raise WebError(404, f"There is no mention {mention_id}.") from None
    except ReplyError as exc:
        session.rollback()
        raise WebError(400, f"Not saved: {exc}.") from None
    session.commit()
    return secure(request, RedirectResponse(safe_next(next), status_code=303))
