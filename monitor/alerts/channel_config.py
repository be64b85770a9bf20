"""One alert channel as configured in TOML: where it goes, what it hears, when, and how often.

Lives beside the alert code rather than in monitor/config.py, which re-exports `ChannelConfig`:
routing, quiet hours, reminders and digests are all read by monitor/alerts/*. Every problem is a
`ValueError` naming the field; monitor/config.py turns it into a `ConfigError` with the key path.
A channel URL is a secret (a Slack hook URL or an Apprise URL carries the credential): no error
message ever repeats it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from monitor.scoring import CATEGORIES

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_HTTP = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _clock(value: str) -> str:
    if not isinstance(value, str) or not _HHMM.match(value):
        raise ValueError(f"{value!r} is not a time of day as HH:MM (24-hour, e.g. 07:00)")
    return value


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (an IANA name such as Europe/Berlin or UTC)") from None
    return value


def clock_time(value: str) -> time:
    """'07:30' as a `datetime.time` (the value was validated as HH:MM)."""
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


# wall-clock times and zones, validated where they are declared so errors name the exact key
Clock = Annotated[str, AfterValidator(_clock)]
Zone = Annotated[str, AfterValidator(_zone)]


class QuietHours(_Strict):
    start: Clock = Field(description="Local time quiet hours begin (HH:MM).")
    end: Clock = Field(description="Local time they end (HH:MM); before start means the next morning.")
    timezone: Zone = Field(default="UTC", description="IANA time zone of start and end.")

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError(f"start and end are both {self.start}: quiet hours would be empty or all day")
        return self


class DigestConfig(_Strict):
    at: Clock = Field(description="Local time the daily digest is sent (HH:MM).")
    timezone: Zone = Field(default="UTC", description="IANA time zone of `at` (and of the digest's date).")


@contextmanager
def _apprise_silenced() -> Iterator[None]:
    """Apprise logs a URL it cannot parse, credentials and all: nothing from it while we check one."""
    logger = logging.getLogger("apprise")
    previous = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = previous


def _check_apprise_url(url: str) -> None:
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if not scheme:
        raise ValueError("not an Apprise URL (expected scheme://..., e.g. mailto://, msteams://, json://)")
    # imported here, not at the top: loading Apprise costs ~0.2 s, and every CLI command and
    # process reads the configuration, most of them without an Apprise channel
    import apprise

    with _apprise_silenced():
        plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        # the scheme only: the rest of the URL holds the credentials
        raise ValueError(f"Apprise cannot use this {scheme}:// URL (unknown service or malformed URL)")


class ChannelConfig(_Strict):
    name: str = Field(min_length=1)
    kind: Literal["slack", "webhook", "apprise"]
    url: SecretStr = Field(description="Slack/webhook: an http(s) URL. Apprise: an Apprise URL.")
    secret: SecretStr | None = Field(default=None, description="HMAC-SHA256 signing secret (webhook).")
    brands: list[str] = Field(default_factory=list, description="Only these brands; empty means all.")
    buttons: bool | None = Field(
        default=None,
        description="Acknowledge / Assign to me / Resolve / Not an incident buttons on incident messages "
        "(slack only; default: on when the [slack] app is configured, whose webhook this must be).",
    )
    categories: list[str] = Field(
        default_factory=list, description="Only incidents of these categories; empty means all."
    )
    min_severity: int | None = Field(
        default=None,
        ge=1,
        le=4,
        description="Only incidents at least this severe (1 is the worst: 2 admits SEV1 and SEV2).",
    )
    repeat_after_minutes: int | None = Field(
        default=None,
        ge=1,
        description="Remind every this many minutes while an alerted incident stays open and "
        "unacknowledged (unset: no reminders).",
    )
    repeat_max: int = Field(default=3, ge=1, le=100, description="At most this many reminders per message.")
    quiet_hours: QuietHours | None = Field(
        default=None, description="Hold non-critical messages (not SEV1, not safety) until the end."
    )
    digest: DigestConfig | None = Field(default=None, description="A daily summary at this local time.")

    @model_validator(mode="after")
    def _repeat_needs_interval(self) -> ChannelConfig:
        if "repeat_max" in self.model_fields_set and self.repeat_after_minutes is None:
            raise ValueError(
                "repeat_max has no effect without repeat_after_minutes (minutes between reminders)"
            )
        return self

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, v: list[str]) -> list[str]:
        for name in v:
            if name not in CATEGORIES:
                raise ValueError(f"unknown category {name!r} (known: {', '.join(CATEGORIES)})")
        return v

    @field_validator("url")
    @classmethod
    def _url_for_kind(cls, v: SecretStr, info: ValidationInfo) -> SecretStr:
        kind = info.data.get("kind")
        if kind == "apprise":
            _check_apprise_url(v.get_secret_value())
        elif not _HTTP.match(v.get_secret_value()):
            # not repeated: the URL is the credential
            raise ValueError(f"invalid URL for a {kind} channel (must be http:// or https://)")
        return v
