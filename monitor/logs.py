"""Secrets never reach a log line: a filter that masks them in every record, ours and the libraries'.

httpx logs every request's full URL at INFO: a feed URL's `?token=`, YouTube's and Stack Exchange's
`key=` ended up in the log on every poll. The filter masks, in the message, its arguments and any
traceback: secret-looking query parameters, userinfo in URLs, Authorization/Bearer values and
`password=`-style pairs, plus the exact secret values the loaded configuration holds
(`hide(...)`, called by `monitor.config.parse_config`), wherever they appear.
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

MASK = "••••"

# Parameter and key names that carry credentials: api_key, access_token, client_secret, sig, auth...
SECRET_NAME = (
    r"[\w.-]*?(?:key|token|secret|passw(?:or)?d|pwd|auth|credential|session|sig(?:nature)?\b)[\w.-]*"
)
_PATTERNS = (
    # ?key=…&access_token=… in URLs (also percent-encoded values); the name stays, the value goes
    (re.compile(rf"([?&;]{SECRET_NAME}=)[^&#\s\"'<>]+", re.IGNORECASE), rf"\g<1>{MASK}"),
    # Slack's hook URLs (an incoming webhook, a button click's response_url): the path is the credential
    (re.compile(r"(https://hooks\.slack(?:-gov)?\.com/)[^\s\"'<>]+", re.IGNORECASE), rf"\g<1>{MASK}"),
    # https://user:pass@host — userinfo in any URL
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/?#\s@\"'<>]+@", re.IGNORECASE), rf"\g<1>{MASK}@"),
    # Authorization: Bearer …, Basic …, and a bare "Bearer <token>"
    (
        re.compile(r"(\bauthorization[\"']?\s*[:=]\s*[\"']?)(?:(bearer|basic|token)\s+)?[^\s\"',}]+", re.I),
        lambda m: f"{m[1]}{m[2] + ' ' if m[2] else ''}{MASK}",
    ),
    (re.compile(r"(\bbearer\s+)[A-Za-z0-9._~+/=-]{4,}", re.IGNORECASE), rf"\g<1>{MASK}"),
    # password=…, "client_secret": "…", api_key: … in free text and reprs (not URL queries: above)
    (
        re.compile(
            rf"(?<![?&;\w.-])({SECRET_NAME}[\"']?\s*[:=]\s*[\"']?)(?!{MASK}|(?:bearer|basic|token)\s)[^\s\"',;}}&)]+",
            re.I,
        ),
        rf"\g<1>{MASK}",
    ),
)
_MIN_SECRET = 4  # shorter configured values would mask ordinary words; patterns still catch them

_lock = threading.Lock()
_secrets: set[str] = set()
_secret_re: re.Pattern[str] | None = None


def hide(values: Iterable[str | None]) -> None:
    """Mask these exact values (configured tokens, keys, webhook URLs) in every log line from now on."""
    global _secret_re
    with _lock:
        new = {v for v in values if v and len(v) >= _MIN_SECRET} - _secrets
        if not new:
            return
        _secrets.update(new)
        # longest first: a webhook URL is masked whole before its path alone would be
        alternatives = sorted(_secrets, key=len, reverse=True)
        _secret_re = re.compile("|".join(re.escape(v) for v in alternatives))


def redact(text: str) -> str:
    """`text` with every secret the patterns or the configuration know of replaced by ••••."""
    if _secret_re is not None:
        text = _secret_re.sub(MASK, text)
    return redact_patterns(text)


def redact_patterns(text: str) -> str:
    """`text` masked by the patterns alone: the same answer whatever configuration was loaded."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _arg(value: object) -> object:
    if value is None or isinstance(value, int | float):
        return value  # %d and %f need numbers; numbers are not secrets
    text = str(value)
    clean = redact(text)
    return value if clean == text else clean


class RedactFilter(logging.Filter):
    """Rewrites a record's message, arguments and traceback with secrets masked; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        else:
            record.msg = _arg(record.msg)
        # Arguments are masked one by one, not merged into msg: uvicorn's access formatter reads
        # them as a tuple (client, method, path, version, status).
        if isinstance(record.args, tuple):
            record.args = tuple(_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _arg(v) for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


# The loggers that see URLs and headers (uvicorn's do not propagate to the root).
LOGGERS = ("httpx", "httpcore", "uvicorn", "uvicorn.error", "uvicorn.access", "monitor", "connectors")
_FILTER = RedactFilter()
_plain_factory: Callable[..., logging.LogRecord] | None = None  # the factory before install()


def install() -> None:
    """Mask secrets in every record, whichever logger makes it and whichever handler writes it.

    A filter on a logger sees only the records logged on that very logger, and one on a handler
    misses handlers added later (uvicorn's, a test's), so records are masked where they are made
    (the record factory), and the filter also sits on the root's handlers and the named loggers
    for records built by hand (logging.makeLogRecord). Idempotent; call it after basicConfig.
    """
    global _plain_factory
    with _lock:
        if _plain_factory is None:
            make = _plain_factory = logging.getLogRecordFactory()

            def _masked(*args: Any, **kwargs: Any) -> logging.LogRecord:
                record = make(*args, **kwargs)
                _FILTER.filter(record)
                return record

            logging.setLogRecordFactory(_masked)
    for logger in _loggers():
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        for handler in logger.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)


def uninstall() -> None:
    """Undo install() (for tests that must leave logging as they found it)."""
    global _plain_factory
    with _lock:
        if _plain_factory is not None:
            logging.setLogRecordFactory(_plain_factory)
            _plain_factory = None
    for logger in _loggers():
        logger.removeFilter(_FILTER)
        for handler in logger.handlers:
            handler.removeFilter(_FILTER)


def _loggers() -> list[logging.Logger]:
    return [logging.getLogger(name) for name in (*LOGGERS, "")]


# -- formats -------------------------------------------------------------------------------------

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Loggers quieter than INFO by default. APScheduler logs "Running job ..." and "... executed
# successfully" for every run of every job (four jobs, the outbox kick four times a second): 88% of a
# day's log. Its warnings (a missed or overlapping run) still show.
QUIET = {"apscheduler": logging.WARNING}
# LogRecord's own attributes; anything else on a record came from `extra=` and is a field of the event
_RECORD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then the record's `extra` fields.

    `log.info("incident alert", extra={"brand": ..., "incident_id": ...})` becomes
    {"time": ..., "message": "incident alert", "brand": ..., "incident_id": ...}; string fields are
    masked like the message (RedactFilter sees only the message, arguments and traceback).
    """

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRS and not key.startswith("_"):
                event[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(self.formatException(record.exc_info))
        if record.exc_text:
            event["exc"] = record.exc_text
        if record.stack_info:
            event["stack"] = record.stack_info
        return json.dumps(event, ensure_ascii=False, default=str)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


FORMATS = ("text", "json")


_format = "text"  # the process's choice (`monitor --log-format`), read by log_config()


def set_format(fmt: str) -> None:
    """Choose the format every later configure() and log_config() of this process uses."""
    global _format
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    _format = fmt


def log_config(fmt: str | None = None, level: int = logging.INFO) -> dict[str, Any]:
    """A logging.config.dictConfig for the process: also given to uvicorn, so its lines share it.

    uvicorn's loggers hand their records to the root's one handler (theirs would print a second
    format); the handler carries the redaction filter, so a process configured from this dict alone
    (a uvicorn worker process) still masks secrets.
    """
    fmt = fmt or _format
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    formatter: dict[str, Any] = {"()": JsonFormatter} if fmt == "json" else {"format": TEXT_FORMAT}
    through_root = {"handlers": [], "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": RedactFilter}},
        "formatters": {"main": formatter},
        "handlers": {
            "main": {
                "class": "logging.StreamHandler",
                "formatter": "main",
                "filters": ["redact"],
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": level, "handlers": ["main"]},
        "loggers": {
            "uvicorn": through_root,
            "uvicorn.error": through_root,
            "uvicorn.access": through_root,
            **{name: {"level": quiet} for name, quiet in QUIET.items()},
        },
    }


def configure(fmt: str | None = None) -> None:
    """Set up the process's logging in `fmt` (default: the chosen format), with secrets masked."""
    logging.config.dictConfig(log_config(fmt))
    install()
