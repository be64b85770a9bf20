"""Slow reads (search, trends, CSV export) on their own pool, with a time limit and a clear 503.

Measured before: 50 clients searching `?q=` took every connection of the one pool, so a single
/healthz waited 28 s and requests failed with 500 "QueuePool limit ... reached". Now those reads
queue on a small pool of their own; on PostgreSQL a statement past the limit is cancelled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import DatabaseConfig
from monitor.db import make_heavy_engine, make_session_factory
from monitor.health import database_error

log = logging.getLogger(__name__)

QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout


class HeavyReadsBusy(Exception):
    """Every slow-read slot stayed taken for the whole time limit."""


def open_heavy_reads(app: FastAPI, engine: Engine, config: DatabaseConfig) -> Engine:
    """Give the app its heavy-read pool next to `engine`; the caller disposes the returned engine."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        heavy = engine  # an in-memory database exists once per connection pool: share it
    else:
        heavy = make_heavy_engine(
            url.render_as_string(hide_password=False),
            timeout_seconds=config.heavy_query_timeout,
            pool_size=config.heavy_pool_size,
        )
    app.state.heavy_engine = heavy
    app.state.heavy_session_factory = make_session_factory(heavy)
    app.state.heavy_query_timeout = config.heavy_query_timeout
    # Requests queue for a slow-read slot here, in the event loop, before they take a worker thread:
    # waiting on the pool inside a thread filled the 40-thread pool, and a /healthz waited 5 s for
    # a thread (bench_api.py, 50 clients searching).
    app.state.heavy_gate = asyncio.Semaphore(config.heavy_pool_size)
    return heavy


@asynccontextmanager
async def _slot(request: Request) -> AsyncIterator[None]:
    state = request.app.state
    try:
        await asyncio.wait_for(state.heavy_gate.acquire(), timeout=state.heavy_query_timeout)
    except TimeoutError:
        raise HeavyReadsBusy from None
    try:
        yield
    finally:
        state.heavy_gate.release()


async def heavy_slot(request: Request) -> AsyncIterator[None]:
    """Hold one slow-read slot for the request (503 when none frees up within the time limit)."""
    async with _slot(request):
        yield


async def search_slot(request: Request) -> AsyncIterator[None]:
    """A slow-read slot when the request searches text (`q`); nothing otherwise."""
    if not request.query_params.get("q"):
        yield
        return
    async with _slot(request):
        yield


def _request_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    with factory() as session:
        yield session


def get_heavy_session(request: Request, _held: Annotated[None, Depends(heavy_slot)]) -> Iterator[Session]:
    """A read-only session on the heavy-read pool, for one request."""
    yield from _request_session(request.app.state.heavy_session_factory)


def get_list_session(request: Request, _held: Annotated[None, Depends(search_slot)]) -> Iterator[Session]:
    """The heavy-read pool when the request searches text (`q`), the main pool otherwise."""
    state = request.app.state
    yield from _request_session(
        state.heavy_session_factory if request.query_params.get("q") else state.session_factory
    )


HeavySessionDep = Annotated[Session, Depends(get_heavy_session)]
ListSessionDep = Annotated[Session, Depends(get_list_session)]


def _sqlstate(exc: OperationalError) -> str | None:
    return getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)


def heavy_read_error(request: Request, exc: Exception) -> Response:
    """503 for a read cancelled at its time limit or a full heavy-read pool; other errors as before."""
    if isinstance(exc, PoolTimeout | HeavyReadsBusy):
        log.warning("%s %s: no database connection free in time", request.method, request.url.path)
        detail = "the database is busy (too many slow reads at once): retry in a few seconds"
        return JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": "5"})
    if isinstance(exc, OperationalError) and _sqlstate(exc) == QUERY_CANCELED:
        limit = getattr(request.app.state, "heavy_query_timeout", None)
        log.warning("%s %s: query cancelled after %s s", request.method, request.url.path, limit)
        detail = (
            f"the query took longer than {limit:g} s and was cancelled: narrow it "
            "(a shorter time range, a brand or source, more specific search words)"
        )
        return JSONResponse({"detail": detail}, status_code=503)
    return database_error(request, exc)


def install_heavy_read_errors(app: FastAPI) -> None:
    """Answer timed-out and pool-starved reads with 503 (more specific than the SQLAlchemyError handler)."""
    app.add_exception_handler(OperationalError, heavy_read_error)
    app.add_exception_handler(PoolTimeout, heavy_read_error)
    app.add_exception_handler(HeavyReadsBusy, heavy_read_error)
