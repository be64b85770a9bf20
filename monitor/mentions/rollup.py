"""Hourly per-brand rollup of mentions: the count and the sentiment sum the Trends charts read.

One row per (hour, brand) with at least one mention, kept equal to aggregating `mentions`:
- the store adds each batch's new rows in the batch's own transaction (store.py);
- retention subtracts the rows it deletes in the transaction that deletes them (retention.py);
- deleting a brand deletes its rows (ON DELETE CASCADE);
- nothing in the application changes a stored mention's brand, sentiment or published_at.
Anything that writes `mentions` outside these paths (a bulk load, a source deleted by hand, which
cascades to its mentions) must call `rebuild()` afterwards.

A sum, not an average, so buckets merge exactly: a 6-hour or daily bucket is the sum of its hours.
Keys are upserted in (hour, brand) order, one statement per batch, so two workers storing batches
that share hours wait for each other on PostgreSQL instead of deadlocking.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, bindparam, cast, delete, func, literal, select
from sqlalchemy.orm import Session

from monitor.mentions.models import Mention, MentionHourly

HOUR = 3600

Key = tuple[int, int]  # (epoch hour, brand id)
Tally = dict[Key, list[Any]]  # [mentions, sentiment sum]
Series = dict[int, dict[int, list[Any]]]  # brand id -> bucket -> [mentions, sentiment sum]


_T = MentionHourly.__table__
_c = _T.c
_M = Mention.__table__.c


def hour_of(at: datetime) -> int:
    """The UTC hour (seconds since the epoch // 3600) of an aware datetime."""
    return int(at.timestamp() // HOUR)


def tally(rows: Iterable[tuple[int, datetime, float]], *, into: Tally | None = None, sign: int = 1) -> Tally:
    """Per (hour, brand): the count and sentiment sum of (brand id, published_at, sentiment) rows."""
    out: Tally = {} if into is None else into
    for brand_id, published, sentiment in rows:
        cell = out.setdefault((hour_of(published), brand_id), [0, 0.0])
        cell[0] += sign
        cell[1] += sign * sentiment
    return out


_UPSERTS: dict[str, Any] = {}
_EMPTIED = delete(_T).where(_c.hour == bindparam("h"), _c.brand_id == bindparam("b"), _c.mentions <= 0)


def _upsert(session: Session) -> Any:
    name = session.get_bind().dialect.name
    stmt = _UPSERTS.get(name)
    if stmt is None:
        if name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        ins = insert(_T)
        stmt = _UPSERTS[name] = ins.on_conflict_do_update(
            index_elements=["hour", "brand_id"],
            set_={
                "mentions": _c.mentions + ins.excluded.mentions,
                "sentiment_sum": _c.sentiment_sum + ins.excluded.sentiment_sum,
            },
        )
    return stmt


def apply(session: Session, changes: Mapping[Key, list[Any]]) -> None:
    """Add a tally to the rollup in the caller's transaction; rows brought to zero are removed."""
    keys = sorted(k for k, (n, _) in changes.items() if n)
    if not keys:
        return
    # One statement, keys in order: every transaction locks the rows it touches in the same order.
    rows = [
        {"hour": h, "brand_id": b, "mentions": changes[h, b][0], "sentiment_sum": changes[h, b][1]}
        for h, b in keys
    ]
    session.execute(_upsert(session), rows)
    emptied = [{"h": h, "b": b} for h, b in keys if changes[h, b][0] < 0]
    if emptied:
        session.execute(_EMPTIED, emptied)


def bucket_of(session: Session, size: int) -> Any:
    """SQL for a mention's bucket of `size` seconds (seconds since the epoch // size)."""
    if session.get_bind().dialect.name == "sqlite":
        # SQLite keeps UTC as text; strftime('%s') is seconds since the epoch
        return cast(func.strftime("%s", _M.published_at), Integer) // size
    return cast(func.floor(func.extract("epoch", _M.published_at) / size), BigInteger)


def rebuild(session: Session) -> int:
    """Recompute the whole rollup from `mentions` in the caller's transaction; returns its row count."""
    session.execute(delete(_T))
    hour = bucket_of(session, HOUR).label("hour")
    session.execute(
        _T.insert().from_select(
            ["hour", "brand_id", "mentions", "sentiment_sum"],
            select(hour, _M.brand_id, func.count(), func.sum(_M.sentiment)).group_by(hour, _M.brand_id),
        )
    )
    return session.scalar(select(func.count()).select_from(_T)) or 0


def _raw(
    session: Session, series: Series, *, size: int, start: datetime, end: datetime, closed: bool
) -> None:
    """Add mentions published in [start, end) (or [start, end] if closed) straight from `mentions`."""
    bucket = bucket_of(session, size).label("bucket")
    upper = _M.published_at <= end if closed else _M.published_at < end
    rows = session.execute(
        select(_M.brand_id, bucket, func.count(), func.sum(_M.sentiment))
        .where(_M.published_at >= start, upper)
        .group_by(_M.brand_id, bucket)
    )
    for brand_id, b, n, total in rows:
        _add(series, brand_id, int(b), int(n), float(total or 0.0))


def _add(series: Series, brand_id: int, bucket: int, n: int, total: float) -> None:
    cell = series.setdefault(brand_id, {}).setdefault(bucket, [0, 0.0])
    cell[0] += n  # merged, should a backend split one bucket in two
    cell[1] += total


def per_brand(session: Session, *, since: datetime, until: datetime, size: int, raw: bool = False) -> Series:
    """Per brand and bucket of `size` seconds (a whole number of hours): mentions published in
    [since, until] and their sentiment sum.

    Whole hours come from the rollup; the partial hours at either end (the span starts and ends at
    any second) from `mentions`, an index range of at most two hours. `raw=True` reads everything
    from `mentions`: the reference the rollup is tested and benchmarked against.
    """
    if size % HOUR:
        raise ValueError(f"bucket of {size} s is not a whole number of hours")
    series: Series = {}
    lo, hi = math.ceil(since.timestamp() / HOUR), math.floor(until.timestamp() / HOUR)
    if raw or lo >= hi:
        _raw(session, series, size=size, start=since, end=until, closed=True)
        return series
    _raw(session, series, size=size, start=since, end=_at(lo), closed=False)
    # inline, not a parameter: PostgreSQL sees two parameters as two expressions and won't group
    bucket = _c.hour // literal(size // HOUR, Integer, literal_execute=True)
    rows = session.execute(
        select(_c.brand_id, bucket, func.sum(_c.mentions), func.sum(_c.sentiment_sum))
        .where(_c.hour >= lo, _c.hour < hi)
        .group_by(_c.brand_id, bucket)
    )
    for brand_id, b, n, total in rows:
        if n:
            _add(series, brand_id, int(b), int(n), float(total))
    _raw(session, series, size=size, start=_at(hi), end=until, closed=True)
    return series


def _at(hour: int) -> datetime:
    return datetime.fromtimestamp(hour * HOUR, UTC)
