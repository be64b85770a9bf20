"""Process settings from the environment (`MONITOR_*`), loaded once."""

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Environment-level settings; the TOML file holds what a team commits."""

    model_config = SettingsConfigDict(env_prefix="MONITOR_", extra="ignore")

    config: Path | None = Field(default=None, description="Path of the TOML configuration file.")
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "MONITOR_DATABASE_URL"),
        description="SQLAlchemy URL; overrides [database] url in the TOML file.",
    )
    api_keys: str | None = Field(
        default=None, description="Comma-separated bearer API keys, added to those in the TOML file."
    )
    public_url: str | None = Field(default=None, description="Base URL used in alert links.")
    allowed_hosts: str | None = Field(
        default=None,
        description="Comma-separated extra Host names the API answers to when bound to loopback "
        "(besides localhost, 127.0.0.1, [::1] and the public URL's host), e.g. behind a local proxy.",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process settings, read once."""
    return Settings()
