"""The Admin page in a real headless Chromium against `monitor run`: add a brand (a refused query
first, with the file's own message), edit and disable it, add a source, at laptop and phone widths."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from monitor.config import ConfigError, parse_config
from tests.support.proc import start_monitor, stop, wait_http
from tests.support.servers import free_port
from tests.web.conftest import ALICE_HASH, API_KEY, PASSWORD

playwright_sync = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# a long unbroken query and source name: the page must wrap them, not scroll sideways
LONG_QUERY = "initech OR " + " OR ".join(f'"initech-product-line-{n}"' for n in range(12))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("admin-screen")
    port = free_port()
    path = tmp / "monitor.toml"
    path.write_text(
        f"""
[api]
host = "127.0.0.1"
port = {port}
api_keys = ["{API_KEY}"]
admins = ["alice"]
[[users]]
name = "alice"
password_hash = "{ALICE_HASH}"
[[brands]]
name = "Acme"
query = "acme"
""",
        encoding="utf-8",
    )
    log = tmp / "monitor.log"
    proc = start_monitor("run", "--config", str(path), db_url=f"sqlite:///{tmp}/m.db", log=log)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", proc=proc, log=log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _page(browser: Any, base: str, width: int) -> Any:
    context = browser.new_context(
        base_url=base, viewport={"width": width, "height": 900}, is_mobile=width < 500
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/login?next=/admin")
    page.fill("#name", "alice")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/admin")
    return page


def _api(base: str, path: str) -> Any:
    return httpx.get(f"{base}/api{path}", headers={"Authorization": f"Bearer {API_KEY}"}, timeout=5).json()


def test_add_edit_disable_at_laptop_width(browser: Any, base: str) -> None:
    page = _page(browser, base, 1280)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.fill("#new-brand-name", "Initech")
    page.fill("#new-brand-query", "initech AND (")
    page.click("text=Add brand")
    with pytest.raises(ConfigError) as toml:
        parse_config({"brands": [{"name": "Initech", "query": "initech AND ("}]})
    assert page.inner_text("#error") == f"query: {toml.value.problem}"
    assert page.input_value("#new-brand-name") == "Initech"
    page.fill("#new-brand-query", LONG_QUERY)
    page.fill("#new-brand-handles", "@initech")
    page.click("text=Add brand")
    assert "Saved" in page.inner_text(".banner.ok")
    card = page.locator("li[data-brand='Initech']")
    card.locator("summary").click()
    card.locator("input[name=exclude]").fill("hiring")
    card.locator("text=Save Initech").click()
    page.locator("li[data-brand='Acme'] >> text=Disable Acme").click()
    assert "disabled" in page.inner_text("li[data-brand='Acme']")
    page.fill("#new-source-name", "initech-status-feed-with-a-rather-long-name-for-a-small-screen")
    page.select_option("#new-source-kind", "rss")
    page.fill("#new-source-settings", 'url = "http://127.0.0.1:9/feed.xml"\ninterval_seconds = 600')
    page.click("text=Add source")
    assert "Saved" in page.inner_text(".banner.ok")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "admin.png"), full_page=True)
    brands = {b["name"]: b for b in _api(base, "/brands")["items"]}
    assert brands["Initech"]["exclude"] == "hiring" and brands["Initech"]["handles"] == ["@initech"]
    assert brands["Acme"]["enabled"] is False
    assert [s["name"] for s in _api(base, "/sources")["items"]] == [
        "initech-status-feed-with-a-rather-long-name-for-a-small-screen"
    ]
    assert errors == []
    page.context.close()


def test_no_sideways_scroll_on_a_phone(browser: Any, base: str) -> None:
    page = _page(browser, base, 360)
    page.fill("#new-brand-name", "Broken")
    page.fill("#new-brand-query", '"unclosed')
    page.click("text=Add brand")
    assert page.locator("#error").count() == 1  # the error banner shown
    for summary in page.locator("details.settings summary").all():
        summary.click()  # and every edit form open: the widest the page gets
    assert page.locator("details.settings[open]").count() >= 2
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 360, f"/admin is {wide}px wide at 360px"
    page.screenshot(path=str(SHOTS / "admin-phone.png"), full_page=True)
    page.context.close()
