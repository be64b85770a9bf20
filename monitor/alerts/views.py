"""Small frozen copies of the rows a message is built from, so building one never touches the database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.incidents.models import Incident
    from monitor.mentions.models import Mention
    from monitor.sources.models import Source


@dataclass(frozen=True)
class IncidentView:
    id: int
    brand: str
    category: str
    severity: int
    status: str
    mention_count: int
    reach: int
    first_seen_at: datetime
    last_seen_at: datetime
    regressed: bool = False
    # who is handling it: shown on messages that carry the Slack app's buttons
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    assigned_to: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None

    @classmethod
    def from_orm(cls, incident: Incident, *, brand_name: str) -> IncidentView:
        """A copy of an `Incident` row; the brand's name is passed in (the row holds its id)."""
        return cls(
            id=incident.id,
            brand=brand_name,
            category=incident.category,
            severity=incident.severity,
            status=incident.status,
            mention_count=incident.mention_count or 0,
            reach=incident.reach or 0,
            first_seen_at=incident.first_seen_at,
            last_seen_at=incident.last_seen_at,
            regressed=bool(incident.regressed),
            acknowledged_by=incident.acknowledged_by,
            acknowledged_at=incident.acknowledged_at,
            assigned_to=incident.assigned_to,
            resolved_by=incident.resolved_by,
            resolved_at=incident.resolved_at,
        )


@dataclass(frozen=True)
class MentionView:
    id: int
    text: str
    url: str | None
    author: str | None
    author_reach: int | None
    source: str | None
    published_at: datetime
    sentiment: float
    urgency: float
    title: str | None = None
    reasons: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)

    @classmethod
    def from_orm(cls, mention: Mention, *, source_name: str | None) -> MentionView:
        """A copy of a `Mention` row; the source's name is passed in (the row holds its id)."""
        return cls(
            id=mention.id,
            text=mention.text or "",
            url=mention.url,
            author=mention.author,
            author_reach=mention.author_reach,
            source=source_name,
            published_at=mention.published_at,
            sentiment=mention.sentiment,
            urgency=mention.urgency,
            title=mention.title,
            reasons=tuple(r for r in (mention.reasons or []) if isinstance(r, Mapping)),
        )


@dataclass(frozen=True)
class SourceView:
    id: int
    name: str
    kind: str
    state: str
    error_class: str | None
    last_error: str | None
    last_success_at: datetime | None
    last_error_at: datetime | None
    consecutive_errors: int = 0

    @classmethod
    def from_orm(cls, source: Source) -> SourceView:
        """A copy of a `Source` row's health."""
        return cls(
            id=source.id,
            name=source.name,
            kind=source.kind,
            state=source.state,
            error_class=source.error_class,
            last_error=source.last_error,
            last_success_at=source.last_success_at,
            last_error_at=source.last_error_at,
            consecutive_errors=source.consecutive_errors or 0,
        )
