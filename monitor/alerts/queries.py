"""Read-only outbox queries: newest delivery first, keyset-paginated on id."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.alerts.models import AlertDelivery
from monitor.alerts.schemas import AlertDeliveryRead, AlertFilters
from monitor.schemas import Page, decode_cursor, encode_cursor


def list_deliveries(session: Session, *, filters: AlertFilters) -> Page[AlertDeliveryRead]:
    """One page of deliveries, newest first."""
    stmt = select(AlertDelivery)
    if filters.status is not None:
        stmt = stmt.where(AlertDelivery.status == filters.status)
    if filters.incident_id is not None:
        stmt = stmt.where(AlertDelivery.incident_id == filters.incident_id)
    if filters.cursor is not None:
        (last_id,) = decode_cursor(filters.cursor, int)
        stmt = stmt.where(AlertDelivery.id < last_id)
    rows = session.scalars(stmt.order_by(AlertDelivery.id.desc()).limit(filters.limit + 1)).all()
    items = [AlertDeliveryRead.model_validate(r) for r in rows[: filters.limit]]
    next_cursor = encode_cursor(rows[filters.limit - 1].id) if len(rows) > filters.limit else None
    return Page[AlertDeliveryRead](items=items, next_cursor=next_cursor)


def incident_deliveries(session: Session, *, incident_id: int) -> Sequence[AlertDeliveryRead]:
    """Every delivery for one incident, oldest first."""
    stmt = select(AlertDelivery).where(AlertDelivery.incident_id == incident_id).order_by(AlertDelivery.id)
    return [AlertDeliveryRead.model_validate(r) for r in session.scalars(stmt)]
