"""Incidents: list, detail with timeline, and the ack / resolve / assign actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, status
from sqlalchemy.orm import Session

from monitor.db import utcnow
from monitor.deps import CallerDep, ConfigDep, SessionDep
from monitor.incidents.queries import get_incident, get_incident_detail, list_incidents
from monitor.incidents.schemas import (
    AckBody,
    AssignBody,
    IncidentDetail,
    IncidentFilters,
    IncidentRead,
    ResolveBody,
)
from monitor.schemas import WRITE_ERRORS, IdPath, Page

router = APIRouter(prefix="/incidents", tags=["incidents"])

_NOT_FOUND = {404: {"description": "No such incident."}}
_ACTION_ERRORS = (
    _NOT_FOUND | WRITE_ERRORS | {409: {"description": "Not allowed in the incident's current state."}}
)


def _not_found(incident_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"incident {incident_id} not found")


def _act(session: Session, incident_id: int, action: Callable[..., Any], **kwargs: Any) -> IncidentRead:
    """Run a service action, map its errors to 404/409, commit, and return the fresh incident."""
    try:
        action(session, incident_id=incident_id, now=utcnow(), **kwargs)
    except LookupError:
        session.rollback()
        raise _not_found(incident_id) from None
    except ValueError as exc:
        session.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    session.commit()
    incident = get_incident(session, incident_id=incident_id)
    if incident is None:  # deleted between the commit and the read
        raise _not_found(incident_id)
    return incident


@router.get("", response_model=Page[IncidentRead])
def get_incidents(session: SessionDep, filters: Annotated[IncidentFilters, Query()]) -> Page[IncidentRead]:
    """Incidents; `status=active` lists open and acknowledged ones, worst first."""
    return list_incidents(session, filters=filters)


@router.get("/{incident_id}", response_model=IncidentDetail, responses=_NOT_FOUND)
def get_one(session: SessionDep, incident_id: IdPath) -> IncidentDetail:
    """One incident with its mentions (oldest first, at most 200) and its alert deliveries."""
    detail = get_incident_detail(session, incident_id=incident_id)
    if detail is None:
        raise _not_found(incident_id)
    return detail


@router.post("/{incident_id}/ack", response_model=IncidentRead, responses=_ACTION_ERRORS)
def ack(
    session: SessionDep,
    caller: CallerDep,
    incident_id: IdPath,
    body: Annotated[AckBody | None, Body()] = None,
) -> IncidentRead:
    """Acknowledge: someone is on it."""
    from monitor.incidents.service import acknowledge

    by = (body.by if body else None) or caller
    return _act(session, incident_id, acknowledge, by=by)


@router.post("/{incident_id}/resolve", response_model=IncidentRead, responses=_ACTION_ERRORS)
def resolve(
    session: SessionDep,
    config: ConfigDep,
    caller: CallerDep,
    incident_id: IdPath,
    body: Annotated[ResolveBody | None, Body()] = None,
) -> IncidentRead:
    """Resolve, with an optional note; channels get a resolved notice if the policy says so."""
    from monitor.incidents.service import public_url
    from monitor.incidents.service import resolve as resolve_incident

    return _act(
        session,
        incident_id,
        resolve_incident,
        by=(body.by if body else None) or caller,
        note=body.note if body else None,
        channels=config.channels,
        policy=config.alerts,
        public_url=public_url(config),
    )


@router.post("/{incident_id}/assign", response_model=IncidentRead, responses=_ACTION_ERRORS)
def assign(session: SessionDep, incident_id: IdPath, body: AssignBody) -> IncidentRead:
    """Assign to a person or team; an empty `to` unassigns."""
    from monitor.incidents.service import assign as assign_incident

    return _act(session, incident_id, assign_incident, to=body.to)
