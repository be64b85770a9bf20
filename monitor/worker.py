"""The worker: APScheduler jobs that poll due sources, deliver the outbox and resolve quiet incidents.

Built for several workers on one PostgreSQL: a source is claimed with a short lease before it
is polled, so two workers never poll it at once. A heartbeat renews the leases of the polls in
flight; a clean stop releases them; a dead worker's claims expire within `lease_seconds`, or at
once when the same worker (same worker id) starts again.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.orm import Session, sessionmaker

from connectors.base import ConnectorError, ErrorClass, FetchResult
from connectors.registry import get_connector, validate_config
from monitor.config import AppConfig
from monitor.config_store import ConfigWatcher
from monitor.db import session_scope, utcnow
from monitor.http import make_client
from monitor.metrics import timed_poll
from monitor.pipeline import Pipeline, PollCancelled, normalize_all
from monitor.retention import Retention
from monitor.secrets import with_configured_options
from monitor.sources import service as sources
from monitor.sync import sync_config
from monitor.worker_feed import ClaimFeed, next_due
from monitor.worker_identity import acquire, default_worker_id

log = logging.getLogger(__name__)

# How long stop() lets polls in flight finish before abandoning them (SIGTERM must act in seconds).
STOP_GRACE_SECONDS = 2.0
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """One source's poll, as `monitor poll --once` prints it."""

    source: str
    fetched: int = 0
    new: int = 0
    error: str | None = None
    alerts: int = 0  # incident changes that queued a message

    def line(self) -> str:
        if self.error:
            return f"{self.source}: error {self.error}"
        return f"{self.source}: fetched {self.fetched}, new {self.new}"


async def _run_in(pool: ThreadPoolExecutor, fn: Callable[..., T], *args: Any) -> T:
    call = functools.partial(contextvars.copy_context().run, fn, *args)  # as asyncio.to_thread does
    return await asyncio.get_running_loop().run_in_executor(pool, call)


def _host_of(kind: str, config: dict) -> str:
    for key in ("url", "instance", "base_url", "host"):
        value = config.get(key)
        if isinstance(value, str) and "://" in value:
            return urlsplit(value).hostname or kind
    return kind  # API sources share one host per kind (reddit, x, ...)


class Worker:
    """Polls sources when due and runs the alert outbox, on an asyncio APScheduler."""

    def __init__(
        self,
        config: AppConfig,
        session_factory: sessionmaker[Session],
        client: httpx.AsyncClient | None = None,
        *,
        worker_id: str | None = None,
    ) -> None:
        self.config = config
        self.cfg = config.worker
        self.session_factory = session_factory
        self._own_client = client is None
        self.client = client or make_client(self.cfg)
        bind = session_factory.kw["bind"]
        self.identity = acquire(
            worker_id or self.cfg.worker_id or default_worker_id(config.path, bind.url.render_as_string())
        )
        self.worker_id = self.identity.worker_id
        self.owner = self.identity.owner  # the lease owner: this worker id, this process
        # Set by stop(); polls running in threads check it between chunks and give up.
        self._stopping = threading.Event()
        self._polling: set[int] = set()  # source ids whose poll is in flight (the heartbeat renews them)
        self.pipeline = Pipeline(config)
        # Brands and sources live in the database once synced (the API and the admin screen edit
        # them there): each claim round rebuilds them when the database's revision moved.
        self._watcher = ConfigWatcher(session_factory, config)
        self._reload_lock = threading.Lock()
        self.retention = Retention(config.retention)  # run by maintain(), at most hourly
        self.scheduler: AsyncIOScheduler | None = None
        self._tasks: set[asyncio.Task[PollOutcome]] = set()
        self._feed: ClaimFeed | None = None  # the refilling claim loop (monitor/worker_feed.py)
        self._feeder: asyncio.Task[None] | None = None
        # Database and pipeline work runs here, not on asyncio's default pool (min(32, cpus + 4)
        # threads, shared with anything else): a poll's store mostly waits on the database, the
        # SQLite write lock or the encoder, so more threads than cores pay. 10 by default, so these,
        # the two lease threads and the outbox's fit SQLAlchemy's 15 connections per engine.
        threads = self.cfg.db_threads or min(10, self.cfg.concurrency)
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="worker-db")
        # Claims and lease renewals on their own threads: queued behind a backlog of stores (64 polls
        # scoring on a busy machine) a renewal could come after the lease ran out, and another worker
        # would poll the same source.
        self._lease_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="worker-lease")
        self._hosts: dict[str, asyncio.Semaphore] = {}
        # SQLite has one writer; serializing our own writes avoids lock waits between threads.
        sqlite = bind.dialect.name == "sqlite"
        self._write_lock = threading.Lock() if sqlite else None
        from monitor.alerts.dispatch import OutboxDispatcher

        self.dispatcher = OutboxDispatcher(
            session_factory, self.client, config.channels, worker_id=self.worker_id
        )

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Sync the configuration into the database and start the periodic jobs."""
        await self._db(self._sync)
        freed = await self._db(self._release_stale)
        if freed:
            log.info("worker %s took back %d leases its previous run left", self.worker_id, freed)
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        job = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        if self.cfg.refill:
            self._feed = ClaimFeed(
                slots=lambda: self.cfg.concurrency,
                prefetch=self.cfg.prefetch,
                idle_seconds=self.cfg.tick_seconds,
                running=lambda: len(self._tasks),
                claim=lambda limit: self._leases(self._claim, limit, ()),
                seconds_to_due=lambda: self._leases(self._seconds_to_due),
                start=self._spawn,
                held=self._polling,
                stopping=self._stopping.is_set,
            )
            self._feeder = asyncio.create_task(self._feed.run())
        else:  # the old once-per-tick claim (bench_poll.py's baseline)
            self.scheduler.add_job(self.tick, "interval", seconds=self.cfg.tick_seconds, id="poll", **job)
        beat = max(1.0, self.cfg.lease_seconds / 3)
        self.scheduler.add_job(self.heartbeat, "interval", seconds=beat, id="heartbeat", **job)
        # A quarter second: retries honour 1 s backoffs and Retry-After: 1 without a tick's worth of lag.
        # kick, not deliver: a channel whose endpoint hangs must not hold up the next round of the others
        self.scheduler.add_job(self._kick_outbox, "interval", seconds=0.25, id="deliver", **job)
        self.scheduler.add_job(self.maintain, "interval", seconds=30, id="maintain", **job)
        self.scheduler.start()
        log.info("worker %s started: %d sources", self.worker_id, len(self.config.sources))

    async def stop(self) -> None:
        """Stop within a few seconds: polls in flight finish or are abandoned, every lease is freed.

        An abandoned poll stores nothing (its transaction rolls back) and keeps its old cursor,
        so its items come again on the next poll, by this worker or another.
        """
        self._stopping.set()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        waiting: set[asyncio.Task[Any]] = set(self._tasks)
        if self._feed is not None and self._feeder is not None:
            self._feed.poke()  # it sees _stopping and returns; what it claimed is released below
            waiting.add(self._feeder)
            self._feeder = None
        if waiting:
            _done, pending = await asyncio.wait(waiting, timeout=STOP_GRACE_SECONDS)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1)
        try:
            await self._leases(self._release_all)
        except Exception:  # the database is gone: the leases expire within lease_seconds instead
            log.exception("could not release leases on stop")
        # abandoned polls' threads finish on their own (they see _stopping); nothing waits for them
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._lease_pool.shutdown(wait=False)
        await self.dispatcher.close()
        if self._own_client:
            await self.client.aclose()
        self.identity.release()

    async def _db(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking database or pipeline work on the worker's pool (as asyncio.to_thread would)."""
        return await _run_in(self._pool, fn, *args)

    async def _leases(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a claim, renewal or release on the lease threads, never behind the stores."""
        return await _run_in(self._lease_pool, fn, *args)

    def _release_all(self) -> None:
        with self._writing(), session_scope(self.session_factory) as session:
            sources.release_leases(session, owner=self.owner, now=utcnow())

    def _release_stale(self) -> int:
        with self._writing(), session_scope(self.session_factory) as session:
            return sources.release_stale_leases(
                session, worker_id=self.worker_id, owner=self.owner, now=utcnow()
            )

    async def heartbeat(self) -> None:
        """Extend the leases of the polls in flight, so a short lease never runs out under a long poll."""
        ids = tuple(self._polling)
        if not ids:
            return

        def renew() -> None:
            with self._writing(), session_scope(self.session_factory) as session:
                sources.renew_leases(
                    session, owner=self.owner, ids=ids, now=utcnow(), lease_seconds=self.cfg.lease_seconds
                )

        try:
            await self._leases(renew)
        except Exception:
            log.exception("lease renewal failed")

    def _sync(self) -> None:
        with session_scope(self.session_factory) as session:
            sync_config(session, self.config, now=utcnow())

    # -- jobs ---------------------------------------------------------------------------------

    async def tick(self) -> None:
        """Claim as many due sources as there is room for and poll them in the background.

        The periodic claim of `refill = false`; by default the claim loop (_feed) does this at once.
        """
        room = self.cfg.concurrency - len(self._tasks)
        if room <= 0 or self._stopping.is_set():
            return
        batch = await self._leases(self._claim, room, ())
        if self._stopping.is_set():  # stop() began while we claimed: hand these back, poll nothing
            await self._leases(self._release_all)
            return
        for claimed in batch:
            self._spawn(claimed)

    def _spawn(self, claimed: sources.Claimed) -> None:
        task = asyncio.create_task(self.poll(claimed))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if self._feed is not None:  # after the discard: the loop sees the slot free
            task.add_done_callback(self._feed.poke)

    def _seconds_to_due(self) -> float | None:
        with session_scope(self.session_factory) as session:
            return next_due(session, now=utcnow())

    async def deliver(self) -> None:
        """Send what the outbox holds that is due."""
        try:
            await self.dispatcher.run_once()
        except Exception:
            log.exception("outbox delivery failed")

    async def _kick_outbox(self) -> None:
        self.dispatcher.kick()  # each channel's lane runs on its own; this returns at once

    async def maintain(self) -> None:
        """Auto-resolve incidents that went quiet; queue due reminders and digests."""
        from monitor.alerts.periodic import periodic_alerts
        from monitor.incidents.service import auto_resolve

        def run() -> None:
            with self._writing(), session_scope(self.session_factory) as session:
                auto_resolve(session, config=self.config, now=utcnow())
            # reminders and digests (monitor/alerts/periodic.py), in their own transaction
            with self._writing(), session_scope(self.session_factory) as session:
                periodic_alerts(session, config=self.config, now=utcnow())
            # retention: small batches, each taking the write lock on its own (monitor/retention.py)
            self.retention.run(self.session_factory, now=utcnow(), lock=self._writing)

        try:
            await self._db(run)
        except Exception:
            log.exception("auto-resolve failed")

    async def poll_once(self, names: Sequence[str] = ()) -> list[PollOutcome]:
        """Poll every enabled source (or the named ones) once, due or not."""
        await self._db(self._sync)
        claimed = await self._db(self._claim, 10_000, tuple(names) or ("*",))
        sem = asyncio.Semaphore(self.cfg.concurrency)

        async def bounded(c: sources.Claimed) -> PollOutcome:
            async with sem:
                return await self.poll(c)

        return list(await asyncio.gather(*(bounded(c) for c in claimed)))

    # -- one poll -----------------------------------------------------------------------------

    def _writing(self) -> AbstractContextManager[Any]:
        return self._write_lock or nullcontext()

    def reload_config(self) -> bool:
        """Take up brands and sources changed in the database (API, admin screen); True if they changed.

        Runs at the start of each claim round, so a change reaches the next poll without a restart.
        Channels and worker settings stay as the file set them; the loaded model is kept.
        """
        with self._reload_lock:
            try:
                new = self._watcher.refresh()
            except Exception:  # a bad moment for the database: keep polling with what we have
                log.exception("could not reload brands and sources; keeping the current ones")
                return False
            if new is None:
                return False
            self.config = new
            self.pipeline = Pipeline(new, scorer=self.pipeline.scorer)
            return True

    def _claim(self, limit: int, names: tuple[str, ...]) -> list[sources.Claimed]:
        self.reload_config()
        with self._writing(), session_scope(self.session_factory) as session:
            if names == ("*",):
                names = tuple(s.name for s in self.config.sources if s.enabled)
                if not names:
                    return []
            claimed = sources.claim_due(
                session,
                owner=self.owner,
                now=utcnow(),
                limit=limit,
                lease_seconds=self.cfg.lease_seconds,
                names=names,
            )
        # the database holds masked options; the secrets come from the configuration (monitor/secrets.py)
        return with_configured_options(self.config, claimed)

    async def _fetch(self, claimed: sources.Claimed) -> FetchResult:
        connector = get_connector(claimed.kind)
        config = validate_config(claimed.kind, claimed.config)
        host = _host_of(claimed.kind, claimed.config)
        sem = self._hosts.setdefault(host, asyncio.Semaphore(self.cfg.per_host))
        # Per-operation timeouts do not bound a server that trickles bytes; this does.
        deadline = self.cfg.connect_timeout + self.cfg.read_timeout * 3
        async with sem:
            try:
                async with asyncio.timeout(deadline):
                    return await connector.fetch(self.client, config, claimed.state)
            except TimeoutError:
                raise ConnectorError(
                    ErrorClass.TIMEOUT, f"poll did not finish within {deadline:g} s"
                ) from None

    async def poll(self, claimed: sources.Claimed) -> PollOutcome:
        """Fetch one source, then store and record the outcome in one transaction."""
        self._polling.add(claimed.id)
        try:
            return await timed_poll(claimed.kind, self._poll(claimed))
        except PollCancelled:  # stop() frees the lease; nothing was stored, the cursor did not move
            return PollOutcome(claimed.name, error="cancelled: the worker is stopping")
        finally:
            self._polling.discard(claimed.id)

    async def _poll(self, claimed: sources.Claimed) -> PollOutcome:
        try:
            result = await self._fetch(claimed)
        except ConnectorError as exc:
            await self._db(self._record_failure, claimed, exc)
            return PollOutcome(claimed.name, error=f"{exc.error_class.value}: {exc}")
        except Exception as exc:  # a connector bug: shown on the source, never kills the worker
            log.exception("poll of %s crashed", claimed.name)
            err = ConnectorError(ErrorClass.PARSE, f"internal error in {claimed.kind} connector: {exc!r}")
            await self._db(self._record_failure, claimed, err)
            return PollOutcome(claimed.name, error=f"internal: {exc!r}")
        try:
            outcome = await self._db(self._record_success, claimed, result)
            if outcome.alerts:  # send now rather than at the next delivery tick
                self.dispatcher.kick()
            return outcome
        except PollCancelled:
            raise
        except Exception as exc:
            log.exception("storing %s failed", claimed.name)
            err = ConnectorError(ErrorClass.PARSE, f"could not store items: {exc!r}")
            await self._db(self._record_failure, claimed, err)
            return PollOutcome(claimed.name, error=f"store: {exc!r}")

    def _record_success(self, claimed: sources.Claimed, result: FetchResult) -> PollOutcome:
        connector = get_connector(claimed.kind)
        config = validate_config(claimed.kind, claimed.config)
        cancelled = self._stopping.is_set
        pipeline = self.pipeline  # plan and commit with one configuration, should a reload land between
        items, _skipped = normalize_all(connector, result.items, config, cancelled=cancelled)
        # Matching and scoring read only: outside the write lock, in their own short session.
        with session_scope(self.session_factory) as session:
            planned = pipeline.plan(
                session,
                source_id=claimed.id,
                items=items,
                forced_brand=claimed.brand,
                budget=self.cfg.max_items_per_poll,
                cancelled=cancelled,
            )
        now = utcnow()
        with self._writing(), session_scope(self.session_factory) as session:
            if cancelled():
                raise PollCancelled("worker stopping")
            batch = pipeline.commit(session, source_id=claimed.id, planned=planned, now=now)
            src, _was = sources.record_success(
                session,
                claimed.id,
                owner=self.owner,
                now=now,
                # Over budget: keep the old cursor and validators so the rest is fetched again, at once.
                state=claimed.state if batch.deferred else result.state,
                fetched=len(result.items),
                new=len(batch.stored),
                pause_seconds=result.pause_seconds,
                # the connector's page budget ran out before its cursor: go on at once, from there
                backlog=batch.deferred > 0 or result.more,
                # a deferred poll is fetched again, and finds its gaps again
                gaps=() if batch.deferred else result.gaps,
                # the publisher's own timing (Cache-Control, Expires, <ttl>) within the source's bounds
                min_interval_hint=result.min_interval_hint,
            )
            self._notify_health(session, src, now)
        alerts = sum(1 for change in batch.changes if change.notify)
        return PollOutcome(claimed.name, fetched=len(result.items), new=len(batch.stored), alerts=alerts)

    def _record_failure(self, claimed: sources.Claimed, error: ConnectorError) -> None:
        now = utcnow()
        with self._writing(), session_scope(self.session_factory) as session:
            src, _was = sources.record_failure(
                session,
                claimed.id,
                owner=self.owner,
                now=now,
                error=error,
                max_backoff=self.cfg.max_backoff_seconds,
            )
            self._notify_health(session, src, now)
        log.warning(
            "source %s failed: %s: %s",
            claimed.name,
            error.error_class.value,
            error,
            # fields of the event in --log-format json
            extra={"source": claimed.name, "kind": claimed.kind, "error_class": error.error_class.value},
        )

    def _notify_health(self, session: Session, src, now) -> None:
        event = sources.health_transition(src)
        if event and self.config.alerts.source_health_notices and self.config.channels:
            from monitor.alerts.service import enqueue_source_notice

            enqueue_source_notice(
                session,
                channels=self.config.channels,
                source=src,
                event=event,
                give_up_seconds=self.config.alerts.delivery_give_up_seconds,
                now=now,
            )
