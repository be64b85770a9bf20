"""GET /api/mentions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from monitor.deps import SessionDep
from monitor.mentions.queries import list_mentions
from monitor.mentions.schemas import MentionFilters, MentionRead
from monitor.schemas import Page

router = APIRouter(prefix="/mentions", tags=["mentions"])


@router.get("", response_model=Page[MentionRead])
def get_mentions(session: SessionDep, filters: Annotated[MentionFilters, Query()]) -> Page[MentionRead]:
    """Mentions, newest first; follow `next_cursor` for older ones."""
    return list_mentions(session, filters=filters)
