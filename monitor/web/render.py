"""Templates, their filters and the security headers every dashboard response carries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from monitor.alerts.wording import reason_evidence, reason_phrase
from monitor.scoring import CATEGORIES
from monitor.security import SECURITY_HEADERS
from monitor.web.session import save_session

HERE = Path(__file__).resolve().parent
STATIC_VERSION = "7"  # bump to make browsers fetch changed static files

SEVERITY_LABEL = {1: "SEV1", 2: "SEV2", 3: "SEV3", 4: "SEV4"}
BAD_SOURCE_STATES = ("failing", "auth_failed", "gone")


def http_url(value: str | None) -> str | None:
    """The URL if it is http(s) with a host, else None: never a `javascript:` or `data:` link."""
    if not value:
        return None
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ord(c) < 33 for c in value):  # whitespace or control characters: not a URL we emit
        return None
    return value


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """`5 min ago`, `3 h ago`, `2 d ago`; `in 4 min` for the future."""
    if value is None:
        return "never"
    now = now or datetime.now(UTC)
    seconds = (now - value).total_seconds()
    future = seconds < 0
    text = duration(timedelta(seconds=abs(seconds)))
    if text == "0 s":
        return "just now"
    return f"in {text}" if future else f"{text} ago"


def duration(delta: timedelta | None) -> str:
    """A short human duration: `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`."""
    if delta is None:
        return "–"
    s = int(delta.total_seconds())
    if s < 60:
        return f"{max(s, 0)} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 86400:
        h, m = divmod(s // 60, 60)
        return f"{h} h {m} min" if m else f"{h} h"
    d, h = divmod(s // 3600, 24)
    return f"{d} d {h} h" if h else f"{d} d"


def utc(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "–"


def iso(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else ""


def sentiment_class(value: float | None) -> str:
    if value is None:
        return "neu"
    return "neg" if value <= -0.05 else "pos" if value >= 0.05 else "neu"


def sentiment_label(value: float | None) -> str:
    return {"neg": "negative", "pos": "positive", "neu": "neutral"}[sentiment_class(value)]


def number(value: int | None) -> str:
    if value is None:
        return "–"
    for limit, suffix in ((1_000_000, "M"), (1_000, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.1f}{suffix}".replace(".0", "")
    return str(value)


def category_label(value: str | None) -> str:
    return value.replace("_", " ") if value else "–"


def clip(value: str | None, limit: int = 400) -> str:
    if not value:
        return ""
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _as_mapping(reason: Any) -> dict[str, Any]:
    """A stored reason as a dict, whether it came as a dict or as the API's Reason model."""
    return reason if isinstance(reason, dict) else reason.model_dump()


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every {{ }} is escaped: mention text, authors, notes are inert
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        http_url=http_url,
        ago=ago,
        duration=duration,
        seconds=lambda value: duration(timedelta(seconds=value)) if value is not None else "–",
        utc=utc,
        iso=iso,
        sentiment_class=sentiment_class,
        sentiment_label=sentiment_label,
        number=number,
        category=category_label,
        reason_words=lambda r: reason_phrase(_as_mapping(r)),
        reason_evidence=lambda r: reason_evidence(_as_mapping(r)),
        clip=clip,
        urlencode_params=lambda params: urlencode({k: v for k, v in params.items() if v not in (None, "")}),
    )
    env.globals.update(SEVERITY_LABEL=SEVERITY_LABEL, STATIC_VERSION=STATIC_VERSION, CATEGORIES=CATEGORIES)
    return env


templates = Jinja2Templates(env=_env())


def secure(request: Request, response: Response) -> Response:
    """Add the security headers and, if needed, the session cookie."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Cache-Control", "no-store")
    save_session(request, response)
    return response


def render(request: Request, name: str, context: dict[str, Any], *, status_code: int = 200) -> HTMLResponse:
    """A template response with the security headers."""
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    return secure(request, response)  # type: ignore[return-value]
