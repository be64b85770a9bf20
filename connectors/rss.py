"""RSS/Atom feeds (feedparser over bytes fetched with the shared client): conditional GET and the
feed's own timing hints (Cache-Control, Expires, <ttl>, sy:updatePeriod)."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar
from urllib.parse import urljoin

import feedparser
import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.base import Connector, ConnectorError, ErrorClass, FetchResult, Mention, PollState
from connectors.helpers import dump_cursor, html_to_text, load_cursor, looks_like_html, parse_datetime

# Parsing runs on its own two threads, never on the event loop: a 100,000-entry document takes
# seconds of CPU, and on the loop's default pool it would hold the threads every other poll's
# database work waits for (a poll that times out leaves its parse running: threads don't cancel).
_PARSE_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="feed-parse")
# Remember this many entry ids between polls: a feed window is rarely over a few hundred entries.
_SEEN_LIMIT = 1000
_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"


def http_url(value: str) -> str:
    """Validate an absolute http(s) URL (shared by the RSS-like configs)."""
    value = value.strip()
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL as exc:
        raise ValueError(f"not a valid URL: {exc}") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError("must be an http:// or https:// URL with a host")
    return value


class RssConfig(BaseModel):
    """An RSS or Atom feed URL."""

    model_config = ConfigDict(extra="forbid")
    url: str = Field(description="Feed URL (http or https), e.g. https://status.example.com/history.rss")

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return http_url(value)


class RssConnector(Connector[Any]):
    """Any RSS 0.9x/1.0/2.0 or Atom feed."""

    slug: ClassVar[str] = "rss"
    title: ClassVar[str] = "RSS / Atom feed"
    Config: ClassVar[type[BaseModel]] = RssConfig
    default_interval: ClassVar[int] = 900

    def feed_url(self, config: Any) -> str:
        """The URL to poll (presets build it from their own config)."""
        return config.url

    async def fetch(self, client: httpx.AsyncClient, config: Any, state: PollState) -> FetchResult:
        headers = {"Accept": _ACCEPT}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        response = await self.request(client, "GET", self.feed_url(config), headers=headers)
        etag = response.headers.get("etag") or state.etag
        last_modified = response.headers.get("last-modified") or state.last_modified
        # A 304 carries caching headers too; the document's own <ttl> is remembered in the cursor.
        http_hint = header_hint(response.headers)
        previous = load_cursor(state.cursor)
        unchanged = PollState(cursor=state.cursor, etag=etag, last_modified=last_modified)
        if response.status_code == 304:
            hint = longest(http_hint, previous.get("ttl"))
            return FetchResult(items=[], state=unchanged, not_modified=True, min_interval_hint=hint)

        # Servers without validators resend the same document every poll; parsing a big one again
        # costs seconds of CPU that the other polls wait on, and yields nothing new.
        digest = hashlib.sha256(response.content).hexdigest()[:32]
        if previous.get("body") == digest:
            hint = longest(http_hint, previous.get("ttl"))
            return FetchResult(items=[], state=unchanged, not_modified=True, min_interval_hint=hint)
        seen = set(previous.get("seen", []))
        loop = asyncio.get_running_loop()
        items, window, ttl = await loop.run_in_executor(_PARSE_POOL, self._unseen_entries, response, seen)
        cursor = {"seen": window[:_SEEN_LIMIT], "body": digest} | ({"ttl": ttl} if ttl else {})
        return FetchResult(
            items=items,
            state=PollState(cursor=dump_cursor(cursor), etag=etag, last_modified=last_modified),
            min_interval_hint=longest(http_hint, ttl),
        )

    def _unseen_entries(
        self, response: httpx.Response, seen: set[str]
    ) -> tuple[list[dict[str, Any]], list[str], float | None]:
        """Parse, then (entries not seen before, every entry's key in document order, the feed's
        own seconds before the next poll: <ttl> or sy:updatePeriod)."""
        window: dict[str, None] = {}  # ordered and O(1): a list here was quadratic, minutes at 100k
        items = []
        entries, ttl = self._parse(response)
        for entry in entries:
            key = _short_hash(_entry_id(entry))
            if key in window:  # the same entry twice in one document
                continue
            window[key] = None
            if key not in seen:
                items.append(entry)
        return items, list(window), ttl

    def _parse(self, response: httpx.Response) -> tuple[list[dict[str, Any]], float | None]:
        content_type = response.headers.get("content-type", "")
        host = response.url.host
        parsed = feedparser.parse(
            response.content,
            # No content-location: feedparser would resolve relative GUIDs against it, and an id
            # must not change when the feed moves. Relative links are resolved below instead.
            response_headers={"content-type": content_type or "application/xml"},
        )
        entries = [e for e in parsed.entries if any(e.get(k) for k in ("id", "link", "title", "summary"))]
        if not entries:
            if not parsed.get("version") and looks_like_html(response.content, content_type):
                raise ConnectorError(
                    ErrorClass.PARSE, f"expected an RSS/Atom feed, got an HTML page from {host}"
                )
            if parsed.get("bozo"):
                reason = parsed.get("bozo_exception") or "unknown parser error"
                raise ConnectorError(ErrorClass.PARSE, f"malformed feed from {host}: {reason}")
            if not parsed.get("version"):
                shown = content_type.split(";")[0] or "no content type"
                raise ConnectorError(ErrorClass.PARSE, f"expected an RSS/Atom feed from {host}, got {shown}")
        language = parsed.feed.get("language")
        plain = [_plain(entry) for entry in entries]
        for entry in plain:
            if language and not entry.get("language"):
                entry["language"] = language
            if entry.get("link"):
                entry["link"] = urljoin(str(response.url), entry["link"])
        return plain, feed_hint(parsed.feed)

    def entry_link(self, entry: dict[str, Any]) -> str | None:
        """The entry's link (presets unwrap redirectors)."""
        return entry.get("link") or None

    def normalize(self, raw: Any, config: Any) -> Mention | None:
        title = html_to_text(raw.get("title")) or None
        content = raw.get("content") or []
        body = content[0].get("value") if content and isinstance(content[0], dict) else None
        text = html_to_text(body or raw.get("summary")) or title
        if not text:
            return None
        author = (raw.get("author") or "").strip() or None
        published = parse_datetime(raw.get("published_parsed") or raw.get("updated_parsed"))
        return Mention(
            external_id=_entry_id(raw),
            text=text,
            url=self.entry_link(raw),
            title=title,
            author=author,
            published_at=published,
            language=raw.get("language") or None,
            raw=raw,
        )


def _entry_id(entry: dict[str, Any]) -> str:
    """GUID/id, else link, else a hash of title and summary."""
    for key in ("id", "link"):
        value = (entry.get(key) or "").strip()
        if value:
            return value
    digest = hashlib.sha256(f"{entry.get('title', '')}\n{entry.get('summary', '')}".encode()).hexdigest()
    return f"sha256:{digest[:32]}"


def _short_hash(value: str) -> str:
    # 12 hex chars keep the cursor small; a collision only hides one entry from one poll.
    return hashlib.sha1(value.encode()).hexdigest()[:12]


def _plain(value: Any) -> Any:
    """feedparser's dicts and struct_times -> JSON-serializable plain data."""
    if isinstance(value, time.struct_time):
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


# -- timing: what a feed says about when to ask again ------------------------------------------
# Each returns seconds, the earliest the publisher wants the next request, or None when it says
# nothing usable; the scheduler applies it only within the source's [min, max] interval.

# <sy:updatePeriod> values (RSS 1.0 syndication module); a month and a year as their usual lengths.
_SY_PERIODS = {
    "hourly": 3600,
    "daily": 86400,
    "weekly": 7 * 86400,
    "monthly": 30 * 86400,
    "yearly": 365 * 86400,
}


def header_hint(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Freshness left by Cache-Control max-age (less Age), else Expires minus Date.

    no-store / no-cache ask for revalidation on every use: no hint, and Expires is not read
    (RFC 9111 5.2: Cache-Control wins over Expires). An unparseable Expires means "already stale".
    """
    directives = _cache_control(headers.get("cache-control", ""))
    if "no-store" in directives or "no-cache" in directives:
        return None
    if "max-age" in directives:
        max_age = _seconds(directives["max-age"])
        if max_age is None:
            return None
        age = _seconds(headers.get("age", "")) or 0
        return _positive(max_age - age)
    expires = _http_date(headers.get("expires", ""))
    if expires is None:
        return None
    # relative to the server's own clock, so a skewed local clock does not stretch or cut it
    date = _http_date(headers.get("date", "")) or now or datetime.now(UTC)
    return _positive((expires - date).total_seconds())


def feed_hint(feed: Mapping[str, Any]) -> float | None:
    """The longer of RSS <ttl> (minutes) and sy:updatePeriod / sy:updateFrequency, from parsed.feed.

    feedparser gives them as strings under "ttl", "sy_updateperiod" and "sy_updatefrequency".
    """
    hints = []
    ttl = _seconds(str(feed.get("ttl") or ""))
    if ttl:
        hints.append(ttl * 60.0)
    period = _SY_PERIODS.get(str(feed.get("sy_updateperiod") or "").strip().lower())
    if period:
        # the module's default frequency is 1; a zero or junk frequency is read as that default
        frequency = _seconds(str(feed.get("sy_updatefrequency") or "")) or 1
        hints.append(period / frequency)
    return max(hints) if hints else None


def longest(*hints: float | None) -> float | None:
    """The latest of several "not before" hints (each asks not to be polled sooner), or None.

    Anything but a positive number is skipped: a hint read back from a stored cursor may be junk.
    """
    given = [float(h) for h in hints if isinstance(h, int | float) and not isinstance(h, bool) and h > 0]
    return max(given) if given else None


def _cache_control(value: str) -> dict[str, str]:
    directives = {}
    for part in value.split(","):
        name, _, arg = part.strip().partition("=")
        if name:
            directives[name.strip().lower()] = arg.strip().strip('"')
    return directives


def _seconds(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() else None


def _http_date(value: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _positive(seconds: float) -> float | None:
    return seconds if seconds > 0 else None
