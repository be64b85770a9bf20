"""Request dependencies: the database session, the configuration and the API-key check."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from monitor.auth import key_label, match_key
from monitor.config import AppConfig

# auto_error=False: we answer 401 with WWW-Authenticate ourselves, and only when keys are configured
_bearer = HTTPBearer(auto_error=False, description="An API key from [api] api_keys or MONITOR_API_KEYS.")


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; routes that write commit it themselves."""
    session = request.app.state.session_factory()
    try:
        yield session
    finally:
        session.close()


def get_config(request: Request) -> AppConfig:
    """The application's configuration."""
    return request.app.state.config


def require_api_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """Who is calling: the key's label, or "api" when the API is open; 401 for a missing or wrong key."""
    hashes: tuple[str, ...] = request.app.state.api_key_hashes
    if not hashes:
        return "api"
    if credentials is not None and credentials.scheme.lower() == "bearer":
        stored = match_key(credentials.credentials, hashes)
        if stored is not None:
            return key_label(stored)
    raise HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="missing or invalid API key",
        headers={"WWW-Authenticate": "Bearer"},
    )


SessionDep = Annotated[Session, Depends(get_session)]
ConfigDep = Annotated[AppConfig, Depends(get_config)]
CallerDep = Annotated[str, Depends(require_api_key)]
