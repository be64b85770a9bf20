"""Sources and their poll health as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from monitor.logs import redact
from monitor.secrets import mask_options


class SourceGap(BaseModel):
    """Items the API could not return any more: when it was noticed, why, and what was lost."""

    at: datetime = Field(description="When the poll that found the gap ran.")
    reason: str
    since: datetime | None = Field(default=None, description="Start of the span lost, as far as known.")
    until: datetime | None = Field(default=None, description="End of the span lost, as far as known.")
    missed: int | None = Field(default=None, description="Roughly how many items, when the API says.")


class SourceRead(BaseModel):
    """A configured source, its schedule and its health."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    kind: str
    config: dict[str, Any] = Field(
        description='The connector\'s options, secrets masked as "•••• (set)" (they live in the config file).'
    )
    enabled: bool
    state: str = Field(
        description="new | ok | degraded | rate_limited (until next_poll_at) | failing | auth_failed | gone"
    )
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
    gaps: list[SourceGap] = Field(
        default_factory=list,
        description="Spans the API could no longer return (e.g. older than its search window), newest last.",
    )

    @field_validator("gaps", mode="before")
    @classmethod
    def _no_gaps(cls, value: Any) -> Any:
        return value or []  # NULL: a row from before gaps were recorded

    @model_validator(mode="after")
    def _mask_secrets(self) -> SourceRead:
        # rows are stored masked; masking again covers rows synced before secrets were kept out
        self.config = mask_options(self.kind, self.config)
        # error texts are written from exceptions; one quoting a URL must not carry its token here
        if self.last_error:
            self.last_error = redact(self.last_error)
        return self
