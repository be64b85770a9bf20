"""Read-only brand queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from monitor.brands.models import Brand
from monitor.brands.schemas import BrandRead
from monitor.incidents.models import Incident
from monitor.mentions.models import Mention


def list_brands(session: Session, *, now: datetime) -> Sequence[BrandRead]:
    """Every brand by name, with its mention counts over the last 24 h and its active incidents."""
    since = now - timedelta(hours=24)
    recent = (
        select(
            Mention.brand_id,
            func.count().label("total"),
            func.sum(case((Mention.is_incident, 1), else_=0)).label("flagged"),
        )
        .where(Mention.published_at >= since)
        .group_by(Mention.brand_id)
        .subquery()
    )
    active = (
        select(Incident.brand_id, func.count().label("n"))
        .where(Incident.status.in_(("open", "acknowledged")))
        .group_by(Incident.brand_id)
        .subquery()
    )
    stmt = (
        select(Brand, recent.c.total, recent.c.flagged, active.c.n)
        .outerjoin(recent, recent.c.brand_id == Brand.id)
        .outerjoin(active, active.c.brand_id == Brand.id)
        .order_by(Brand.name)
    )
    return [
        BrandRead(
            name=b.name,
            query=b.query,
            handles=[str(h) for h in b.handles or []],
            exclude=b.exclude,
            enabled=b.enabled,
            mentions_24h=total or 0,
            flagged_24h=flagged or 0,
            open_incidents=n or 0,
        )
        for b, total, flagged, n in session.execute(stmt).all()
    ]
