"""Retention: old mentions deleted and raw payloads dropped sooner, in small batches by the worker.

The database used to only grow. `[retention] raw_days` empties the `raw` column (the source's
payload as fetched; nothing reads it after storing) of mentions stored longer ago; `mentions_days`
deletes mentions older than that, except what someone may still need: a mention of an incident
that is not resolved, one in the reply queue still waiting, or one a person labelled (labels train
the detector). Each batch is its own short transaction, under the worker's write lock on SQLite,
so polls and the API never wait long behind it; a run stops after `max_batches` and the next run
goes on. A batch's deleted mentions leave the hourly rollup in its transaction (Trends count what
is stored, so the charts lose them too). A deleted mention that its source still lists is stored
again as new on the next poll: keep `mentions_days` longer than any source's window (feeds list
days, not months).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import RetentionConfig
from monitor.db import session_scope
from monitor.incidents.models import Incident
from monitor.mentions import rollup
from monitor.mentions.models import Mention, MentionLabel

log = logging.getLogger(__name__)

Lock = Callable[[], AbstractContextManager[Any]]


@dataclass(frozen=True, slots=True)
class Pruned:
    """What one run did: mentions deleted and raw payloads emptied."""

    mentions: int = 0
    raw: int = 0


def _deletable(cutoff: datetime) -> Any:
    """Mentions older than `cutoff` that nobody needs any more (see the module docstring)."""
    return (
        select(Mention.id)
        .where(
            Mention.published_at < cutoff,
            Mention.fetched_at < cutoff,
            or_(
                Mention.incident_id.is_(None),
                exists().where(Incident.id == Mention.incident_id, Incident.status == "resolved"),
            ),
            or_(Mention.reply_status.is_(None), Mention.reply_status != "open"),
            ~exists().where(MentionLabel.mention_id == Mention.id),
        )
        .order_by(Mention.id)
    )


def _with_raw(cutoff: datetime) -> Any:
    # JSON "{}" as stored for an empty payload: compared as text so both backends use the same test
    return select(Mention.id).where(Mention.fetched_at < cutoff, Mention.raw != {}).order_by(Mention.id)


_DELETE = (
    delete(Mention)
    .returning(Mention.brand_id, Mention.published_at, Mention.sentiment)
    .execution_options(synchronize_session=False)
)


def _delete(session: Session, ids: list[int]) -> None:
    # the hourly rollup loses the same rows in the same transaction, so Trends stay equal to the rows
    gone = session.execute(_DELETE.where(Mention.id.in_(ids)))
    rollup.apply(session, rollup.tally(gone, sign=-1))


def _batches(
    session_factory: sessionmaker[Session],
    query: Any,
    act: Callable[[Session, list[int]], None],
    *,
    size: int,
    max_batches: int,
    lock: Lock,
) -> int:
    done = after = 0
    for _ in range(max_batches):
        with lock(), session_scope(session_factory) as session:
            # keyset on id: a batch never scans again the rows the run's earlier batches passed
            ids = list(session.scalars(query.where(Mention.id > after).limit(size)))
            if ids:
                act(session, ids)
        done += len(ids)
        if len(ids) < size:
            break
        after = ids[-1]
    return done


def prune(
    session_factory: sessionmaker[Session],
    *,
    config: RetentionConfig,
    now: datetime,
    lock: Lock = nullcontext,
) -> Pruned:
    """Apply the retention settings once: at most `max_batches` batches of each kind."""
    kw = {"size": config.batch_size, "max_batches": config.max_batches, "lock": lock}
    raw = mentions = 0
    if config.raw_days is not None:
        raw = _batches(
            session_factory,
            _with_raw(now - timedelta(days=config.raw_days)),
            lambda s, ids: s.execute(
                update(Mention)
                .where(Mention.id.in_(ids))
                .values(raw={})
                .execution_options(synchronize_session=False)
            ),
            **kw,
        )
    if config.mentions_days is not None:
        mentions = _batches(
            session_factory,
            _deletable(now - timedelta(days=config.mentions_days)),
            _delete,
            **kw,
        )
    if raw or mentions:
        log.info("retention: deleted %d old mentions, dropped %d raw payloads", mentions, raw)
    return Pruned(mentions=mentions, raw=raw)


class Retention:
    """Runs prune() at most once per `every_minutes` (the worker's maintenance job runs every 30 s)."""

    def __init__(self, config: RetentionConfig) -> None:
        self.config = config
        self._last: float | None = None

    def run(
        self, session_factory: sessionmaker[Session], *, now: datetime, lock: Lock = nullcontext
    ) -> Pruned:
        """Prune when due; a run that found a full batch is due again at the next call (a backlog)."""
        if not self.config.enabled:
            return Pruned()
        clock = time.monotonic()
        if self._last is not None and clock - self._last < self.config.every_minutes * 60:
            return Pruned()
        done = prune(session_factory, config=self.config, now=now, lock=lock)
        full = self.config.batch_size * self.config.max_batches
        # a run that hit its cap leaves a backlog: the next maintenance call goes on with it
        self._last = None if max(done.mentions, done.raw) >= full else clock
        return done
