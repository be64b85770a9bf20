"""Source poll state: claiming due sources with a lease, recording outcomes, health and backoff."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from connectors.base import ConnectorError, ErrorClass, Gap, PollState
from monitor.logs import redact
from monitor.sources.models import Source

# Errors that will not go away on their own by the next poll: shown as failing at once.
_PERSISTENT = {ErrorClass.PARSE, ErrorClass.TOO_LARGE, ErrorClass.CLIENT}
FAILING_AFTER = 3  # consecutive transient errors before degraded becomes failing
ALERTING_STATES = {"failing", "auth_failed", "gone"}
# The longest a source's own "come back later" (Retry-After, rate-limit reset) is honoured: a
# Retry-After of 999999999 s would otherwise park the source until 2058 without a word.
MAX_WAIT_SECONDS = 6 * 3600
MAX_GAPS = 20  # gaps kept per source: enough to see a pattern, not a growing log in a row


@dataclass(frozen=True, slots=True)
class Claimed:
    """A claimed source, detached from the session: what a poll needs."""

    id: int
    name: str
    kind: str
    config: dict
    brand: str | None
    state: PollState


def _free(now: datetime):
    return or_(Source.lease_expires_at.is_(None), Source.lease_expires_at < now)


def claim_due(
    session: Session, *, owner: str, now: datetime, limit: int, lease_seconds: int, names: Sequence[str] = ()
) -> list[Claimed]:
    """Lease up to `limit` due sources to `owner`; two workers never hold the same source.

    The next check is scheduled at claim time (miniflux does the same), so a source is
    polled at most once per interval even when a worker dies mid-poll and its lease expires.
    """
    due = and_(Source.enabled.is_(True), _free(now))
    if names:
        due = and_(due, Source.name.in_(names))
    else:
        due = and_(due, Source.next_poll_at <= now)
    stmt = select(Source).where(due).order_by(Source.next_poll_at, Source.id).limit(limit)
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        stmt = stmt.with_for_update(skip_locked=True)
    claimed = []
    for src in session.scalars(stmt).all():
        values = {
            "lease_owner": owner,
            "lease_expires_at": now + timedelta(seconds=lease_seconds),
            "next_poll_at": now + timedelta(seconds=src.current_interval_seconds),
            "last_poll_at": now,
        }
        if postgres:
            for k, v in values.items():
                setattr(src, k, v)
        else:
            # SQLite has no row locks: a conditional update is the claim, the row count says who won.
            res = session.execute(update(Source).where(Source.id == src.id, _free(now)).values(**values))
            if res.rowcount != 1:
                continue
        claimed.append(
            Claimed(
                id=src.id,
                name=src.name,
                kind=src.kind,
                config=dict(src.config),
                brand=src.brand,
                state=PollState(src.cursor, src.etag, src.last_modified),
            )
        )
    session.flush()
    return claimed


def renew_leases(
    session: Session, *, owner: str, ids: Sequence[int], now: datetime, lease_seconds: int
) -> int:
    """Extend this owner's leases on the sources it is polling (the heartbeat); returns how many."""
    if not ids:
        return 0
    res = session.execute(
        update(Source)
        .where(Source.id.in_(list(ids)), Source.lease_owner == owner)
        .values(lease_expires_at=now + timedelta(seconds=lease_seconds))
    )
    return res.rowcount


# A lease still held when its poll ends was abandoned mid-poll: due again at once, for anyone.
def _abandon(now: datetime) -> dict:
    return {"lease_owner": None, "lease_expires_at": None, "next_poll_at": now}


def release_leases(session: Session, *, owner: str, now: datetime) -> int:
    """Free every lease this owner still holds (a clean shutdown); those polls are due again now."""
    res = session.execute(update(Source).where(Source.lease_owner == owner).values(**_abandon(now)))
    return res.rowcount


def release_stale_leases(session: Session, *, worker_id: str, owner: str, now: datetime) -> int:
    """Free the leases an earlier run of this worker left (same worker id, another instance).

    Safe only because one live process holds a worker id at a time (see worker_identity.py).
    """
    res = session.execute(
        update(Source)
        .where(Source.lease_owner.startswith(f"{worker_id}#", autoescape=True), Source.lease_owner != owner)
        .values(**_abandon(now))
    )
    return res.rowcount


def _adapt_interval(src: Source, entries: int, *, hint: float | None = None) -> int:
    """Poll a busy source faster and a quiet one slower, within its configured bounds.

    Busy means the source returned entries since its cursor, matched or not (miniflux's entry
    frequency): a feed shows only its last N entries, so a busy one read slowly loses the oldest.
    `hint` is the publisher's own "not before" (Cache-Control, Expires, <ttl>): it can only
    lengthen the interval, and at most to the source's max; it never shortens it below min.
    """
    cur = src.current_interval_seconds
    cur = cur * 0.5 if entries > 0 else cur * 1.5
    if hint is not None and hint > 0:
        cur = max(cur, hint)
    return int(min(src.max_interval_seconds, max(src.min_interval_seconds, cur)))


def record_success(
    session: Session,
    source_id: int,
    *,
    owner: str,
    now: datetime,
    state: PollState,
    fetched: int,
    new: int,
    pause_seconds: float | None = None,
    backlog: bool = False,
    gaps: Sequence[Gap] = (),
    min_interval_hint: float | None = None,
) -> tuple[Source, str | None]:
    """Store the new cursor and validators, mark healthy; returns (source, previous alerting state).

    `backlog`: the poll left new items for later (the per-poll or page budget), so it is due again
    at once. `gaps`: spans the API could not return any more, kept on the source to be shown.
    `min_interval_hint`: FetchResult.min_interval_hint, honoured within [min, max] (a backlog
    still polls again at once, and a rate-limit pause longer than max still wins).
    """
    src = session.get(Source, source_id, with_for_update=False)
    assert src is not None
    was = src.state
    src.cursor, src.etag, src.last_modified = state.cursor, state.etag, state.last_modified
    src.last_success_at = now
    src.last_fetched, src.last_new = fetched, new
    src.consecutive_errors = 0
    src.state, src.error_class, src.last_error = "ok", None, None
    src.current_interval_seconds = _adapt_interval(src, max(fetched, new), hint=min_interval_hint)
    delay = float(src.current_interval_seconds)
    if backlog:
        delay = 0.0
    if pause_seconds:  # the API's rate-limit headers: don't come back before they reset
        delay = max(delay, min(pause_seconds, MAX_WAIT_SECONDS))
    src.next_poll_at = now + timedelta(seconds=delay)
    if gaps:
        src.gaps = record_gaps(src.gaps, gaps, now=now)
    _release(src, owner)
    return src, was


def record_gaps(existing: Sequence[dict] | None, gaps: Sequence[Gap], *, now: datetime) -> list[dict]:
    """The source's gap record with these appended (newest last, the last MAX_GAPS kept)."""
    added = [
        {
            "at": now.isoformat(),
            "reason": gap.reason,
            "since": gap.since.isoformat() if gap.since else None,
            "until": gap.until.isoformat() if gap.until else None,
            "missed": gap.missed,
        }
        for gap in gaps
    ]
    # a new list: the JSON column is not mutation-tracked, and a lasting gap must not push out history
    return [*(existing or []), *added][-MAX_GAPS:]


def backoff_seconds(interval: int, errors: int, *, cap: int, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter from the source's interval, capped; never gives up.

    A server's Retry-After is honoured up to MAX_WAIT_SECONDS, never further.
    """
    if retry_after is not None:
        retry_after = min(retry_after, MAX_WAIT_SECONDS)
    base = min(cap, interval * (2 ** max(0, errors - 1)))
    delay = base * random.uniform(0.8, 1.0) if errors > 1 else base
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(delay, max(cap, retry_after or 0))


def health_state(error_class: ErrorClass | str, consecutive: int) -> str:
    """The state a person sees for a source after this many consecutive errors of this class."""
    if error_class == ErrorClass.AUTH:
        return "auth_failed"
    if error_class == ErrorClass.GONE:
        return "gone"
    if error_class in _PERSISTENT or consecutive >= FAILING_AFTER:
        return "failing"
    if error_class == ErrorClass.RATE_LIMITED:
        return "rate_limited"  # waiting until next_poll_at, as the source asked (capped)
    return "degraded"


def record_failure(
    session: Session, source_id: int, *, owner: str, now: datetime, error: ConnectorError, max_backoff: int
) -> tuple[Source, str | None]:
    """Record a classified failure and schedule the retry; returns (source, previous state)."""
    src = session.get(Source, source_id)
    assert src is not None
    was = src.state
    src.consecutive_errors += 1
    src.error_class = error.error_class.value
    src.last_error_at = now
    src.state = health_state(error.error_class, src.consecutive_errors)
    delay = backoff_seconds(
        src.current_interval_seconds, src.consecutive_errors, cap=max_backoff, retry_after=error.retry_after
    )
    src.next_poll_at = now + timedelta(seconds=delay)
    # an exception's text may quote a URL with its token: stored (and shown) masked
    src.last_error = redact(str(error) + _wait_note(error, src.next_poll_at))[:2000]
    _release(src, owner)
    return src, was


def _wait_note(error: ConnectorError, until: datetime) -> str:
    """For a "come back later", when the next try is and whether the source asked for longer."""
    if error.error_class != ErrorClass.RATE_LIMITED and error.retry_after is None:
        return ""
    note = f"; next try at {until:%Y-%m-%d %H:%M:%S} UTC"
    if error.retry_after is not None and error.retry_after > MAX_WAIT_SECONDS:
        note += f" (asked to wait {error.retry_after:.0f} s, capped at {MAX_WAIT_SECONDS // 3600} h)"
    return note


def _release(src: Source, owner: str) -> None:
    if src.lease_owner == owner:
        src.lease_owner = None
        src.lease_expires_at = None


def health_transition(src: Source) -> str | None:
    """The notice to send for this source's new state, once per transition (or None)."""
    if src.state in ALERTING_STATES and src.notified_state != src.state:
        src.notified_state = src.state
        return "source.auth_failed" if src.state == "auth_failed" else f"source.{src.state}"
    if src.state == "ok" and src.notified_state in ALERTING_STATES:
        src.notified_state = None
        return "source.recovered"
    return None
