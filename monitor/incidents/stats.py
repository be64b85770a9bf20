"""The incident's recent numbers: distinct mentions per span, and copied words from other people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from monitor.mentions.models import Mention

_MAX_ECHOES = 50  # thresholds are single digits; a viral copy-paste needs no exact count


@dataclass(frozen=True, slots=True)
class WindowCounts:
    last_15m: int
    last_hour: int
    in_window: int
    in_burst: int
    engagement: int


def window_counts(
    session: Session, *, incident_id: int, at: datetime, window: timedelta, burst: timedelta
) -> WindowCounts:
    """Distinct mentions in the spans up to `at` (one statement on ix_mentions_incident_published)."""
    distinct = Mention.duplicate_of_id.is_(None)

    def _since(delta: timedelta):
        cond = and_(distinct, Mention.published_at > at - delta, Mention.published_at <= at)
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    row = session.execute(
        select(
            _since(timedelta(minutes=15)),
            _since(timedelta(hours=1)),
            _since(window),
            _since(burst),
            func.coalesce(func.sum(Mention.engagement), 0),
        ).where(Mention.incident_id == incident_id)
    ).one()
    return WindowCounts(*(int(v) for v in row))


def is_echo_voice(dup: Mention, original: Mention) -> bool:
    """Whether a duplicate is someone else saying the same words, not the same story cross-posted.

    Three customers typing "everything in my cart is $0.00 — is this real?" are three voices; one
    link shared around, or one person's post copied to another site, is one.
    """
    if dup.canonical_url and dup.canonical_url == original.canonical_url:
        return False
    if dup.author and original.author:
        return dup.author.casefold() != original.author.casefold()
    return dup.source_id == original.source_id  # authors unknown: another post on the same site


def echo_voices(
    session: Session, *, incident_id: int, at: datetime, window: timedelta
) -> dict[int, datetime]:
    """The window's duplicates that are new voices (one per author) and when, for the alert policy only.

    mention_count and severity still count the story once; this only lets a copied phrase from
    several people reach the volume threshold and trigger the alert.
    """
    original = aliased(Mention)
    rows = session.execute(
        select(Mention, original)
        .join(original, Mention.duplicate_of_id == original.id)
        .where(
            Mention.incident_id == incident_id, Mention.published_at > at - window, Mention.published_at <= at
        )
        .order_by(Mention.published_at, Mention.id)
        .limit(_MAX_ECHOES)
    ).all()
    voices: dict[object, Mention] = {}
    for dup, orig in rows:
        if is_echo_voice(dup, orig):
            voices.setdefault(dup.author.casefold() if dup.author else dup.id, dup)
    return {dup.id: dup.published_at for dup in voices.values()}
