"""Read-only incident queries; actions live in `monitor.incidents.service`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select, tuple_
from sqlalchemy.orm import Session

from monitor.alerts.queries import incident_deliveries
from monitor.brands.models import Brand
from monitor.incidents.models import Incident
from monitor.incidents.schemas import IncidentDetail, IncidentFilters, IncidentRead
from monitor.mentions.queries import id_by_name, incident_timeline
from monitor.schemas import Page, decode_cursor, encode_cursor

ACTIVE = ("open", "acknowledged")


def to_read(incident: Incident, brand: str) -> IncidentRead:
    """The API view of an incident row."""
    data = {name: getattr(incident, name) for name in IncidentRead.model_fields if name != "brand"}
    return IncidentRead(brand=brand, **data)


def list_incidents(session: Session, *, filters: IncidentFilters) -> Page[IncidentRead]:
    """One page of incidents: active ones worst first, otherwise most recently seen first."""
    stmt = select(Incident, Brand.name).join(Brand, Brand.id == Incident.brand_id)
    if filters.status == "active":
        stmt = stmt.where(Incident.status.in_(ACTIVE))
    elif filters.status is not None:
        stmt = stmt.where(Incident.status == filters.status)
    if filters.brand is not None:
        # resolved first, so the filter is on the indexed incidents.brand_id; unknown: an empty page
        brand_id = id_by_name(session, Brand.name, filters.brand)
        if brand_id is None:
            return Page[IncidentRead](items=[], next_cursor=None)
        stmt = stmt.where(Incident.brand_id == brand_id)
    if filters.category is not None:
        stmt = stmt.where(Incident.category == filters.category)
    by_severity = filters.status == "active"
    if filters.cursor is not None:
        severity, last_seen, last_id = decode_cursor(filters.cursor, int, datetime, int)
        # a row value, an index condition like the mentions cursor; severity sorts the other way
        after_seen = tuple_(Incident.last_seen_at, Incident.id) < (last_seen, last_id)
        if by_severity:
            after_seen = or_(Incident.severity > severity, and_(Incident.severity == severity, after_seen))
        stmt = stmt.where(after_seen)
    order = [Incident.last_seen_at.desc(), Incident.id.desc()]
    if by_severity:
        order.insert(0, Incident.severity.asc())
    rows = session.execute(stmt.order_by(*order).limit(filters.limit + 1)).all()
    items = [to_read(i, brand) for i, brand in rows[: filters.limit]]
    next_cursor = None
    if len(rows) > filters.limit:
        last = rows[filters.limit - 1][0]
        next_cursor = encode_cursor(last.severity, last.last_seen_at, last.id)
    return Page[IncidentRead](items=items, next_cursor=next_cursor)


def get_incident(session: Session, *, incident_id: int) -> IncidentRead | None:
    """One incident, or None."""
    row = session.execute(
        select(Incident, Brand.name)
        .join(Brand, Brand.id == Incident.brand_id)
        .where(Incident.id == incident_id)
    ).first()
    return to_read(row[0], row[1]) if row else None


def get_incident_detail(session: Session, *, incident_id: int) -> IncidentDetail | None:
    """One incident with its timeline and deliveries, or None."""
    incident = get_incident(session, incident_id=incident_id)
    if incident is None:
        return None
    return IncidentDetail(
        **incident.model_dump(),
        mentions=incident_timeline(session, incident_id=incident_id),
        deliveries=incident_deliveries(session, incident_id=incident_id),
    )
