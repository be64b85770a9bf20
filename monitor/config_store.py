"""The effective configuration: brands and sources from the database over the file's other settings.

Once synced, the database is the source of truth for brands and sources (the API and the
dashboard edit it; monitor/sync.py seeds it from the file). A worker builds its matchers and its
sources' options from `load_runtime_config`, and a `ConfigWatcher` tells it, with one cheap read
per tick, when to build them again.

Secrets: a source row keeps masked options; the real value of a secret comes from an environment
reference the API stored (`secret_refs`, `${VAR}` read from this process's environment), else from
the file's own entry for that source when the stored option is the masked form of the file's
value. A secret found in neither stays masked, and that source's polls fail with the connector's
authentication error, shown on the source.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor import logs
from monitor.admin.models import current_revision
from monitor.brands.models import Brand
from monitor.config import AppConfig, BrandConfig, SourceConfig
from monitor.secrets import config_secrets, mask_options
from monitor.sources.models import Source

log = logging.getLogger(__name__)

ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class MissingVariable(LookupError):
    """A `${VAR}` reference to a variable this process's environment does not have."""

    def __init__(self, name: str) -> None:
        super().__init__(f"environment variable {name} is not set")
        self.name = name


def expand_refs(value: str, environ: Mapping[str, str] | None = None) -> str:
    """`value` with each `${VAR}` replaced from the environment; MissingVariable if one is unset."""
    env = os.environ if environ is None else environ

    def sub(m: re.Match[str]) -> str:
        if m.group(1) not in env:
            raise MissingVariable(m.group(1))
        return env[m.group(1)]

    return ENV_REF.sub(sub, value)


def brand_config(row: Brand) -> BrandConfig:
    """A brand row as configuration."""
    return BrandConfig(name=row.name, query=row.query, handles=list(row.handles or []), exclude=row.exclude)


def interval_keys(row: Source) -> dict[str, Any]:
    """The [[sources]] interval keys that give this row's bounds (the derived ones left out)."""
    keys: dict[str, Any] = {"interval_seconds": row.interval_seconds}
    lo, hi = row.min_interval_seconds, row.max_interval_seconds
    if lo == hi == row.interval_seconds:
        return keys | {"adaptive": False}
    derived = SourceConfig(
        name=row.name, kind=row.kind, interval_seconds=row.interval_seconds
    ).interval_bounds()
    if lo != derived[0]:
        keys["min_interval_seconds"] = lo
    if hi != derived[1]:
        keys["max_interval_seconds"] = hi
    return keys


def source_config(row: Source, options: dict[str, Any]) -> SourceConfig:
    """A source row as configuration, with the given options."""
    return SourceConfig(
        name=row.name,
        kind=row.kind,
        enabled=row.enabled,
        brand=row.brand,
        options=options,
        **interval_keys(row),
    )


def runtime_options(row: Source, filed: SourceConfig | None) -> dict[str, Any]:
    """A source's options with its secrets: from its environment references, else from the file."""
    options = dict(row.config or {})
    for name, ref in (row.secret_refs or {}).items():
        try:
            if isinstance(ref, dict):  # secrets by key, e.g. access_tokens by host
                options[name] = {key: expand_refs(inner) for key, inner in ref.items()}
            else:
                options[name] = expand_refs(ref)
        except MissingVariable as exc:
            log.warning("source %s: option %s: %s", row.name, name, exc)
    if filed is not None and filed.kind == row.kind:
        for name, value in filed.options.items():
            stored = options.get(name)
            if name not in (row.secret_refs or {}) and stored == mask_options(row.kind, {name: value})[name]:
                options[name] = value  # the stored copy is this value masked: the file holds the secret
    return options


def load_runtime_config(session: Session, base: AppConfig) -> AppConfig:
    """`base` with its brands and sources replaced by the database's (disabled brands left out)."""
    brands = [brand_config(b) for b in session.scalars(select(Brand).order_by(Brand.name)) if b.enabled]
    filed = {s.name: s for s in base.sources}
    sources = []
    for row in session.scalars(select(Source).order_by(Source.name)):
        try:
            sources.append(source_config(row, runtime_options(row, filed.get(row.name))))
        except ValidationError as exc:
            # a row written by hand or by an old version: the rest must still be polled and matched
            log.warning("source %s left out of the configuration: %s", row.name, exc.errors()[0]["msg"])
    config = base.model_copy(update={"brands": brands, "sources": sources})
    logs.hide(config_secrets(config))  # secrets read from references are masked in logs too
    return config


class ConfigWatcher:
    """Rebuilds the effective configuration when the database's revision moves."""

    def __init__(self, session_factory: Callable[[], Session], base_config: AppConfig) -> None:
        self.session_factory = session_factory
        self.base_config = base_config
        self.revision: int | None = None  # None: nothing built yet, the first refresh builds

    def refresh(self) -> AppConfig | None:
        """The new effective configuration, or None when brands and sources are unchanged."""
        with self.session_factory() as session:
            revision = current_revision(session)
            if revision == self.revision:
                return None
            config = load_runtime_config(session, self.base_config)
        self.revision = revision
        return config
