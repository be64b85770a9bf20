"""The reply queue: who is waiting for an answer, marking replies, and time to first response."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.brands.models import Brand
from monitor.mentions.labels import add_label
from monitor.mentions.models import Mention
from monitor.replies.service import (
    ReplyError,
    reply_state,
    reply_stats,
    response_seconds,
    update_reply,
    waiting,
)
from tests.incidents.conftest import T0, MakeMention


def _queue(session: Session) -> list[int]:
    return list(session.scalars(select(Mention.id).where(waiting()).order_by(Mention.id)))


def test_the_queue_holds_what_the_detector_or_a_person_says_needs_an_answer(
    session: Session, make_mention: MakeMention
) -> None:
    question = make_mention(T0, None, needs_reply=True)
    chance = make_mention(T0, None, opportunity=True)
    chatter = make_mention(T0, None)
    assert _queue(session) == [question.id, chance.id]
    assert [reply_state(m) for m in (question, chance, chatter)] == ["open", "open", None]
    # a person opens the chatter (it did need an answer) and closes the opportunity
    update_reply(session, mention_id=chatter.id, by="ana", now=T0, status="open")
    update_reply(session, mention_id=chance.id, by="ana", now=T0, status="no_reply")
    assert _queue(session) == [question.id, chatter.id]


def test_replied_keeps_the_first_answer_time_and_takes_a_link(
    session: Session, make_mention: MakeMention
) -> None:
    m = make_mention(T0, None, needs_reply=True)
    update_reply(session, mention_id=m.id, by="ana", now=T0 + timedelta(minutes=12), status="replied")
    assert (m.reply_status, m.replied_by, response_seconds(m)) == ("replied", "ana", 720.0)
    # a later "replied" adds the link but the first response time stands
    update_reply(
        session,
        mention_id=m.id,
        by="ben",
        now=T0 + timedelta(hours=2),
        status="replied",
        url="https://x.com/Kessler/status/1",
    )
    assert (m.replied_by, response_seconds(m), m.reply_url) == (
        "ana",
        720.0,
        "https://x.com/Kessler/status/1",
    )
    assert _queue(session) == []
    # reopening clears the reply
    update_reply(session, mention_id=m.id, by="ana", now=T0 + timedelta(hours=3), status="open")
    assert (m.replied_at, m.reply_url, response_seconds(m)) == (None, None, None)


def test_assigning_and_unassigning(session: Session, make_mention: MakeMention) -> None:
    m = make_mention(T0, None, needs_reply=True)
    update_reply(session, mention_id=m.id, by="ana", now=T0, assignee=" ben ")
    assert m.reply_assignee == "ben" and reply_state(m) == "open"
    update_reply(session, mention_id=m.id, by="ana", now=T0, assignee="")
    assert m.reply_assignee is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": "replied", "url": "javascript:alert(1)"}, r"url must be an http\(s\) link"),
        ({"status": "no_reply", "url": "https://x.com/1"}, "give it with status 'replied'"),
        ({"url": "https://x.com/1"}, "mark the mention replied first"),
    ],
)
def test_bad_updates_name_the_problem(
    session: Session, make_mention: MakeMention, kwargs: dict, message: str
) -> None:
    m = make_mention(T0, None, needs_reply=True)
    with pytest.raises(ReplyError, match=message):
        update_reply(session, mention_id=m.id, by="ana", now=T0, **kwargs)
    with pytest.raises(LookupError):
        update_reply(session, mention_id=m.id + 1000, by="ana", now=T0, status="replied")


def test_labels_move_mentions_in_and_out_of_the_queue(session: Session, make_mention: MakeMention) -> None:
    missed = make_mention(T0, None)  # the detector missed a question
    wrong = make_mention(T0, None, needs_reply=True)  # and saw one that is not
    add_label(session, mention_id=missed.id, by="ana", now=T0, needs_reply=True)
    add_label(session, mention_id=wrong.id, by="ana", now=T0, needs_reply=False)
    assert _queue(session) == [missed.id]
    # an answered post stays answered whatever the label says later
    update_reply(session, mention_id=missed.id, by="ana", now=T0, status="replied")
    add_label(session, mention_id=missed.id, by="ben", now=T0, needs_reply=True)
    assert missed.reply_status == "replied"


def test_time_to_first_response_per_brand_and_teammate(
    session: Session, make_mention: MakeMention, brand: Brand
) -> None:
    other = Brand(name="Harbor Steakhouse", query="harbor", handles=[], created_at=T0 - timedelta(days=30))
    session.add(other)
    session.flush()
    waits = {"ana": [5, 10, 15, 20, 60], "ben": [30]}
    for who, minutes in waits.items():
        for i, wait in enumerate(minutes):
            at = T0 + timedelta(hours=i)
            m = make_mention(at, None, needs_reply=True, brand_id=other.id if who == "ben" else brand.id)
            update_reply(session, mention_id=m.id, by=who, now=at + timedelta(minutes=wait), status="replied")
    make_mention(T0, None, needs_reply=True)  # still waiting
    old = make_mention(T0 - timedelta(days=40), None, needs_reply=True)
    update_reply(session, mention_id=old.id, by="ana", now=T0 - timedelta(days=40), status="replied")

    stats = reply_stats(session, now=T0 + timedelta(days=1))
    assert stats.waiting == 1
    [kessler, harbor] = stats.by_brand
    assert (kessler.key, kessler.replied, kessler.median_seconds) == ("Kessler Jewelers", 5, 15 * 60)
    assert kessler.p90_seconds == pytest.approx((20 + 0.6 * 40) * 60)  # between the 4th and 5th
    assert (harbor.key, harbor.replied, harbor.median_seconds, harbor.p90_seconds) == (
        "Harbor Steakhouse",
        1,
        1800.0,
        1800.0,
    )
    assert [t.key for t in stats.by_teammate] == ["ana", "ben"]
    only = reply_stats(session, now=T0 + timedelta(days=1), brand_id=other.id)
    assert [b.key for b in only.by_brand] == ["Harbor Steakhouse"] and only.waiting == 0
