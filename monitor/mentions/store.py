"""Store stage: idempotent insert of scored mentions; returns only the new rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from connectors.base import Mention as Item
from monitor.mentions.models import Mention
from monitor.scoring import Score


@dataclass(frozen=True, slots=True)
class ScoredMention:
    """One normalized item attributed to one brand, with its score and duplicate keys."""

    item: Item
    brand_id: int
    score: Score
    canonical_url: str | None
    fingerprint: str | None


def _row(source_id: int, s: ScoredMention, now: datetime) -> dict[str, Any]:
    it = s.item
    return {
        "source_id": source_id,
        "brand_id": s.brand_id,
        "external_id": it.external_id[:500],
        "text": it.text,
        "title": it.title,
        "url": it.url,
        "canonical_url": s.canonical_url,
        "fingerprint": s.fingerprint,
        "author": (it.author or None) and it.author[:500],
        "author_reach": it.author_reach,
        "engagement": it.engagement,
        "language": it.language,
        "published_at": it.published_at or now,
        "fetched_at": now,
        "sentiment": s.score.sentiment,
        "urgency": s.score.urgency,
        "category": s.score.category,
        "is_incident": s.score.incident,
        "direct": s.score.direct,
        "reasons": [{"cue": r.cue, "weight": r.weight, "evidence": r.evidence} for r in s.score.reasons],
        "raw": dict(it.raw),
    }


def _insert(session: Session):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(Mention)


def store_mentions(
    session: Session, *, source_id: int, scored: Sequence[ScoredMention], now: datetime
) -> list[Mention]:
    """Insert what is new (unique on source, external id, brand); re-polled items are ignored."""
    if not scored:
        return []
    rows, seen = [], set()
    for s in scored:
        key = (s.item.external_id[:500], s.brand_id)
        if key not in seen:  # a page can repeat an item; the unique index would reject the batch
            seen.add(key)
            rows.append(_row(source_id, s, now))
    stmt = (
        _insert(session)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["source_id", "external_id", "brand_id"])
        .returning(Mention.id)
    )
    new_ids = [r[0] for r in session.execute(stmt)]
    if not new_ids:
        return []
    new = list(session.scalars(select(Mention).where(Mention.id.in_(new_ids)).order_by(Mention.id)))
    _mark_duplicates(session, new)
    return new


def _mark_duplicates(session: Session, new: list[Mention]) -> None:
    """Point each new row at the first earlier mention of the same story for the same brand."""
    urls = {m.canonical_url for m in new if m.canonical_url}
    prints = {m.fingerprint for m in new if m.fingerprint}
    if not urls and not prints:
        return
    conds = []
    if urls:
        conds.append(Mention.canonical_url.in_(urls))
    if prints:
        conds.append(Mention.fingerprint.in_(prints))
    brand_ids = {m.brand_id for m in new}
    earlier = session.execute(
        select(
            Mention.id, Mention.brand_id, Mention.canonical_url, Mention.fingerprint, Mention.duplicate_of_id
        )
        .where(Mention.brand_id.in_(brand_ids), or_(*conds))
        .order_by(Mention.id)
    ).all()
    first: dict[tuple[int, str, str], int] = {}
    for mid, bid, url, fp, dup in earlier:
        origin = dup or mid
        if url:
            first.setdefault((bid, "u", url), origin)
        if fp:
            first.setdefault((bid, "f", fp), origin)
    for m in new:
        origin = None
        if m.canonical_url:
            origin = first.get((m.brand_id, "u", m.canonical_url))
        if origin is None and m.fingerprint:
            origin = first.get((m.brand_id, "f", m.fingerprint))
        if origin is not None and origin != m.id:
            m.duplicate_of_id = origin
