"""`monitor config export`: load → export → load gives the same brands and sources, no secret in clear."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime

from typer.testing import CliRunner

from monitor.admin import service
from monitor.admin.toml import toml_value
from monitor.cli import app
from monitor.cli_config import export_toml
from monitor.config import load_config, parse_config
from monitor.config_store import load_runtime_config
from monitor.sync import sync_config

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
FILE_TOKEN, API_TOKEN = "file-tok-Zq81-secret", "api-tok-Lm22-secret"
FILE = """
[[brands]]
name = "Acme"
query = 'acme OR "acme corp"'
handles = ["@acme", "@AcmeHelp"]
exclude = "hiring OR careers"

[[brands]]
name = "Beta \\"quoted\\" Ünï"
query = "beta"

[[sources]]
name = "deals forum"
kind = "rss"
url = "https://example.org/feed.xml?page=1&sort=new"
interval_seconds = 120
min_interval_seconds = 30

[[sources]]
name = "toots"
kind = "mastodon"
instance = "https://m.example"
query = "acme"
access_token = "${FILE_TOKEN}"
adaptive = false
brand = "Acme"
"""


def test_toml_values_read_back_as_written():
    for value in ['a "b" \\ c\n\t ü €', 3, 2.5, True, ["x", 1], {"a b": 1, "c": [True]}]:
        assert tomllib.loads(f"v = {toml_value(value)}")["v"] == value


def test_export_round_trips_and_writes_no_secret(tmp_path, monkeypatch, session_factory):
    monkeypatch.setenv("FILE_TOKEN", FILE_TOKEN)
    monkeypatch.setenv("API_TOKEN", API_TOKEN)
    path = tmp_path / "monitor.toml"
    path.write_text(FILE, encoding="utf-8")
    base = load_config(path)
    with session_factory() as s:
        sync_config(s, base, now=NOW)
        service.create_source(
            s,
            {
                "name": "api-toots",
                "kind": "mastodon",
                "instance": "https://n.example",
                "query": "beta",
                "access_token": "${API_TOKEN}",
            },
            now=NOW,
        )
        service.create_brand(s, {"name": "Gone", "query": "gone"}, now=NOW)
        service.disable_brand(s, "Gone", now=NOW)
        service.disable_source(s, "deals forum", now=NOW)
        s.commit()
        text = export_toml(s)
        state = load_runtime_config(s, base)
    assert FILE_TOKEN not in text and API_TOKEN not in text
    assert 'access_token = "${API_TOKEN}"' in text  # the API's reference, as given
    assert 'access_token = "${TOOTS_ACCESS_TOKEN}"' in text  # the file's secret: a placeholder to set
    assert '# name = "Gone"' in text  # a disabled brand: a comment
    monkeypatch.setenv("TOOTS_ACCESS_TOKEN", FILE_TOKEN)
    exported = tmp_path / "exported.toml"
    exported.write_text(text, encoding="utf-8")
    again = load_config(exported)
    assert again.brands == state.brands
    assert again.sources == state.sources
    # and once more through the database: a fixed point
    with session_factory() as s:
        assert export_toml(s) == text


def test_cli_writes_the_file(tmp_path, db_url, session_factory):
    config = tmp_path / "monitor.toml"
    config.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    with session_factory() as s:
        sync_config(s, parse_config({"brands": [{"name": "Acme", "query": "acme"}]}), now=NOW)
        s.commit()
    out = tmp_path / "out.toml"
    result = CliRunner().invoke(app, ["config", "export", "--config", str(config), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert [b.name for b in load_config(out).brands] == ["Acme"]
