"""Store stage: idempotent insert of scored mentions; returns only the new rows.

Rows go in with one executemany (SQLAlchemy's "insertmanyvalues": one compiled statement,
multi-row VALUES under the hood) and only the mentions flagged as incidents are loaded back as
ORM objects, because only they go on to incident grouping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from connectors.base import Mention as Item
from monitor.mentions.models import Mention
from monitor.scoring import Score

_TABLE = Mention.__table__


@dataclass(frozen=True, slots=True)
class ScoredMention:
    """One normalized item attributed to one brand, with its score and duplicate keys."""

    item: Item
    brand_id: int
    score: Score
    canonical_url: str | None
    fingerprint: str | None


@dataclass(slots=True)
class StoredMention:
    """A newly stored row, as the rest of the pipeline needs it."""

    id: int
    external_id: str
    brand_id: int
    is_incident: bool
    category: str | None
    duplicate_of_id: int | None = None
    incident_id: int | None = None


@dataclass(slots=True)
class StoreResult:
    """The new rows (in input order) and, loaded as ORM objects, the new ones flagged as incidents."""

    stored: list[StoredMention]
    flagged: list[Mention]


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
        "duplicate_of_id": None,
        "author": it.author[:500] if it.author else None,
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
        "incident_id": None,
        "raw": dict(it.raw),
    }


def _insert(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(_TABLE)


def store_mentions(
    session: Session, *, source_id: int, scored: Sequence[ScoredMention], now: datetime
) -> StoreResult:
    """Insert what is new (unique on source, external id, brand); re-polled items are ignored."""
    rows, seen = [], set()
    for s in scored:
        key = (s.item.external_id[:500], s.brand_id)
        if key not in seen:  # a page can repeat an item; keep its first copy
            seen.add(key)
            rows.append(_row(source_id, s, now))
    if not rows:
        return StoreResult([], [])
    # Skip what is already stored with one indexed lookup, so the insert mostly meets no conflict.
    known = set(
        session.execute(
            select(_TABLE.c.external_id, _TABLE.c.brand_id).where(
                _TABLE.c.source_id == source_id, _TABLE.c.external_id.in_({r["external_id"] for r in rows})
            )
        ).all()
    )
    rows = [r for r in rows if (r["external_id"], r["brand_id"]) not in known]
    if not rows:
        return StoreResult([], [])
    stmt = (
        _insert(session)
        .on_conflict_do_nothing(index_elements=["source_id", "external_id", "brand_id"])
        .returning(_TABLE.c.id, _TABLE.c.external_id, _TABLE.c.brand_id)
    )
    # a concurrent worker may have inserted some rows meanwhile: those return nothing here
    ids = {(ext, bid): mid for mid, ext, bid in session.execute(stmt, rows)}
    stored = [
        StoredMention(ids[key], r["external_id"], r["brand_id"], r["is_incident"], r["category"])
        for r in rows
        if (key := (r["external_id"], r["brand_id"])) in ids
    ]
    _mark_duplicates(session, stored, {s.id: r for s, r in zip(stored, rows, strict=False)})
    flagged_ids = [m.id for m in stored if m.is_incident and m.category]
    flagged = (
        list(session.scalars(select(Mention).where(Mention.id.in_(flagged_ids)).order_by(Mention.id)))
        if flagged_ids
        else []
    )
    return StoreResult(stored, flagged)


def _mark_duplicates(session: Session, stored: list[StoredMention], rows: dict[int, dict[str, Any]]) -> None:
    """Point each new row at the first earlier mention of the same story for the same brand."""
    urls = {r["canonical_url"] for r in rows.values() if r["canonical_url"]}
    prints = {r["fingerprint"] for r in rows.values() if r["fingerprint"]}
    if not urls and not prints:
        return
    conds = []
    if urls:
        conds.append(_TABLE.c.canonical_url.in_(urls))
    if prints:
        conds.append(_TABLE.c.fingerprint.in_(prints))
    t = _TABLE.c
    earlier = session.execute(
        select(t.id, t.brand_id, t.canonical_url, t.fingerprint, t.duplicate_of_id)
        .where(t.brand_id.in_({m.brand_id for m in stored}), or_(*conds))
        .order_by(t.id)
    ).all()
    first: dict[tuple[int, str, str], int] = {}
    for mid, bid, url, fp, dup in earlier:
        origin = dup or mid
        if url:
            first.setdefault((bid, "u", url), origin)
        if fp:
            first.setdefault((bid, "f", fp), origin)
    updates = []
    for m in stored:
        row = rows[m.id]
        origin = first.get((m.brand_id, "u", row["canonical_url"])) if row["canonical_url"] else None
        if origin is None and row["fingerprint"]:
            origin = first.get((m.brand_id, "f", row["fingerprint"]))
        if origin is not None and origin != m.id:
            m.duplicate_of_id = origin
            updates.append({"mid": m.id, "origin": origin})
    if updates:
        session.execute(
            update(_TABLE).where(_TABLE.c.id == bindparam("mid")).values(duplicate_of_id=bindparam("origin")),
            updates,
        )
