"""The reply queue's numbers as the API shows them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from monitor.schemas import ClientText


class ResponseTimesRead(BaseModel):
    """Time to first response (replied_at - published_at) over one brand's or teammate's replies."""

    model_config = ConfigDict(from_attributes=True)

    key: str = Field(description="The brand's or the teammate's name.")
    replied: int
    median_seconds: float
    p90_seconds: float


class ReplyStatsRead(BaseModel):
    """GET /api/replies/stats."""

    model_config = ConfigDict(from_attributes=True)

    waiting: int = Field(description="Posts in the queue now (waiting for an answer).")
    by_brand: list[ResponseTimesRead]
    by_teammate: list[ResponseTimesRead]


class ReplyStatsFilters(ClientText):
    model_config = ConfigDict(extra="ignore")

    days: int = Field(default=30, ge=1, le=365, description="Replies made in the last this many days.")
    brand: str | None = Field(default=None, min_length=1, max_length=200, description="Brand name.")
