"""Every connector by slug, plus config validation for the config loader."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from connectors.base import Connector
from connectors.bluesky import BlueskyConnector
from connectors.demo import DemoConnector
from connectors.discourse import DiscourseConnector
from connectors.google import GoogleAlertsConnector, GoogleNewsConnector
from connectors.hackernews import HackerNewsConnector
from connectors.lemmy import LemmyConnector
from connectors.mastodon import MastodonConnector
from connectors.reddit import RedditConnector
from connectors.rss import RssConnector
from connectors.stackexchange import StackExchangeConnector
from connectors.x import XConnector
from connectors.youtube import YouTubeConnector

CONNECTORS: dict[str, type[Connector]] = {
    cls.slug: cls
    for cls in (
        RssConnector,
        GoogleAlertsConnector,
        GoogleNewsConnector,
        DemoConnector,
        RedditConnector,
        HackerNewsConnector,
        MastodonConnector,
        BlueskyConnector,
        DiscourseConnector,
        StackExchangeConnector,
        LemmyConnector,
        YouTubeConnector,
        XConnector,
    )
}

# One instance per slug: connectors keep per-credential caches (OAuth tokens, Bluesky sessions)
# on the instance, so sharing it spares the APIs' strictly limited login endpoints.
_INSTANCES: dict[str, Connector] = {}


def _connector_class(slug: str) -> type[Connector]:
    try:
        return CONNECTORS[slug]
    except KeyError:
        known = ", ".join(sorted(CONNECTORS))
        raise KeyError(f"unknown source kind {slug!r}; known kinds: {known}") from None


def get_connector(slug: str) -> Connector:
    """The (shared) connector instance for a slug; KeyError listing the known slugs."""
    if slug not in _INSTANCES:
        _INSTANCES[slug] = _connector_class(slug)()
    return _INSTANCES[slug]


def validate_config(slug: str, data: Mapping[str, Any]) -> BaseModel:
    """Validate a source's own keys (everything but name/kind/intervals) against its Config."""
    return _connector_class(slug).Config.model_validate(dict(data))
