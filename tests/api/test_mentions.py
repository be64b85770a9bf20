"""GET /api/mentions: filters, keyset pagination and bad parameters, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.schemas import encode_cursor

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)  # the seeder's clock (tests/api/conftest.py)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def world(seed):
    """Two brands, two sources, a handful of mentions with distinct attributes."""
    acme, zeta = seed.brand("Acme"), seed.brand("Zeta")
    rss, forum = seed.source("rss-news"), seed.source("forum", kind="discourse")
    inc = seed.incident(acme, category="outage")
    m = {
        "down": seed.mention(
            acme,
            rss,
            title="Acme is DOWN",
            text="cannot log in since noon",
            category="outage",
            is_incident=True,
            incident_id=inc.id,
            urgency=0.9,
            sentiment=-0.7,
            published_at=NOW - timedelta(minutes=5),
            reasons=[{"cue": "outage_terms", "weight": 0.4, "evidence": "down"}],
            author="ann",
            author_reach=1200,
            engagement=7,
            url="https://example.com/1",
            needs_reply=True,
            probability=0.93,
            category_probability=0.81,
            language="en",
            model="usem3-heads-test",
        ),
        "price": seed.mention(
            acme,
            forum,
            text="price shows 100% off_sale",
            category="pricing_error",
            urgency=0.6,
            published_at=NOW - timedelta(hours=2),
            opportunity=True,
            language="es-MX",
        ),
        "praise": seed.mention(acme, rss, text="love the new Acme app", published_at=NOW - timedelta(days=2)),
        "zeta": seed.mention(zeta, forum, text="zeta is fine", published_at=NOW - timedelta(minutes=30)),
    }
    seed.session.commit()
    return {"incident": inc, **m}


def _ids(resp) -> list[int]:
    assert resp.status_code == 200, resp.text
    return [item["id"] for item in resp.json()["items"]]


def test_lists_newest_first_with_every_field(client, world):
    resp = client.get("/api/mentions")
    assert _ids(resp) == [world[k].id for k in ("down", "zeta", "price", "praise")]
    body = resp.json()
    assert body["next_cursor"] is None
    first = body["items"][0]
    assert first == {
        "id": world["down"].id,
        "brand": "Acme",
        "source": "rss-news",
        "external_id": world["down"].external_id,
        "url": "https://example.com/1",
        "title": "Acme is DOWN",
        "text": "cannot log in since noon",
        "author": "ann",
        "author_reach": 1200,
        "engagement": 7,
        "published_at": "2025-03-01T11:55:00Z",
        "fetched_at": first["fetched_at"],
        "sentiment": -0.7,
        "urgency": 0.9,
        "category": "outage",
        "incident": True,
        "probability": 0.93,
        "category_probability": 0.81,
        "needs_reply": True,
        "opportunity": False,
        "language": "en",
        "model": "usem3-heads-test",
        "incident_id": world["incident"].id,
        "reasons": [{"cue": "outage_terms", "weight": 0.4, "evidence": "down"}],
        "duplicate_of_id": None,
        "label": None,
        # it needs an answer, so it waits in the reply queue
        "reply": {
            "status": "open",
            "assignee": None,
            "replied_at": None,
            "replied_by": None,
            "url": None,
            "response_seconds": None,
        },
    }
    assert first["fetched_at"].endswith("Z")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"brand": "Zeta"}, ["zeta"]),
        ({"brand": "Nobody"}, []),
        ({"source": "forum"}, ["zeta", "price"]),
        ({"category": "outage"}, ["down"]),
        ({"category": "none"}, ["zeta", "praise"]),
        ({"incident": "true"}, ["down"]),
        ({"incident": "false"}, ["zeta", "price", "praise"]),
        ({"since": "2025-03-01T11:00:00Z"}, ["down", "zeta"]),
        ({"since": "2025-03-01T10:30:00+01:00"}, ["down", "zeta", "price"]),
        ({"until": "2025-03-01T11:55:00Z"}, ["zeta", "price", "praise"]),
        ({"since": "2025-02-28T00:00:00Z", "until": "2025-03-01T11:00:00Z"}, ["price"]),
        ({"min_urgency": "0.6"}, ["down", "price"]),
        ({"q": "acme"}, ["down", "praise"]),
        ({"q": "LOG IN"}, ["down"]),
        ({"q": "100%"}, ["price"]),
        ({"q": "_sale"}, ["price"]),
        ({"q": "%"}, []),  # full text: no word in it, so nothing (docs/search.md)
        ({"brand": "Acme", "source": "rss-news", "min_urgency": "0.5"}, ["down"]),
        ({"needs_reply": "true"}, ["down"]),
        ({"needs_reply": "false"}, ["zeta", "price", "praise"]),
        ({"opportunity": "true"}, ["price"]),
        ({"language": "es"}, ["price"]),
        ({"language": "EN"}, ["down"]),
        ({"language": "pt"}, []),
        ({"needs_reply": "true", "opportunity": "true"}, []),
    ],
)
def test_filters(client, world, params, expected):
    assert _ids(client.get("/api/mentions", params=params)) == [world[k].id for k in expected]


def test_filter_by_incident_id(client, world):
    resp = client.get("/api/mentions", params={"incident_id": world["incident"].id})
    assert _ids(resp) == [world["down"].id]


def test_keyset_pages_have_no_gaps_or_duplicates_with_equal_timestamps(client, seed):
    brand, source = seed.brand(), seed.source()
    # 23 mentions in runs of equal published_at: pages must split inside a run correctly
    for i in range(23):
        seed.mention(brand, source, published_at=NOW - timedelta(minutes=i // 4))
    seed.session.commit()
    expected = _ids(client.get("/api/mentions", params={"limit": 500}))
    assert len(expected) == 23

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 5} | ({"cursor": cursor} if cursor else {})
        body = client.get("/api/mentions", params=params).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == expected
    assert pages == 5


def test_pages_are_stable_while_newer_mentions_arrive(client, seed):
    brand, source = seed.brand(), seed.source()
    older = [seed.mention(brand, source, published_at=NOW - timedelta(minutes=i)) for i in range(6)]
    seed.session.commit()
    first = client.get("/api/mentions", params={"limit": 3}).json()
    assert [i["id"] for i in first["items"]] == [m.id for m in older[:3]]
    seed.mention(brand, source, published_at=NOW + timedelta(minutes=1))  # a new one on top
    seed.mention(brand, source, published_at=older[2].published_at)  # same time as the cut, higher id
    seed.session.commit()
    second = client.get("/api/mentions", params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [i["id"] for i in second["items"]] == [m.id for m in older[3:]]
    assert second["next_cursor"] is None


def test_cursor_combines_with_filters(client, seed):
    brand, other, source = seed.brand("Acme"), seed.brand("Zeta"), seed.source()
    mine = []
    for i in range(10):
        mine.append(seed.mention(brand, source, published_at=NOW - timedelta(minutes=i)))
        seed.mention(other, source, published_at=NOW - timedelta(minutes=i))
    seed.session.commit()
    page1 = client.get("/api/mentions", params={"brand": "Acme", "limit": 6}).json()
    page2 = client.get(
        "/api/mentions", params={"brand": "Acme", "limit": 6, "cursor": page1["next_cursor"]}
    ).json()
    assert [i["id"] for i in page1["items"] + page2["items"]] == [m.id for m in mine]


@pytest.mark.parametrize(
    ("params", "field", "reason"),
    [
        ({"limit": "0"}, "limit", "greater than or equal to 1"),
        ({"limit": "501"}, "limit", "less than or equal to 500"),
        ({"limit": "abc"}, "limit", "valid integer"),
        ({"since": "yesterday"}, "since", "datetime"),
        ({"since": "2025-03-01T10:00:00"}, "since", "timezone required"),
        ({"until": "2025-03-01"}, "until", "timezone required"),
        ({"min_urgency": "2"}, "min_urgency", "less than or equal to 1"),
        ({"min_urgency": "-0.1"}, "min_urgency", "greater than or equal to 0"),
        ({"category": "nonsense"}, "category", "unknown category 'nonsense'"),
        ({"cursor": "garbage"}, "cursor", "invalid cursor"),
        ({"cursor": encode_cursor(5)}, "cursor", "invalid cursor"),
        ({"cursor": encode_cursor("x", 1)}, "cursor", "invalid cursor"),
        ({"incident": "maybe"}, "incident", "valid boolean"),
        ({"incident_id": "0"}, "incident_id", "greater than or equal to 1"),
        ({"q": ""}, "q", "at least 1 character"),
        ({"needs_reply": "perhaps"}, "needs_reply", "valid boolean"),
        ({"opportunity": "2"}, "opportunity", "valid boolean"),
        ({"language": "e$"}, "language", "should match pattern"),
        ({"language": "english"}, "language", "should match pattern"),
    ],
)
def test_bad_parameters_are_422_with_the_reason(client, params, field, reason):
    resp = client.get("/api/mentions", params=params)
    assert resp.status_code == 422, resp.text
    [error] = resp.json()["detail"]
    assert error["loc"] == ["query", field]
    assert reason in error["msg"]
