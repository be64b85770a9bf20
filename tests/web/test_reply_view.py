"""The Reply page: what waits for an answer, marked replied with a link, and the time it took."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from monitor.config import AppConfig
from tests.web.conftest import csrf_of, web_config

QUESTION = "@Acme is the $0.00 total at checkout real? my whole cart says free"
STEAK = "@Acme any chance of a steak at gate B12? stuck at the airport haha"
CHATTER = "Acme opened a new store downtown"


@pytest.fixture
def config(make_config: Callable[..., AppConfig]) -> AppConfig:
    # the brand's handle: posts addressed to @Acme are mentions of it, and direct
    return web_config(make_config, brands=[{"name": "Acme", "query": "acme", "handles": ["@Acme"]}])


def _cards(html: str, list_id: str) -> list[str]:
    block = re.search(rf'<ol class="mentions" id="{list_id}">(.*?)</ol>', html, re.S)
    assert block, html
    return re.findall(r'data-id="(\d+)"', block.group(1))


def test_the_queue_then_a_reply_with_its_link_and_response_time(client, seeder) -> None:
    seeder.items([QUESTION, STEAK, CHATTER])
    page = client.get("/reply")
    assert page.status_code == 200, page.text
    asking, chances = _cards(page.text, "reply-list"), _cards(page.text, "chance-list")
    assert len(asking) + len(chances) == 2, page.text  # chatter waits for nobody
    assert "downtown" not in page.text
    assert 'href="/reply" aria-current="page"' in page.text  # in the main navigation
    mid = (asking or chances)[0]
    resp = client.post(
        f"/mentions/{mid}/reply",
        data={
            "csrf": csrf_of(page.text),
            "next": "/reply",
            "status": "replied",
            "url": "https://x.com/acme/status/1",
        },
        follow_redirects=False,
    )
    assert resp.status_code == 303 and resp.headers["location"] == "/reply"
    assert mid not in _cards(client.get("/reply").text, "reply-list")
    done = client.get("/reply?show=replied")
    assert "replied by alice after" in done.text and 'href="https://x.com/acme/status/1"' in done.text


def test_no_reply_needed_and_assign_to_me(client, seeder) -> None:
    seeder.items([QUESTION])
    page = client.get("/reply")
    [mid] = _cards(page.text, "reply-list") + _cards(page.text, "chance-list")
    csrf = csrf_of(page.text)
    client.post(f"/mentions/{mid}/reply", data={"csrf": csrf, "assignee": "alice"})
    mine = client.get("/reply?mine=true")
    assert mid in _cards(mine.text, "reply-list") + _cards(mine.text, "chance-list")
    assert "assigned: alice" in mine.text
    client.post(f"/mentions/{mid}/reply", data={"csrf": csrf, "status": "no_reply"})
    assert mid in _cards(client.get("/reply?show=no_reply").text, "reply-list")


def test_bad_reply_forms_are_refused(client, seeder) -> None:
    seeder.items([QUESTION])
    page = client.get("/reply")
    [mid] = _cards(page.text, "reply-list") + _cards(page.text, "chance-list")
    csrf = csrf_of(page.text)
    for data, status in (
        ({"csrf": csrf}, 400),  # nothing to record
        ({"csrf": csrf, "status": "replied", "url": "javascript:alert(1)"}, 400),
        ({"csrf": csrf, "status": "maybe"}, 422),
        ({"status": "replied"}, 403),  # no CSRF token
    ):
        resp = client.post(f"/mentions/{mid}/reply", data=data, follow_redirects=False)
        assert resp.status_code == status, (data, resp.text)
    assert client.post("/mentions/999999/reply", data={"csrf": csrf, "status": "replied"}).status_code == 404


def test_trends_show_time_to_first_response_per_brand_and_teammate(client, seeder) -> None:
    seeder.items([QUESTION])
    assert "No replies marked yet." in client.get("/trends").text
    page = client.get("/reply")
    [mid] = _cards(page.text, "reply-list") + _cards(page.text, "chance-list")
    client.post(f"/mentions/{mid}/reply", data={"csrf": csrf_of(page.text), "status": "replied"})
    trends = client.get("/trends").text
    assert "Time to first response, last 30 days" in trends
    assert re.search(r"<td>Acme</td><td class=\"num\">1</td>", trends), trends
    assert re.search(r"<td>alice</td><td class=\"num\">1</td>", trends), trends


def test_a_problem_in_cheerful_words_is_not_called_positive(client, seeder) -> None:
    seeder.items(["@Acme wow everything is $0.00 at checkout!! amazing, is this real?"])
    page = client.get("/mentions")
    card = re.search(r'<li class="mention flagged".*?</li>', page.text, re.S)
    assert card, page.text
    assert "positive" not in card.group(0) and "tone" in card.group(0)
    assert card.group(0).index("urgency") < card.group(0).index("tone")  # urgency first
