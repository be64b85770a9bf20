"""GET /api/sources: is every feed being polled, and if not, why."""

from __future__ import annotations

from fastapi import APIRouter

from monitor.deps import SessionDep
from monitor.schemas import Page
from monitor.sources.queries import list_sources
from monitor.sources.schemas import SourceRead

router = APIRouter(prefix="/sources", tags=["sources"])


@router.get("", response_model=Page[SourceRead])
def get_sources(session: SessionDep) -> Page[SourceRead]:
    """Every source with its schedule and health (a short list: never paginated)."""
    return Page[SourceRead](items=list_sources(session))
