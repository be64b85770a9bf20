"""The FastAPI application: a thin factory and a lifespan that owns the shared resources."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from fastapi_offline import FastAPIOffline
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from monitor.admin.routes import router as admin_router
from monitor.alerts.routes import router as alerts_router
from monitor.alerts.slack_actions import router as slack_router
from monitor.auth import load_key_hashes
from monitor.brands.routes import router as brands_router
from monitor.config import AppConfig
from monitor.db import make_engine, make_session_factory
from monitor.deps import require_api_key
from monitor.health import database_error, healthz
from monitor.heavy_reads import install_heavy_read_errors, open_heavy_reads
from monitor.http import make_client
from monitor.incidents.routes import router as incidents_router
from monitor.mentions.routes import router as mentions_router
from monitor.metrics import mount_metrics
from monitor.replies.routes import router as replies_router
from monitor.schemas import API_ERRORS, HEALTH_ERRORS
from monitor.security import SecurityMiddleware, make_policy
from monitor.settings import get_settings
from monitor.sources.routes import router as sources_router

log = logging.getLogger(__name__)


def _lifespan(
    config: AppConfig, engine: Engine | None, run_worker: bool
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_engine = engine is None
        eng = engine or make_engine(get_settings().database_url or config.database.url)
        app.state.engine = eng
        app.state.session_factory = make_session_factory(eng)
        heavy = open_heavy_reads(app, eng, config.database)  # search, trends, CSV: their own pool
        app.state.http = make_client(config.worker)
        app.state.worker = None
        try:
            if run_worker:
                from monitor.worker import Worker  # the API alone must not need the worker's imports

                app.state.worker = Worker(config, app.state.session_factory, app.state.http)
                await app.state.worker.start()
            yield
        finally:
            if app.state.worker is not None:
                await app.state.worker.stop()
            await app.state.http.aclose()
            if heavy is not eng:
                heavy.dispose()
            if own_engine:
                eng.dispose()

    return lifespan


def create_app(config: AppConfig, *, engine: Engine | None = None, run_worker: bool = False) -> FastAPI:
    """The API; the schema must already be migrated (`monitor migrate`): the app never creates tables."""
    hashes = load_key_hashes(config, get_settings())
    # only hashes from here on: the app keeps neither the keys nor a config holding them
    api_config = config.api.model_copy(update={"api_keys": [], "api_key_hashes": list(hashes)})
    config = config.model_copy(update={"api": api_config})
    # FastAPIOffline: /docs and /redoc load Swagger UI and ReDoc from the package, not from a CDN
    app = FastAPIOffline(
        static_url="/docs-static",
        title="Brand monitor",
        summary="Mentions of your brands, scored and grouped into incidents.",
        version="0.1.0",
        lifespan=_lifespan(config, engine, run_worker),
    )
    app.state.config = config
    app.state.api_key_hashes = hashes
    settings = get_settings()
    policy = make_policy(
        bind_host=config.api.host,
        public_urls=(config.api.public_url, settings.public_url),
        extra_hosts=(settings.allowed_hosts or "").split(","),
        key_hashes=hashes,
    )
    app.add_middleware(SecurityMiddleware, policy=policy)

    app.add_api_route("/healthz", healthz, methods=["GET"], tags=["health"], responses=HEALTH_ERRORS)
    app.add_exception_handler(SQLAlchemyError, database_error)
    install_heavy_read_errors(app)  # a cancelled slow read or a full pool: 503, not 500
    mount_metrics(app)  # GET /metrics (API keys when configured) and request timing

    api = APIRouter(prefix="/api", dependencies=[Depends(require_api_key)], responses=API_ERRORS)
    routers = (
        mentions_router,
        incidents_router,
        sources_router,
        brands_router,
        alerts_router,
        replies_router,
        admin_router,
    )
    for router in routers:
        api.include_router(router)
    app.include_router(api)
    app.include_router(slack_router)  # signed by Slack, not an API key: outside /api

    from monitor.web import mount_web

    mount_web(app)
    return app
