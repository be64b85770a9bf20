"""Source and channel secrets stay in the configuration: never in the database, the API or a log line.

Why not encrypt them in `sources.config`: the TOML file (with `${VAR}` references to the
environment) is already the source of truth for sources, and a worker cannot run without it. An
encryption key would sit in the same environment as the secrets it guards, and losing it would
strand every source. So the sources table keeps a *masked* copy of each source's options (for
display and change detection), and the worker hands each connector the options of the
configuration it loaded (`with_configured_options`).

Which options are secret: every field a connector's Config declares as `SecretStr`, every option
whose name says so (api_key, key, access_token, client_secret, ...), a Google Alerts feed URL
(its path is the secret), and inside any other URL its userinfo and its secret-looking query
parameters (a feed URL's `?token=`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import types
import typing
from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from pydantic import SecretStr

from connectors.registry import CONNECTORS
from monitor import logs

if TYPE_CHECKING:
    from monitor.config import AppConfig
    from monitor.sources.service import Claimed

SECRET_MASK = "•••• (set)"
# URLs whose path is the secret (whoever has it reads the feed): masked whole but for the host
CAPABILITY_URLS = frozenset({("google_alerts", "url")})
_MASKED_CAPABILITY = re.compile(rf"/{logs.MASK} #[0-9a-f]{{8}}$")
_SECRET_PATH = 16  # /services/T…/B…/… of a Slack webhook is far longer
_SECRET_NAME = re.compile(rf"^{logs.SECRET_NAME}$", re.IGNORECASE)


def _is_secret_type(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_secret_type(a) for a in typing.get_args(annotation))
    return False


@cache
def secret_options(kind: str) -> frozenset[str]:
    """The option names of connector `kind` that hold secrets (unknown kinds: by name alone)."""
    cls = CONNECTORS.get(kind)
    fields = cls.Config.model_fields if cls is not None else {}
    return frozenset(name for name, f in fields.items() if _is_secret_type(f.annotation))


def _secret_name(kind: str, name: str) -> bool:
    return name in secret_options(kind) or bool(_SECRET_NAME.match(name))


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and "://" in value


def _mask_capability_url(url: str) -> str:
    # the host stays readable; a digest of the whole URL tells a different feed from the same one,
    # so changing it still resets the cursor (32 bits of a hash: no help in guessing the path)
    if _MASKED_CAPABILITY.search(url):
        return url
    parts = urlsplit(url)
    digest = hashlib.sha256(url.encode()).hexdigest()[:8]
    return f"{parts.scheme}://{parts.hostname}/{logs.MASK} #{digest}"


def mask_options(kind: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a source's options fit to store and show: secret values masked, URLs cleaned."""
    out: dict[str, Any] = {}
    for name, value in options.items():
        if _secret_name(kind, name) and value not in (None, ""):
            out[name] = SECRET_MASK
        elif (kind, name) in CAPABILITY_URLS and _is_url(value):
            out[name] = _mask_capability_url(value)
        elif _is_url(value):
            # patterns only: the stored copy must not depend on which configs this process loaded
            out[name] = logs.redact_patterns(value)
        else:
            out[name] = value
    return out


def _url_secrets(url: str) -> set[str]:
    """The secret parts of a URL as they may appear in a log: userinfo and secret query values."""
    parts = urlsplit(url)
    found = set()
    if "@" in parts.netloc:
        userinfo = parts.netloc.rsplit("@", 1)[0]
        found |= {userinfo, unquote(userinfo), *userinfo.split(":", 1)[1:]}
    for pair in parts.query.split("&"):
        name, _, value = pair.partition("=")
        if value and _SECRET_NAME.match(unquote(name)):
            found |= {value, unquote(value)}
    return found


def _option_secrets(kind: str, options: Mapping[str, Any]) -> set[str]:
    found: set[str] = set()
    for name, value in options.items():
        if _secret_name(kind, name) and isinstance(value, str):
            found.add(value)
        elif _secret_name(kind, name) and isinstance(value, Mapping):  # secrets by key (tokens by host)
            found |= {v for v in value.values() if isinstance(v, str)}
        elif (kind, name) in CAPABILITY_URLS and _is_url(value):
            found |= {value, urlsplit(value).path}
        elif _is_url(value):
            found |= _url_secrets(value)
    return found


def config_secrets(config: AppConfig) -> set[str]:
    """Every secret value a configuration holds, for the log filter to mask wherever it appears."""
    found: set[str] = set()
    for src in config.sources:
        found |= _option_secrets(src.kind, src.options)
    for ch in config.channels:
        url = ch.url.get_secret_value()
        # a Slack webhook URL is a secret whole; a log may show its path alone (short paths such as
        # /api/hook are not secret, and masking them would garble unrelated lines)
        path = urlsplit(url).path
        found |= {url, *([path] if len(path) >= _SECRET_PATH else [])} | _url_secrets(url)
        if ch.secret is not None:
            found.add(ch.secret.get_secret_value())
    found |= {k.get_secret_value() for k in config.api.api_keys}
    if config.slack is not None:
        found |= {s.get_secret_value() for s in (config.slack.signing_secret, config.slack.bot_token) if s}
    return {s for s in found if s}


def with_configured_options(config: AppConfig, claimed: Iterable[Claimed]) -> list[Claimed]:
    """Claimed sources with their options from the loaded configuration, secrets included.

    The database holds masked options only; a source missing from the configuration keeps them
    (it has no secrets to give, or it would have been disabled by the sync).
    """
    options = {s.name: s.options for s in config.sources}
    return [dataclasses.replace(c, config=dict(options[c.name])) if c.name in options else c for c in claimed]
