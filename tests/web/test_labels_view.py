"""Correcting a score from the dashboard: the label bar on mention cards and its form endpoint."""

from __future__ import annotations

import re

from sqlalchemy import select

from monitor.mentions.models import MentionLabel
from tests.web.conftest import csrf_of


def _ids(html: str) -> list[str]:
    return re.findall(r'<li class="mention[^"]*" data-id="(\d+)"', html)


def test_cards_carry_the_label_bar_and_a_click_records_who(client, seeder, session_factory) -> None:
    seeder.items(["Acme kettle handle melted and burned my hand", "Acme opened a new store downtown"])
    page = client.get("/mentions?brand=Acme")
    assert page.status_code == 200, page.text
    assert page.text.count('class="label-bar"') == 2
    mid = _ids(page.text)[0]
    resp = client.post(
        f"/mentions/{mid}/label",
        data={"csrf": csrf_of(page.text), "next": "/mentions?brand=Acme", "opportunity": "true"},
        follow_redirects=False,
    )
    assert resp.status_code == 303 and resp.headers["location"] == f"/mentions?brand=Acme#m{mid}"
    again = client.get("/mentions?brand=Acme")
    assert again.status_code == 200, again.text
    assert "corrected by alice" in again.text
    with session_factory() as s:
        [label] = s.scalars(select(MentionLabel)).all()
        assert (label.mention_id, label.opportunity, label.labeled_by) == (int(mid), True, "alice")


def test_bad_label_forms_are_refused(client, seeder) -> None:
    seeder.items(["Acme opened a new store downtown"])
    page = client.get("/mentions")
    mid = _ids(page.text)[0]
    csrf = csrf_of(page.text)
    for data, status in (
        ({"csrf": csrf}, 400),
        ({"csrf": csrf, "category": "weather"}, 400),
        ({"csrf": csrf, "needs_reply": "maybe"}, 400),
        ({"incident": "false"}, 403),
    ):
        assert client.post(f"/mentions/{mid}/label", data=data, follow_redirects=False).status_code == status
    assert client.post("/mentions/999999/label", data={"csrf": csrf, "incident": "true"}).status_code == 404
    # a `next` off this site is not followed
    resp = client.post(
        f"/mentions/{mid}/label",
        data={"csrf": csrf, "incident": "true", "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert resp.headers["location"] == f"/#m{mid}"
