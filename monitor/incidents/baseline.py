"""The brand's own baseline: its volume in the last hour against the same hour of the past week."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from monitor.incidents.stats import SpanCounts
from monitor.mentions.models import Mention

BASELINE_DAYS = 7
# A brand watched for less than a day has no same-hour history yet; after this long its running
# hourly rate stands in, so a busy new brand's ordinary grumbles do not page (it never signals a spike).
PROVISIONAL_AFTER = timedelta(hours=3)
_HOUR = timedelta(hours=1)
_SPANS = [(timedelta(days=d), _HOUR) for d in range(BASELINE_DAYS + 1)]  # this hour, then the same hour


@dataclass(frozen=True, slots=True)
class BrandVolume:
    last_hour: int  # distinct mentions of the brand in the hour up to `at`
    baseline_per_hour: float | None  # mean of the same hour on the previous days; None if never watched
    provisional: bool = False  # the running rate since the brand was added, not same-hour history


@dataclass(slots=True)
class BrandVolumes:
    """Every brand's volume at any time in [lo, hi], from a few statements for the whole batch.

    Counts come from one-hour buckets on ix_mentions_brand_published: the hour up to `at` and the
    same hour on each of the BASELINE_DAYS before. Days before the brand was added are not "quiet
    days": they are left out of the mean; a brand watched for less than a day gets its running
    rate as a provisional baseline (after PROVISIONAL_AFTER), none before.
    """

    session: Session
    created: Mapping[int, datetime]  # brand id -> when the brand was added
    lo: datetime
    hi: datetime
    counts: SpanCounts = field(init=False)
    _since: dict[int, int] | None = field(default=None, init=False)  # distinct (created, lo] per brand
    _cache: dict[tuple[int, datetime], BrandVolume] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.counts = SpanCounts(_SPANS, self.lo, self.hi).load(
            self.session, "brand", Mention.brand_id, list(self.created), Mention.duplicate_of_id.is_(None)
        )

    def at(self, brand_id: int, at: datetime) -> BrandVolume:
        """The brand's volume at `at` (lo <= at <= hi)."""
        key = (brand_id, at)
        if key not in self._cache:
            self._cache[key] = self._volume(brand_id, at)
        return self._cache[key]

    def _volume(self, brand_id: int, at: datetime) -> BrandVolume:
        created = self.created[brand_id]
        counts = [self.counts.count(brand_id, d, at) for d in range(BASELINE_DAYS + 1)]
        watched = [
            counts[d] for d in range(1, BASELINE_DAYS + 1) if created <= at - timedelta(days=d) - _HOUR
        ]
        if watched:
            return BrandVolume(last_hour=counts[0], baseline_per_hour=sum(watched) / len(watched))
        if at - created < PROVISIONAL_AFTER:
            return BrandVolume(last_hour=counts[0], baseline_per_hour=None)
        since = self._since_lo().get(brand_id, 0) + self.counts.fetched(brand_id, max(created, self.lo), at)
        hours = (at - created) / _HOUR
        return BrandVolume(last_hour=counts[0], baseline_per_hour=since / hours, provisional=True)

    def _since_lo(self) -> dict[int, int]:
        """Distinct mentions from each young brand's creation up to lo (one statement, on first need)."""
        if self._since is None:
            young = {b: c for b, c in self.created.items() if c > self.lo - timedelta(days=1) - _HOUR}
            self._since = {}
            if young:
                in_life = or_(
                    *(and_(Mention.brand_id == b, Mention.published_at > c) for b, c in young.items())
                )
                rows = self.session.execute(
                    select(Mention.brand_id, func.count())
                    .where(Mention.duplicate_of_id.is_(None), Mention.published_at <= self.lo, in_life)
                    .group_by(Mention.brand_id)
                )
                self._since = {b: int(n) for b, n in rows}
        return self._since


def brand_volume(session: Session, *, brand_id: int, brand_created_at: datetime, at: datetime) -> BrandVolume:
    """One brand's volume at one time (the batch form is BrandVolumes)."""
    return BrandVolumes(session, {brand_id: brand_created_at}, at, at).at(brand_id, at)
