"""GET /api/replies/stats: how long customers wait for a first answer, per brand and teammate.

Marking a post replied is POST /api/mentions/{id}/reply; the queue itself is
GET /api/mentions?reply=open (or ?needs_reply=true&replied=false).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy import select

from monitor.brands.models import Brand
from monitor.db import utcnow
from monitor.deps import SessionDep
from monitor.replies.schemas import ReplyStatsFilters, ReplyStatsRead
from monitor.replies.service import reply_stats

router = APIRouter(prefix="/replies", tags=["replies"])


@router.get("/stats", response_model=ReplyStatsRead, responses={404: {"description": "No such brand."}})
def get_stats(session: SessionDep, filters: Annotated[ReplyStatsFilters, Query()]) -> ReplyStatsRead:
    """Posts waiting now, and median / p90 time to first response over the last `days`."""
    brand_id = None
    if filters.brand is not None:
        brand_id = session.scalar(select(Brand.id).where(Brand.name == filters.brand))
        if brand_id is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"brand {filters.brand!r} not found")
    stats = reply_stats(session, now=utcnow(), days=filters.days, brand_id=brand_id)
    return ReplyStatsRead.model_validate(stats)
