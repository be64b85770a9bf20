"""The dashboard in a real headless Chromium against `monitor run`: an RSS feed on loopback, the
worker polling it, the pipeline scoring and grouping, and the page updating live over SSE."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from monitor.config import load_config
from monitor.db import make_engine, make_session_factory
from tests.support.proc import start_monitor, stop, wait_http, wait_until
from tests.support.servers import Reply, ScriptedServer, free_port, rss
from tests.web.conftest import (
    ALICE_HASH,
    API_KEY,
    HOSTILE_AUTHOR,
    HOSTILE_TEXT,
    HOSTILE_URL,
    PASSWORD,
    Seeder,
)

playwright_sync = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium at /usr/bin/chromium"),
]

GLITCH = [
    "Acme checkout shows everything at $0.00, is this real?? ordered 3 already",
    "Acme site glitch: every kettle rings up at $0.00 at checkout right now, ordered two",
]
CALM = [
    ("Acme", "Acme opens a new store downtown next week, looks lovely"),
    ("Acme", "Just bought the Acme kettle, really happy with it so far"),
    ("Globex", "Globex quarterly results are out, revenue up a little"),
    ("Globex", "Thinking about switching to Globex for my phone plan"),
    ("Globex", "Globex support was friendly and quick today, thanks"),
]


@dataclass
class Monitor:
    base: str
    db_url: str
    config_path: Path
    items: list[dict[str, str]] = field(default_factory=list)

    def api(self, path: str) -> Any:
        r = httpx.get(f"{self.base}/api{path}", headers={"Authorization": f"Bearer {API_KEY}"}, timeout=5)
        r.raise_for_status()
        return r.json()

    def post(self, guid: str, text: str, title: str = "post") -> None:
        now = format_datetime(datetime.now(UTC), usegmt=True)
        link = f"http://forum.example/{guid}"
        self.items.append({"guid": guid, "title": title, "link": link, "description": text, "pubDate": now})


@pytest.fixture(scope="module")
def monitor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Monitor]:
    tmp = tmp_path_factory.mktemp("web-e2e")
    with ScriptedServer() as feed:
        port = free_port()
        path = tmp / "monitor.toml"
        path.write_text(
            f"""
[api]
host = "127.0.0.1"
port = {port}
api_keys = ["{API_KEY}"]
[[users]]
name = "alice"
password_hash = "{ALICE_HASH}"
[[users]]
name = "bob"
password_hash = "{ALICE_HASH}"
[[brands]]
name = "Acme"
query = "acme"
[[brands]]
name = "Globex"
query = "globex"
[[sources]]
name = "forum"
kind = "rss"
url = "{feed.url}/feed.xml"
interval_seconds = 1
[[sources]]
name = "vendor-api"
kind = "rss"
url = "{feed.url}/private.xml"
interval_seconds = 60
[worker]
tick_seconds = 0.3
"""
        )
        m = Monitor(base=f"http://127.0.0.1:{port}", db_url=f"sqlite:///{tmp}/m.db", config_path=path)
        for n, (_, text) in enumerate(CALM):
            m.post(f"calm{n}", text)
        feed.routes["/feed.xml"] = lambda req: Reply(
            200, rss(m.items), {"Content-Type": "application/rss+xml"}
        )
        feed.routes["/private.xml"] = Reply(401, "unauthorized")
        log = tmp / "monitor.log"
        proc = start_monitor("run", "--config", str(path), db_url=m.db_url, log=log)
        try:
            wait_http(f"{m.base}/healthz", proc=proc, log=log)
            wait_until(
                lambda: len(m.api("/mentions")["items"]) >= len(CALM), timeout=15, message="first poll"
            )
            yield m
        finally:
            stop(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@dataclass
class Watched:
    page: Any
    dialogs: list[str]
    errors: list[str]


@pytest.fixture
def tab(browser: Any, monitor: Monitor) -> Iterator[Watched]:
    """A fresh context (no cookies) and page; records dialogs and console errors."""
    context = browser.new_context(base_url=monitor.base, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    watched = Watched(page, [], [])

    def on_dialog(dialog: Any) -> None:
        watched.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda msg: watched.errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: watched.errors.append(str(exc)))
    yield watched
    context.close()


def sign_in(page: Any, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#name", "alice")
    page.fill("#password", password)
    page.click("button[type=submit]")


def shot(page: Any, name: str, *, full: bool = True) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    return path


def test_sign_in_is_required(tab: Watched, monitor: Monitor) -> None:
    page = tab.page
    page.goto("/")
    assert page.url.endswith("/login?next=%2F")
    sign_in(page, password="wrong password")
    assert page.locator(".error").inner_text() == "Wrong name or password."
    shot(page, "login")
    sign_in(page)
    page.wait_for_url(f"{monitor.base}/")
    assert page.locator(".who .user").inner_text() == "alice"
    # a POST without the session's CSRF token is refused, signed in or not
    r = page.request.post("/incidents/1/ack", form={"next": "/"}, max_redirects=0)
    assert r.status == 403
    r = page.request.post("/incidents/1/ack", form={"csrf": "forged"}, max_redirects=0)
    assert r.status == 403
    # the only console error: the browser logging the wrong password's 401 page
    assert [e for e in tab.errors if "401 (Unauthorized)" not in e] == [] and tab.dialogs == []


def test_incident_appears_live_then_acknowledge(tab: Watched, monitor: Monitor) -> None:
    page = tab.page
    sign_in(page)
    page.wait_for_url(f"{monitor.base}/")
    assert page.title() == "Now · Brand monitor"
    assert page.locator("#incident-rows tr").count() == 0
    page.wait_for_selector("#live-status.on")
    page.evaluate("window.__sameDocument = true")

    for n, text in enumerate(GLITCH):
        monitor.post(f"glitch{n}", text)
    row = page.locator("#incident-rows tr").first
    row.wait_for(timeout=15_000)
    page.wait_for_function("document.title.startsWith('(1) Now')", timeout=10_000)
    assert page.title() == "(1) Now · Brand monitor"
    assert page.evaluate("window.__sameDocument") is True, "the page must update without a reload"
    assert "Acme · pricing error" in row.inner_text()
    page.wait_for_function("document.querySelectorAll('#mention-list li').length >= 7", timeout=10_000)
    assert "$0.00" in page.locator("#mention-list li").first.inner_text()
    assert page.locator("#nav-count").inner_text() == "1"
    shot(page, "now")

    incident_id = int(row.get_attribute("data-id"))
    page.click(f"#incident-rows tr[data-id='{incident_id}'] a.inc-link")
    page.wait_for_url(f"**/incidents/{incident_id}")
    assert "Response checklist: pricing error" in page.inner_text("#check-h")
    assert page.locator(".reasons").count() >= 1
    shot(page, "incident")
    page.click("#ack-button")
    page.wait_for_url(f"**/incidents/{incident_id}?done=ack")
    assert page.locator(".banner.ok").inner_text() == "Acknowledged."
    assert "by alice" in page.inner_text("dl.facts")

    api = monitor.api(f"/incidents/{incident_id}")
    assert api["status"] == "acknowledged"
    assert api["acknowledged_by"] == "alice"
    page.goto("/")
    assert page.title() == "Now · Brand monitor"  # nothing unacknowledged any more
    assert "ack: alice" in page.locator(f"#incident-rows tr[data-id='{incident_id}']").inner_text()
    assert tab.errors == [] and tab.dialogs == []


_NO_ACTIVE_CONTENT = """() => ({
    jsHrefs: [...document.querySelectorAll('[href], [src], [action]')].filter(el => ['href', 'src', 'action']
        .some(a => /^\\s*(javascript|data|vbscript):/i.test(el.getAttribute(a) || ''))
    ).length,
    scripts: [...document.scripts].filter(s => !(s.getAttribute('src') || '').startsWith('/static/')).length,
    imgs: document.querySelectorAll('img').length,
    handlers: [...document.querySelectorAll('*')].filter(el =>
        [...el.attributes].some(a => a.name.startsWith('on'))).length,
})"""


def test_hostile_mention_is_inert(tab: Watched, monitor: Monitor) -> None:
    page = tab.page
    sign_in(page)
    page.wait_for_url(f"{monitor.base}/")
    page.wait_for_selector("#live-status.on")
    engine = make_engine(monitor.db_url)
    try:
        seeder = Seeder(make_session_factory(engine), load_config(monitor.config_path))
        result = seeder.items(
            [{"text": HOSTILE_TEXT, "author": HOSTILE_AUTHOR, "url": HOSTILE_URL, "title": "<b>x"}]
        )
    finally:
        engine.dispose()
    hostile = result.stored[0]
    assert hostile.incident_id is not None

    # arrives live (built by now.js), then again server-rendered on every view
    live = page.locator(f"#mention-list li[data-id='{hostile.id}']")
    live.wait_for(timeout=10_000)
    assert "<script>alert(1)</script>" in live.inner_text()
    assert HOSTILE_AUTHOR in live.inner_text()
    for path in ("/", "/mentions", f"/incidents/{hostile.incident_id}", "/mentions?q=kettle"):
        if path != "/":
            page.goto(path)
        assert HOSTILE_AUTHOR in page.inner_text("main")
        found = page.evaluate(_NO_ACTIVE_CONTENT)
        assert found == {"jsHrefs": 0, "scripts": 0, "imgs": 0, "handlers": 0}, path
    time.sleep(0.3)  # an injected handler would have fired by now
    assert tab.dialogs == []
    assert tab.errors == []


def test_filters_and_search_narrow_the_stream(tab: Watched, monitor: Monitor) -> None:
    page = tab.page
    sign_in(page)
    page.goto("/mentions")
    everything = page.locator("#mention-list li").count()
    assert everything >= len(CALM) + len(GLITCH)

    page.fill("#q", "Globex")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**/mentions?*q=Globex*")
    globex = page.locator("#mention-list li")
    assert 0 < globex.count() < everything
    assert all("Globex" in t for t in globex.all_inner_texts())
    assert "q=Globex" in page.get_attribute("#csv-link", "href")

    page.goto("/mentions")
    page.select_option("#brand", "Acme")
    page.check("#incident")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**/mentions?*incident=1*")
    flagged = page.locator("#mention-list li")
    assert 0 < flagged.count() < everything
    assert page.locator("#mention-list li.flagged").count() == flagged.count()

    page.goto("/mentions")
    page.fill("#min_sentiment", "0.3")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**/mentions?*min_sentiment=0.3*")
    positive = page.locator("#mention-list li")
    assert 0 < positive.count() < everything
    assert page.locator("#mention-list li .senti.neg").count() == 0
    shot(page, "mentions")
    assert tab.errors == [] and tab.dialogs == []


# the smallest SVG text on the page in screen pixels: font size times the SVG's scale
_SMALLEST_TEXT = """() => Math.min(...[...document.querySelectorAll('svg text')].map(t => {
  const svg = t.ownerSVGElement, scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return parseFloat(getComputedStyle(t).fontSize) * scale;
}))"""


def test_trends_chart_renders(tab: Watched, monitor: Monitor) -> None:
    page = tab.page
    sign_in(page)
    page.goto("/trends")
    page.wait_for_selector("#trends[data-ready='1']")
    charts = page.locator("#charts figure.chart")
    assert charts.count() == 2
    acme = page.locator("#charts figure[data-brand='Acme'] svg")
    assert acme.locator("rect.bar").count() >= 1
    assert acme.locator("path.line").count() == 1
    assert acme.locator("a.mark").count() >= 1  # the pricing incident, marked
    box = acme.bounding_box()
    assert box["width"] > 200 and box["height"] > 50
    assert page.locator("#share svg rect.share").count() == 2
    # axis labels a person can read: at least 11 px as drawn on the screen, and a key under each chart
    assert page.evaluate(_SMALLEST_TEXT) >= 11
    assert "average sentiment" in page.locator("#charts figure[data-brand='Acme'] .chart-key").inner_text()
    shot(page, "trends")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(500)  # the charts redraw at the new width
    assert page.evaluate(_SMALLEST_TEXT) >= 11
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click(".tabs a:has-text('30d')")
    page.wait_for_selector("#trends[data-ready='1']")
    assert page.locator("#charts figure[data-brand='Globex'] svg rect.bar").count() >= 1
    assert tab.errors == [] and tab.dialogs == []


def _mention_id(monitor: Monitor, text: str) -> int:
    [item] = [m for m in monitor.api("/mentions?limit=200")["items"] if m["text"] == text]
    return item["id"]


def test_a_person_corrects_the_detector_in_a_click(tab: Watched, monitor: Monitor) -> None:
    page = tab.page
    sign_in(page)
    text = CALM[1][1]  # "Just bought the Acme kettle, really happy with it so far"
    mid = _mention_id(monitor, text)
    page.goto("/mentions?brand=Acme")
    card = page.locator(f"#m{mid}")
    assert "corrected by" not in card.inner_text()
    # one click: "needs a reply" is recorded, and the page comes back to the same card
    card.locator("button[name=needs_reply]").click()
    page.wait_for_url(f"**/mentions?brand=Acme#m{mid}")
    card = page.locator(f"#m{mid}")
    assert "corrected by alice" in card.inner_text()
    assert card.locator("button[name=needs_reply]").get_attribute("aria-pressed") == "true"
    # "it's a problem" opens the categories in place; one more click files it
    card.locator("summary:has-text('problem')").click()
    card.locator("button[name=category][value=product_defect]").click()
    page.wait_for_url(f"**/mentions?brand=Acme#m{mid}")
    card = page.locator(f"#m{mid}")
    assert card.locator("button[name=incident][value=false]").count() == 1  # now "Not a problem"
    shot(page, "mentions-label")
    label = monitor.api(f"/mentions/{mid}")["label"]
    assert label | {"labeled_at": None} == {
        "incident": True,
        "category": "product_defect",
        "needs_reply": True,
        "opportunity": None,
        "labeled_by": "alice",
        "labeled_at": None,
    }
    # the form carries the session's CSRF token: without it nothing is recorded
    r = page.request.post(f"/mentions/{mid}/label", form={"incident": "false", "next": "/"}, max_redirects=0)
    assert r.status == 403
    assert monitor.api(f"/mentions/{mid}")["label"]["incident"] is True
    assert tab.errors == [] and tab.dialogs == []


def test_sources_show_failing_ones(tab: Watched, monitor: Monitor) -> None:
    page = tab.page
    sign_in(page)
    page.goto("/sources")
    failing = page.locator("tr[data-source='vendor-api']")
    assert "auth failed" in failing.inner_text()
    assert "flag" in failing.get_attribute("class")
    assert "ok" in page.locator("tr[data-source='forum'] .state").inner_text()
    assert "1 of 2 sources need a look" in page.inner_text(".banner")
    shot(page, "sources")
    page.goto("/")
    assert "vendor-api" in page.inner_text(".banner.warn")
    assert tab.errors == [] and tab.dialogs == []


def test_phone_width(browser: Any, monitor: Monitor) -> None:
    context = browser.new_context(
        base_url=monitor.base, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    try:
        page = context.new_page()
        sign_in(page)
        page.wait_for_url(f"{monitor.base}/")
        # nothing wider than the screen: no sideways scrolling on a phone
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        shot(page, "now-phone")
        page.goto("/mentions")
        assert page.locator("form.label-bar").count() >= 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, "mentions-phone")
    finally:
        context.close()


def test_a_question_is_answered_from_the_reply_page(tab: Watched, monitor: Monitor) -> None:
    page = tab.page
    sign_in(page)
    text = "Acme is the $0.00 total at checkout real? can you confirm before I place the order?"
    monitor.post("ask1", text)
    wait_until(lambda: any(m["text"] == text for m in monitor.api("/mentions")["items"]), timeout=15)
    mid = _mention_id(monitor, text)
    assert monitor.api(f"/mentions/{mid}")["reply"]["status"] == "open"  # the detector: it needs an answer
    page.goto("/reply")
    card = page.locator(f"#m{mid}")
    assert text in card.inner_text()
    shot(page, "reply")
    bar = page.locator(f"form.reply-bar[action='/mentions/{mid}/reply']")
    bar.locator("input[name=url]").fill("https://social.example/acme/replies/1")
    bar.locator("button[value=replied]").click()
    page.wait_for_url("**/reply")
    assert page.locator(f"#m{mid}").count() == 0
    reply = monitor.api(f"/mentions/{mid}")["reply"]
    assert reply["status"] == "replied" and reply["replied_by"] == "alice"
    assert reply["url"] == "https://social.example/acme/replies/1" and reply["response_seconds"] >= 0
    page.goto("/reply?show=replied")
    assert "replied by alice after" in page.locator(".reply-bar").first.inner_text()
    page.goto("/trends")
    table = page.locator("table.reply-times-table").first
    assert "Acme" in table.inner_text()
    page.wait_for_selector("#trends[data-ready='1']")
    # the team chart: incidents opened (bars) and the median time to first response (a dot per bucket)
    team = page.locator("#team figure[data-brand='team'] svg")
    assert team.locator("rect.incidents").count() >= 1 and team.locator("circle.wait").count() >= 1
    shot(page, "trends-reply-times")
    assert tab.errors == [] and tab.dialogs == []


# the innermost elements that stick out past the right edge, to name the culprit in a failure
_WIDEST = """(w) => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > w + 0.5 && ![...e.children].some(
    c => c.getBoundingClientRect().right > w + 0.5))
  .slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + e.className + ' ' +
    Math.round(e.getBoundingClientRect().right) + 'px').join(', ')"""


def test_no_page_scrolls_sideways_on_a_phone(browser: Any, monitor: Monitor) -> None:
    incident_id = next(iter(monitor.api("/incidents")["items"]), {}).get("id")
    pages = ["/", "/reply", "/reply?show=replied", "/mentions", "/trends", "/sources"]
    if incident_id:
        pages.append(f"/incidents/{incident_id}")
    for width in (360, 390, 430):
        context = browser.new_context(
            base_url=monitor.base, viewport={"width": width, "height": 844}, is_mobile=True
        )
        try:
            page = context.new_page()
            sign_in(page)
            page.wait_for_url(f"{monitor.base}/")
            for path in pages:
                page.goto(path)
                page.wait_for_load_state("networkidle")
                wide = page.evaluate("document.documentElement.scrollWidth")
                assert wide <= width, f"{path} is {wide}px wide at {width}px: " + page.evaluate(
                    _WIDEST, width
                )
            if width == 390:
                page.goto("/reply")
                shot(page, "reply-phone")
        finally:
            context.close()
