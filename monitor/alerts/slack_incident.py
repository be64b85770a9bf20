"""What a Slack button does to an incident, through the incident and label services.

Runs in the caller's session (the caller commits) and returns the rebuilt message, so the route
can answer Slack at once and replace the clicked message afterwards.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.alerts.messages import MAX_MENTIONS, slack_message
from monitor.alerts.slack_buttons import ACK, ASSIGN, NOT_INCIDENT, RESOLVE
from monitor.alerts.views import IncidentView, MentionView
from monitor.brands.models import Brand
from monitor.config import AppConfig
from monitor.incidents import service
from monitor.incidents.models import Incident
from monitor.mentions.labels import add_label
from monitor.mentions.models import Mention
from monitor.sources.models import Source

log = logging.getLogger(__name__)

NOT_AN_INCIDENT = "not an incident"
# the header's last word on the rebuilt message
_EVENTS = {
    ACK: "incident.acknowledged",
    ASSIGN: "incident.assigned",
    RESOLVE: "incident.resolved",
    NOT_INCIDENT: "incident.resolved",
}


@dataclass(frozen=True, slots=True)
class ActionResult:
    """The rebuilt message when the action was done, else what to tell the person who clicked."""

    message: dict[str, Any] | None = None
    problem: str | None = None


def act(
    session: Session, *, action: str, incident_id: int, by: str, config: AppConfig, now: datetime
) -> ActionResult:
    """Do `action` to the incident as `by`; a missing incident or a refused change is a `problem`."""
    try:
        _apply(session, action=action, incident_id=incident_id, by=by, config=config, now=now)
    except LookupError:
        session.rollback()
        return ActionResult(problem=f"Incident #{incident_id} no longer exists; nothing was changed.")
    except ValueError as exc:  # e.g. acknowledging an incident someone resolved meanwhile
        session.rollback()
        return ActionResult(problem=f"Nothing was changed: {exc}.")
    inc = session.get(Incident, incident_id)
    assert inc is not None  # _apply found it in this transaction
    log.info("slack action", extra={"incident_id": incident_id, "action": action, "by": by})
    why = f"resolved by {by}: {NOT_AN_INCIDENT}" if action == NOT_INCIDENT else None
    return ActionResult(message=rebuilt_message(session, inc, config=config, event=_EVENTS[action], why=why))


def _apply(
    session: Session, *, action: str, incident_id: int, by: str, config: AppConfig, now: datetime
) -> None:
    if action == ACK:
        service.acknowledge(session, incident_id=incident_id, by=by, now=now)
    elif action == ASSIGN:
        service.assign(session, incident_id=incident_id, to=by, now=now)
    elif action in (RESOLVE, NOT_INCIDENT):
        dismissed = action == NOT_INCIDENT
        service.resolve(
            session,
            incident_id=incident_id,
            by=by,
            note=NOT_AN_INCIDENT if dismissed else None,
            now=now,
            channels=config.channels,
            policy=config.alerts,
            public_url=service.public_url(config),
        )
        if dismissed:  # the team's label, so `monitor train --config` learns these were no problem
            # loaded whole, so add_label finds each in the session instead of one SELECT per mention
            mentions = session.scalars(select(Mention).where(Mention.incident_id == incident_id)).all()
            for mention in mentions:
                add_label(session, mention_id=mention.id, by=by, now=now, incident=False, flush=False)
            session.flush()  # one batched INSERT: a 5,000-mention incident still answers Slack in time
    else:
        raise ValueError(f"unknown action {action!r}")


def rebuilt_message(
    session: Session, inc: Incident, *, config: AppConfig, event: str, why: str | None
) -> dict[str, Any]:
    """The incident's message as it stands now, with the buttons its state allows."""
    brand = session.get(Brand, inc.brand_id)
    assert brand is not None  # brand_id is a foreign key
    mentions = session.scalars(
        select(Mention)
        .where(Mention.incident_id == inc.id, Mention.duplicate_of_id.is_(None))
        .order_by(Mention.published_at.desc(), Mention.id.desc())
        .limit(MAX_MENTIONS)
    ).all()
    sources = {m.source_id for m in mentions}
    names = {
        r.id: r.name for r in session.execute(select(Source.id, Source.name).where(Source.id.in_(sources)))
    }
    return slack_message(
        event=event,
        incident=IncidentView.from_orm(inc, brand_name=brand.name),
        mentions=[MentionView.from_orm(m, source_name=names.get(m.source_id)) for m in mentions],
        incident_url=f"{service.public_url(config).rstrip('/')}/incidents/{inc.id}",
        why=why,
        buttons=True,
    )
