"""Alert deliveries (the outbox) as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from monitor.schemas import MAX_ID, check_cursor

DeliveryStatus = Literal["pending", "delivered", "failed", "cancelled"]


class AlertDeliveryRead(BaseModel):
    """One message to one channel, and how sending it went."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: str
    event: str
    incident_id: int | None
    source_id: int | None
    status: str
    attempts: int
    last_status: int | None = Field(description="HTTP status of the last attempt.")
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime


class AlertFilters(BaseModel):
    """Query parameters of GET /api/alerts."""

    status: DeliveryStatus | None = None
    incident_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    limit: int = Field(default=50, ge=1, le=500)
    cursor: Annotated[str | None, check_cursor(int)] = None
