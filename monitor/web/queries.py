"""The dashboard's read queries: each one indexed and bounded, none counting the whole table."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, select, tuple_
from sqlalchemy.orm import Session

from monitor.alerts.wording import reason_evidence, reason_phrase
from monitor.brands.models import Brand
from monitor.incidents.models import Incident
from monitor.incidents.queries import list_incidents
from monitor.incidents.schemas import IncidentFilters, IncidentRead
from monitor.mentions import search
from monitor.mentions.models import Mention
from monitor.mentions.queries import mention_rows, read_all
from monitor.mentions.rollup import per_brand
from monitor.mentions.schemas import MentionRead
from monitor.schemas import decode_cursor, encode_cursor
from monitor.sources.models import Source

ACTIVE = ("open", "acknowledged")
NOW_LIMIT = 200  # incidents on the Now page; more than this active at once is its own emergency


@dataclass(frozen=True, slots=True)
class Stamp:
    """What the live view compares: the newest mention and the latest incident change."""

    max_mention_id: int
    incidents_changed: int  # microseconds since the epoch of max(incidents.updated_at)
    active: int
    unacknowledged: int

    def token(self) -> str:
        return f"{self.max_mention_id}.{self.incidents_changed}.{self.active}.{self.unacknowledged}"

    @staticmethod
    def parse_mention_id(token: str | None) -> int | None:
        """The mention id inside a token (from Last-Event-ID), None if malformed."""
        if not token:
            return None
        head = token.split(".", 1)[0]
        return int(head) if head.isdigit() else None


def change_stamp(session: Session) -> Stamp:
    """Three cheap queries: max(id) via the primary key, incident counts via the status index."""
    max_id = session.scalar(select(func.max(Mention.id))) or 0
    changed = session.scalar(select(func.max(Incident.updated_at)))
    active, unacked = session.execute(
        select(func.count(), func.coalesce(func.sum(case((Incident.status == "open", 1), else_=0)), 0)).where(
            Incident.status.in_(ACTIVE)
        )
    ).one()
    micros = int(changed.timestamp() * 1_000_000) if changed else 0
    return Stamp(int(max_id), micros, int(active), int(unacked))


@dataclass(frozen=True, slots=True)
class NowIncident:
    incident: IncidentRead
    velocity: int  # mentions in the last hour
    sample: str | None = None  # its most urgent post, so a lead sees what it is about
    why: str | None = None  # that post's strongest reason, in words


def _why(reasons: Sequence[Any] | None) -> str | None:
    """The strongest reason that says more than "reads as a problem", in words with its evidence."""
    usable = [r for r in reasons or [] if isinstance(r, dict) and r.get("cue") != "model.incident"]
    # what in the post made it fire ("a zero total “$0.00”") says more than the detector's verdict
    concrete = [
        r for r in usable if not str(r.get("cue", "")).startswith("model.") and r.get("cue") != "like"
    ]
    if not usable:
        return None
    top = max(concrete or usable, key=lambda r: abs(float(r.get("weight") or 0)))
    evidence = reason_evidence(top)
    return reason_phrase(top) + (f" “{evidence}”" if evidence else "")


def _samples(session: Session, ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
    """Per incident, its most urgent distinct post (newest on ties) and why: one statement."""
    rank = (
        func.row_number()
        .over(
            partition_by=Mention.incident_id,
            order_by=(Mention.urgency.desc(), Mention.published_at.desc(), Mention.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(Mention.incident_id, Mention.text, Mention.reasons, rank)
        .where(Mention.incident_id.in_(ids), Mention.duplicate_of_id.is_(None))
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.incident_id, ranked.c.text, ranked.c.reasons).where(ranked.c.rank == 1)
    )
    return {int(i): (text, _why(reasons)) for i, text, reasons in rows}


def active_incidents(session: Session, *, now: datetime, limit: int = NOW_LIMIT) -> list[NowIncident]:
    """Open and acknowledged incidents, worst first then most recent, with their last hour's count."""
    page = list_incidents(session, filters=IncidentFilters(status="active", limit=limit))
    ids = [i.id for i in page.items]
    velocity: dict[int, int] = {}
    if ids:
        rows = session.execute(
            select(Mention.incident_id, func.count())
            .where(Mention.incident_id.in_(ids), Mention.published_at >= now - timedelta(hours=1))
            .group_by(Mention.incident_id)
        ).all()
        velocity = {int(i): int(n) for i, n in rows}
    samples = _samples(session, ids) if ids else {}
    return [NowIncident(i, velocity.get(i.id, 0), *samples.get(i.id, (None, None))) for i in page.items]


def _mention_select() -> Select[tuple[Mention, str, str]]:
    return mention_rows()  # the API's select: `raw` deferred


def latest_mentions(session: Session, *, after_id: int | None = None, limit: int = 20) -> list[MentionRead]:
    """The newest arrivals by id (primary-key order), optionally only those after `after_id`."""
    stmt = _mention_select()
    if after_id is not None:
        stmt = stmt.where(Mention.id > after_id)
    rows = session.execute(stmt.order_by(Mention.id.desc()).limit(limit)).all()
    return read_all(session, rows)


@dataclass(slots=True)
class MentionQuery:
    """The Mentions view's filters (all optional), as parsed from the query string."""

    q: str | None = None
    brand: str | None = None
    source: str | None = None
    category: str | None = None
    min_sentiment: float | None = None
    max_sentiment: float | None = None
    incident_only: bool = False
    incident_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    cursor: str | None = None
    errors: list[str] = field(default_factory=list)

    def params(self, **override: Any) -> dict[str, Any]:
        """The filters as query parameters (for links: next page, CSV export)."""
        values: dict[str, Any] = {
            "q": self.q,
            "brand": self.brand,
            "source": self.source,
            "category": self.category,
            "min_sentiment": self.min_sentiment,
            "max_sentiment": self.max_sentiment,
            "incident": "1" if self.incident_only else None,
            "incident_id": self.incident_id,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }
        values.update(override)
        return {k: v for k, v in values.items() if v not in (None, "")}


def _id_of(session: Session, model: Any, name: str) -> int:
    found = session.scalar(select(model.id).where(model.name == name))
    return found if found is not None else -1  # no such name: match nothing


def _filtered(session: Session, stmt: Select[Any], f: MentionQuery) -> Select[Any]:
    # names resolved to ids first, so the (brand_id, published_at) / (source_id, ...) indexes apply
    if f.brand:
        stmt = stmt.where(Mention.brand_id == _id_of(session, Brand, f.brand))
    if f.source:
        stmt = stmt.where(Mention.source_id == _id_of(session, Source, f.source))
    if f.category == "none":
        stmt = stmt.where(Mention.category.is_(None))
    elif f.category:
        stmt = stmt.where(Mention.category == f.category)
    if f.min_sentiment is not None:
        stmt = stmt.where(Mention.sentiment >= f.min_sentiment)
    if f.max_sentiment is not None:
        stmt = stmt.where(Mention.sentiment <= f.max_sentiment)
    if f.incident_only:
        stmt = stmt.where(Mention.is_incident.is_(True))
    if f.incident_id is not None:
        stmt = stmt.where(Mention.incident_id == f.incident_id)
    if f.since is not None:
        stmt = stmt.where(Mention.published_at >= f.since)
    if f.until is not None:
        stmt = stmt.where(Mention.published_at < f.until)
    if f.q and (matched := search.condition(session, f.q)) is not None:
        stmt = stmt.where(matched)  # the API's full-text search (search.py)
    return stmt


def _after(stmt: Select[Any], cursor: str | None) -> Select[Any]:
    if not cursor:
        return stmt
    published_at, mention_id = decode_cursor(cursor, datetime, int)
    # a row value: an index condition, so each CSV-export batch starts where the last ended
    return stmt.where(tuple_(Mention.published_at, Mention.id) < (published_at, mention_id))


def search_mentions(
    session: Session, f: MentionQuery, *, limit: int = 50
) -> tuple[list[MentionRead], str | None]:
    """One page, newest first, keyset-paginated on (published_at, id); the cursor of the next page."""
    stmt = _after(_filtered(session, _mention_select(), f), f.cursor)
    rows = session.execute(
        stmt.order_by(Mention.published_at.desc(), Mention.id.desc()).limit(limit + 1)
    ).all()
    items = read_all(session, rows[:limit])
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1][0]
        next_cursor = encode_cursor(last.published_at, last.id)
    return items, next_cursor


def iter_mentions(session: Session, f: MentionQuery, *, batch: int = 1000) -> Iterator[MentionRead]:
    """Every matching mention, newest first, fetched in keyset batches (bounded memory)."""
    cursor = f.cursor
    while True:
        items, cursor = search_mentions(session, replace(f, cursor=cursor), limit=batch)
        yield from items
        session.expunge_all()
        if cursor is None:
            return


def filter_choices(session: Session) -> tuple[list[str], list[str]]:
    """Brand and source names for the filter menus."""
    brands = list(session.scalars(select(Brand.name).order_by(Brand.name)))
    sources = list(session.scalars(select(Source.name).order_by(Source.name)))
    return brands, sources


# ---- trends -------------------------------------------------------------------------------------

RANGES: dict[str, tuple[timedelta, int, str]] = {
    "24h": (timedelta(hours=24), 3600, "hour"),
    "7d": (timedelta(days=7), 6 * 3600, "6 hours"),
    "30d": (timedelta(days=30), 86400, "day"),
}


def trends(session: Session, *, range_key: str, now: datetime) -> dict[str, Any]:
    """Per brand: mentions and average sentiment per bucket; incidents opened in range; share of voice."""
    span, size, label = RANGES[range_key]
    since = now - span
    first = int(since.timestamp()) // size
    last = int(now.timestamp()) // size
    # whole hours from the hourly rollup, the partial hours at both ends from mentions (rollup.py)
    sums = per_brand(session, since=since, until=now, size=size)
    brands: dict[int, str] = dict(session.execute(select(Brand.id, Brand.name).order_by(Brand.name)).all())
    series: dict[int, dict[int, tuple[int, float]]] = {bid: {} for bid in brands}
    for brand_id, per_bucket in sums.items():
        series[brand_id] = {b: (n, total / n) for b, (n, total) in per_bucket.items() if n}
    markers = session.execute(
        select(
            Incident.id,
            Incident.brand_id,
            Incident.category,
            Incident.severity,
            Incident.status,
            Incident.first_seen_at,
        )
        .where(Incident.first_seen_at >= since)
        .order_by(Incident.first_seen_at)
        .limit(500)
    ).all()
    out_brands = []
    total = sum(c for per in series.values() for c, _ in per.values())
    for bid, name in brands.items():
        per = series.get(bid, {})
        buckets = []
        for i in range(first, last + 1):
            count, avg = per.get(i, (0, None))
            buckets.append(
                {
                    "t": _iso(i * size),
                    "count": count,
                    # at 9 places first: the same mean summed in another order (rollup or raw, a
                    # parallel plan) differs in its last bits and must not flip a tie at 3 places
                    "sentiment": round(round(avg, 9), 3) if avg is not None else None,
                }
            )
        volume = sum(c for c, _ in per.values())
        out_brands.append(
            {
                "brand": name,
                "total": volume,
                "share": round(volume / total, 4) if total else 0.0,
                "buckets": buckets,
                "incidents": [
                    {
                        "id": m.id,
                        "category": m.category,
                        "severity": m.severity,
                        "status": m.status,
                        "t": m.first_seen_at.isoformat().replace("+00:00", "Z"),
                    }
                    for m in markers
                    if m.brand_id == bid
                ],
            }
        )
    return {
        "range": range_key,
        "bucket": label,
        "bucket_seconds": size,
        "since": _iso(first * size),
        "until": _iso((last + 1) * size),
        "total": total,
        "brands": out_brands,
        "team": _team_series(session, markers, since=since, now=now, size=size, first=first, last=last),
    }


def _team_series(
    session: Session,
    markers: Sequence[Any],
    *,
    since: datetime,
    now: datetime,
    size: int,
    first: int,
    last: int,
) -> list[dict[str, Any]]:
    """Per bucket, all brands: incidents opened, replies marked, and their median time to first response."""
    opened: dict[int, int] = {}
    for m in markers:
        b = int(m.first_seen_at.timestamp()) // size
        opened[b] = opened.get(b, 0) + 1
    waits: dict[int, list[float]] = {}
    rows = session.execute(
        select(Mention.published_at, Mention.replied_at).where(
            Mention.reply_status == "replied", Mention.replied_at >= since, Mention.replied_at <= now
        )
    )
    for published, replied in rows:
        b = int(replied.timestamp()) // size
        waits.setdefault(b, []).append(max(0.0, (replied - published).total_seconds()))
    out = []
    for i in range(first, last + 1):
        w = sorted(waits.get(i, []))
        median = None
        if w:
            mid = len(w) // 2
            median = w[mid] if len(w) % 2 else (w[mid - 1] + w[mid]) / 2
        out.append(
            {"t": _iso(i * size), "incidents": opened.get(i, 0), "replies": len(w), "reply_median_s": median}
        )
    return out


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def sources_health(session: Session) -> Sequence[Source]:
    """Every source row, enabled first, by name."""
    return list(session.scalars(select(Source).order_by(Source.enabled.desc(), Source.name)))
