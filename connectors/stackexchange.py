"""Stack Exchange (any site): questions through /2.3/search/advanced, answers through
/2.3/search/excerpts, and the site's comment stream through /2.3/comments."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.base import (
    Connector,
    ConnectorError,
    ErrorClass,
    FetchResult,
    Mention,
    PollState,
    RateLimited,
)
from connectors.helpers import (
    dedupe,
    drain_cursor,
    dump_cursor,
    from_epoch,
    html_to_text,
    load_cursor,
    split_cursor,
    to_int,
)

API = "https://api.stackexchange.com/2.3"
SEARCH_URL = f"{API}/search/advanced"
EXCERPTS_URL = f"{API}/search/excerpts"  # questions and answers matching q, one list
COMMENTS_URL = f"{API}/comments"  # every comment on the site: there is no comment search
_PAGE_SIZE = 100
_WAIT_RE = re.compile(r"available in (\d+) seconds")


class StackExchangeConfig(BaseModel):
    """A search on one Stack Exchange site: questions, answers, and/or the site's comments."""

    model_config = ConfigDict(extra="forbid")
    site: str = Field(min_length=1, description="Site API name, e.g. stackoverflow, superuser, serverfault")
    query: str = Field(min_length=1, description="Free-text search (title and body), e.g. 'acme sdk'")
    tagged: str | None = Field(default=None, description="Only questions with these tags, ';'-separated")
    key: str | None = Field(
        default=None, description="App key from stackapps.com: 10,000 requests/day instead of 300 per IP"
    )
    include: list[Literal["questions", "answers", "comments"]] = Field(
        default=["questions"],
        min_length=1,
        description="What to read: questions (search), answers (search excerpts), comments (all of the "
        "site's comments, which the brand query then matches: the API has no comment search)",
    )

    @field_validator("include")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return sorted(set(value), key=value.index)


class StackExchangeConnector(Connector[StackExchangeConfig]):
    """Stack Exchange posts; each endpoint's cursor is the newest creation_date (epoch s) seen, or a backlog.

    With only questions (the default) the cursor is that one endpoint's; otherwise a JSON map
    {"questions"|"excerpts"|"comments": cursor}.
    """

    slug: ClassVar[str] = "stackexchange"
    title: ClassVar[str] = "Stack Exchange"
    Config: ClassVar[type[BaseModel]] = StackExchangeConfig
    default_interval: ClassVar[int] = 900  # without a key the whole IP gets 300 requests a day

    async def fetch(
        self, client: httpx.AsyncClient, config: StackExchangeConfig, state: PollState
    ) -> FetchResult:
        base: dict[str, Any] = {
            "site": config.site,
            "sort": "creation",
            "order": "desc",
            "filter": "withbody",
        }
        if config.key:
            base["key"] = config.key
        search = {"q": config.query, **({"tagged": config.tagged} if config.tagged else {})}
        endpoints: list[tuple[str, str, dict[str, Any]]] = []
        if "answers" in config.include:  # excerpts: the questions and answers matching q, in one list
            endpoints.append(("excerpts", EXCERPTS_URL, search))
        elif "questions" in config.include:
            endpoints.append(("questions", SEARCH_URL, search))
        if "comments" in config.include:
            endpoints.append(("comments", COMMENTS_URL, {}))
        cursors = _sub_cursors(state.cursor)
        if [name for name, _, _ in endpoints] == ["questions"]:  # the cursor as it always was
            # (back from a map when answers or comments were switched off again)
            start = cursors.get("questions") or cursors.get("excerpts")
            return await self._read(client, SEARCH_URL, {**base, **search}, start)
        items: list[dict[str, Any]] = []
        pause, more = None, False
        for name, url, params in endpoints:
            if pause:  # `backoff` or an empty quota: leave the other endpoints for the next poll
                break
            # Switching questions on to answers goes on from the questions' cursor (excerpts hold both).
            start = cursors.get(name) or (cursors.get("questions") if name == "excerpts" else None)
            result = await self._read(client, url, {**base, **params}, start)
            items += result.items
            pause, more = result.pause_seconds, more or result.more
            if result.state.cursor is not None:
                cursors[name] = result.state.cursor
        if "questions" not in config.include:
            items = [i for i in items if i.get("item_type") != "question"]
        cursor = dump_cursor(cursors) if cursors else None
        return FetchResult(items=items, state=PollState(cursor=cursor), pause_seconds=pause, more=more)

    async def _read(
        self, client: httpx.AsyncClient, url: str, params: dict[str, Any], cursor: str | None
    ) -> FetchResult:
        """One endpoint, newest first, back to its cursor within the page budget."""
        hw, drain = split_cursor(cursor)
        since = to_int(hw)
        todate = to_int(drain.get("resume"))
        params = {**params, "pagesize": _PAGE_SIZE, "page": 1}
        if since is not None:
            params["fromdate"] = since + 1  # fromdate is inclusive
        items: list[dict[str, Any]] = []
        pause = None
        done = False
        # Each page narrows todate (inclusive) to the oldest item read, rather than asking for
        # page N: the window stays put while new items arrive, and deep pages need no app key.
        for _ in range(self.max_pages if cursor else 1):
            query = {**params, **({"todate": todate} if todate is not None else {})}
            response = await self.request(client, "GET", url, params=query)
            payload = self.parse_json_object(response, "items")
            page = [i for i in payload.get("items") or [] if isinstance(i, dict) and _ident(i)]
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
        items = dedupe(items, _ident)
        times = [t for i in items if (t := to_int(i.get("creation_date"))) is not None]
        top = max([*times, *([to_int(drain["top"]) or 0] if drain.get("top") else [])], default=None)
        if not cursor or done:
            newest = max([*([top] if top is not None else []), since or 0])
            new_cursor = str(newest) if (items or since is not None or drain) else None
            return FetchResult(items=items, state=PollState(cursor=new_cursor), pause_seconds=pause)
        new_cursor = drain_cursor(hw, top=top, resume=todate)
        return FetchResult(items=items, state=PollState(cursor=new_cursor), pause_seconds=pause, more=True)

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
        ident = _ident(raw)
        title = html.unescape(raw.get("title") or "").strip() or None
        body = html_to_text(raw.get("body"))
        if not ident or not body and not (title and ident.startswith("question:")):
            return None
        if ident.startswith("comment:"):
            return self._comment(raw, ident, body, config)
        if ident.startswith("answer:"):
            title = None  # the question's: it would make every answer in a thread match its words
        text = "\n\n".join(part for part in (title, body) if part)
        owner = raw.get("owner") or {}
        score, answers = to_int(raw.get("score")), to_int(raw.get("answer_count"))
        return Mention(
            external_id=ident,
            text=text,
            # search excerpts carry no link: the site's short links /q/<id> and /a/<id> answer for it
            url=raw.get("link") or _site_url(config.site, ident),
            title=title,
            author=html.unescape(owner.get("display_name") or "") or None,
            author_reach=to_int(owner.get("reputation")),
            engagement=None if score is None and answers is None else (score or 0) + (answers or 0),
            published_at=from_epoch(raw.get("creation_date")),
            raw=raw,
        )

    def _comment(self, raw: dict[str, Any], ident: str, body: str, config: StackExchangeConfig) -> Mention:
        owner = raw.get("owner") or {}
        return Mention(
            external_id=ident,
            text=body,
            url=raw.get("link") or _site_url(config.site, ident),
            author=html.unescape(owner.get("display_name") or "") or None,
            author_reach=to_int(owner.get("reputation")),
            engagement=to_int(raw.get("score")),
            published_at=from_epoch(raw.get("creation_date")),
            raw=raw,
        )


def _ident(item: dict[str, Any]) -> str | None:
    """question:<id>, answer:<id> or comment:<id> (the ids of each type are separate sequences)."""
    if item.get("comment_id"):
        return f"comment:{item['comment_id']}"
    if item.get("answer_id") and item.get("item_type", "answer") == "answer":
        return f"answer:{item['answer_id']}"
    return f"question:{item['question_id']}" if item.get("question_id") else None


# Sites on a domain of their own; the others are <site>.stackexchange.com.
_OWN_DOMAIN = {"stackoverflow", "serverfault", "superuser", "askubuntu", "stackapps"}


def _site_url(site: str, ident: str) -> str:
    if site in _OWN_DOMAIN or site.endswith(".stackoverflow"):  # es.stackoverflow, meta.stackoverflow
        host = f"{site}.com"
    elif "." in site:  # the API takes a site's domain as well as its name
        host = site
    elif site == "mathoverflow":
        host = "mathoverflow.net"
    else:
        host = f"{site}.stackexchange.com"
    kind, _, number = ident.partition(":")
    path = {"question": "q", "answer": "a"}.get(kind)
    return f"https://{host}/{path}/{number}" if path else f"https://{host}/posts/comments/{number}"


def _sub_cursors(cursor: str | None) -> dict[str, Any]:
    """The per-endpoint map; a cursor from the questions-only days becomes the questions' one."""
    data = load_cursor(cursor)
    if cursor and (not data or "drain" in data):
        return {"questions": cursor}
    return data


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
