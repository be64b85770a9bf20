"""Google Alerts and Google News search: RSS presets with their own config and clean-up."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.base import Mention
from connectors.rss import RssConnector, http_url


class GoogleAlertsConfig(BaseModel):
    """A Google Alerts feed ("Deliver to: RSS feed" in the alert's options)."""

    model_config = ConfigDict(extra="forbid")
    url: str = Field(description="The alert's feed URL, https://www.google.com/alerts/feeds/<user>/<alert>")

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return http_url(value)


class GoogleAlertsConnector(RssConnector):
    """Google Alerts Atom feed: unwraps google.com/url redirect links; <b> highlights become text."""

    slug: ClassVar[str] = "google_alerts"
    title: ClassVar[str] = "Google Alerts"
    Config: ClassVar[type[BaseModel]] = GoogleAlertsConfig
    default_interval: ClassVar[int] = 1800

    def entry_link(self, entry: dict[str, Any]) -> str | None:
        return unwrap_google_redirect(entry.get("link") or "") or None


def unwrap_google_redirect(link: str) -> str:
    """https://www.google.com/url?...&url=<target>&... -> <target>; other links unchanged."""
    parts = urlsplit(link)
    if parts.hostname and parts.hostname.endswith("google.com") and parts.path == "/url":
        query = parse_qs(parts.query)
        target = (query.get("url") or query.get("q") or [""])[0]
        if target.startswith(("http://", "https://")):
            return target
    return link


class GoogleNewsConfig(BaseModel):
    """A Google News search, polled as its RSS feed."""

    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=1, description='Search terms, Google News syntax, e.g. "Acme" outage')
    language: str = Field(default="en-US", description="Interface language (hl), e.g. en-US, de, fr")
    country: str = Field(default="US", description="Edition country (gl), e.g. US, GB, DE")
    ceid: str | None = Field(
        default=None, description='Edition id, default "<country>:<language without region>", e.g. US:en'
    )


class GoogleNewsConnector(RssConnector):
    """Google News search RSS (news.google.com/rss/search); the publisher becomes the author."""

    slug: ClassVar[str] = "google_news"
    title: ClassVar[str] = "Google News search"
    Config: ClassVar[type[BaseModel]] = GoogleNewsConfig
    default_interval: ClassVar[int] = 1800

    def feed_url(self, config: Any) -> str:
        ceid = config.ceid or f"{config.country}:{config.language.split('-')[0]}"
        params = {"q": config.query, "hl": config.language, "gl": config.country, "ceid": ceid}
        return "https://news.google.com/rss/search?" + urlencode(params)

    def normalize(self, raw: Any, config: Any) -> Mention | None:
        mention = super().normalize(raw, config)
        if mention is None:
            return None
        publisher = ((raw.get("source") or {}).get("title") or "").strip()
        headline = mention.title or mention.text
        # Titles read "Headline - Publisher"; the description only repeats them as links.
        if publisher and headline.endswith(f" - {publisher}"):
            headline = headline[: -len(publisher) - 3].strip()
        return dataclasses.replace(mention, title=headline, text=headline, author=publisher or mention.author)
