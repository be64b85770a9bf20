"""Create, change and disable brands and sources: the TOML file's rules, the database's rows.

Validation goes through `parse_config`, the very code that reads the file, so the API, the
dashboard and the TOML accept and refuse the same things with the same words. The caller owns
the commit. Secrets: an option is either one whole `${VAR}` (kept as that reference, read from
the environment when used) or holds no secret at all; a secret typed in clear is refused, so the
database never holds one (docs/admin.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor import logs
from monitor.admin.models import bump_revision
from monitor.brands.models import Brand
from monitor.config import AppConfig, BrandConfig, ConfigError, SourceConfig, parse_config
from monitor.config_store import ENV_REF, interval_keys
from monitor.secrets import mask_options
from monitor.sources.models import Source
from monitor.sync import apply_brand, apply_source, new_source

# keys of a [[sources]] table that are not the connector's options
SOURCE_KEYS = frozenset(SourceConfig.model_fields) - {"options"}
_IN_CLEAR = (
    "holds a secret: give it as ${VAR}, an environment variable the API and the workers share "
    "(secrets are never stored in the database)"
)


class AdminError(Exception):
    """A refused change: the HTTP status, the field at fault (None: the whole request) and why."""

    def __init__(self, status: int, field: str | None, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.status, self.field, self.message = status, field, message


def _field(key: str) -> str | None:
    # "sources[0].url" → "url"; "sources[0]" (a rule across keys, such as the interval bounds) → None
    return key.partition("].")[2] or None


def _parse(doc: dict[str, Any]) -> AppConfig:
    try:
        return parse_config(doc)
    except ConfigError as exc:
        # an error quoting a value (a bad URL) must not echo a token it carries
        raise AdminError(422, _field(exc.key), logs.redact(exc.problem)) from None


def _saved(session: Session, row: Any, *, now: datetime) -> Any:
    """Flush a changed row and tell the workers (they rebuild on their next tick)."""
    bump_revision(session, now=now)
    session.flush()
    return row


def _taken(session: Session, model: type[Brand] | type[Source], name: str) -> bool:
    # a check for a clear message; two requests racing for one name meet the unique index instead
    return session.scalar(select(model.id).where(model.name == name)) is not None


def _brand_doc(session: Session) -> list[dict[str, Any]]:
    """Every brand as a minimal table: sources may name any of them."""
    return [{"name": n, "query": "x"} for n in session.scalars(select(Brand.name))]


def validate_brand(data: dict[str, Any]) -> BrandConfig:
    """A [[brands]] table checked by the file's rules (the query must parse)."""
    return _parse({"brands": [data]}).brands[0]


def _refs(kind: str, data: dict[str, Any]) -> dict[str, str]:
    """The options given as environment references; AdminError for a secret given in clear."""
    refs: dict[str, Any] = {}
    for name, value in data.items():
        if name not in SOURCE_KEYS and isinstance(value, dict) and _secret_table(kind, name, value):
            # secrets by key (Mastodon's access_tokens by host): each one a whole reference
            for key, inner in value.items():
                if not (isinstance(inner, str) and ENV_REF.fullmatch(inner.strip())):
                    raise AdminError(422, f"{name}.{key}", _IN_CLEAR)
            refs[name] = {key: inner.strip() for key, inner in value.items()}
            continue
        if name in SOURCE_KEYS or not isinstance(value, str):
            continue
        if ENV_REF.fullmatch(value.strip()):
            refs[name] = value.strip()
            continue
        probe = ENV_REF.sub("ref", value)  # a reference inside a URL: the rest must hold no secret
        if mask_options(kind, {name: probe})[name] != probe:
            raise AdminError(422, name, _IN_CLEAR)
        if probe != value:
            refs[name] = value
    return refs


def _secret_table(kind: str, name: str, value: dict[str, Any]) -> bool:
    """A table of secrets: its masked copy hides it (the option's name or type says secret)."""
    return bool(value) and mask_options(kind, {name: value})[name] != value


def validate_source(session: Session, data: dict[str, Any]) -> tuple[SourceConfig, dict[str, str]]:
    """A [[sources]] table checked by the file's rules, and its environment references."""
    kind = data.get("kind")
    refs = _refs(kind if isinstance(kind, str) else "", data)
    config = _parse({"brands": _brand_doc(session), "sources": [data]})
    return config.sources[0], refs


# -- brands ---------------------------------------------------------------------------------------


def brand_table(row: Brand) -> dict[str, Any]:
    """A brand row as its [[brands]] table (no enabled: the file has no such key)."""
    table: dict[str, Any] = {"name": row.name, "query": row.query, "handles": list(row.handles or [])}
    if row.exclude is not None:
        table["exclude"] = row.exclude
    return table


def get_brand(session: Session, name: str) -> Brand:
    """The brand row of that name; AdminError 404 if none."""
    row = session.scalar(select(Brand).where(Brand.name == name))
    if row is None:
        raise AdminError(404, None, f"no brand {name!r}")
    return row


def create_brand(session: Session, data: dict[str, Any], *, now: datetime) -> Brand:
    """Add a brand; 409 if the name is taken (a disabled brand too: enable it instead)."""
    bc = validate_brand(data)
    if _taken(session, Brand, bc.name):
        raise AdminError(409, "name", f"a brand named {bc.name!r} exists (PATCH it, enabled: true)")
    row = Brand(name=bc.name, created_at=now)
    apply_brand(row, bc)
    session.add(row)
    return _saved(session, row, now=now)


def _merge(current: dict[str, Any], patch: dict[str, Any], *, name: str) -> dict[str, Any]:
    if "name" in patch and patch["name"] != name:
        raise AdminError(422, "name", "cannot be changed: add a new one and disable this one")
    merged = dict(current)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)  # null removes an optional key
        else:
            merged[key] = value
    return merged


def update_brand(session: Session, name: str, patch: dict[str, Any], *, now: datetime) -> Brand:
    """Change a brand's query, handles, exclude or enabled; the rest stays."""
    row = get_brand(session, name)
    enabled = patch.pop("enabled", None)
    if enabled is not None and not isinstance(enabled, bool):
        raise AdminError(422, "enabled", "must be true or false")
    bc = validate_brand(_merge(brand_table(row), patch, name=name))
    was_enabled = row.enabled
    apply_brand(row, bc)
    row.enabled = was_enabled if enabled is None else enabled
    return _saved(session, row, now=now)


def disable_brand(session: Session, name: str, *, now: datetime) -> Brand:
    """Stop matching a brand; its mentions and incidents stay (deleting the row would cascade)."""
    row = get_brand(session, name)
    row.enabled = False
    return _saved(session, row, now=now)


# -- sources --------------------------------------------------------------------------------------


def source_table(row: Source) -> dict[str, Any]:
    """A source row as its [[sources]] table: secrets as their `${VAR}` references, else masked."""
    table: dict[str, Any] = {"name": row.name, "kind": row.kind, **interval_keys(row), "enabled": row.enabled}
    if row.brand is not None:
        table["brand"] = row.brand
    return table | dict(row.config or {}) | dict(row.secret_refs or {})


def get_source(session: Session, name: str) -> Source:
    """The source row of that name; AdminError 404 if none."""
    row = session.scalar(select(Source).where(Source.name == name))
    if row is None:
        raise AdminError(404, None, f"no source {name!r}")
    return row


def create_source(session: Session, data: dict[str, Any], *, now: datetime) -> Source:
    """Add a source, due at once; 409 if the name is taken (a disabled source too)."""
    sc, refs = validate_source(session, data)
    if _taken(session, Source, sc.name):
        raise AdminError(409, "name", f"a source named {sc.name!r} exists (PATCH it, enabled: true)")
    row = new_source(sc.name, now=now)
    apply_source(row, sc, secret_refs=refs)
    session.add(row)
    return _saved(session, row, now=now)


def update_source(session: Session, name: str, patch: dict[str, Any], *, now: datetime) -> Source:
    """Change a source's keys (null removes an optional one); a new URL or query resets its cursor."""
    row = get_source(session, name)
    sc, refs = validate_source(session, _merge(source_table(row), patch, name=name))
    # a secret the file gave stays masked in the row and still comes from the file when polled
    apply_source(row, sc, secret_refs=refs)
    return _saved(session, row, now=now)


def disable_source(session: Session, name: str, *, now: datetime) -> Source:
    """Stop polling a source; its mentions, cursor and history stay (deleting would cascade)."""
    row = get_source(session, name)
    row.enabled = False
    return _saved(session, row, now=now)
