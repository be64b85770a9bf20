"""Sign-in, sessions and CSRF, through the app with a TestClient."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from monitor.app import create_app
from monitor.auth import hash_key, key_label
from monitor.config import AppConfig
from monitor.web.session import COOKIE, MAX_AGE, SessionSigner, WebSession, safe_next
from monitor.web.throttle import PER_ADDRESS, PER_NAME, SignInThrottle
from tests.web.conftest import API_KEY, PASSWORD, Seeder, csrf_of, sign_in, web_config

PAGES = ["/", "/mentions", "/mentions.csv", "/trends", "/trends.json", "/sources", "/incidents/1"]
GLITCH = "Acme checkout shows everything at $0.00, is this real?? ordered 3 already"


@pytest.mark.parametrize("path", PAGES)
def test_pages_redirect_to_sign_in(app_client: TestClient, path: str) -> None:
    r = app_client.get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=")


def test_events_need_sign_in(app_client: TestClient) -> None:
    assert app_client.get("/events").status_code == 401


def test_sign_in_with_password(app_client: TestClient) -> None:
    r = sign_in(app_client)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    page = app_client.get("/")
    assert page.status_code == 200
    assert '<span class="user">alice</span>' in page.text


@pytest.mark.parametrize(("name", "password"), [("alice", "wrong"), ("mallory", PASSWORD), ("", "")])
def test_wrong_credentials_are_rejected(app_client: TestClient, name: str, password: str) -> None:
    r = sign_in(app_client, name, password)
    assert r.status_code == 401
    assert "Wrong name or password." in r.text
    assert app_client.get("/", follow_redirects=False).status_code == 303


def test_sign_in_with_an_api_key(app_client: TestClient) -> None:
    r = sign_in(app_client, "", API_KEY)
    assert r.status_code == 303
    expected = key_label(hash_key(API_KEY))
    assert f'<span class="user">{expected}</span>' in app_client.get("/").text


def test_login_needs_its_csrf_token(app_client: TestClient) -> None:
    r = app_client.post("/login", data={"name": "alice", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403


def test_sign_in_rotates_the_csrf_token(app_client: TestClient) -> None:
    before = csrf_of(app_client.get("/login").text)
    sign_in(app_client)
    assert csrf_of(app_client.get("/").text) != before


def test_next_is_kept_but_only_on_this_site(app_client: TestClient) -> None:
    token = csrf_of(app_client.get("/login?next=/sources").text)
    r = app_client.post(
        "/login",
        data={"csrf": token, "name": "alice", "password": PASSWORD, "next": "/sources"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/sources"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/mentions?q=x", "/mentions?q=x"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/ok\r\nSet-Cookie: x", "/"),
        (None, "/"),
    ],
)
def test_safe_next(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_every_post_needs_the_csrf_token(client: TestClient, seeder: Seeder) -> None:
    seeder.items([GLITCH, GLITCH.replace("3", "4")])
    for path, data in [
        ("/incidents/1/ack", {}),
        ("/incidents/1/assign", {"to": "bob"}),
        ("/incidents/1/resolve", {"note": "x"}),
        ("/logout", {}),
    ]:
        assert client.post(path, data=data, follow_redirects=False).status_code == 403
        assert client.post(path, data=data | {"csrf": "forged"}, follow_redirects=False).status_code == 403
    assert (
        client.get("/api/incidents/1", headers={"Authorization": f"Bearer {API_KEY}"}).json()["status"]
        == "open"
    )


def test_a_token_from_another_session_is_refused(
    engine: Engine, config: AppConfig, client: TestClient
) -> None:
    with TestClient(create_app(config, engine=engine), base_url="http://127.0.0.1") as other:
        sign_in(other)
        foreign = csrf_of(other.get("/").text)
    r = client.post("/incidents/1/ack", data={"csrf": foreign}, follow_redirects=False)
    assert r.status_code == 403


def test_sign_out(client: TestClient) -> None:
    token = csrf_of(client.get("/").text)
    r = client.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303


def test_tampered_or_expired_cookies_are_ignored(app_client: TestClient) -> None:
    signer: SessionSigner = app_client.app.state.web.signer
    good = signer.dumps(WebSession(user="alice", csrf="t", issued=1_700_000_000))
    payload, _, sig = good.partition(".")
    assert signer.loads(good, now=1_700_000_000 + 60) is not None
    assert signer.loads(good, now=1_700_000_000 + MAX_AGE + 1) is None
    forged = SessionSigner(b"other secret").dumps(WebSession(user="alice", csrf="t", issued=1_700_000_000))
    assert signer.loads(forged, now=1_700_000_060) is None
    assert signer.loads(payload + "." + sig[:-2] + "AA", now=1_700_000_060) is None
    assert signer.loads("garbage", now=1_700_000_060) is None
    app_client.cookies.set(COOKIE, forged)
    assert app_client.get("/", follow_redirects=False).status_code == 303


def test_session_secret_from_environment(
    monkeypatch: pytest.MonkeyPatch, engine: Engine, config: AppConfig
) -> None:
    monkeypatch.setenv("MONITOR_SESSION_SECRET", "shared-between-processes")
    with TestClient(create_app(config, engine=engine), base_url="http://127.0.0.1") as first:
        sign_in(first)
        cookie = first.cookies[COOKIE]
    with TestClient(
        create_app(config, engine=engine), base_url="http://127.0.0.1"
    ) as second:  # a restart, or a second API process
        second.cookies.set(COOKIE, cookie)
        assert second.get("/", follow_redirects=False).status_code == 200


def test_a_removed_user_is_signed_out(
    engine: Engine, config: AppConfig, make_config: Callable[..., AppConfig], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MONITOR_SESSION_SECRET", "same")
    with TestClient(create_app(config, engine=engine), base_url="http://127.0.0.1") as first:
        sign_in(first)
        cookie = first.cookies[COOKIE]
    keys_only = make_config(brands=[], api={"api_keys": [API_KEY]})
    with TestClient(create_app(keys_only, engine=engine), base_url="http://127.0.0.1") as second:
        second.cookies.set(COOKIE, cookie)
        assert second.get("/", follow_redirects=False).status_code == 303


def test_open_dashboard_without_users_or_keys(
    engine: Engine, make_config: Callable[..., AppConfig], session_factory
) -> None:
    config = web_config(make_config, signed=False)
    Seeder(session_factory, config).items([GLITCH, GLITCH.replace("3", "5")])
    with TestClient(create_app(config, engine=engine), base_url="http://127.0.0.1") as client:
        page = client.get("/", follow_redirects=False)
        assert page.status_code == 200
        assert "open: no sign-in configured" in page.text
        assert client.get("/login", follow_redirects=False).headers["location"] == "/"
        # still CSRF-protected, and the action is recorded as the dashboard's
        assert client.post("/incidents/1/ack", data={}, follow_redirects=False).status_code == 403
        r = client.post("/incidents/1/ack", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
        assert r.status_code == 303
        assert client.get("/api/incidents/1").json()["acknowledged_by"] == "dashboard"


def test_sign_out_revokes_the_session_server_side(client: TestClient) -> None:
    copied = client.cookies.get(COOKIE)  # someone copied the signed-in cookie
    token = csrf_of(client.get("/").text)
    assert client.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    thief = TestClient(client.app, base_url="http://127.0.0.1", cookies={COOKIE: copied})
    assert thief.get("/", follow_redirects=False).status_code == 303  # to /login: no longer signed in
    r = thief.post("/incidents/1/ack", data={"csrf": token}, follow_redirects=False)
    assert r.status_code in (401, 403)  # neither signed in nor holding that session's token any more
    assert sign_in(client).status_code == 303  # signing in again works


def _wrong(client: TestClient, name: str = "alice", **headers: str) -> Any:
    token = csrf_of(client.get("/login").text)
    data = {"csrf": token, "name": name, "password": "wrong", "next": "/"}
    return client.post("/login", data=data, follow_redirects=False, headers=headers)


def test_sign_in_is_rate_limited_per_name(app_client: TestClient) -> None:
    answers = [_wrong(app_client).status_code for _ in range(PER_NAME + 3)]
    assert answers == [401] * PER_NAME + [429] * 3
    blocked = _wrong(app_client)
    assert 1 <= int(blocked.headers["Retry-After"]) <= 300
    assert "Too many failed sign-ins. Try again in" in blocked.text
    assert sign_in(app_client).status_code == 429  # even the right password waits: no oracle
    assert _wrong(app_client, name="bob").status_code == 401  # other names are not blocked by alice's


def test_sign_in_is_rate_limited_per_address(app_client: TestClient) -> None:
    names = [f"user{n}" for n in range(PER_ADDRESS + 2)]
    answers = [_wrong(app_client, name=n).status_code for n in names]
    assert answers == [401] * PER_ADDRESS + [429] * 2


def test_the_throttle_window_slides_and_success_clears_typos() -> None:
    now = [1000.0]
    throttle = SignInThrottle(per_name=2, per_address=10, window=60, clock=lambda: now[0])
    throttle.failed("1.2.3.4", "Alice")
    throttle.failed("1.2.3.4", "alice ")
    assert throttle.retry_after("5.6.7.8", "ALICE") == 60
    now[0] += 59.5
    assert throttle.retry_after("5.6.7.8", "alice") == 1
    now[0] += 1
    assert throttle.retry_after("5.6.7.8", "alice") is None
    throttle.failed("1.2.3.4", "alice")
    throttle.succeeded("alice")
    throttle.failed("1.2.3.4", "alice")
    assert throttle.retry_after("1.2.3.4", "alice") is None


def test_a_cross_site_form_post_is_refused_even_with_the_token(client: TestClient, seeder: Seeder) -> None:
    seeder.items([GLITCH] * 3)
    token = csrf_of(client.get("/").text)

    def ack(origin: str) -> Any:
        return client.post(
            "/incidents/1/ack", data={"csrf": token}, headers={"Origin": origin}, follow_redirects=False
        )

    refused = ack("https://evil.example")
    assert refused.status_code == 403
    assert "cross-origin request refused" in refused.json()["detail"]
    assert ack("http://127.0.0.1").status_code == 303


def test_a_nul_character_in_a_form_is_a_clear_400(client: TestClient, seeder: Seeder) -> None:
    seeder.items([GLITCH] * 3)
    token = csrf_of(client.get("/").text)
    r = client.post("/incidents/1/assign", data={"csrf": token, "to": "sam\x00"}, follow_redirects=False)
    assert r.status_code == 400
    assert "must not contain NUL characters" in r.text
