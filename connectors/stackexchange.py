"""Stack Exchange questions (any site) through /2.3/search/advanced."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field

from connectors.base import (
    Connector,
    ConnectorError,
    ErrorClass,
    FetchResult,
    Mention,
    PollState,
    RateLimited,
)
from connectors.helpers import dedupe, drain_cursor, from_epoch, html_to_text, split_cursor, to_int

SEARCH_URL = "https://api.stackexchange.com/2.3/search/advanced"
_PAGE_SIZE = 100
_WAIT_RE = re.compile(r"available in (\d+) seconds")


class StackExchangeConfig(BaseModel):
    """A question search on one Stack Exchange site."""

    model_config = ConfigDict(extra="forbid")
    site: str = Field(min_length=1, description="Site API name, e.g. stackoverflow, superuser, serverfault")
    query: str = Field(min_length=1, description="Free-text search (title and body), e.g. 'acme sdk'")
    tagged: str | None = Field(default=None, description="Only questions with these tags, ';'-separated")
    key: str | None = Field(
        default=None, description="App key from stackapps.com: 10,000 requests/day instead of 300 per IP"
    )


class StackExchangeConnector(Connector[StackExchangeConfig]):
    """Stack Exchange questions; the cursor is the newest creation_date (epoch seconds) seen, or a backlog."""

    slug: ClassVar[str] = "stackexchange"
    title: ClassVar[str] = "Stack Exchange"
    Config: ClassVar[type[BaseModel]] = StackExchangeConfig
    default_interval: ClassVar[int] = 900  # without a key the whole IP gets 300 requests a day

    async def fetch(
        self, client: httpx.AsyncClient, config: StackExchangeConfig, state: PollState
    ) -> FetchResult:
        hw, drain = split_cursor(state.cursor)
        since = to_int(hw)
        todate = to_int(drain.get("resume"))
        params: dict[str, Any] = {
            "site": config.site,
            "q": config.query,
            "sort": "creation",
            "order": "desc",
            "filter": "withbody",
            "pagesize": _PAGE_SIZE,
            "page": 1,
        }
        if since is not None:
            params["fromdate"] = since + 1  # fromdate is inclusive
        if config.tagged:
            params["tagged"] = config.tagged
        if config.key:
            params["key"] = config.key
        items: list[dict[str, Any]] = []
        pause = None
        done = False
        # Each page narrows todate (inclusive) to the oldest question read, rather than asking for
        # page N: the window stays put while new questions arrive, and deep pages need no app key.
        for _ in range(self.max_pages if state.cursor else 1):
            query = {**params, **({"todate": todate} if todate is not None else {})}
            response = await self.request(client, "GET", SEARCH_URL, params=query)
            payload = self.parse_json_object(response, "items")
            page = [i for i in payload.get("items") or [] if isinstance(i, dict) and i.get("question_id")]
            items.extend(page)
            pause = _pause(payload)
            oldest = min((t for i in page if (t := to_int(i.get("creation_date"))) is not None), default=None)
            if not payload.get("has_more") or oldest is None:
                done = True
                break
            # A full page within one second would repeat forever: step past that second then.
            todate = oldest if oldest != todate else oldest - 1
            if pause:
                break
        items = dedupe(items, lambda i: i.get("question_id"))
        times = [t for i in items if (t := to_int(i.get("creation_date"))) is not None]
        top = max([*times, *([to_int(drain["top"]) or 0] if drain.get("top") else [])], default=None)
        if not state.cursor or done:
            newest = max([*([top] if top is not None else []), since or 0])
            cursor = str(newest) if (items or since is not None or drain) else None
            return FetchResult(items=items, state=PollState(cursor=cursor), pause_seconds=pause)
        cursor = drain_cursor(hw, top=top, resume=todate)
        return FetchResult(items=items, state=PollState(cursor=cursor), pause_seconds=pause, more=True)

    def api_error(self, response: httpx.Response) -> ConnectorError | None:
        # Errors come as {error_id, error_name, error_message}, usually with HTTP 400.
        try:
            payload = json.loads(response.content)
            error_id, name = int(payload["error_id"]), str(payload.get("error_name", ""))
        except (ValueError, KeyError, TypeError):
            return None
        message = f"Stack Exchange {name or error_id}: {html.unescape(str(payload.get('error_message', '')))}"
        if error_id == 502 or name == "throttle_violation":
            match = _WAIT_RE.search(str(payload.get("error_message", "")))
            return RateLimited(
                message, status=response.status_code, retry_after=float(match[1]) if match else None
            )
        if error_id in (401, 402, 403, 405, 406):  # access_token_*, access_denied, key_required
            return ConnectorError(ErrorClass.AUTH, message, status=response.status_code)
        if error_id == 404:  # no_method
            return ConnectorError(ErrorClass.GONE, message, status=response.status_code)
        if error_id >= 500:
            return ConnectorError(ErrorClass.SERVER, message, status=response.status_code)
        return ConnectorError(ErrorClass.CLIENT, message, status=response.status_code)

    def normalize(self, raw: Any, config: StackExchangeConfig) -> Mention | None:
        question_id = raw.get("question_id")
        title = html.unescape(raw.get("title") or "").strip() or None
        body = html_to_text(raw.get("body"))
        text = "\n\n".join(part for part in (title, body) if part)
        if not question_id or not text:
            return None
        owner = raw.get("owner") or {}
        score, answers = to_int(raw.get("score")), to_int(raw.get("answer_count"))
        return Mention(
            external_id=f"question:{question_id}",
            text=text,
            url=raw.get("link"),
            title=title,
            author=html.unescape(owner.get("display_name") or "") or None,
            author_reach=to_int(owner.get("reputation")),
            engagement=None if score is None and answers is None else (score or 0) + (answers or 0),
            published_at=from_epoch(raw.get("creation_date")),
            raw=raw,
        )


def _pause(payload: dict[str, Any]) -> float | None:
    """`backoff` (even on a 200) means: no more calls to this method for that long."""
    backoff = to_int(payload.get("backoff"))
    if backoff:
        return float(backoff)
    if payload.get("quota_remaining") == 0:
        now = datetime.now(UTC)
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        return max(1.0, (midnight - now).total_seconds())  # the daily quota resets at UTC midnight
    return None
