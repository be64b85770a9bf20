"""Mastodon (one instance or several): a public hashtag timeline, or status search with access tokens."""

from __future__ import annotations

import time
from typing import Any, ClassVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from connectors.base import Connector, ConnectorError, FetchResult, Mention, PollState
from connectors.helpers import (
    dedupe,
    dump_cursor,
    html_to_text,
    load_cursor,
    parse_datetime,
    parse_link_header,
    pause_for,
    to_int,
)
from connectors.rss import http_url

_PAGE_SIZE = 40  # the API's maximum for both endpoints


class MastodonConfig(BaseModel):
    """A hashtag timeline (public) or a status search (needs an access token) on one or more instances."""

    model_config = ConfigDict(extra="forbid")
    instance: str | None = Field(default=None, description="Instance base URL, e.g. https://mastodon.social")
    instances: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Several instance base URLs instead of instance; each keeps its own cursor",
    )
    hashtag: str | None = Field(default=None, description="Hashtag without '#', e.g. 'acme'")
    query: str | None = Field(default=None, description="Full-text status search (needs access_token)")
    access_token: SecretStr | None = Field(
        default=None, description="User access token with read:search scope; optional for hashtags"
    )
    access_tokens: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="With instances: each instance's own token by host, e.g. {'mastodon.social' = '...'}",
    )

    @field_validator("instance")
    @classmethod
    def _check_instance(cls, value: str | None) -> str | None:
        return http_url(value).rstrip("/") if value is not None else None

    @field_validator("instances")
    @classmethod
    def _check_instances(cls, value: list[str]) -> list[str]:
        urls = [http_url(v).rstrip("/") for v in value]
        hosts = [_host(u) for u in urls]
        if len(set(hosts)) < len(hosts):
            raise ValueError("each instance once (two entries name the same host)")
        return urls

    @field_validator("hashtag")
    @classmethod
    def _strip_hash(cls, value: str | None) -> str | None:
        return (value or "").strip().lstrip("#") or None

    @model_validator(mode="after")
    def _one_target(self) -> MastodonConfig:
        if bool(self.instance) == bool(self.instances):
            raise ValueError("give exactly one of instance or instances")
        if bool(self.hashtag) == bool((self.query or "").strip()):
            raise ValueError("give exactly one of hashtag or query")
        unknown = set(self.access_tokens) - {_host(u) for u in self.instances}
        if unknown:
            raise ValueError(f"access_tokens names hosts not in instances: {', '.join(sorted(unknown))}")
        if self.query:
            missing = [u for u in self.targets() if self.token_for(u) is None]
            if missing:
                hosts = ", ".join(_host(u) for u in missing)
                raise ValueError(
                    "status search (query) needs an access_token (with instances: access_tokens by "
                    f"host) for {hosts}"
                )
        return self

    def targets(self) -> list[str]:
        """The instance base URLs to poll."""
        return [self.instance] if self.instance else list(self.instances)

    def token_for(self, instance: str) -> SecretStr | None:
        """The instance's own token, else the shared access_token (a single instance's)."""
        return self.access_tokens.get(_host(instance)) or (self.access_token if self.instance else None)


class MastodonConnector(Connector[MastodonConfig]):
    """Mastodon statuses; the cursor is the newest status id seen (sent as min_id), one per instance.

    With one `instance` it is that id, as it always was; with `instances` a JSON map
    {host: id, "wait:<host>": epoch} where a wait entry skips a host until its rate limit resets.
    """

    slug: ClassVar[str] = "mastodon"
    title: ClassVar[str] = "Mastodon"
    Config: ClassVar[type[BaseModel]] = MastodonConfig

    async def fetch(self, client: httpx.AsyncClient, config: MastodonConfig, state: PollState) -> FetchResult:
        if config.instance:
            start = state.cursor
            if (start or "").startswith("{"):  # a map from when this source polled several instances
                start = load_cursor(start).get(_host(config.instance))
            items, cursor, pause, more = await self._read(client, config, config.instance, start)
            return FetchResult(items=items, state=PollState(cursor=cursor), pause_seconds=pause, more=more)
        cursors = load_cursor(state.cursor)
        now = time.time()
        items: list[dict[str, Any]] = []
        errors: list[ConnectorError] = []
        waits: list[float] = []
        more, read = False, 0
        for instance in config.instances:
            host = _host(instance)
            wait_until = to_int(cursors.get(f"wait:{host}"))
            if wait_until is not None and wait_until > now:
                waits.append(wait_until - now)  # this host said "slow down": the others go on
                continue
            cursors.pop(f"wait:{host}", None)
            try:
                found, cursor, pause, deeper = await self._read(client, config, instance, cursors.get(host))
            except ConnectorError as exc:
                # One instance down or refusing must not cost the others' items: its cursor stays.
                errors.append(exc)
                continue
            items, read = items + found, read + 1
            more = more or deeper
            if cursor:
                cursors[host] = cursor
            if pause:
                cursors[f"wait:{host}"] = int(now + pause)
                waits.append(pause)
        if errors and not read:  # nothing answered: the source shows failing, with the first reason
            raise errors[0]
        # The same status federated to two instances has one uri: keep it once.
        items = dedupe(items, lambda s: (s.get("reblog") or s).get("uri"))
        # Pause the source only when every instance is waiting (the soonest decides).
        pause_all = min(waits) if len(waits) == len(config.instances) else None
        cursor_out = dump_cursor(cursors) if cursors else None
        return FetchResult(
            items=items, state=PollState(cursor=cursor_out), pause_seconds=pause_all, more=more
        )

    async def _read(
        self, client: httpx.AsyncClient, config: MastodonConfig, instance: str, min_id: str | None
    ) -> tuple[list[dict[str, Any]], str | None, float | None, bool]:
        """One instance from its cursor up: items, the new cursor, a pause, and whether more wait."""
        headers = {}
        token = config.token_for(instance)
        if token is not None:
            headers["Authorization"] = f"Bearer {token.get_secret_value()}"
        if config.hashtag:
            url: str | None = f"{instance}/api/v1/timelines/tag/{quote(config.hashtag, safe='')}"
            params: dict[str, Any] | None = {"limit": _PAGE_SIZE}
        else:
            url = f"{instance}/api/v2/search"
            params = {"q": config.query, "type": "statuses", "resolve": "false", "limit": _PAGE_SIZE}
        if min_id and params is not None:
            params["min_id"] = min_id
        items: list[dict[str, Any]] = []
        pause = None
        more = False
        for number in range(self.max_pages if min_id else 1):
            response = await self.request(client, "GET", url, params=params, headers=headers)
            pause = _pause(response)
            payload = self.parse_json(response)
            page = payload.get("statuses") if isinstance(payload, dict) else payload
            page = [s for s in page or [] if isinstance(s, dict) and s.get("id")]
            items.extend(page)
            if not page or len(page) < _PAGE_SIZE or pause:
                break
            # A full last page: newer statuses may wait above it; the next poll (due at once) goes on.
            more = number == self.max_pages - 1
            # min_id pages come nearest-the-cursor first; rel="prev" (or min_id=<newest>) walks
            # on towards the present.
            prev = parse_link_header(response.headers.get("link")).get("prev")
            if prev:
                url, params = prev, None
            else:
                params = {**(params or {}), "min_id": _newest(page)}
        items = dedupe(items, lambda s: s.get("id"))
        cursor = _newest(items + ([{"id": min_id}] if min_id else [])) if (items or min_id) else None
        return items, cursor, pause, more

    def normalize(self, raw: Any, config: MastodonConfig) -> Mention | None:
        status = raw.get("reblog") or raw
        text = html_to_text(status.get("content"))
        warning = (status.get("spoiler_text") or "").strip()
        if warning:
            text = f"{warning}\n{text}".strip()
        external_id = status.get("uri") or status.get("url") or str(status.get("id") or "")
        if not text or not external_id:
            return None
        account = status.get("account") or {}
        counts = [to_int(status.get(k)) for k in ("replies_count", "reblogs_count", "favourites_count")]
        return Mention(
            external_id=external_id,
            text=text,
            url=status.get("url") or status.get("uri"),
            author=account.get("acct") or account.get("username"),
            author_reach=to_int(account.get("followers_count")),
            engagement=None if all(c is None for c in counts) else sum(c or 0 for c in counts),
            published_at=parse_datetime(status.get("created_at")),
            language=status.get("language") or None,
            raw=raw,
        )


def _host(url: str) -> str:
    return httpx.URL(url).host


def _newest(statuses: list[dict[str, Any]]) -> str:
    # Snowflake-style ids: compare as numbers (string order breaks when lengths differ).
    return max((str(s["id"]) for s in statuses), key=lambda i: (len(i), i))


def _pause(response: httpx.Response) -> float | None:
    reset = parse_datetime(response.headers.get("x-ratelimit-reset"))
    reset_in = reset.timestamp() - time.time() if reset else None
    return pause_for(response.headers.get("x-ratelimit-remaining"), reset_in)
