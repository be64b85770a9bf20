"""Channel options in TOML: each bad value is a config error naming its key, never echoing the URL."""

from __future__ import annotations

import pytest

from monitor.config import ConfigError, parse_config

SLACK = {"name": "care", "kind": "slack", "url": "https://hooks.slack.example/services/T0/B0/x"}


def _channel(**kw) -> dict:
    return {"brands": [{"name": "Acme", "query": "acme"}], "channels": [SLACK | kw]}


@pytest.mark.parametrize(
    ("options", "key", "problem"),
    [
        ({"categories": ["pricing", "safety"]}, "channels[0].categories", "unknown category 'pricing'"),
        ({"min_severity": 5}, "channels[0].min_severity", "less than or equal to 4"),
        ({"min_severity": 0}, "channels[0].min_severity", "greater than or equal to 1"),
        ({"repeat_after_minutes": 0}, "channels[0].repeat_after_minutes", "greater than or equal to 1"),
        ({"repeat_max": 0}, "channels[0].repeat_max", "greater than or equal to 1"),
        ({"repeat_max": 5}, "channels[0]", "repeat_max has no effect without repeat_after_minutes"),
        (
            {"quiet_hours": {"start": "22:00", "end": "7:00"}},
            "channels[0].quiet_hours.end",
            "'7:00' is not a time of day as HH:MM",
        ),
        (
            {"quiet_hours": {"start": "24:00", "end": "07:00"}},
            "channels[0].quiet_hours.start",
            "not a time of day",
        ),
        (
            {"quiet_hours": {"start": "22:00", "end": "07:00", "timezone": "Europe/Berlim"}},
            "channels[0].quiet_hours.timezone",
            "unknown time zone 'Europe/Berlim'",
        ),
        (
            {"quiet_hours": {"start": "22:00", "end": "22:00"}},
            "channels[0].quiet_hours",
            "start and end are both 22:00",
        ),
        ({"quiet_hours": {"start": "22:00"}}, "channels[0].quiet_hours.end", "required key is missing"),
        ({"digest": {"at": "9am"}}, "channels[0].digest.at", "not a time of day"),
        (
            {"digest": {"at": "09:00", "timezone": "Berlin"}},
            "channels[0].digest.timezone",
            "unknown time zone",
        ),
        ({"digest": {"at": "09:00", "every": 2}}, "channels[0].digest.every", "unknown key"),
    ],
)
def test_bad_channel_options_name_the_key(options, key, problem) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config(_channel(**options))
    assert exc.value.key == key
    assert problem in exc.value.problem


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("msteams://SECRETTOKEN/x", "Apprise cannot use this msteams:// URL"),
        ("nosuch://SECRETTOKEN@host", "Apprise cannot use this nosuch:// URL"),
        ("SECRETTOKEN", "not an Apprise URL"),
    ],
)
def test_a_bad_apprise_url_is_named_but_never_repeated(url, problem, caplog) -> None:
    caplog.set_level("DEBUG")
    with pytest.raises(ConfigError) as exc:
        parse_config(_channel(kind="apprise", url=url))
    assert exc.value.key == "channels[0].url" and problem in exc.value.problem
    assert "SECRETTOKEN" not in str(exc.value)
    # Apprise itself logs an unparseable URL whole; it must not while we check one
    assert not [r for r in caplog.records if "SECRETTOKEN" in r.getMessage()]


def test_a_slack_channel_still_needs_an_http_url() -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config(_channel(url="mailto://SECRET@example.com"))
    assert exc.value.key == "channels[0].url" and "must be http:// or https://" in exc.value.problem
    assert "SECRET" not in str(exc.value)


def test_every_option_is_read() -> None:
    cfg = parse_config(
        _channel(
            categories=["pricing_error", "safety"],
            min_severity=2,
            repeat_after_minutes=30,
            repeat_max=4,
            quiet_hours={"start": "22:00", "end": "07:00", "timezone": "Europe/Berlin"},
            digest={"at": "09:00", "timezone": "America/New_York"},
        )
        | {
            "channels": [
                {
                    "name": "mail",
                    "kind": "apprise",
                    "url": "mailto://127.0.0.1:2525?from=monitor@b.example&to=care@b.example",
                }
            ]
        }
    )
    [mail] = cfg.channels
    assert mail.kind == "apprise" and mail.min_severity is None and mail.repeat_after_minutes is None
    cfg = parse_config(
        _channel(
            categories=["pricing_error"],
            min_severity=2,
            repeat_after_minutes=30,
            repeat_max=4,
            quiet_hours={"start": "22:00", "end": "07:00", "timezone": "Europe/Berlin"},
            digest={"at": "09:00", "timezone": "America/New_York"},
        )
    )
    [ch] = cfg.channels
    assert ch.categories == ["pricing_error"] and ch.min_severity == 2
    assert (ch.repeat_after_minutes, ch.repeat_max) == (30, 4)
    assert ch.quiet_hours is not None and ch.quiet_hours.timezone == "Europe/Berlin"
    assert ch.digest is not None and ch.digest.at == "09:00"
