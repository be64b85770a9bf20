"""The Admin page's forms: the API's rules and messages, CSRF, admins only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from monitor.brands.models import Brand
from monitor.config import AppConfig, ConfigError, parse_config
from monitor.sources.models import Source
from tests.web.conftest import ALICE_HASH, csrf_of, sign_in, web_config


@pytest.fixture
def config(make_config: Callable[..., AppConfig]) -> AppConfig:
    users = [{"name": "alice", "password_hash": ALICE_HASH}, {"name": "bob", "password_hash": ALICE_HASH}]
    return web_config(
        make_config, users=users, api={"api_keys": ["web-test-key-0123456789"], "admins": ["alice"]}
    )


def _post(client: TestClient, path: str, **data: str):
    token = csrf_of(client.get("/admin").text)
    return client.post(path, data={"csrf": token, **data}, follow_redirects=False)


def test_add_edit_disable_a_brand(client, seeder, session_factory) -> None:
    page = client.get("/admin")
    assert page.status_code == 200 and 'data-brand="Acme"' in page.text and "Add a brand" in page.text
    resp = _post(client, "/admin/brands", name="Initech", query="initech AND (", handles="", exclude="")
    with pytest.raises(ConfigError) as toml:
        parse_config({"brands": [{"name": "Initech", "query": "initech AND ("}]})
    assert resp.status_code == 422
    assert f"<strong>query</strong>: {toml.value.problem}" in resp.text.replace("&#39;", "'")
    assert 'value="Initech"' in resp.text  # what was typed stays in the form
    resp = _post(client, "/admin/brands", name="Initech", query="initech", handles="@initech, @InitechHelp")
    assert resp.status_code == 303 and resp.headers["location"] == "/admin?done=saved"
    assert _post(client, "/admin/brands", name="Initech", query="x").status_code == 409
    _post(client, "/admin/brands", name="Initech", query="initech", exclude="hiring", edit="true")
    _post(client, "/admin/brands/enabled", name="Acme", enabled="false")
    with session_factory() as s:
        rows = {b.name: (b.handles, b.exclude, b.enabled) for b in s.scalars(select(Brand))}
    assert rows["Initech"] == ([], "hiring", True)
    assert rows["Acme"][2] is False


def test_add_and_edit_a_source_as_toml_lines(client, seeder, session_factory, monkeypatch) -> None:
    settings = 'instance = "https://m.example"\nquery = "acme"\naccess_token = "tok-in-clear-123456"'
    resp = _post(client, "/admin/sources", name="toots", kind="mastodon", settings=settings)
    assert resp.status_code == 422 and "<strong>access_token</strong>: holds a secret" in resp.text
    assert "tok-in-clear-123456" not in resp.text  # the form comes back with the secret blanked out
    resp = _post(client, "/admin/sources", name="bad", kind="rss", settings="url = ")
    assert resp.status_code == 422 and "<strong>settings</strong>: malformed TOML" in resp.text
    monkeypatch.setenv("TOOT_TOKEN", "tok-from-env-123456")
    settings = settings.replace('"tok-in-clear-123456"', '"${TOOT_TOKEN}"')
    assert (
        _post(client, "/admin/sources", name="toots", kind="mastodon", settings=settings).status_code == 303
    )
    page = client.get("/admin").text
    assert "${TOOT_TOKEN}" in page and "tok-from-env-123456" not in page
    # the edit form holds the whole table: a key left out is removed
    edit = 'kind = "rss"\nurl = "https://forum.example/new.xml"\ninterval_seconds = 60\nadaptive = false'
    assert _post(client, "/admin/sources", name="forum", settings=edit, edit="true").status_code == 303
    _post(client, "/admin/sources/enabled", name="news", enabled="false")
    with session_factory() as s:
        rows = {r.name: r for r in s.scalars(select(Source))}
        assert rows["forum"].config == {"url": "https://forum.example/new.xml"}
        assert rows["forum"].min_interval_seconds == rows["forum"].max_interval_seconds == 60
        assert rows["news"].enabled is False
        assert rows["toots"].secret_refs == {"access_token": "${TOOT_TOKEN}"}


def test_only_admins_change_and_only_with_the_token(app_client, seeder) -> None:
    assert sign_in(app_client, "bob").status_code == 303
    page = app_client.get("/admin")
    assert page.status_code == 200 and 'data-brand="Acme"' in page.text and "Add a brand" not in page.text
    assert _post(app_client, "/admin/brands", name="X", query="x").status_code == 403
    app_client.cookies.clear()
    assert sign_in(app_client, "alice").status_code == 303
    resp = app_client.post("/admin/brands", data={"csrf": "forged", "name": "X", "query": "x"})
    assert resp.status_code == 403
