"""Mentions as the API shows them, and the filters of the mention list."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from monitor.schemas import AwareTime, check_cursor
from monitor.scoring import CATEGORIES


class Reason(BaseModel):
    """One cue that raised (or lowered) the urgency score, with the text that triggered it."""

    cue: str
    weight: float = 0.0
    evidence: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_stored(cls, value: Any) -> Any:
        # rows written before a scoring change may hold [cue, weight, evidence] or a bare cue
        if isinstance(value, list | tuple):
            return dict(zip(("cue", "weight", "evidence"), value, strict=False))
        if isinstance(value, str):
            return {"cue": value}
        return value


class MentionRead(BaseModel):
    """A stored, scored mention."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    brand: str
    source: str
    external_id: str
    url: str | None
    title: str | None
    text: str
    author: str | None
    author_reach: int | None
    engagement: int | None
    published_at: datetime
    fetched_at: datetime
    sentiment: float = Field(description="VADER compound score, -1..1.")
    urgency: float = Field(description="0..1; how soon someone should look.")
    category: str | None
    incident: bool = Field(description="Flagged as a problem (counts towards an incident).")
    incident_id: int | None
    reasons: list[Reason]
    duplicate_of_id: int | None


class MentionFilters(BaseModel):
    """Query parameters of GET /api/mentions."""

    model_config = ConfigDict(extra="ignore")

    brand: str | None = Field(default=None, description="Brand name.")
    source: str | None = Field(default=None, description="Source name.")
    category: str | None = Field(default=None, description=f"One of {', '.join(CATEGORIES)}, or none.")
    incident: bool | None = Field(default=None, description="true: only mentions flagged as problems.")
    incident_id: int | None = Field(default=None, ge=1)
    since: AwareTime | None = Field(default=None, description="Published at or after (ISO-8601 with zone).")
    until: AwareTime | None = Field(default=None, description="Published before (ISO-8601 with zone).")
    min_urgency: float | None = Field(default=None, ge=0, le=1)
    q: str | None = Field(default=None, min_length=1, max_length=200, description="Text/title substring.")
    limit: int = Field(default=50, ge=1, le=500)
    cursor: Annotated[str | None, check_cursor(datetime, int)] = Field(
        default=None, description="next_cursor of the previous page."
    )

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str | None) -> str | None:
        if value is not None and value != "none" and value not in CATEGORIES:
            raise ValueError(f"unknown category {value!r} (known: {', '.join(CATEGORIES)}, none)")
        return value
