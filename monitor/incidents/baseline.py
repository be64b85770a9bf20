"""The brand's own baseline: its volume in the last hour against the same hour of the past week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from monitor.mentions.models import Mention

BASELINE_DAYS = 7
# A brand watched for less than a day has no same-hour history yet; after this long its running
# hourly rate stands in, so a busy new brand's ordinary grumbles do not page (it never signals a spike).
PROVISIONAL_AFTER = timedelta(hours=3)
_HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class BrandVolume:
    last_hour: int  # distinct mentions of the brand in the hour up to `at`
    baseline_per_hour: float | None  # mean of the same hour on the previous days; None if never watched
    provisional: bool = False  # the running rate since the brand was added, not same-hour history


def brand_volume(session: Session, *, brand_id: int, brand_created_at: datetime, at: datetime) -> BrandVolume:
    """Count the brand's distinct mentions per one-hour bucket in a single statement.

    Eight `brand_id = ? AND published_at` range terms, so each is an index range scan on
    ix_mentions_brand_published rather than a week of the brand's mentions. Days before the brand
    was added are not "quiet days": they are left out of the mean; a brand watched for less than
    a day gets its running rate as a provisional baseline (after PROVISIONAL_AFTER), none before.
    """
    ranges = [(at - _HOUR, at)] + [
        (at - timedelta(days=d) - _HOUR, at - timedelta(days=d)) for d in range(1, BASELINE_DAYS + 1)
    ]
    in_range = [and_(Mention.published_at > lo, Mention.published_at <= hi) for lo, hi in ranges]
    row = session.execute(
        select(*(func.coalesce(func.sum(case((cond, 1), else_=0)), 0) for cond in in_range)).where(
            Mention.brand_id == brand_id, Mention.duplicate_of_id.is_(None), or_(*in_range)
        )
    ).one()
    counts = [int(c) for c in row]
    watched = [counts[d] for d in range(1, BASELINE_DAYS + 1) if brand_created_at <= ranges[d][0]]
    if watched:
        return BrandVolume(last_hour=counts[0], baseline_per_hour=sum(watched) / len(watched))
    if at - brand_created_at < PROVISIONAL_AFTER:
        return BrandVolume(last_hour=counts[0], baseline_per_hour=None)
    since = session.scalar(
        select(func.count()).where(
            Mention.brand_id == brand_id,
            Mention.duplicate_of_id.is_(None),
            Mention.published_at > brand_created_at,
            Mention.published_at <= at,
        )
    )
    hours = (at - brand_created_at) / _HOUR
    return BrandVolume(last_hour=counts[0], baseline_per_hour=(since or 0) / hours, provisional=True)
