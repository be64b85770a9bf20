"""POST/PATCH/DELETE /api/brands and /api/sources: the TOML's rules, 409 on names, secrets as ${VAR}."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from monitor.admin.models import current_revision
from monitor.auth import hash_key, key_label
from monitor.brands.models import Brand
from monitor.config import ConfigError, parse_config
from monitor.config_store import runtime_options
from monitor.mentions.models import Mention
from monitor.sources.models import Source

ADMIN_KEY, VIEWER_KEY = "admin-key-0123456789", "viewer-key-0123456789"
TOKEN = "tok-Zq81-secret-value"


def _field_error(resp, field):
    assert resp.status_code == 422, resp.text
    (err,) = resp.json()["detail"]
    assert err["loc"] == (["body", field] if field else ["body"])
    return err["msg"]


def _toml_error(doc, key):
    with pytest.raises(ConfigError) as exc:
        parse_config(doc)
    assert exc.value.key == key
    return exc.value.problem


def test_brand_lifecycle_and_revision(client, session_factory):
    resp = client.post(
        "/api/brands", json={"name": "Acme", "query": 'acme OR "acme corp"', "handles": ["@acme"]}
    )
    assert resp.status_code == 201, resp.text
    assert resp.json() == {
        "name": "Acme",
        "query": 'acme OR "acme corp"',
        "handles": ["@acme"],
        "exclude": None,
        "enabled": True,
    }
    with session_factory() as s:
        first = current_revision(s)
    assert client.post("/api/brands", json={"name": "Acme", "query": "x"}).status_code == 409
    resp = client.patch("/api/brands/Acme", json={"exclude": "hiring"})
    assert resp.json()["exclude"] == "hiring" and resp.json()["query"] == 'acme OR "acme corp"'
    resp = client.patch("/api/brands/Acme", json={"exclude": None})
    assert resp.json()["exclude"] is None
    assert client.delete("/api/brands/Acme").json()["enabled"] is False
    listed = client.get("/api/brands").json()["items"]
    assert [(b["name"], b["enabled"]) for b in listed] == [("Acme", False)]
    assert client.patch("/api/brands/Acme", json={"enabled": True}).json()["enabled"] is True
    assert client.patch("/api/brands/Nope", json={"query": "x"}).status_code == 404
    with session_factory() as s:
        assert current_revision(s) == first + 4


def test_brand_errors_are_the_tomls(client):
    bad = {"name": "Acme", "query": "acme AND (", "handles": []}
    assert _field_error(client.post("/api/brands", json=bad), "query") == _toml_error(
        {"brands": [bad]}, "brands[0].query"
    )
    assert (
        _field_error(client.post("/api/brands", json={"name": "Acme"}), "query") == "required key is missing"
    )
    assert _field_error(
        client.post("/api/brands", json={"name": "A", "query": "a", "colour": 1}), "colour"
    ) == ("unknown key")
    client.post("/api/brands", json={"name": "Acme", "query": "acme"})
    msg = _field_error(client.patch("/api/brands/Acme", json={"name": "Other"}), "name")
    assert "cannot be changed" in msg


def test_source_lifecycle_keeps_mentions(client, seed, session_factory):
    client.post("/api/brands", json={"name": "Acme", "query": "acme"})
    body = {"name": "deals", "kind": "rss", "url": "https://example.org/feed.xml", "interval_seconds": 120}
    resp = client.post("/api/sources", json=body)
    assert resp.status_code == 201, resp.text
    assert resp.json()["config"] == {"url": "https://example.org/feed.xml"}
    assert (resp.json()["min_interval_seconds"], resp.json()["max_interval_seconds"]) == (60, 480)
    assert client.post("/api/sources", json=body).status_code == 409
    with session_factory() as s:
        src = s.scalar(select(Source).where(Source.name == "deals"))
        brand = s.scalar(select(Brand).where(Brand.name == "Acme"))
        src.cursor = "c-1"
        seed.session = s
        seed.mention(brand, src)
        s.commit()
    # a new URL starts from scratch; the brand attribution is checked against the database's brands
    resp = client.patch("/api/sources/deals", json={"url": "https://example.org/other.xml", "brand": "Acme"})
    assert resp.status_code == 200, resp.text
    assert _field_error(client.patch("/api/sources/deals", json={"brand": "Nobody"}), "brand") == (
        "unknown brand 'Nobody'"
    )
    assert client.delete("/api/sources/deals").json()["enabled"] is False
    with session_factory() as s:
        src = s.scalar(select(Source).where(Source.name == "deals"))
        assert (src.enabled, src.cursor, src.brand) == (False, None, "Acme")
        assert s.query(Mention).count() == 1
    row = next(x for x in client.get("/api/sources").json()["items"] if x["name"] == "deals")
    assert row["enabled"] is False


@pytest.mark.parametrize(
    ("body", "field", "key"),
    [
        ({"name": "s", "kind": "telepathy"}, "kind", "sources[0].kind"),
        ({"name": "s", "kind": "rss"}, "url", "sources[0].url"),
        ({"name": "s", "kind": "rss", "url": "ftp://x"}, "url", "sources[0].url"),
        (
            {"name": "s", "kind": "rss", "url": "https://x.org/f", "interval_seconds": 0},
            "interval_seconds",
            "sources[0].interval_seconds",
        ),
        (
            {"name": "s", "kind": "rss", "url": "https://x.org/f", "max_interval_seconds": 5},
            "sources[0]",
            "sources[0]",
        ),
        (
            {"name": "s", "kind": "mastodon", "instance": "https://m.example", "query": "acme"},
            "sources[0]",
            "sources[0]",
        ),
    ],
)
def test_source_errors_are_the_tomls(client, body, field, key):
    expected = _toml_error({"sources": [dict(body)]}, key)
    resp = client.post("/api/sources", json=body)
    assert _field_error(resp, field.removeprefix("sources[0]")) == expected


def test_a_secret_in_clear_is_refused_and_never_echoed(client, caplog):
    base = {"name": "toots", "kind": "mastodon", "instance": "https://m.example", "query": "acme"}
    resp = client.post("/api/sources", json=base | {"access_token": TOKEN})
    assert "${VAR}" in _field_error(resp, "access_token")
    resp = client.post(
        "/api/sources", json={"name": "f", "kind": "rss", "url": f"https://x.org/f?token={TOKEN}"}
    )
    assert _field_error(resp, "url").startswith("holds a secret")
    assert TOKEN not in resp.text and TOKEN not in caplog.text


def test_a_secret_by_reference_is_stored_as_its_name(client, monkeypatch, session_factory, caplog):
    base = {"name": "toots", "kind": "mastodon", "instance": "https://m.example", "query": "acme"}
    resp = client.post("/api/sources", json=base | {"access_token": "${TOOT_TOKEN}"})
    assert _field_error(resp, "access_token") == "environment variable TOOT_TOKEN is not set"
    monkeypatch.setenv("TOOT_TOKEN", TOKEN)
    resp = client.post("/api/sources", json=base | {"access_token": "${TOOT_TOKEN}"})
    assert resp.status_code == 201, resp.text
    assert resp.json()["config"]["access_token"] == "•••• (set)"
    assert resp.json()["secret_refs"] == {"access_token": "${TOOT_TOKEN}"}
    # a PATCH that leaves the secret alone keeps the reference
    resp = client.patch("/api/sources/toots", json={"query": "acme OR widget"})
    assert resp.json()["secret_refs"] == {"access_token": "${TOOT_TOKEN}"}
    for text in (
        resp.text,
        client.get("/api/sources").text,
        client.get("/api/sources/toots").text,
        caplog.text,
    ):
        assert TOKEN not in text
    with session_factory() as s:
        row = s.scalar(select(Source).where(Source.name == "toots"))
        assert TOKEN not in repr(row.config) + repr(row.secret_refs)


def test_only_admins_write(make_client):
    client = make_client(
        api={"api_keys": [ADMIN_KEY, VIEWER_KEY], "admins": [key_label(hash_key(ADMIN_KEY))]}
    )
    body = {"name": "Acme", "query": "acme"}
    assert client.post("/api/brands", json=body).status_code == 401
    resp = client.post("/api/brands", json=body, headers={"Authorization": f"Bearer {VIEWER_KEY}"})
    assert resp.status_code == 403 and "[api] admins" in resp.json()["detail"]
    resp = client.post("/api/brands", json=body, headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert resp.status_code == 201
    viewer = {"Authorization": f"Bearer {VIEWER_KEY}"}
    assert client.get("/api/brands/Acme", headers=viewer).json()["query"] == "acme"
    assert client.delete("/api/brands/Acme", headers=viewer).status_code == 403


def test_two_adds_of_one_name_at_once_give_409(client, monkeypatch):
    assert client.post("/api/brands", json={"name": "Acme", "query": "acme"}).status_code == 201
    # the second request's check ran before the first committed: the unique index refuses it
    monkeypatch.setattr("monitor.admin.service._taken", lambda *a: False)
    resp = client.post("/api/brands", json={"name": "Acme", "query": "acme"})
    assert resp.status_code == 409 and resp.json() == {"detail": "the name is taken"}
    body = {"name": "feed", "kind": "rss", "url": "https://example.org/f.xml"}
    assert client.post("/api/sources", json=body).status_code == 201
    assert client.post("/api/sources", json=body).status_code == 409


def test_tokens_by_host_are_references_too(client, monkeypatch, session_factory, caplog):
    base = {
        "name": "fediverse",
        "kind": "mastodon",
        "instances": ["https://m.example", "https://n.example"],
        "query": "acme",
    }
    resp = client.post(
        "/api/sources", json=base | {"access_tokens": {"m.example": TOKEN, "n.example": "${N_TOKEN}"}}
    )
    assert "${VAR}" in _field_error(resp, "access_tokens.m.example")
    monkeypatch.setenv("M_TOKEN", TOKEN)
    monkeypatch.setenv("N_TOKEN", TOKEN + "-n")
    refs = {"m.example": "${M_TOKEN}", "n.example": "${N_TOKEN}"}
    resp = client.post("/api/sources", json=base | {"access_tokens": refs})
    assert resp.status_code == 201, resp.text
    assert resp.json()["secret_refs"] == {"access_tokens": refs}
    assert (
        TOKEN not in resp.text and TOKEN not in client.get("/api/sources").text and TOKEN not in caplog.text
    )
    with session_factory() as s:
        row = s.scalar(select(Source).where(Source.name == "fediverse"))
        assert TOKEN not in repr(row.config) + repr(row.secret_refs)
        # what a worker polls with: the tokens read from its environment
        assert runtime_options(row, None)["access_tokens"] == {"m.example": TOKEN, "n.example": TOKEN + "-n"}
