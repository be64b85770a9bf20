"""Incidents as the API shows them, their list filters and the action bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from monitor.alerts.schemas import AlertDeliveryRead
from monitor.mentions.schemas import MentionRead
from monitor.schemas import ClientText, check_cursor
from monitor.scoring import CATEGORIES
from monitor.scoring.taxonomy import SPIKE_CATEGORY

# "active" = open + acknowledged: what still needs someone
StatusFilter = Literal["open", "acknowledged", "resolved", "active"]


class IncidentRead(BaseModel):
    """Related problem mentions of one brand and category, with their lifecycle."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    brand: str
    category: str
    status: str = Field(description="open | acknowledged | resolved")
    severity: int = Field(description="1 is the worst.")
    mention_count: int = Field(description="Distinct stories; duplicates count once.")
    reach: int
    max_urgency: float
    direct_count: int
    first_seen_at: datetime
    last_seen_at: datetime
    opened_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    assigned_to: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    resolution_note: str | None
    regressed: bool
    regression_count: int
    alerted: bool
    messages_sent: int
    updated_at: datetime


class IncidentDetail(IncidentRead):
    """An incident with its timeline (oldest first, capped) and its alert deliveries."""

    mentions: list[MentionRead]
    deliveries: list[AlertDeliveryRead]


class IncidentFilters(ClientText):
    """Query parameters of GET /api/incidents."""

    status: StatusFilter | None = None
    brand: str | None = Field(default=None, description="Brand name.")
    category: str | None = None
    limit: int = Field(default=50, ge=1, le=500)
    cursor: Annotated[str | None, check_cursor(int, datetime, int)] = None

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str | None) -> str | None:
        known = (*CATEGORIES, SPIKE_CATEGORY)  # volume spikes are incidents of their own category
        if value is not None and value not in known:
            raise ValueError(f"unknown category {value!r} (known: {', '.join(known)})")
        return value


class AckBody(ClientText):
    by: str | None = Field(default=None, min_length=1, max_length=200, description="Default: the caller.")


class ResolveBody(ClientText):
    by: str | None = Field(default=None, min_length=1, max_length=200, description="Default: the caller.")
    note: str | None = Field(default=None, max_length=5000)


class AssignBody(ClientText):
    to: str = Field(max_length=200, description="A person or team; empty to unassign.")
