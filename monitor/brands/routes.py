"""GET /api/brands."""

from __future__ import annotations

from fastapi import APIRouter

from monitor.brands.queries import list_brands
from monitor.brands.schemas import BrandRead
from monitor.db import utcnow
from monitor.deps import SessionDep
from monitor.schemas import Page

router = APIRouter(prefix="/brands", tags=["brands"])


@router.get("", response_model=Page[BrandRead])
def get_brands(session: SessionDep) -> Page[BrandRead]:
    """Every watched brand with its last 24 hours of activity."""
    return Page[BrandRead](items=list_brands(session, now=utcnow()))
