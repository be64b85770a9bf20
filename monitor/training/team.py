"""The team's corrections (`mention_labels`) as training rows (monitor/mentions/labels.py merges them)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.brands.models import Brand
from monitor.mentions.labels import merge
from monitor.mentions.models import Mention, MentionLabel
from monitor.scoring.reader import language_code

from .corpus import Row


def team_rows(session: Session, *, weight: float) -> list[Row]:
    """Every mention the team labeled, as a weighted training row (source "team")."""
    labels = session.scalars(select(MentionLabel).order_by(MentionLabel.id)).all()
    merged = merge(labels)
    if not merged:
        return []
    mentions = session.execute(
        select(Mention, Brand.name)
        .join(Brand, Brand.id == Mention.brand_id)
        .where(Mention.id.in_(list(merged)))
        .order_by(Mention.id)
    ).all()
    rows = []
    for mention, brand in mentions:
        label = merged[mention.id]
        incident = label.incident
        category = label.category if incident else None
        if incident and category is None:
            # "Yes, an incident" keeps the category the mention was flagged with; with none, the row
            # trains the incident head only.
            category = mention.category
        rows.append(
            Row(
                id=f"team-{mention.id}",
                text=mention.text,
                title=mention.title,
                brand=brand,
                incident=incident,
                category=category,
                needs_reply=label.needs_reply,
                opportunity=label.opportunity,
                lang=language_code(mention.language) or "und",
                source="team",
                weight=weight,
            )
        )
    return rows
