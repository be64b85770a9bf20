"""Store stage: idempotent insert of scored mentions; returns only the new rows.

Rows go in with one statement per chunk: on PostgreSQL one array per column, unnested by the
server (`_PG_INSERT`); on SQLite an executemany (SQLAlchemy's "insertmanyvalues": multi-row VALUES
under the hood). Only the mentions flagged as incidents are loaded back as ORM objects, because only
they go on to incident grouping. A batch is split into chunks of CHUNK rows so no statement's
parameter count comes near SQLite's 32,766 and no IN list grows without bound, whatever the size
of the feed. The batch's counts go into the hourly rollup (rollup.py) in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select, text, update
from sqlalchemy.orm import Session

from connectors.base import Mention as Item
from monitor.int64 import clamp_int64
from monitor.mentions import rollup
from monitor.mentions.models import Mention
from monitor.scoring import Score

_TABLE = Mention.__table__
# Each IN list stays at most this long (2 x 2,000 parameters for the duplicate lookup) and
# insertmanyvalues pages the insert itself under each backend's limit. Much shorter lists cost
# more round trips than they save (500 made the known-id lookup 16x slower on PostgreSQL).
CHUNK = 2000


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
    # the batch's counts per (hour, brand) when the caller applies them itself (defer_rollup)
    hourly: rollup.Tally = field(default_factory=dict)


def _row(source_id: int, s: ScoredMention, now: datetime) -> dict[str, Any]:
    it = s.item
    raw = dict(it.raw)
    published = it.published_at or now
    if published > now:
        # A date in the future (a wrong clock, a scheduled post) would keep its incident "active"
        # until then and it would never auto-resolve: stored as fetched now, the claim kept in raw.
        raw["published_at_given"] = published.isoformat()
        published = now
    return {
        "source_id": source_id,
        "brand_id": s.brand_id,
        "external_id": external_key(it),
        "text": it.text,
        "title": it.title,
        "url": it.url,
        "canonical_url": s.canonical_url,
        "fingerprint": s.fingerprint,
        "duplicate_of_id": None,
        "author": it.author[:500] if it.author else None,
        "author_reach": it.author_reach,
        "engagement": it.engagement,
        # The source's own language tag when it gives one ("pt-BR"), else the detected one.
        "language": it.language or s.score.language,
        "published_at": published,
        "fetched_at": now,
        "sentiment": s.score.sentiment,
        "urgency": s.score.urgency,
        "category": s.score.category,
        "is_incident": s.score.incident,
        "direct": s.score.direct,
        "needs_reply": s.score.needs_reply,
        "opportunity": s.score.opportunity,
        "probability": s.score.probability,
        "category_probability": s.score.category_probability,
        "model": s.score.model or None,
        "reasons": [{"cue": r.cue, "weight": r.weight, "evidence": r.evidence} for r in s.score.reasons],
        "incident_id": None,
        "raw": raw,
    }


_c = _TABLE.c
# Built once: constructing SQL expressions costs more per batch than running most of these.
_KNOWN = select(_c.external_id, _c.brand_id).where(
    _c.source_id == bindparam("source"), _c.external_id.in_(bindparam("ext", expanding=True))
)
_FLAGGED = select(Mention).where(Mention.id.in_(bindparam("ids", expanding=True))).order_by(Mention.id)
_SET_DUPLICATE = update(_TABLE).where(_c.id == bindparam("mid")).values(duplicate_of_id=bindparam("origin"))
_URLS = _c.canonical_url.in_(bindparam("urls", expanding=True))
_PRINTS = _c.fingerprint.in_(bindparam("prints", expanding=True))
# No brand filter in SQL: with it SQLite walks every row of the brands (ix_mentions_brand_published)
# instead of the url and fingerprint indexes; other brands' rows are skipped in Python.
_EARLIER = {
    (u, f): select(_c.id, _c.brand_id, _c.canonical_url, _c.fingerprint, _c.duplicate_of_id)
    .where(or_(*(c for c, on in ((_URLS, u), (_PRINTS, f)) if on)))
    .order_by(_c.id)
    for u, f in ((True, True), (True, False), (False, True))
}
_INSERTS: dict[str, Any] = {}


def _insert(session: Session):
    name = session.get_bind().dialect.name
    stmt = _INSERTS.get(name)
    if stmt is None:
        if name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = _INSERTS[name] = (
            insert(_TABLE)
            .on_conflict_do_nothing(index_elements=["source_id", "external_id", "brand_id"])
            .returning(_c.id, _c.external_id, _c.brand_id)
        )
    return stmt


# PostgreSQL: a chunk goes in as one array per column, unnested by the server, with the JSON and
# the clamping done here beforehand. The statement's text never changes, so psycopg parses it
# once and PostgreSQL prepares it; the multi-row VALUES above has ~28 named parameters per row and
# psycopg parsed that text anew for every batch (40% of the store's time, bench_pipeline --store).
# duplicate_of_id and incident_id are always NULL on insert and left to their default.
_PG_ARRAYS = {
    **dict.fromkeys(("source_id", "brand_id"), "integer"),
    **dict.fromkeys(
        ("external_id", "text", "title", "url", "canonical_url", "fingerprint", "author", "language"), "text"
    ),
    **dict.fromkeys(("author_reach", "engagement"), "bigint"),
    **dict.fromkeys(("published_at", "fetched_at"), "timestamptz"),
    **dict.fromkeys(("sentiment", "urgency", "probability", "category_probability"), "float8"),
    **dict.fromkeys(("category", "model"), "text"),
    **dict.fromkeys(("is_incident", "direct", "needs_reply", "opportunity"), "boolean"),
    **dict.fromkeys(("reasons", "raw"), "jsonb"),
}
_PG_INSERT = text(
    f"INSERT INTO mentions ({', '.join(_PG_ARRAYS)}) "
    f"SELECT * FROM unnest({', '.join(f'CAST(:{c} AS {t}[])' for c, t in _PG_ARRAYS.items())}) "
    "ON CONFLICT (source_id, external_id, brand_id) DO NOTHING RETURNING id, external_id, brand_id"
)


def _insert_rows(session: Session, rows: Sequence[dict[str, Any]]) -> Any:
    """Insert the rows, skipping conflicts; yields (id, external id, brand id) of those inserted."""
    if session.get_bind().dialect.name != "postgresql":
        return session.execute(_insert(session), rows)
    columns: dict[str, list[Any]] = {c: [r[c] for r in rows] for c in _PG_ARRAYS}
    for c in ("reasons", "raw"):
        columns[c] = [json.dumps(v) for v in columns[c]]
    for c in ("author_reach", "engagement"):
        columns[c] = [None if v is None else clamp_int64(int(v)) for v in columns[c]]
    return session.execute(_PG_INSERT, columns)


def _chunks(seq: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(seq), CHUNK):
        yield seq[start : start + CHUNK]


def external_key(item: Item) -> str:
    """The external id as stored (cut to the column's 500 characters)."""
    return item.external_id[:500]


def known_keys(session: Session, *, source_id: int, external_ids: Iterable[str]) -> set[tuple[str, int]]:
    """(external id, brand id) of this source's mentions already stored, looked up in bounded chunks."""
    wanted = list(dict.fromkeys(external_ids))
    known: set[tuple[str, int]] = set()
    for part in _chunks(wanted):
        known.update(
            (ext, bid) for ext, bid in session.execute(_KNOWN, {"source": source_id, "ext": list(part)})
        )
    return known


def store_mentions(
    session: Session,
    *,
    source_id: int,
    scored: Sequence[ScoredMention],
    now: datetime,
    defer_rollup: bool = False,
) -> StoreResult:
    """Insert what is new (unique on source, external id, brand); re-polled items are ignored.

    `defer_rollup`: return the batch's hourly counts in `hourly` for the caller to apply with
    `rollup.apply` as the transaction's last write — the brand's current hour is one row that
    every batch of the brand updates, and its lock is held until commit."""
    rows, seen = [], set()
    for s in scored:
        key = (external_key(s.item), s.brand_id)
        if key not in seen:  # a page can repeat an item; keep its first copy
            seen.add(key)
            rows.append(_row(source_id, s, now))
    stored: list[StoredMention] = []
    flagged: list[Mention] = []
    added: rollup.Tally = {}
    for part in _chunks(rows):
        result = _store_chunk(session, source_id, part, added)
        stored.extend(result.stored)
        flagged.extend(result.flagged)
    if defer_rollup:
        return StoreResult(stored, flagged, added)
    # once for the whole batch, after its chunks: one ordered upsert (see rollup.py on deadlocks)
    rollup.apply(session, added)
    return StoreResult(stored, flagged)


def _store_chunk(
    session: Session, source_id: int, rows: Sequence[dict[str, Any]], added: rollup.Tally
) -> StoreResult:
    # Skip what is already stored with one indexed lookup, so the insert mostly meets no conflict.
    known = set(
        session.execute(_KNOWN, {"source": source_id, "ext": list({r["external_id"] for r in rows})}).all()
    )
    rows = [r for r in rows if (r["external_id"], r["brand_id"]) not in known]
    if not rows:
        return StoreResult([], [])
    # a concurrent worker may have inserted some rows meanwhile: those return nothing here
    ids = {(ext, bid): mid for mid, ext, bid in _insert_rows(session, rows)}
    # keyed by id, not zipped with `rows`: a row a concurrent worker stored first is not in `stored`
    new_rows = {ids[key]: r for r in rows if (key := (r["external_id"], r["brand_id"])) in ids}
    stored = [
        StoredMention(mid, r["external_id"], r["brand_id"], r["is_incident"], r["category"])
        for mid, r in new_rows.items()
    ]
    rollup.tally(((r["brand_id"], r["published_at"], r["sentiment"]) for r in new_rows.values()), into=added)
    _mark_duplicates(session, stored, new_rows)
    flagged_ids = [m.id for m in stored if m.is_incident and m.category]
    flagged = list(session.scalars(_FLAGGED, {"ids": flagged_ids})) if flagged_ids else []
    return StoreResult(stored, flagged)


def _mark_duplicates(session: Session, stored: list[StoredMention], rows: dict[int, dict[str, Any]]) -> None:
    """Point each new row at the first earlier mention of the same story for the same brand."""
    urls = {r["canonical_url"] for r in rows.values() if r["canonical_url"]}
    prints = {r["fingerprint"] for r in rows.values() if r["fingerprint"]}
    if not urls and not prints:
        return
    params: dict[str, list[str]] = {}
    if urls:
        params["urls"] = list(urls)
    if prints:
        params["prints"] = list(prints)
    earlier = session.execute(_EARLIER[(bool(urls), bool(prints))], params).all()
    brands = {m.brand_id for m in stored}
    first: dict[tuple[int, str, str], int] = {}
    for mid, bid, url, fp, dup in earlier:
        if bid not in brands:
            continue
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
        session.execute(_SET_DUPLICATE, updates)
