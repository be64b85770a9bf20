"""POST /api/mentions/{id}/label: the team corrects a score; the latest value of each field wins."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from monitor.mentions.models import MentionLabel


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def mention(seed):
    m = seed.mention(seed.brand("Acme"), seed.source(), text="Acme charged me twice", is_incident=False)
    seed.session.commit()
    return m


def test_a_category_marks_an_incident_and_shows_who_and_when(client, mention):
    resp = client.post(f"/api/mentions/{mention.id}/label", json={"category": "billing", "by": "dana"})
    assert resp.status_code == 200, resp.text
    label = resp.json()["label"]
    assert label["incident"] is True and label["category"] == "billing"
    assert label["needs_reply"] is None and label["opportunity"] is None
    assert label["labeled_by"] == "dana" and label["labeled_at"].endswith("Z")
    # the detector's own verdict is kept beside the correction, not overwritten
    assert resp.json()["incident"] is False
    assert client.get(f"/api/mentions/{mention.id}").json()["label"] == label


def test_later_labels_win_field_by_field(client, mention, session):
    url = f"/api/mentions/{mention.id}/label"
    assert client.post(url, json={"category": "billing", "needs_reply": True}).status_code == 200
    label = client.post(url, json={"incident": False, "by": "lee"}).json()["label"]
    assert label == label | {"incident": False, "category": None, "needs_reply": True, "labeled_by": "lee"}
    # the history is kept: two rows, never updated
    rows = session.scalars(select(MentionLabel).where(MentionLabel.mention_id == mention.id)).all()
    assert [(r.incident, r.category, r.labeled_by) for r in rows] == [
        (None, "billing", "api"),
        (False, None, "lee"),
    ]


def test_the_caller_is_the_labeler_when_no_name_is_given(make_client, mention):
    client = make_client(api={"api_keys": ["key-for-dana-0123456789"]})
    headers = {"Authorization": "Bearer key-for-dana-0123456789"}
    resp = client.post(f"/api/mentions/{mention.id}/label", json={"opportunity": True}, headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.json()["label"]["labeled_by"].startswith("key:")
    assert client.post(f"/api/mentions/{mention.id}/label", json={"opportunity": True}).status_code == 401


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({}, "give at least one of incident, category, needs_reply, opportunity"),
        ({"category": "weather"}, "unknown category 'weather'"),
        ({"incident": False, "category": "billing"}, "incident=false cannot have one"),
        ({"incident": "yes please"}, "valid boolean"),
        ({"urgency": 0.9}, "Extra inputs are not permitted"),
        ({"needs_reply": True, "by": ""}, "at least 1 character"),
    ],
)
def test_bad_labels_are_422_with_the_reason(client, mention, body, reason):
    resp = client.post(f"/api/mentions/{mention.id}/label", json=body)
    assert resp.status_code == 422, resp.text
    assert reason in str(resp.json()["detail"])


def test_unknown_mention_is_404(client, mention):
    resp = client.post(f"/api/mentions/{mention.id + 1000}/label", json={"incident": True})
    assert resp.status_code == 404
    assert resp.json()["detail"] == f"mention {mention.id + 1000} not found"
    assert client.get(f"/api/mentions/{mention.id + 1000}").status_code == 404
