"""Schemas shared by every domain: the page envelope, the keyset cursor, query-time types."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Path
from pydantic import AfterValidator, BaseModel, Field, field_validator

T = TypeVar("T")

# Ids are 64-bit signed integers in every table; a larger number cannot name a row, and would
# overflow the database driver (a 500) instead of simply matching nothing.
MAX_ID = 2**63 - 1
_UTC_MIN = datetime.min.replace(tzinfo=UTC)
_UTC_MAX = datetime.max.replace(tzinfo=UTC)

_BAD_CURSOR = "invalid cursor: pass back a next_cursor from a previous page"


class ErrorRead(BaseModel):
    """An error answer: what went wrong, in words."""

    detail: str


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorRead, "description": description}


# Answers any /api operation can give besides its own (documented in the OpenAPI of each).
API_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("Unknown Host header (DNS rebinding guard), or a body that cannot be parsed."),
    401: _error("Missing or invalid API key (only when API keys are configured)."),
    503: _error("The database is not migrated: run `monitor db upgrade`."),
}
# State-changing operations also refuse what a cross-site page could send.
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    403: _error("Cross-origin request (Origin/Referer not this site) or a body that is not JSON."),
}
HEALTH_ERRORS: dict[int | str, dict[str, Any]] = {
    400: API_ERRORS[400],
    503: {"description": "The database is unreachable or not migrated."},
}


class Page(BaseModel, Generic[T]):
    """A list response; `next_cursor` fetches the following page, None on the last."""

    items: list[T]
    next_cursor: str | None = Field(default=None, description="Pass as `cursor` for the next page.")


def to_utc(value: datetime) -> datetime:
    """An aware time in UTC, clamped to the representable range: 0001-01-01T00:00:00+01:00 is before
    year 1 in UTC, so it becomes the earliest time there is (a filter from "the beginning")."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return _UTC_MIN if value.year == datetime.min.year else _UTC_MAX


def _require_tz(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timezone required, e.g. 2025-01-31T09:00:00Z or 2025-01-31T10:00:00+01:00")
    return to_utc(value)


# A query-string time: ISO-8601 with Z or an offset; a naive time is ambiguous, so refused.
# Times past either end of the calendar after conversion to UTC are clamped (see `to_utc`).
AwareTime = Annotated[datetime, AfterValidator(_require_tz)]


NUL_MESSAGE = "must not contain NUL (\\x00) characters"


class ClientText(BaseModel):
    """Base of the request models: no text field may hold a NUL character.

    PostgreSQL can neither store nor compare one, so it was a 500 there; refused up front as a
    422 naming the field, on every backend alike (checked after the field's own constraints)."""

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError(NUL_MESSAGE)
        return value


# A row id in a path (`/api/incidents/{incident_id}`): 1..2^63-1, else 422 naming the parameter.
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


def encode_cursor(*parts: int | datetime) -> str:
    """An opaque cursor holding the sort key of the last row of a page."""
    values = [p.astimezone(UTC).isoformat() if isinstance(p, datetime) else p for p in parts]
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *types: type) -> tuple[Any, ...]:
    """The sort key in a cursor, checked against `types` (int or datetime); ValueError if malformed."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ValueError(_BAD_CURSOR) from None
    if not isinstance(values, list) or len(values) != len(types):
        raise ValueError(_BAD_CURSOR)
    out: list[Any] = []
    for value, kind in zip(values, types, strict=True):
        if kind is datetime:
            try:
                parsed = datetime.fromisoformat(value)
            except (TypeError, ValueError):
                raise ValueError(_BAD_CURSOR) from None
            if parsed.tzinfo is None:
                raise ValueError(_BAD_CURSOR)
            out.append(to_utc(parsed))
        elif kind is int:
            if not isinstance(value, int) or isinstance(value, bool) or abs(value) > MAX_ID:
                raise ValueError(_BAD_CURSOR)
            out.append(value)
        else:  # pragma: no cover - a programming error, not a client's
            raise TypeError(f"unsupported cursor part {kind!r}")
    return tuple(out)


def check_cursor(*types: type) -> AfterValidator:
    """A validator for a `cursor` query parameter: malformed cursors are a 422, not a 500."""

    def _check(value: str | None) -> str | None:
        if value is not None:
            decode_cursor(value, *types)
        return value

    return AfterValidator(_check)
