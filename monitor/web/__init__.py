"""The dashboard: server-rendered pages on the API's own app, with a little vanilla JS."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from monitor.web.render import HERE, render, secure
from monitor.web.session import (
    Authenticator,
    LoginRequired,
    Revocations,
    SessionSigner,
    WebError,
    session_secret,
)
from monitor.web.throttle import SignInThrottle


@dataclass(slots=True)
class WebState:
    """The dashboard's per-app state (on `app.state.web`)."""

    signer: SessionSigner
    auth: Authenticator
    revoked: Revocations = field(default_factory=Revocations)
    throttle: SignInThrottle = field(default_factory=SignInThrottle)
    sse_tick: float = 1.0  # how often each live connection looks for changes
    sse_lifetime: float = 30.0  # then the browser reconnects (keeps shutdowns quick)


def _login_required(request: Request, exc: Exception) -> Response:
    if request.url.path == "/events" or request.method != "GET":
        return secure(request, JSONResponse({"detail": "sign in first"}, status_code=401))
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    from urllib.parse import quote

    return secure(request, RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303))


def _web_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, WebError)
    context = {"message": exc.message, "status": exc.status_code, "title": "Error · Brand monitor"}
    return render(request, "error.html", context, status_code=exc.status_code)


def mount_web(app: FastAPI) -> None:
    """Attach the dashboard's routes to the app."""
    from monitor.web.routes import router as pages
    from monitor.web.routes_admin import router as admin
    from monitor.web.routes_data import router as data
    from monitor.web.routes_reply import router as replies

    app.state.web = WebState(
        signer=SessionSigner(session_secret()),
        auth=Authenticator(app.state.config.users, app.state.api_key_hashes),
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(pages)
    app.include_router(data)
    app.include_router(replies)
    app.include_router(admin)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(WebError, _web_error)
