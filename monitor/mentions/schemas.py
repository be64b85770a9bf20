"""Mentions as the API shows them, and the filters of the mention list."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from monitor.schemas import MAX_ID, AwareTime, ClientText, check_cursor
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


class LabelRead(BaseModel):
    """A person's correction of the score: the latest value of each field, who made the last change."""

    incident: bool | None
    category: str | None
    needs_reply: bool | None
    opportunity: bool | None
    labeled_by: str
    labeled_at: datetime


class LabelBody(ClientText):
    """POST /api/mentions/{id}/label: any of the four labels (see docs/labeling.md)."""

    model_config = ConfigDict(extra="forbid")

    incident: bool | None = Field(default=None, description="Is this a problem the team should hear about?")
    category: str | None = Field(
        default=None, description=f"One of {', '.join(CATEGORIES)} (implies incident=true)."
    )
    needs_reply: bool | None = Field(default=None, description="Does the post expect the brand to answer?")
    opportunity: bool | None = Field(default=None, description="An engagement or sales chance?")
    by: str | None = Field(default=None, min_length=1, max_length=200, description="Default: the caller.")

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str | None) -> str | None:
        if value is not None and value not in CATEGORIES:
            raise ValueError(f"unknown category {value!r} (known: {', '.join(CATEGORIES)})")
        return value

    @model_validator(mode="after")
    def _something_and_consistent(self) -> LabelBody:
        if all(getattr(self, f) is None for f in ("incident", "category", "needs_reply", "opportunity")):
            raise ValueError("give at least one of incident, category, needs_reply, opportunity")
        if self.incident is False and self.category is not None:
            raise ValueError("a category says it is an incident: incident=false cannot have one")
        return self


class ReplyRead(BaseModel):
    """Where a post stands in the reply queue (docs/dashboard.md, "Reply")."""

    status: Literal["open", "replied", "no_reply"] = Field(
        description="open: waiting for an answer; replied; no_reply: a person decided none is needed."
    )
    assignee: str | None
    replied_at: datetime | None
    replied_by: str | None
    url: str | None = Field(description="The link to the reply, when given.")
    response_seconds: float | None = Field(description="Time to first response: replied_at - published_at.")


class ReplyBody(ClientText):
    """POST /api/mentions/{id}/reply: mark, link or assign (at least one field)."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["open", "replied", "no_reply"] | None = Field(
        default=None, description="replied, no_reply (no answer needed), or open (back into the queue)."
    )
    url: str | None = Field(
        default=None,
        max_length=2000,
        description="The link to the reply (with status replied); '' removes it.",
    )
    assignee: str | None = Field(default=None, max_length=200, description="Who answers it; '' unassigns.")
    by: str | None = Field(default=None, min_length=1, max_length=200, description="Default: the caller.")

    @model_validator(mode="after")
    def _something(self) -> ReplyBody:
        if self.status is None and self.url is None and self.assignee is None:
            raise ValueError("give at least one of status, url, assignee")
        return self


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
    probability: float | None = Field(description="The detector's incident probability (the flag's basis).")
    category_probability: float | None = Field(description="How sure the detector is of the category.")
    needs_reply: bool = Field(description="The post asks or expects the brand to answer.")
    opportunity: bool = Field(description="An engagement or sales chance.")
    language: str | None = Field(description='ISO 639-1 ("en", "es", ...), as the source gave or detected.')
    model: str | None = Field(description="The detector version that scored it.")
    incident_id: int | None
    reasons: list[Reason]
    duplicate_of_id: int | None
    label: LabelRead | None = Field(default=None, description="The team's correction, if any.")
    reply: ReplyRead | None = Field(
        default=None, description="The reply queue's state; None if never queued."
    )


class MentionFilters(ClientText):
    """Query parameters of GET /api/mentions."""

    model_config = ConfigDict(extra="ignore")

    brand: str | None = Field(default=None, description="Brand name.")
    source: str | None = Field(default=None, description="Source name.")
    category: str | None = Field(default=None, description=f"One of {', '.join(CATEGORIES)}, or none.")
    incident: bool | None = Field(default=None, description="true: only mentions flagged as problems.")
    incident_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    since: AwareTime | None = Field(default=None, description="Published at or after (ISO-8601 with zone).")
    until: AwareTime | None = Field(default=None, description="Published before (ISO-8601 with zone).")
    min_urgency: float | None = Field(default=None, ge=0, le=1)
    needs_reply: bool | None = Field(default=None, description="true: only posts that expect an answer.")
    opportunity: bool | None = Field(default=None, description="true: only engagement or sales chances.")
    replied: bool | None = Field(
        default=None,
        description="false: not handled yet (neither replied nor marked no_reply); true: replied.",
    )
    reply: Literal["open", "replied", "no_reply"] | None = Field(
        default=None, description="The reply queue's state: open = waiting for an answer (the Reply view)."
    )
    assignee: str | None = Field(default=None, min_length=1, max_length=200, description="Assigned to.")
    language: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z]{2,3}$",
        description='Language code, e.g. "es" (also matches "es-MX").',
    )
    q: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description='Full-text search of text, title and author: words AND-ed, "a phrase", prefix*.',
    )
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
