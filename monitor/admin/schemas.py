"""Brands and sources as the admin API reads and writes them: the TOML tables, as JSON."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from monitor.secrets import mask_options


class BrandWrite(BaseModel):
    """A [[brands]] table (POST: name and query required; PATCH: only the keys to change)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"example": {"name": "Acme", "query": "acme"}})

    name: str | None = None
    query: str | None = None
    handles: list[str] | None = None
    exclude: str | None = None
    enabled: bool | None = Field(default=None, description="PATCH only: false stops matching it.")


class SourceWrite(BaseModel):
    """A [[sources]] table: name, kind, interval keys, brand, enabled and the connector's own keys.

    A secret option must be one whole `${VAR}` (an environment variable the API and the workers
    share); a secret in clear is refused with 422.
    """

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "example": {"name": "deals", "kind": "rss", "url": "https://example.org/feed.xml"}
        },
    )

    name: str | None = None
    kind: str | None = None


class BrandAdminRead(BaseModel):
    """A brand as configured, and whether it is matched."""

    name: str
    query: str
    handles: list[str]
    exclude: str | None
    enabled: bool


class SourceAdminRead(BaseModel):
    """A source as configured: its [[sources]] keys, secrets masked, references named."""

    name: str
    kind: str
    enabled: bool
    brand: str | None
    interval_seconds: int
    min_interval_seconds: int
    max_interval_seconds: int
    config: dict[str, Any] = Field(description='The connector\'s options, secrets masked as "•••• (set)".')
    secret_refs: dict[str, str | dict[str, str]] = Field(
        default_factory=dict,
        description="Options read from the environment: the variable's name, never its value.",
    )

    @classmethod
    def of(cls, row: Any) -> SourceAdminRead:
        """From a Source row (the options masked again: rows from older versions may not be)."""
        return cls(
            name=row.name,
            kind=row.kind,
            enabled=row.enabled,
            brand=row.brand,
            interval_seconds=row.interval_seconds,
            min_interval_seconds=row.min_interval_seconds,
            max_interval_seconds=row.max_interval_seconds,
            config=mask_options(row.kind, row.config or {}),
            secret_refs=dict(row.secret_refs or {}),
        )
