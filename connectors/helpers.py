"""Small pure helpers shared by the source modules (text, times, cursors, rate limits)."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any

# -- text -------------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table tr ul".split()
)
_SKIP_TAGS = frozenset({"script", "style", "template"})


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(value: str | None) -> str:
    """Strip tags, unescape entities and tidy whitespace (one line per block element)."""
    if not value:
        return ""
    parser = _TextExtractor()
    parser.feed(value)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def clean_text(value: str | None) -> str:
    """Trim plain text that is not HTML (keeps line breaks, drops trailing spaces)."""
    if not value:
        return ""
    return "\n".join(line.rstrip() for line in value.strip().splitlines())


def looks_like_html(body: bytes, content_type: str = "") -> bool:
    """True for an HTML page (by content type, or a body that starts like one)."""
    if "html" in content_type.lower() and "xhtml+xml" not in content_type.lower():
        return True
    head = body[:512].lstrip().lower()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:].lstrip()
    return head.startswith((b"<!doctype html", b"<html"))


def format_bytes(size: int) -> str:
    """5242880 -> '5 MiB'."""
    for unit, factor in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} bytes"


# -- times ------------------------------------------------------------------------------------


def parse_datetime(value: Any) -> datetime | None:
    """ISO-8601 string (Z or offset; naive read as UTC) or epoch seconds -> aware UTC; None if unusable."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return from_epoch(value)
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value).strip()
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            try:
                parsed = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError, OverflowError):
                return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-01:00 lies past datetime.max once in UTC
        return None


def from_epoch(value: Any) -> datetime | None:
    """Epoch seconds -> aware UTC datetime (None if not a number)."""
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def iso_z(value: datetime) -> str:
    """Aware datetime -> '2025-05-19T17:10:09.813Z' (millisecond precision, UTC)."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def iso_seconds(value: datetime) -> str:
    """Aware datetime -> '2025-05-19T17:10:09Z' (second precision, UTC)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Retry-After as delay-seconds or an HTTP-date -> seconds from now (>= 0)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


# Counters and ids are stored in 64-bit columns: a larger value is junk, not a count to store.
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def to_int(value: Any) -> int | None:
    """'151.0' / 151 / None -> int or None (None too outside the signed 64-bit range)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        # ints as they are: float() would round ids above 2**53
        number = value if isinstance(value, int) else int(float(value))
    except (TypeError, ValueError, OverflowError):
        return None
    return number if _INT64_MIN <= number <= _INT64_MAX else None


def pause_for(remaining: Any, reset_in_seconds: float | None) -> float | None:
    """Seconds to pause when a rate-limit header says nothing remains; None otherwise."""
    left = to_int(remaining)
    if left is None or left > 0 or reset_in_seconds is None:
        return None
    return max(1.0, float(reset_in_seconds))


def seconds_until_epoch(reset: Any, *, now: float | None = None) -> float | None:
    """A reset header in epoch seconds -> seconds from now (>= 0)."""
    try:
        target = float(reset)
    except (TypeError, ValueError):
        return None
    return max(0.0, target - (time.time() if now is None else now))


# -- cursors ----------------------------------------------------------------------------------


def load_cursor(cursor: str | None) -> dict[str, Any]:
    """A JSON-object cursor -> dict; a missing or unreadable cursor starts afresh."""
    if not cursor:
        return {}
    try:
        data = json.loads(cursor)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def dump_cursor(data: dict[str, Any]) -> str:
    """dict -> a compact, stable JSON cursor string."""
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def split_cursor(cursor: str | None) -> tuple[str | None, dict[str, Any]]:
    """A cursor -> (high-water mark, backlog state); the backlog state is {} once drained.

    While a burst is being drained over several polls the cursor is
    {"hw": <old mark>, "drain": {"top": <newest mark of the burst>, "resume": <where to go on>}};
    otherwise it is the connector's plain mark, as before.
    """
    if cursor and cursor.startswith("{"):
        data = load_cursor(cursor)
        if isinstance(data.get("drain"), dict):
            hw = data.get("hw")
            return (None if hw is None else str(hw)), data["drain"]
    return cursor, {}


def drain_cursor(hw: str | None, *, top: Any, resume: Any) -> str:
    """The cursor of a burst still being drained (see split_cursor)."""
    return dump_cursor({"hw": hw, "drain": {"top": top, "resume": resume}})


def dedupe(items: list[Any], key: Any) -> list[Any]:
    """Keep the first item per key(item), in order; items whose key is falsy are kept."""
    seen: set[Any] = set()
    out = []
    for item in items:
        k = key(item)
        if k:
            if k in seen:
                continue
            seen.add(k)
        out.append(item)
    return out


_LINK_RE = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]+)*)")


def parse_link_header(value: str | None) -> dict[str, str]:
    """RFC 8288 Link header -> {rel: url}."""
    links: dict[str, str] = {}
    for match in _LINK_RE.finditer(value or ""):
        url, params = match.group(1), match.group(2)
        rel = re.search(r'rel="?([^";]+)"?', params)
        if rel:
            for name in rel.group(1).split():
                links.setdefault(name, url)
    return links
