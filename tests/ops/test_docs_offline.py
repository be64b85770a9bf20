"""/docs and /redoc with no network: Swagger UI and ReDoc come from the package, never a CDN."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support.proc import run_monitor, start_monitor, stop, wait_http
from tests.support.servers import free_port

ASSET = re.compile(r'(?:src|href)="([^"]+)"')
CHROMIUM = "/usr/bin/chromium"


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_reference_only_local_assets_that_are_served(make_client, page: str) -> None:
    client = make_client()
    html = client.get(page)
    assert html.status_code == 200
    assets = ASSET.findall(html.text)
    assert assets and all(a.startswith("/docs-static/") for a in assets), assets
    assert "https://" not in html.text and "http://" not in html.text
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert len(response.content) > 1000, asset  # the real bundle, not an empty placeholder


@pytest.fixture
def api_url(tmp_path: Path) -> Iterator[str]:
    """`monitor api` on a migrated SQLite database, on a free loopback port."""
    db = f"sqlite:///{tmp_path}/m.db"
    config = tmp_path / "m.toml"
    config.write_text('[[brands]]\nname = "Acme"\nquery = "acme"\n')
    assert run_monitor("db", "upgrade", "--config", str(config), db_url=db).returncode == 0
    port, log = free_port(), tmp_path / "api.log"
    proc = start_monitor("api", "--config", str(config), "--port", str(port), db_url=db, log=log)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", proc=proc, log=log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_docs_render_in_a_browser_that_cannot_reach_the_internet(api_url: str) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    outside: list[str] = []

    def only_loopback(route: Any) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", None):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        try:
            page = browser.new_page()
            page.route("**/*", only_loopback)
            page.goto(f"{api_url}/docs")
            page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
            assert "Brand monitor" in page.inner_text(".swagger-ui .info .title")
            page.wait_for_selector(".opblock-summary-path", timeout=20_000)
            paths = page.locator(".opblock-summary-path").all_inner_texts()
            assert any("/api/mentions" in p for p in paths), paths

            page.goto(f"{api_url}/redoc")
            page.wait_for_selector("h1", timeout=20_000)
            assert "Brand monitor" in page.inner_text("h1")
            assert "/api/mentions" in page.content()  # the operations, rendered from /openapi.json
        finally:
            browser.close()
    assert outside == []
