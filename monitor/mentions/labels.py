"""The team's corrections of a mention's score: write one, and read each mention's current label.

A label event sets any of the four fields; rows are appended, never updated. A mention's label is
the latest value of each field: a category implies an incident, and "not an incident" takes the
category back. `monitor train` folds these labels into the deployment's model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.mentions.models import Mention, MentionLabel
from monitor.replies.service import follow_label

FIELDS = ("incident", "category", "needs_reply", "opportunity")


@dataclass(frozen=True, slots=True)
class CurrentLabel:
    """What people said about one mention, field by field, and who said it last."""

    incident: bool | None
    category: str | None
    needs_reply: bool | None
    opportunity: bool | None
    labeled_by: str
    labeled_at: datetime


def merge(labels: Iterable[MentionLabel]) -> dict[int, CurrentLabel]:
    """Per mention id, the latest value of each field (labels in the order they were made)."""
    fields: dict[int, dict[str, object]] = {}
    last: dict[int, MentionLabel] = {}
    for label in labels:
        current = fields.setdefault(label.mention_id, {})
        for name in FIELDS:
            value = getattr(label, name)
            if value is not None:
                current[name] = value
        if label.category is not None:  # "this is a billing problem" says it is a problem
            current["incident"] = True
        elif label.incident is False:  # "not a problem" takes any category back
            current.pop("category", None)
        last[label.mention_id] = label
    return {
        mid: CurrentLabel(
            incident=current.get("incident"),  # type: ignore[arg-type]
            category=current.get("category"),  # type: ignore[arg-type]
            needs_reply=current.get("needs_reply"),  # type: ignore[arg-type]
            opportunity=current.get("opportunity"),  # type: ignore[arg-type]
            labeled_by=last[mid].labeled_by,
            labeled_at=last[mid].labeled_at,
        )
        for mid, current in fields.items()
    }


def current_labels(session: Session, mention_ids: Sequence[int]) -> dict[int, CurrentLabel]:
    """The current label of each of these mentions that has one."""
    if not mention_ids:
        return {}
    rows = session.scalars(
        select(MentionLabel)
        .where(MentionLabel.mention_id.in_(list(mention_ids)))
        .order_by(MentionLabel.mention_id, MentionLabel.id)
    ).all()
    return merge(rows)


def add_label(
    session: Session,
    *,
    mention_id: int,
    by: str,
    now: datetime,
    incident: bool | None = None,
    category: str | None = None,
    needs_reply: bool | None = None,
    opportunity: bool | None = None,
    flush: bool = True,
) -> MentionLabel:
    """Record a correction; LookupError when the mention does not exist. The caller commits.

    `flush=False`: the caller labels many mentions and flushes once (thousands of rows in one go).

    A needs_reply or opportunity label also moves the mention in or out of the reply queue.
    """
    mention = session.get(Mention, mention_id)
    if mention is None:
        raise LookupError(mention_id)
    follow_label(mention, needs_reply=needs_reply, opportunity=opportunity)
    label = MentionLabel(
        mention_id=mention_id,
        incident=incident,
        category=category,
        needs_reply=needs_reply,
        opportunity=opportunity,
        labeled_by=by,
        labeled_at=now,
    )
    session.add(label)
    if flush:
        session.flush()
    return label
