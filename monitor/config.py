"""The TOML configuration a team commits: brands, sources, channels, alert policy.

Every problem is reported as one `ConfigError` naming the file, the key and the
reason, so `monitor` can exit 2 with a message a person can act on.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from monitor import logs
from monitor.alerts.channel_config import ChannelConfig
from monitor.scoring import CATEGORIES
from monitor.secrets import config_secrets

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SOURCE_KEYS = {
    "name",
    "kind",
    "interval_seconds",
    "min_interval_seconds",
    "max_interval_seconds",
    "adaptive",
    "enabled",
    "brand",
}


class ConfigError(Exception):
    """A configuration problem: which file, which key, what is wrong."""

    def __init__(self, path: Path | str | None, key: str, problem: str) -> None:
        self.path, self.key, self.problem = path, key, problem
        where = f"config error in {path}" if path else "config error"
        super().__init__(f"{where}: {key}: {problem}" if key else f"{where}: {problem}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _http_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/$.?#][^\s]*$", value, re.IGNORECASE):
        raise ValueError(f"invalid URL {value!r} (must be http:// or https://)")
    return value


class ApiConfig(_Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_url: str | None = Field(default=None, description="Base URL for links in alerts.")
    api_keys: list[SecretStr] = Field(default_factory=list, description="Bearer keys; kept only as hashes.")
    api_key_hashes: list[str] = Field(
        default_factory=list, description="sha256:<hex> of keys, for committed files."
    )
    admins: list[str] = Field(
        default_factory=list,
        description="Who may change brands and sources (API, dashboard): [[users]] names and API keys "
        "as key:<first 8 hex digits of the key's sha256> (an open API lets anyone on loopback).",
    )

    @field_validator("api_key_hashes")
    @classmethod
    def _hash_form(cls, values: list[str]) -> list[str]:
        for v in values:
            if not re.fullmatch(r"sha256:[0-9a-f]{64}", v):
                raise ValueError(f"{v!r} is not of the form sha256:<64 hex digits>")
        return values


class DatabaseConfig(_Strict):
    url: str = "sqlite:///monitor.db"
    heavy_query_timeout: float = Field(
        default=5.0,
        gt=0,
        le=600,
        description="Seconds a search, trends or CSV-export query may run on PostgreSQL before it is "
        "cancelled and answered 503 (SQLite has no statement timeout).",
    )
    heavy_pool_size: int = Field(
        default=3, ge=1, le=50, description="Connections per API process for those slow reads."
    )


class WorkerConfig(_Strict):
    # An HTTP poll mostly waits on the network: 64 in flight cost little; per_host keeps each site polite.
    concurrency: int = Field(default=64, ge=1, le=256, description="Sources polled at once per worker.")
    per_host: int = Field(default=2, ge=1, le=64, description="Requests at once to one host.")
    tick_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="The longest an idle worker waits before looking for due sources again (it wakes "
        "earlier for the next due one, and a finished poll's slot is refilled at once).",
    )
    refill: bool = Field(
        default=True,
        description="Claim a new source as soon as a poll finishes; false: claim only on each tick "
        "(the old behaviour, kept for comparison in tests/benchmarks/bench_poll.py).",
    )
    prefetch: int = Field(
        default=16,
        ge=0,
        le=256,
        description="Claimed sources kept ready beyond the free slots, so a freed slot starts its next "
        "poll without a database round trip; their leases are renewed like running polls'.",
    )
    db_threads: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="Threads for storing, scoring and grouping (default: min(10, concurrency)); claims "
        "and lease renewals have two of their own.",
    )
    lease_seconds: int = Field(
        default=30,
        ge=5,
        description="A claim lasts this long; a running poll renews it every third of it, so a crashed "
        "worker's sources are free again within this.",
    )
    worker_id: str | None = Field(
        default=None,
        max_length=60,
        description="This worker's stable name (default: host name + config path); a restarted worker "
        "takes back its own leases at once.",
    )
    max_items_per_poll: int = Field(
        default=1000,
        ge=1,
        description="New items one poll scores and stores from one source; the rest come on the next "
        "poll, right after.",
    )
    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=15.0, gt=0)
    max_redirects: int = Field(default=5, ge=0, le=20)
    max_backoff_seconds: int = Field(
        default=3600, ge=1, description="Failing sources keep retrying at this cap."
    )
    user_agent: str = "brand-monitor/0.1 (+https://github.com/brand-monitor/brand-monitor; self-hosted)"


class BrandConfig(_Strict):
    name: str = Field(min_length=1)
    query: str = Field(min_length=1)
    handles: list[str] = Field(default_factory=list)
    exclude: str | None = None


# Adaptive polling bounds as factors of interval_seconds, when the TOML gives no min/max: a busy
# source is polled up to 2x as often, a quiet one down to 4x as rarely (a 300 s default drifts to
# 20 min when nothing happens and back to 150 s at the first new item; miniflux's entry-frequency
# scheduler spans 5 min to 24 h the same way). Quota-billed APIs (X, YouTube, Stack Exchange
# without a key) never go faster than the interval chosen: each call spends the day's quota.
_ADAPTIVE_FACTORS = (0.5, 4.0)
_QUOTA_KINDS = {"x", "youtube", "stackexchange"}
_ADAPTIVE_MAX_CAP = 24 * 3600  # a derived max never passes a day (an explicit one may)


class SourceConfig(_Strict):
    name: str = Field(min_length=1)
    kind: str
    interval_seconds: int = Field(default=300, ge=1)
    min_interval_seconds: int | None = Field(default=None, ge=1)
    max_interval_seconds: int | None = Field(default=None, ge=1)
    adaptive: bool = Field(
        default=True,
        description="Busy sources polled faster, quiet ones slower, within min/max; false: fixed interval.",
    )
    enabled: bool = True
    brand: str | None = Field(
        default=None, description="Attribute every item to this brand without matching."
    )
    options: dict[str, Any] = Field(default_factory=dict, description="The connector's own validated config.")

    @model_validator(mode="after")
    def _interval_bounds(self) -> SourceConfig:
        if not self.adaptive and (self.min_interval_seconds or self.max_interval_seconds):
            raise ValueError("adaptive = false keeps interval_seconds fixed: drop min/max_interval_seconds")
        lo, hi = self.interval_bounds()
        if not lo <= self.interval_seconds <= hi:
            raise ValueError(
                f"interval_seconds ({self.interval_seconds}) must lie between min_interval_seconds ({lo}) "
                f"and max_interval_seconds ({hi})"
            )
        return self

    def interval_bounds(self) -> tuple[int, int]:
        """(min, max) seconds between polls: as given, else derived from interval_seconds per kind."""
        interval = self.interval_seconds
        if not self.adaptive:
            return interval, interval
        lo_factor, hi_factor = _ADAPTIVE_FACTORS
        lo = interval if self.kind in _QUOTA_KINDS else max(1, int(interval * lo_factor))
        hi = max(interval, min(int(interval * hi_factor), _ADAPTIVE_MAX_CAP))
        return self.min_interval_seconds or lo, self.max_interval_seconds or hi


class SlackAppConfig(_Strict):
    """A Slack app of the team's own: its buttons on incident messages act on the incident."""

    signing_secret: SecretStr = Field(
        description="The app's Signing Secret (Basic Information → App Credentials): every request to "
        "/slack/actions must carry Slack's v0 signature made with it.",
    )
    bot_token: SecretStr | None = Field(
        default=None,
        description="The app's Bot User OAuth Token (xoxb-…, scope chat:write): edits the message with "
        "chat.update when Slack's response_url no longer answers (it expires after 30 minutes).",
    )
    api_url: str = Field(
        default="https://slack.com/api", description="Slack's Web API base URL (tests point it elsewhere)."
    )

    @field_validator("signing_secret")
    @classmethod
    def _secret_set(cls, v: SecretStr) -> SecretStr:
        if len(v.get_secret_value().strip()) < 16:
            raise ValueError("too short to be a Slack signing secret (it has 32 hex digits)")
        return v

    @field_validator("bot_token")
    @classmethod
    def _bot_token(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and not v.get_secret_value().startswith("xoxb-"):
            raise ValueError("not a bot token (it starts with xoxb-)")
        return v

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, v: str) -> str:
        return _http_url(v).rstrip("/")


class CategoryPolicy(_Strict):
    enabled: bool | None = None
    immediate: bool | None = Field(default=None, description="Alert on the first mention.")
    direct_immediate: bool | None = Field(default=None, description="Alert on the first direct mention.")
    min_mentions: int | None = Field(default=None, ge=1, description="Alert once the incident has this many.")
    min_urgency: float | None = Field(default=None, ge=0, le=1)
    confident_immediate: float | None = Field(
        default=None,
        gt=0,
        le=1,
        description="Alert on the first mention, direct or not, when the detector's incident probability "
        "times its category probability reaches this (pricing_error: 0.75).",
    )
    slow_burn_min_mentions: int | None = Field(
        default=None,
        ge=2,
        description="Alert once this many reports of the category reach the brand within slow_burn_days.",
    )


class AlertPolicyConfig(_Strict):
    window_minutes: int = Field(default=120, ge=1, description="Mentions this close join one open incident.")
    resolve_after_minutes: int = Field(default=240, ge=1, description="Quiet time before auto-resolve.")
    max_messages_per_incident: int = Field(default=3, ge=1, le=20)
    resolved_notices: bool = True
    source_health_notices: bool = True
    delivery_give_up_seconds: int = Field(
        default=900, ge=1, description="Stop retrying a delivery after this."
    )
    direct_reach_threshold: int | None = Field(
        default=10_000,
        ge=1,
        description="A problem told to the brand by an author with at least this reach alerts alone "
        "(a very large value turns it off).",
    )
    slow_burn_days: int = Field(
        default=7, ge=1, le=60, description="The span over which slow_burn_min_mentions are counted."
    )
    slow_burn_min_mentions: int = Field(
        default=6,
        ge=2,
        description="Reports of one category within slow_burn_days that alert even when spread out.",
    )
    # volume spikes (monitor/incidents/spike.py; docs/alert-policy.md "Volume spikes")
    spikes: bool = Field(
        default=True, description="Open a volume_spike incident when a brand's last hour is far above usual."
    )
    spike_min_mentions: int = Field(
        default=12, ge=2, description="Mentions of the brand in the last hour needed for a spike."
    )
    spike_ratio: float = Field(
        default=4.0,
        ge=1.5,
        description="A spike needs this many times the larger of the brand's mean hour over the previous "
        "12 hours and its mean for the same hour on the previous 7 days.",
    )
    categories: dict[str, CategoryPolicy] = Field(default_factory=dict)
    brands: dict[str, dict[str, CategoryPolicy]] = Field(default_factory=dict)

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, v: dict[str, CategoryPolicy]) -> dict[str, CategoryPolicy]:
        for name in v:
            if name not in CATEGORIES:
                raise ValueError(f"unknown category {name!r} (known: {', '.join(CATEGORIES)})")
        return v


class UserConfig(_Strict):
    name: str = Field(min_length=1, description="Shown as who acknowledged, assigned or resolved.")
    password_hash: SecretStr = Field(description="From `monitor hash-password`; never the password itself.")

    @field_validator("password_hash")
    @classmethod
    def _hash_form(cls, v: SecretStr) -> SecretStr:
        if not re.fullmatch(r"pbkdf2_sha256\$\d+\$[^$]+\$[^$]+", v.get_secret_value()):
            raise ValueError("not a password hash (expected pbkdf2_sha256$<iterations>$<salt>$<hash>)")
        return v


class DetectorConfig(_Strict):
    incident_threshold: float | None = Field(
        default=None,
        gt=0,
        lt=1,
        description="Flag a mention when its incident probability reaches this (default: the model's "
        "0.5; detector.json records its best-F1 threshold and an 'incident_quiet' one, false alarms ≤ 5%).",
    )
    model: str | None = Field(
        default=None,
        description="Where `monitor train --config` writes this deployment's model (the team's labels "
        "folded in), and where the scorer reads it; relative to this file. Default: the shipped model.",
    )
    team_weight: float = Field(
        default=5.0, gt=0, le=100, description="One team label counts as this many rows."
    )


class RetentionConfig(_Strict):
    """How long data is kept (monitor/retention.py); the worker applies it in small batches."""

    mentions_days: int | None = Field(
        default=None, ge=1, description="Delete mentions older than this (off: keep every mention)."
    )
    raw_days: int | None = Field(
        default=30, ge=1, description="Empty the fetched payload (`raw`) of mentions stored longer ago."
    )
    every_minutes: float = Field(default=60, gt=0, description="How often the worker prunes.")
    batch_size: int = Field(default=1000, ge=1, le=100_000, description="Rows per short transaction.")
    max_batches: int = Field(default=50, ge=1, description="Batches per run; the rest waits for the next.")

    @property
    def enabled(self) -> bool:
        return self.mentions_days is not None or self.raw_days is not None


class AppConfig(_Strict):
    api: ApiConfig = ApiConfig()
    detector: DetectorConfig = DetectorConfig()
    database: DatabaseConfig = DatabaseConfig()
    worker: WorkerConfig = WorkerConfig()
    alerts: AlertPolicyConfig = AlertPolicyConfig()
    retention: RetentionConfig = RetentionConfig()
    slack: SlackAppConfig | None = Field(default=None, description="Act on incidents from Slack.")
    brands: list[BrandConfig] = Field(default_factory=list)
    sources: list[SourceConfig] = Field(default_factory=list)
    channels: list[ChannelConfig] = Field(default_factory=list)
    users: list[UserConfig] = Field(default_factory=list, description="Dashboard sign-in.")
    path: str | None = Field(default=None, description="Where this was loaded from.")


def _expand_env(node: Any, key: str, path: Path | str | None) -> Any:
    """Replace ${VAR} in strings so secrets can stay out of the committed file."""
    if isinstance(node, dict):
        return {k: _expand_env(v, f"{key}.{k}" if key else k, path) for k, v in node.items()}
    if isinstance(node, list):
        return [_expand_env(v, f"{key}[{i}]", path) for i, v in enumerate(node)]
    if isinstance(node, str):

        def sub(m: re.Match[str]) -> str:
            if m.group(1) not in os.environ:
                raise ConfigError(path, key, f"environment variable {m.group(1)} is not set")
            return os.environ[m.group(1)]

        return _ENV_REF.sub(sub, node)
    return node


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _first_error(exc: ValidationError, prefix: str, path: Path | str | None) -> ConfigError:
    err = exc.errors()[0]
    loc = _loc(tuple(err["loc"]))
    key = f"{prefix}.{loc}" if prefix and loc else (prefix or loc)
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "missing":
        msg = "required key is missing"
    elif err["type"] == "extra_forbidden":
        msg = "unknown key"
    return ConfigError(path, key, msg)


def _split_sources(raw: dict[str, Any], path: Path | str | None) -> None:
    """Move each source's connector-specific keys under `options` and validate them."""
    from connectors.registry import CONNECTORS, validate_config

    sources = raw.get("sources", [])
    if not isinstance(sources, list):
        raise ConfigError(path, "sources", "must be an array of tables ([[sources]])")
    for i, src in enumerate(sources):
        if not isinstance(src, dict):
            raise ConfigError(path, f"sources[{i}]", "must be a table")
        for required in ("name", "kind"):
            if required not in src:
                raise ConfigError(path, f"sources[{i}].{required}", "required key is missing")
        kind = src["kind"]
        if kind not in CONNECTORS:
            known = ", ".join(sorted(CONNECTORS))
            raise ConfigError(path, f"sources[{i}].kind", f"unknown kind {kind!r} (known: {known})")
        options = {k: v for k, v in src.items() if k not in _SOURCE_KEYS}
        if (
            isinstance(options.get("path"), str)
            and path is not None
            and not Path(options["path"]).is_absolute()
        ):
            # a file named by a source (the demo recording) is found beside the config file
            options["path"] = str(Path(path).resolve().parent / options["path"])
        try:
            validate_config(kind, options)
        except ValidationError as exc:
            raise _first_error(exc, f"sources[{i}]", path) from None
        sources[i] = {k: v for k, v in src.items() if k in _SOURCE_KEYS} | {"options": options}


def _check_references(cfg: AppConfig, path: Path | str | None) -> None:
    brand_names = [b.name for b in cfg.brands]
    for kind, names in (("brands", brand_names), ("sources", [s.name for s in cfg.sources])):
        seen: set[str] = set()
        for i, name in enumerate(names):
            if name in seen:
                raise ConfigError(path, f"{kind}[{i}].name", f"duplicate name {name!r}")
            seen.add(name)
    for i, ch in enumerate(cfg.channels):
        for brand in ch.brands:
            if brand not in brand_names:
                raise ConfigError(path, f"channels[{i}].brands", f"unknown brand {brand!r}")
    for i, src in enumerate(cfg.sources):
        if src.brand is not None and src.brand not in brand_names:
            raise ConfigError(path, f"sources[{i}].brand", f"unknown brand {src.brand!r}")
    for brand, cats in cfg.alerts.brands.items():
        if brand not in brand_names:
            raise ConfigError(path, f"alerts.brands.{brand}", f"unknown brand {brand!r}")
        for cat in cats:
            if cat not in CATEGORIES:
                raise ConfigError(path, f"alerts.brands.{brand}.{cat}", f"unknown category {cat!r}")
    from monitor.matching import BrandMatcher, BrandRule, QueryError

    for i, b in enumerate(cfg.brands):
        try:
            BrandMatcher([BrandRule(b.name, b.query, tuple(b.handles), b.exclude)])
        except QueryError as exc:
            field = "exclude" if b.exclude and exc.query == b.exclude else "query"
            raise ConfigError(path, f"brands[{i}].{field}", str(exc)) from None


def _slack_buttons(cfg: AppConfig, path: Path | str | None) -> AppConfig:
    """Settle each channel's `buttons`: on for Slack channels when the app is configured, unless off."""
    channels = []
    for i, ch in enumerate(cfg.channels):
        key = f"channels[{i}].buttons"
        if ch.buttons and ch.kind != "slack":
            raise ConfigError(path, key, f"only Slack channels have buttons, not {ch.kind}")
        if ch.buttons and cfg.slack is None:
            raise ConfigError(path, key, "buttons need the [slack] app (signing_secret) to receive clicks")
        on = ch.kind == "slack" and cfg.slack is not None and ch.buttons is not False
        channels.append(ch.model_copy(update={"buttons": on}))
    return cfg.model_copy(update={"channels": channels})


def parse_config(raw: dict[str, Any], path: Path | str | None = None) -> AppConfig:
    """Validate an already-parsed TOML document."""
    raw = _expand_env(raw, "", path)
    _split_sources(raw, path)
    try:
        cfg = AppConfig.model_validate(raw | {"path": str(path) if path else None})
    except ValidationError as exc:
        raise _first_error(exc, "", path) from None
    _check_references(cfg, path)
    cfg = _slack_buttons(cfg, path)
    # from now on no log line shows these values, whichever library logs them
    logs.hide(config_secrets(cfg))
    return cfg


def detector_model(cfg: AppConfig) -> Path | None:
    """The deployment's model file ([detector] model, relative to the config file), or None."""
    if not cfg.detector.model:
        return None
    model = Path(cfg.detector.model).expanduser()
    if not model.is_absolute() and cfg.path:
        model = Path(cfg.path).resolve().parent / model
    return model


def load_config(path: Path | str | None) -> AppConfig:
    """Read and validate the TOML file; an absent path gives the defaults."""
    if path is None:
        return parse_config({})
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(p, "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(p, "", f"cannot read file: {exc}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(p, "", f"malformed TOML: {exc}") from None
    return parse_config(raw, p)
