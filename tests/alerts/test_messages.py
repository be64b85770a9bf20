"""Message builders: pure, no database or HTTP."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from monitor.alerts.messages import (
    IncidentView,
    MentionView,
    SourceView,
    category_label,
    delivery_ref,
    event_label,
    slack_escape,
    slack_message,
    source_notice,
    stamp_delivery,
    top_reasons,
    truncate,
    webhook_payload,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
INCIDENT = IncidentView(
    id=42,
    brand="Marlow & Finch",
    category="pricing_error",
    severity=2,
    status="open",
    mention_count=3,
    reach=12_400,
    first_seen_at=NOW - timedelta(minutes=30),
    last_seen_at=NOW,
)


def mention(i: int = 0, **kw: object) -> MentionView:
    fields: dict[str, object] = {
        "id": 100 + i,
        "text": "everything is $0.00 at checkout <script>alert(1)</script> & co",
        "url": f"https://reddit.example/r/x/{i}?a=1&b=2",
        "author": "jane",
        "author_reach": 15_000,
        "source": "Reddit r/jewelry",
        "published_at": NOW - timedelta(minutes=i),
        "sentiment": -0.5,
        "urgency": 0.9,
        "title": "Glitch?",
        "reasons": (
            {"cue": "direct.question", "weight": 0.2, "evidence": "@MarlowFinch is this real"},
            {"cue": "model.pricing_error", "weight": 0.97, "evidence": "p=0.97"},
            {"cue": "price_anomaly.zero_total", "weight": 0.7, "evidence": "$0.00"},
            {"cue": "vader.negative", "weight": -0.1, "evidence": None},
        ),
    }
    return MentionView(**(fields | kw))  # type: ignore[arg-type]


def _all_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_slack_message_is_block_kit_with_header_section_context_actions() -> None:
    msg = slack_message(
        event="incident.opened",
        incident=INCIDENT,
        mentions=[mention(0), mention(1)],
        incident_url="https://monitor.example/incidents/42",
    )
    assert set(msg) == {"text", "blocks"}
    blocks = msg["blocks"]
    assert isinstance(blocks, list) and 0 < len(blocks) <= 50
    types = [b["type"] for b in blocks]
    assert types[0] == "header" and "section" in types and "context" in types and types[-1] == "actions"
    assert set(types) <= {"header", "section", "context", "divider", "actions"}
    header = blocks[0]["text"]
    assert header["type"] == "plain_text" and len(header["text"]) <= 150
    assert (
        "SEV2" in header["text"] and "Pricing error" in header["text"] and "Marlow & Finch" in header["text"]
    )
    assert "new" in header["text"]
    for b in blocks:
        if b["type"] == "section":
            assert "text" in b or "fields" in b
            for t in [b.get("text")] + b.get("fields", []):
                if t:
                    assert t["type"] == "mrkdwn" and len(t["text"]) <= 3000
        if b["type"] == "context":
            assert 1 <= len(b["elements"]) <= 10
    button = blocks[-1]["elements"][0]
    assert button["type"] == "button" and button["text"]["text"] == "Open incident"
    assert button["url"] == "https://monitor.example/incidents/42"
    assert msg["text"] == "SEV2 pricing error at Marlow &amp; Finch: 3 mentions (new)"


def test_slack_message_lists_mentions_with_links_quotes_authors_and_reasons() -> None:
    msg = slack_message(
        event="incident.escalated", incident=INCIDENT, mentions=[mention(0)], incident_url=None
    )
    text = _all_text(msg["blocks"])
    assert "<https://reddit.example/r/x/0?a=1&b=2|Glitch?>" in text
    assert "\\n>everything is $0.00 at checkout" in text
    assert "jane (15k followers)" in text
    # strongest reasons first, by absolute weight, at most three, in words (no cue ids, no p=)
    assert (
        "why: reads as pricing error (97%), a zero total “$0.00”, a question to the brand “@MarlowFinch is"
        in text
    )
    assert "negative tone" not in text and "model." not in text and "p=0.97" not in text
    assert "escalated" in msg["blocks"][0]["text"]["text"]
    assert msg["blocks"][-1]["type"] != "actions"  # no incident URL, no button


def test_slack_message_escapes_mrkdwn_in_user_text() -> None:
    evil = mention(0, text="<script>x</script> <!channel> & <https://evil.example|click>", author="<@U123>")
    msg = slack_message(event="incident.opened", incident=INCIDENT, mentions=[evil], incident_url=None)
    text = _all_text(msg["blocks"])
    assert "<script>" not in text and "<!channel>" not in text and "<@U123>" not in text
    assert "&lt;script&gt;x&lt;/script&gt; &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;" in text
    assert "&lt;@U123&gt;" in text
    assert "Marlow &amp; Finch" in text


def test_slack_message_caps_mentions_and_quote_length() -> None:
    long = mention(0, text="word " * 200)
    msg = slack_message(
        event="incident.opened",
        incident=INCIDENT,
        mentions=[long] + [mention(i) for i in range(1, 8)],
        incident_url=None,
    )
    quotes = [b["text"]["text"] for b in msg["blocks"] if b["type"] == "section" and "text" in b]
    assert len(quotes) == 5
    quote = quotes[0].split("\n>", 1)[1]
    assert len(quote) <= 280 and quote.endswith("…")
    assert "and 3 more" in _all_text(msg["blocks"])


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("javascript:alert(1)", "Glitch?"),  # not http(s): label only, no link
        ("https://x.example/a|b>c", "<https://x.example/a%7Cb%3Ec|Glitch?>"),
        (None, "Glitch?"),
    ],
)
def test_mention_links_are_http_only_and_cannot_break_out(url: str | None, expected: str) -> None:
    msg = slack_message(
        event="incident.opened", incident=INCIDENT, mentions=[mention(0, url=url)], incident_url=None
    )
    head = msg["blocks"][4]["text"]["text"].split("\n")[0]
    assert head == f"*{expected}*"


def test_resolved_and_regressed_events() -> None:
    resolved = slack_message(
        event="incident.resolved",
        incident=INCIDENT,
        mentions=[],
        incident_url="https://m.example/incidents/42",
    )
    assert resolved["blocks"][0]["text"]["text"].startswith(":white_check_mark: SEV2")
    assert "style" not in resolved["blocks"][-1]["elements"][0]
    regressed = IncidentView(**(INCIDENT.__dict__ | {"regressed": True}))
    msg = slack_message(event="incident.regressed", incident=regressed, mentions=[], incident_url=None)
    assert "regressed" in msg["blocks"][0]["text"]["text"]
    assert "(regressed)" in _all_text(msg["blocks"])


def test_webhook_payload_shape() -> None:
    payload = webhook_payload(
        event="incident.opened",
        incident=INCIDENT,
        mentions=[mention(0)],
        incident_url="https://m.example/incidents/42",
        delivery_key="hook:incident:42:v1",
    )
    assert set(payload) == {"event", "id", "incident", "mentions", "incident_url", "reason"}
    assert payload["id"] == "hook:incident:42:v1" and payload["event"] == "incident.opened"
    inc = payload["incident"]
    assert inc["brand"] == "Marlow & Finch" and inc["category"] == "pricing_error"
    assert inc["category_label"] == "Pricing error" and inc["severity_label"] == "SEV2"
    assert inc["first_seen_at"] == "2025-03-01T11:30:00+00:00"
    m = payload["mentions"][0]
    assert m["text"].startswith("everything is $0.00") and "<script>" in m["text"]  # raw, not Slack-escaped
    assert m["source"] == "Reddit r/jewelry" and m["author_reach"] == 15_000
    assert m["reasons"][0] == {
        "cue": "direct.question",
        "weight": 0.2,
        "evidence": "@MarlowFinch is this real",
        "text": "a question to the brand",
    }
    json.dumps(payload)  # serialisable


SOURCE = SourceView(
    id=7,
    name="Reddit r/jewelry",
    kind="reddit",
    state="auth_failed",
    error_class="auth",
    last_error="HTTP 401 <invalid token>",
    last_success_at=NOW - timedelta(hours=2),
    last_error_at=NOW,
    consecutive_errors=3,
)


def test_source_notice_slack_and_webhook() -> None:
    slack = source_notice(event="source.auth_failed", source=SOURCE, kind="slack")
    assert slack["blocks"][0]["type"] == "header"
    assert "authentication failed" in slack["blocks"][0]["text"]["text"]
    body = slack["blocks"][1]["text"]["text"]
    assert "*Error:* auth" in body and "HTTP 401 &lt;invalid token&gt;" in body and "<!date^" in body
    assert "Reddit r/jewelry" in slack["text"]
    hook = source_notice(event="source.auth_failed", source=SOURCE, kind="webhook", delivery_key="k")
    assert hook["event"] == "source.auth_failed" and hook["id"] == "k"
    assert hook["source"]["reason"] == "HTTP 401 <invalid token>"
    assert hook["source"]["last_success_at"] == "2025-03-01T10:00:00+00:00"
    ok = SourceView(**(SOURCE.__dict__ | {"state": "ok"}))
    recovered = source_notice(event="source.recovered", source=ok, kind="slack")
    assert "recovered" in recovered["text"] and "Reason" not in recovered["blocks"][1]["text"]["text"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (("category", "pricing_error"), "Pricing error"),
        (("category", "order_problem"), "Order problem"),
        (("category", "security"), "Security issue"),
        (("event", "incident.opened"), "new"),
        (("event", "incident.escalated"), "escalated"),
        (("event", "source.auth_failed"), "authentication failed"),
        (("escape", "a < b & c > d"), "a &lt; b &amp; c &gt; d"),
        (("truncate", "  many   spaces\nand lines "), "many spaces and lines"),
    ],
)
def test_helpers(given: tuple[str, str], expected: str) -> None:
    fn = {"category": category_label, "event": event_label, "escape": slack_escape}.get(given[0])
    assert (fn(given[1]) if fn else truncate(given[1], 100)) == expected


def test_top_reasons_tolerates_bad_weights() -> None:
    reasons = [{"cue": "a", "weight": "x"}, {"cue": "b", "weight": 0.5}, {"cue": "c"}]
    assert [r["cue"] for r in top_reasons(reasons)] == ["b", "a", "c"]


def test_stamp_delivery_gives_every_attempt_the_same_identity() -> None:
    key = "social:incident:42:v3"
    slack = slack_message(event="incident.opened", incident=INCIDENT, mentions=[], incident_url=None)
    first = stamp_delivery(slack, kind="slack", delivery_key=key)
    assert first == stamp_delivery(slack, kind="slack", delivery_key=key)  # a retry: identical
    assert first["text"] == slack["text"] and first["blocks"][:-1] == slack["blocks"]
    footer = first["blocks"][-1]
    assert footer["type"] == "context"
    assert footer["elements"][0]["text"].startswith(f"ref {delivery_ref(key)} · ")
    assert re.fullmatch(r"[0-9a-f]{10}", delivery_ref(key))
    assert delivery_ref(key) != delivery_ref("social:incident:42:v4")  # the next state is a new message
    assert slack["blocks"][-1] != footer  # the stored payload is left as it was

    plain = stamp_delivery({"text": "hi"}, kind="slack", delivery_key=key)
    assert plain == {
        "text": f"hi\n_ref {delivery_ref(key)} · a message with the same ref is a resend of this one_"
    }

    hook = webhook_payload(
        event="incident.opened", incident=INCIDENT, mentions=[], incident_url=None, delivery_key=key
    )
    assert stamp_delivery(hook, kind="webhook", delivery_key=key) == hook  # already carries its id
    assert stamp_delivery({"event": "x"}, kind="webhook", delivery_key=key) == {"event": "x", "id": key}


def test_slack_message_says_why_it_fired_and_hides_an_unknown_reach() -> None:
    unknown = IncidentView(**(INCIDENT.__dict__ | {"reach": 0}))
    msg = slack_message(
        event="incident.opened",
        incident=unknown,
        mentions=[mention(0, author="noreply@blogger.com (Jane Roe)", author_reach=None)],
        incident_url=None,
        why="6 reports in 7 days (threshold 6)",
    )
    text = _all_text(msg["blocks"])
    assert "*Why now*\\n6 reports in 7 days (threshold 6)" in text
    assert "Reach" not in text  # unknown is not "0 people saw it"
    assert "Jane Roe" in text and "blogger.com" not in text
    known = _all_text(
        slack_message(event="incident.opened", incident=INCIDENT, mentions=[], incident_url=None)["blocks"]
    )
    assert "*Reach*\\n12k" in known and "Why now" not in known
    hook = webhook_payload(
        event="incident.opened",
        incident=unknown,
        mentions=[mention(0)],
        incident_url=None,
        delivery_key="k",
        why="the detector is sure of it (0.99)",
    )
    assert hook["reason"] == "the detector is sure of it (0.99)" and hook["incident"]["reach"] is None
    assert hook["mentions"][0]["reasons"][0]["text"] == "a question to the brand"
