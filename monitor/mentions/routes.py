"""GET /api/mentions, one mention, the team's label on it, and its place in the reply queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from monitor.db import utcnow
from monitor.deps import CallerDep, SessionDep
from monitor.heavy_reads import ListSessionDep
from monitor.mentions.labels import add_label
from monitor.mentions.queries import get_mention, list_mentions
from monitor.mentions.schemas import LabelBody, MentionFilters, MentionRead, ReplyBody
from monitor.replies.service import ReplyError, update_reply
from monitor.schemas import WRITE_ERRORS, IdPath, Page

router = APIRouter(prefix="/mentions", tags=["mentions"])


@router.get("", response_model=Page[MentionRead])
def get_mentions(session: ListSessionDep, filters: Annotated[MentionFilters, Query()]) -> Page[MentionRead]:
    """Mentions, newest first; follow `next_cursor` for older ones."""
    return list_mentions(session, filters=filters)


_NOT_FOUND = {404: {"description": "No such mention."}}


def _not_found(mention_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"mention {mention_id} not found")


def _committed(session: SessionDep, mention_id: int) -> MentionRead:
    """Commit a write, then answer with the mention as it now reads."""
    session.commit()
    mention = get_mention(session, mention_id=mention_id)
    if mention is None:  # deleted between the commit and the read
        raise _not_found(mention_id)
    return mention


@router.get("/{mention_id}", response_model=MentionRead, responses=_NOT_FOUND)
def get_one(session: SessionDep, mention_id: IdPath) -> MentionRead:
    """One mention, with the team's label if it has one."""
    mention = get_mention(session, mention_id=mention_id)
    if mention is None:
        raise _not_found(mention_id)
    return mention


@router.post("/{mention_id}/label", response_model=MentionRead, responses=_NOT_FOUND | WRITE_ERRORS)
def label(session: SessionDep, caller: CallerDep, mention_id: IdPath, body: LabelBody) -> MentionRead:
    """Correct the score (any of incident, category, needs_reply, opportunity); `monitor train` learns it."""
    try:
        add_label(
            session,
            mention_id=mention_id,
            by=body.by or caller,
            now=utcnow(),
            incident=body.incident,
            category=body.category,
            needs_reply=body.needs_reply,
            opportunity=body.opportunity,
        )
    except LookupError:
        session.rollback()
        raise _not_found(mention_id) from None
    return _committed(session, mention_id)


@router.post("/{mention_id}/reply", response_model=MentionRead, responses=_NOT_FOUND | WRITE_ERRORS)
def reply(session: SessionDep, caller: CallerDep, mention_id: IdPath, body: ReplyBody) -> MentionRead:
    """Mark a post replied (with a link to the reply), no_reply, or open again; or assign it."""
    try:
        update_reply(
            session,
            mention_id=mention_id,
            by=body.by or caller,
            now=utcnow(),
            status=body.status,
            url=body.url,
            assignee=body.assignee,
        )
    except LookupError:
        session.rollback()
        raise _not_found(mention_id) from None
    except ReplyError as exc:
        session.rollback()
        # the shape of FastAPI's own validation errors, so clients parse one kind of 422
        detail = [{"loc": ["body", exc.field], "msg": str(exc), "type": "value_error"}]
        raise HTTPException(422, detail=detail) from None
    return _committed(session, mention_id)
