"""Slow burns: one category's reports of a brand counted over days, not the hour a burst needs.

A defect reported by one or two people a day never makes a burst, and each report opens its own
small incident that resolves quietly before the next. What connects them is the brand and the
category, so they are counted there: flagged, distinct mentions of the pair over the last
`slow_burn_days`, against the same count over the four weeks before (a category the brand hears
about every week needs twice its usual number). Two statements per batch for the counts, one for
"has this pair paged within the span" (a slow burn pages once per span, not on every report).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from monitor.incidents.models import Incident
from monitor.incidents.policy import SlowBurn
from monitor.incidents.stats import SpanCounts
from monitor.mentions.models import Mention

BASELINE_WEEKS = 4
_ZERO = timedelta(0)


@dataclass(slots=True)
class SlowBurns:
    """Every (brand, category) pair's slow-burn facts at any time in [lo, hi]."""

    session: Session
    pairs: Collection[tuple[int, str]]
    created: Mapping[int, datetime]  # brand id -> when the brand was added
    lo: datetime
    hi: datetime
    days: int
    _counts: dict[str, SpanCounts] = field(default_factory=dict, init=False)
    _paged: dict[tuple[int, str], datetime] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        span = timedelta(days=self.days)
        spans = [(_ZERO, span), (span, timedelta(weeks=BASELINE_WEEKS))]
        for category in sorted({c for _, c in self.pairs}):
            brands = sorted({b for b, c in self.pairs if c == category})
            where = Mention.is_incident.is_(True) & (Mention.category == category)
            self._counts[category] = SpanCounts(spans, self.lo, self.hi).load(
                self.session,
                f"slow_burn:{category}",
                Mention.brand_id,
                brands,
                where & Mention.duplicate_of_id.is_(None),
            )
        if self.pairs:
            rows = self.session.execute(
                select(Incident.brand_id, Incident.category, func.max(Incident.last_seen_at))
                .where(
                    Incident.alerted.is_(True),
                    tuple_(Incident.brand_id, Incident.category).in_(sorted(self.pairs)),
                    Incident.last_seen_at > self.lo - span,
                )
                .group_by(Incident.brand_id, Incident.category)
            )
            self._paged = {(b, c): at for b, c, at in rows}

    def at(
        self, brand_id: int, category: str, at: datetime, *, paged_since: datetime | None = None
    ) -> SlowBurn:
        """The pair's facts at `at`; `paged_since` adds a page this batch has already decided."""
        span = timedelta(days=self.days)
        counts = self._counts[category]
        reports = counts.count(brand_id, 0, at)
        start = at - span  # the baseline covers the weeks before the span, while the brand was watched
        watched = start - max(self.created[brand_id], start - timedelta(weeks=BASELINE_WEEKS))
        baseline = None
        if watched >= timedelta(weeks=1):
            baseline = counts.count(brand_id, 1, at) / (watched / span)
        last_page = max(
            (p for p in (self._paged.get((brand_id, category)), paged_since) if p is not None), default=None
        )
        paged = last_page is not None and last_page > start
        return SlowBurn(reports=reports, days=self.days, baseline=baseline, paged=paged)
