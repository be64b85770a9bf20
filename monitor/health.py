"""/healthz, and the 503 every route answers while the database is unreachable or not migrated.

An unmigrated database used to answer /healthz "ok" while /api/incidents failed with a 500: the
health check now compares the schema with the code's migrations, and a database error on any route
is explained the same way when the schema is the cause.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from monitor.db import SchemaStatus, schema_status

log = logging.getLogger(__name__)

NOT_MIGRATED = "database not migrated: run `monitor db upgrade`"
OUTDATED = "database schema out of date: run `monitor db upgrade`"


def schema_problem(app: FastAPI) -> str | None:
    """Why the schema cannot serve this code, or None; a current schema is remembered (it only moves on)."""
    if getattr(app.state, "schema_current", False):
        return None
    status = schema_status(app.state.engine)
    if status is SchemaStatus.CURRENT:
        app.state.schema_current = True
        return None
    return NOT_MIGRATED if status is SchemaStatus.MISSING else OUTDATED


def healthz(request: Request) -> JSONResponse:
    """Liveness, a `SELECT 1` and the schema revision; 503 when the database cannot serve requests."""
    try:
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        problem = schema_problem(request.app)
    except SQLAlchemyError as exc:
        log.warning("health check: database unreachable: %s", exc)
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    if problem is not None:
        return JSONResponse(
            {"status": "error", "database": "not migrated", "detail": problem}, status_code=503
        )
    return JSONResponse({"status": "ok", "database": "ok"})


def database_error(request: Request, exc: Exception) -> Response:
    """A database error on a route: 503 naming the cause when it is the schema, else the usual 500."""
    try:
        problem = schema_problem(request.app)
    except SQLAlchemyError:
        problem = None
    if problem is None:
        raise exc
    log.error("%s %s: %s", request.method, request.url.path, problem)
    return JSONResponse({"detail": problem}, status_code=503)
