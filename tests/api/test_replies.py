"""The reply queue over the API: list what waits, mark replied / no reply / assign, response times."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def posts(seed):
    brand, source = seed.brand("Harbor Steakhouse"), seed.source()
    made = {
        "question": seed.mention(
            brand, source, text="@HarborSteak is the bar open on Monday?", needs_reply=True
        ),
        "steak": seed.mention(
            brand, source, text="@HarborSteak can you bring a steak to gate B12?", opportunity=True
        ),
        "chatter": seed.mention(brand, source, text="Harbor Steakhouse crab cakes are unreal"),
    }
    seed.session.commit()
    return made


def _ids(resp) -> list[int]:
    assert resp.status_code == 200, resp.text
    return [m["id"] for m in resp.json()["items"]]


def test_the_queue_lists_posts_waiting_for_an_answer(client, posts):
    waiting = {posts["question"].id, posts["steak"].id}
    assert set(_ids(client.get("/api/mentions", params={"reply": "open"}))) == waiting
    # the form: posts that need an answer and have none yet
    assert _ids(client.get("/api/mentions", params={"needs_reply": "true", "replied": "false"})) == [
        posts["question"].id
    ]
    item = client.get(f"/api/mentions/{posts['steak'].id}").json()
    assert item["opportunity"] is True and item["reply"]["status"] == "open"
    assert client.get(f"/api/mentions/{posts['chatter'].id}").json()["reply"] is None


def test_marking_replied_with_a_link_measures_the_response_time(client, posts):
    url = f"/api/mentions/{posts['question'].id}/reply"
    resp = client.post(
        url, json={"status": "replied", "url": "https://x.com/HarborSteak/status/9", "by": "ana"}
    )
    assert resp.status_code == 200, resp.text
    reply = resp.json()["reply"]
    assert reply["status"] == "replied" and reply["replied_by"] == "ana"
    assert reply["url"] == "https://x.com/HarborSteak/status/9" and reply["response_seconds"] > 0
    assert _ids(client.get("/api/mentions", params={"reply": "open"})) == [posts["steak"].id]
    assert _ids(client.get("/api/mentions", params={"replied": "true"})) == [posts["question"].id]
    stats = client.get("/api/replies/stats").json()
    assert stats["waiting"] == 1
    assert [(b["key"], b["replied"]) for b in stats["by_brand"]] == [("Harbor Steakhouse", 1)]
    assert [t["key"] for t in stats["by_teammate"]] == ["ana"]
    assert client.get("/api/replies/stats", params={"brand": "Nope"}).status_code == 404


def test_no_reply_needed_and_assigning(client, posts):
    url = f"/api/mentions/{posts['steak'].id}/reply"
    assert client.post(url, json={"assignee": "ben"}).json()["reply"]["assignee"] == "ben"
    assert _ids(client.get("/api/mentions", params={"assignee": "ben"})) == [posts["steak"].id]
    assert client.post(url, json={"status": "no_reply"}).json()["reply"]["status"] == "no_reply"
    assert _ids(client.get("/api/mentions", params={"reply": "no_reply"})) == [posts["steak"].id]
    # and back into the queue
    assert client.post(url, json={"status": "open"}).json()["reply"]["status"] == "open"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({}, "give at least one of status, url, assignee"),
        ({"status": "done"}, "Input should be 'open', 'replied' or 'no_reply'"),
        ({"status": "replied", "url": "javascript:alert(1)"}, "url must be an http(s) link"),
        ({"url": "https://x.com/1"}, "mark the mention replied first"),
        ({"status": "replied", "extra": 1}, "Extra inputs are not permitted"),
    ],
)
def test_bad_reply_bodies_are_422_naming_the_problem(client, posts, body, detail):
    resp = client.post(f"/api/mentions/{posts['question'].id}/reply", json=body)
    assert resp.status_code == 422 and detail in resp.text, resp.text


def test_unknown_mention_is_404(client, posts):
    assert client.post("/api/mentions/999999/reply", json={"status": "replied"}).status_code == 404
