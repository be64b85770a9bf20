"""Sources and their poll health as the API shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class SourceRead(BaseModel):
    """A configured source, its schedule and its health."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    kind: str
    enabled: bool
    state: str = Field(description="new | ok | degraded | failing | auth_failed | gone")
    error_class: str | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_errors: int
    last_poll_at: datetime | None
    last_success_at: datetime | None
    next_poll_at: datetime
    interval: int = Field(
        validation_alias="current_interval_seconds",
        description="Seconds between polls now (backoff included).",
    )
    last_fetched: int = Field(description="Items fetched by the last poll.")
    last_new: int = Field(description="New mentions stored by the last poll.")
