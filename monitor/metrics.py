"""Prometheus metrics: what the database holds, read at scrape time, and what this process timed.

Two kinds, because the API and the worker are separate processes: counts that live in the database
(sources by state and error class, sources due, incidents by status, alert deliveries by status,
mentions stored) are read by the scrape itself, so any API process answers them the same; timings
(poll latency and outcomes, API request latency) are kept in the process that measures them. The
worker polls in `monitor run` (same process as the API) or in `monitor worker`, which serves its own
/metrics on `--metrics-port`. Several API processes share their timings through prometheus-client's
multiprocess mode (share_between_processes), so a scrape sums them instead of showing one.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from collections.abc import Awaitable, Iterator
from typing import Any, Protocol, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor.alerts.models import AlertDelivery
from monitor.db import utcnow
from monitor.deps import require_api_key
from monitor.incidents.models import Incident
from monitor.mentions.models import Mention
from monitor.sources.models import Source

# Polls take from a few ms (304 Not Modified) to the connect+read deadline (~40 s by default).
_POLL_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80)
_API_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

POLLS = Counter(
    "monitor_polls_total",
    "Polls finished by this process, by connector kind and outcome (ok or the error class).",
    ["kind", "outcome"],
)
POLL_SECONDS = Histogram(
    "monitor_poll_seconds", "Wall time of one poll: fetch, store and record.", ["kind"], buckets=_POLL_BUCKETS
)
STORED = Counter("monitor_mentions_stored_total", "New mentions stored by this process's polls.")
API_SECONDS = Histogram(
    "monitor_api_request_seconds",
    "API request latency by method, route template and status code.",
    ["method", "route", "status"],
    buckets=_API_BUCKETS,
)


class _Outcome(Protocol):
    new: int
    error: str | None


_T = TypeVar("_T", bound=_Outcome)


async def timed_poll(kind: str, poll: Awaitable[_T]) -> _T:
    """Await one poll and count it: its kind, outcome, wall time and the mentions it stored."""
    start = time.perf_counter()
    outcome = await poll
    observe_poll(kind, seconds=time.perf_counter() - start, new=outcome.new, error=outcome.error)
    return outcome


WORKER_ALIVE = Gauge(
    "monitor_worker_alive_timestamp_seconds",
    "When the worker's event loop last ran its liveness job (Unix time): a healthcheck reads its age.",
)
ALIVE_SECONDS = 10


async def _alive() -> None:
    # a coroutine: it runs on the worker's event loop, so a blocked loop stops the clock
    WORKER_ALIVE.set_to_current_time()


def serve_worker_metrics(worker: Any, *, host: str, port: int) -> None:
    """Serve this worker's /metrics on host:port and keep its liveness gauge fresh (after start())."""
    start_http_server(port, addr=host)
    WORKER_ALIVE.set_to_current_time()
    worker.scheduler.add_job(
        _alive, "interval", seconds=ALIVE_SECONDS, id="alive", max_instances=1, coalesce=True
    )


def observe_poll(kind: str, *, seconds: float, new: int, error: str | None) -> None:
    """Count one finished poll; `error` is the outcome's "<error class>: <message>" or None."""
    outcome = "ok" if error is None else error.split(":", 1)[0].strip() or "error"
    POLLS.labels(kind=kind, outcome=outcome).inc()
    POLL_SECONDS.labels(kind=kind).observe(seconds)
    if new:
        STORED.inc(new)


class DatabaseCollector(Collector):
    """Gauges read from the database at each scrape: a few GROUP BY counts over indexed columns."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("monitor_database_up", "1 when the scrape could read the database.")
        try:
            families = list(self._read())
        except SQLAlchemyError:
            # a scrape must still answer (and say the database is down) rather than fail with a 500
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _read(self) -> Iterator[GaugeMetricFamily]:
        with self.engine.connect() as conn:
            sources = GaugeMetricFamily(
                "monitor_sources",
                "Enabled sources by health state and last error class (none when healthy).",
                labels=["state", "error_class"],
            )
            rows = conn.execute(
                select(Source.state, Source.error_class, func.count())
                .where(Source.enabled.is_(True))
                .group_by(Source.state, Source.error_class)
            )
            for state, error_class, count in rows:
                sources.add_metric([state, error_class or "none"], count)
            due = GaugeMetricFamily(
                "monitor_sources_due", "Enabled sources whose next poll is due now: the polling backlog."
            )
            due.add_metric(
                [],
                conn.scalar(
                    select(func.count())
                    .select_from(Source)
                    .where(Source.enabled.is_(True), Source.next_poll_at <= utcnow())
                )
                or 0,
            )
            incidents = GaugeMetricFamily("monitor_incidents", "Incidents by status.", labels=["status"])
            for status, count in conn.execute(
                select(Incident.status, func.count()).group_by(Incident.status)
            ):
                incidents.add_metric([status], count)
            deliveries = GaugeMetricFamily(
                "monitor_alert_deliveries", "Alert deliveries in the outbox by status.", labels=["status"]
            )
            for status, count in conn.execute(
                select(AlertDelivery.status, func.count()).group_by(AlertDelivery.status)
            ):
                deliveries.add_metric([status], count)
            mentions = GaugeMetricFamily("monitor_mentions", "Mentions stored in the database.")
            mentions.add_metric([], conn.scalar(select(func.count()).select_from(Mention)) or 0)
        yield from (sources, due, incidents, deliveries, mentions)


MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def share_between_processes() -> None:
    """Before starting several API processes: each writes its timings to one fresh directory.

    prometheus-client's multiprocess mode, chosen by this variable when a process imports it: the
    server processes inherit it, and a scrape of any of them sums all (without it, a scrape
    showed the one process that answered). The directory goes when this parent process exits.
    """
    if os.environ.get(MULTIPROC_ENV):
        return  # the operator's own directory
    path = tempfile.mkdtemp(prefix="monitor-metrics-")
    os.environ[MULTIPROC_ENV] = path
    atexit.register(shutil.rmtree, path, ignore_errors=True)


def exposition(engine: Engine | None) -> bytes:
    """The text exposition: this process's (or every process's) timings, then the database gauges."""
    if os.environ.get(MULTIPROC_ENV):
        local = CollectorRegistry()
        MultiProcessCollector(local)
    else:
        local = REGISTRY
    text = generate_latest(local)
    if engine is not None:
        database = CollectorRegistry(auto_describe=False)
        database.register(DatabaseCollector(engine))
        text += generate_latest(database)
    return text


def metrics_endpoint(request: Request) -> Response:
    """Prometheus text exposition of the API's and the database's metrics."""
    return Response(exposition(request.app.state.engine), media_type=CONTENT_TYPE_LATEST)


class RequestTimer:
    """ASGI middleware timing each HTTP request, labelled by route template (never the raw path)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # an exception before the response started is a 500 to the client

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            API_SECONDS.labels(
                method=scope["method"], route=route_template(scope), status=str(status)
            ).observe(time.perf_counter() - start)


def route_template(scope: Scope) -> str:
    """The matched route's template with any router prefix ("/api/incidents/{incident_id}").

    FastAPI (0.16x) puts the included router's own route in scope["route"], whose template lacks the
    prefix ("/incidents/{incident_id}"), while older versions put a copy carrying it: the prefix is
    whatever part of the request path comes before the part the template matches. Unmatched paths
    (404s, scanners) share one label: raw paths would grow the number of series without bound.
    """
    route = scope.get("route")
    template = getattr(route, "path", None)
    regex = getattr(route, "path_regex", None)
    if not template or regex is None:
        return "unmatched"
    path: str = scope["path"]
    for cut in (i for i, char in enumerate(path) if char == "/"):
        if regex.fullmatch(path[cut:]):
            return path[:cut] + template
    return template


def mount_metrics(app: FastAPI) -> None:
    """Time every request and serve GET /metrics, behind the API keys when keys are configured."""
    app.add_middleware(RequestTimer)
    app.add_api_route(
        "/metrics",
        metrics_endpoint,
        methods=["GET"],
        dependencies=[Depends(require_api_key)],
        include_in_schema=False,
    )
