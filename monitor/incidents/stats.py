"""Recent numbers for a whole batch: mentions per span, and copied words from other people.

The grouping stage needs, for every new mention, counts over spans that end at the mention's own
published time ("distinct mentions of this incident in the 15 minutes up to it"). A batch's times
lie in one interval [lo, hi], so each span splits into a core every such range contains, counted
in SQL (one aggregate statement), and two thin edges whose timestamps are fetched (one statement);
the count at any t in [lo, hi] is then core + a bisect over the edges. Constant statements per
batch however many mentions, brands or incidents it touches.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    bindparam,
    func,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from monitor.mentions.models import Mention

_MAX_ECHOES = 50  # thresholds are single digits; a viral copy-paste needs no exact count
_ZERO = timedelta(0)

Span = tuple[timedelta, timedelta]  # (offset, width): the range (t - offset - width, t - offset]


def _between(lo: datetime, hi: datetime) -> ColumnElement[bool]:
    return and_(Mention.published_at > lo, Mention.published_at <= hi)


def _count(times: Sequence[datetime], lo: datetime, hi: datetime) -> int:
    """How many sorted `times` fall in (lo, hi]."""
    return bisect_right(times, hi) - bisect_right(times, lo) if hi > lo else 0


@dataclass(slots=True)
class SpanCounts:
    """Per key (a brand, an incident), how many mentions fall in each span ending at any t in [lo, hi]."""

    spans: Sequence[Span]
    lo: datetime
    hi: datetime
    core: dict[Any, list[int]] = field(default_factory=dict)  # key -> counts in each span's core
    extra: dict[Any, list[int]] = field(default_factory=dict)  # key -> the extra aggregates
    times: dict[Any, list[datetime]] = field(default_factory=dict)  # key -> sorted fetched timestamps
    _in_core: dict[Any, list[int]] = field(default_factory=dict)  # fetched timestamps inside each core

    def _core(self, i: int) -> tuple[datetime, datetime] | None:
        off, width = self.spans[i]
        lo, hi = self.lo - off, self.hi - off
        return (hi - width, lo) if hi - width < lo else None

    def count(self, key: Any, i: int, t: datetime) -> int:
        """Mentions of `key` in span i's range ending at t (lo <= t <= hi)."""
        off, width = self.spans[i]
        times = self.times.get(key, ())
        n = _count(times, t - off - width, t - off)
        if key in self.core:
            n += self.core[key][i] - self._in_core[key][i]
        return n

    def fetched(self, key: Any, lo: datetime, hi: datetime) -> int:
        """Fetched mentions of `key` in (lo, hi]; (self.lo, self.hi] of the zero-offset spans is all there."""
        return _count(self.times.get(key, ()), lo, hi)

    def load(
        self,
        session: Session,
        name: str,
        key: Any,
        keys: Collection[Any],
        where: ColumnElement[bool],
        extra: Sequence[ColumnElement[Any]] = (),
    ) -> SpanCounts:
        """Two statements: the cores (and `extra`, over all a key's rows) by key, then the edges.

        The statements are built once per `name` (key, filter and extras) and shape, and reused
        with new bounds: building SQL expressions costs more than running these on an index.
        """
        cores = [self._core(i) for i in range(len(self.spans))]
        with_core = [(i, c) for i, c in enumerate(cores) if c is not None]
        if with_core or extra:
            shape = ("core", name, len(with_core))
            stmt = _STATEMENTS.get(shape)
            if stmt is None:
                stmt = _STATEMENTS[shape] = _core_statement(key, where, extra, len(with_core))
            params: dict[str, Any] = {"keys": list(keys)}
            for j, (_, (lo, hi)) in enumerate(with_core):
                params[f"lo{j}"], params[f"hi{j}"] = lo, hi
            slot = {j: i for j, (i, _) in enumerate(with_core)}
            for k, j, value in session.execute(stmt, params):
                self.core.setdefault(k, [0] * len(self.spans))
                self.extra.setdefault(k, [0] * len(extra))
                if j >= 0:
                    self.core[k][slot[j]] = int(value or 0)
                else:
                    self.extra[k][-1 - j] = int(value or 0)
        edges = []
        for (off, width), c in zip(self.spans, cores, strict=True):
            lo, hi = self.lo - off - width, self.hi - off
            edges += [(lo, hi)] if c is None else [(lo, c[0]), (c[1], hi)]
        edges = _union(edges)
        if edges:
            shape = ("edges", name, len(edges))
            stmt = _STATEMENTS.get(shape)
            if stmt is None:
                stmt = _STATEMENTS[shape] = _edge_statement(key, where, len(edges))
            params = {"keys": list(keys)}
            for j, (lo, hi) in enumerate(edges):
                params[f"lo{j}"], params[f"hi{j}"] = lo, hi
            for k, at in session.execute(stmt, params):
                self.times.setdefault(k, []).append(at)
            for times in self.times.values():
                times.sort()
        for k in self.core:
            times = self.times.get(k, [])
            self._in_core[k] = [0 if c is None else _count(times, *c) for c in cores]
        return self


_STATEMENTS: dict[tuple[Any, ...], Select[Any] | CompoundSelect[Any]] = {}


def _ranges(n: int) -> list[ColumnElement[bool]]:
    """n ranges (lo_j, hi_j] on published_at, bound at execution."""
    return [_between(bindparam(f"lo{j}"), bindparam(f"hi{j}")) for j in range(n)]


def _core_statement(
    key: Any, where: ColumnElement[bool], extra: Sequence[ColumnElement[Any]], n: int
) -> Select[Any] | CompoundSelect[Any]:
    """Per key: a row (key, j, count) for each range j, and (key, -1 - e, value) for each extra.

    One sub-select per range, so each is an index range scan on (key, published_at), not a
    scan of every row of the key; UNION ALL keeps it one statement.
    """
    keys = bindparam("keys", expanding=True)
    parts = [
        select(key, literal_column(str(j)), func.count()).where(key.in_(keys), where, r).group_by(key)
        for j, r in enumerate(_ranges(n))
    ]
    parts += [
        select(key, literal_column(str(-1 - e)), col).where(key.in_(keys)).group_by(key)
        for e, col in enumerate(extra)
    ]
    return parts[0] if len(parts) == 1 else union_all(*parts)


def _edge_statement(key: Any, where: ColumnElement[bool], n: int) -> Select[Any] | CompoundSelect[Any]:
    """(key, published_at) of every row in the n (disjoint) ranges, one range scan each."""
    keys = bindparam("keys", expanding=True)
    parts = [select(key, Mention.published_at).where(key.in_(keys), where, r) for r in _ranges(n)]
    return parts[0] if len(parts) == 1 else union_all(*parts)


def _union(ranges: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """The non-empty half-open ranges (lo, hi], overlapping or touching ones merged."""
    out: list[tuple[datetime, datetime]] = []
    for lo, hi in sorted(r for r in ranges if r[1] > r[0]):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def incident_counts(
    session: Session,
    *,
    incident_ids: Collection[int],
    lo: datetime,
    hi: datetime,
    window: timedelta,
    burst: timedelta,
) -> SpanCounts:
    """Distinct mentions in (t - 15m | 1h | window | burst, t] for t in [lo, hi], and each incident's
    engagement over all its mentions (`extra[id][0]`); two statements."""
    spans = [(_ZERO, timedelta(minutes=15)), (_ZERO, timedelta(hours=1)), (_ZERO, window), (_ZERO, burst)]
    counts = SpanCounts(spans, lo, hi)
    if incident_ids:
        counts.load(
            session,
            "incident",
            Mention.incident_id,
            incident_ids,
            Mention.duplicate_of_id.is_(None),
            extra=[func.coalesce(func.sum(Mention.engagement), 0)],
        )
    return counts


def is_echo_voice(dup: Any, original: Any) -> bool:
    """Whether a duplicate is someone else saying the same words, not the same story cross-posted.

    Three customers typing "everything in my cart is $0.00 — is this real?" are three voices; one
    link shared around, or one person's post copied to another site, is one.
    """
    if dup.canonical_url and dup.canonical_url == original.canonical_url:
        return False
    if dup.author and original.author:
        return dup.author.casefold() != original.author.casefold()
    return dup.source_id == original.source_id  # authors unknown: another post on the same site


class _Side(NamedTuple):
    author: str | None
    canonical_url: str | None
    source_id: int


class Echo(NamedTuple):
    """A duplicate in some incident's window: when, and its voice (None: not a voice of its own)."""

    id: int
    published_at: datetime
    voice: object


def _echo_statement() -> Select[Any]:
    stmt = _STATEMENTS.get(("echo",))
    if stmt is None:
        original = aliased(Mention)
        stmt = _STATEMENTS[("echo",)] = (
            select(
                Mention.incident_id,
                Mention.id,
                Mention.published_at,
                Mention.author,
                Mention.canonical_url,
                Mention.source_id,
                original.author,
                original.canonical_url,
                original.source_id,
            )
            .join(original, Mention.duplicate_of_id == original.id)
            .where(Mention.incident_id.in_(bindparam("ids", expanding=True)), *_ranges(1))
            .order_by(Mention.published_at, Mention.id)
        )
    return stmt  # type: ignore[return-value]


def echo_rows(
    session: Session, *, incident_ids: Collection[int], lo: datetime, hi: datetime, window: timedelta
) -> dict[int, list[Echo]]:
    """Every duplicate of these incidents in (lo - window, hi], in (published_at, id) order; one statement."""
    if not incident_ids:
        return {}
    params = {"ids": list(incident_ids), "lo0": lo - window, "hi0": hi}
    rows = session.execute(_echo_statement(), params)
    out: dict[int, list[Echo]] = {}
    for inc_id, mid, at, author, url, source_id, o_author, o_url, o_source in rows:
        voice = None
        if is_echo_voice(_Side(author, url, source_id), _Side(o_author, o_url, o_source)):
            voice = author.casefold() if author else mid
        out.setdefault(inc_id, []).append(Echo(mid, at, voice))
    return out


def echo_voices(
    rows: Sequence[Echo], *, at: datetime, window: timedelta, visible: Any = None
) -> dict[int, datetime]:
    """The window's duplicates up to `at` that are new voices (one per author) and when.

    For the alert policy only: mention_count and severity still count the story once; this only
    lets a copied phrase from several people reach the volume threshold and trigger the alert.
    `visible(id)` hides rows (the batch's own later mentions); the first _MAX_ECHOES rows count.
    """
    voices: dict[object, Echo] = {}
    seen = 0
    for row in rows:
        if row.published_at > at:
            break
        if row.published_at <= at - window or (visible is not None and not visible(row.id)):
            continue
        seen += 1
        if seen > _MAX_ECHOES:
            break
        if row.voice is not None:
            voices.setdefault(row.voice, row)
    return {row.id: row.published_at for row in voices.values()}
