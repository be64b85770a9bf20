"""GET /api/alerts: the outbox and each delivery's status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from monitor.alerts.queries import list_deliveries
from monitor.alerts.schemas import AlertDeliveryRead, AlertFilters
from monitor.deps import SessionDep
from monitor.schemas import Page

router = APIRouter(prefix="/alerts", tags=["alerts"])


@router.get("", response_model=Page[AlertDeliveryRead])
def get_alerts(session: SessionDep, filters: Annotated[AlertFilters, Query()]) -> Page[AlertDeliveryRead]:
    """Alert deliveries, newest first."""
    return list_deliveries(session, filters=filters)
