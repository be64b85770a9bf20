"""A bad configuration stops start-up with one line naming the file, the key and the problem."""

from __future__ import annotations

import pytest

from tests.support.proc import run_monitor

GOOD_SOURCE = '[[sources]]\nname = "f"\nkind = "rss"\nurl = "https://example.org/feed.xml"\n'
BRAND = '[[brands]]\nname = "Acme"\nquery = "acme"\n'

CASES = [
    ("malformed TOML", "[api\nport = 1", "", "malformed TOML"),
    (
        "unknown kind",
        BRAND + '[[sources]]\nname = "f"\nkind = "myspace"\nurl = "https://x.org"\n',
        "sources[0].kind",
        "unknown kind 'myspace'",
    ),
    (
        "missing key",
        BRAND + '[[sources]]\nname = "f"\nkind = "rss"\n',
        "sources[0].url",
        "required key is missing",
    ),
    (
        "bad URL",
        BRAND + '[[sources]]\nname = "f"\nkind = "rss"\nurl = "not a url"\n',
        "sources[0].url",
        "url",
    ),
    (
        "bad channel URL",
        BRAND + GOOD_SOURCE + '[[channels]]\nname = "s"\nkind = "slack"\nurl = "ftp://x"\n',
        "channels[0].url",
        "invalid URL",
    ),
    (
        "unknown channel kind",
        BRAND + '[[channels]]\nname = "s"\nkind = "pager"\nurl = "https://x.org"\n',
        "channels[0].kind",
        "slack",
    ),
    ("brand missing query", '[[brands]]\nname = "Acme"\n', "brands[0].query", "required key is missing"),
    (
        "malformed query",
        '[[brands]]\nname = "Acme"\nquery = "acme AND (price"\n',
        "brands[0].query",
        "position",
    ),
    ("unknown top-level key", BRAND + "[apii]\nport = 1\n", "apii", "unknown key"),
    ("port out of range", "[api]\nport = 70000\n", "api.port", "65535"),
]


@pytest.mark.parametrize(("case", "toml", "key", "problem"), CASES, ids=[c[0] for c in CASES])
def test_bad_config_exits_2_naming_file_key_problem(tmp_path, case, toml, key, problem):
    path = tmp_path / "bad.toml"
    path.write_text(toml)
    res = run_monitor("db", "upgrade", "--config", str(path), db_url=f"sqlite:///{tmp_path}/x.db", timeout=30)
    assert res.returncode == 2, (res.stdout, res.stderr)
    message = res.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert str(path) in message
    assert key in message
    assert problem.lower() in message.lower()


def test_missing_file(tmp_path):
    res = run_monitor("run", "--config", str(tmp_path / "nope.toml"), db_url=f"sqlite:///{tmp_path}/x.db")
    assert res.returncode == 2
    assert "nope.toml" in res.stderr and "file not found" in res.stderr


def test_api_refuses_to_listen_beyond_loopback_without_keys(tmp_path):
    path = tmp_path / "open.toml"
    path.write_text('[api]\nhost = "0.0.0.0"\n')
    res = run_monitor("api", "--config", str(path), db_url=f"sqlite:///{tmp_path}/x.db", timeout=30)
    assert res.returncode == 2
    assert "refusing to listen on 0.0.0.0 without API keys" in res.stderr
