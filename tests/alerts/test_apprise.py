"""Apprise channels against loopback receivers: an email reaches a local SMTP server, json:// an HTTP one."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session

from monitor import logs
from monitor.alerts.apprise_channel import AppriseSender
from monitor.alerts.dispatch import OutboxDispatcher
from monitor.alerts.messages import delivery_ref
from monitor.alerts.models import AlertDelivery
from monitor.alerts.plain import plain_message
from monitor.alerts.service import enqueue_source_notice
from monitor.alerts.views import IncidentView, MentionView
from monitor.config import ChannelConfig
from tests.alerts.enqueueing import enqueue_seeded

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)  # as tests/alerts/conftest.py seeds


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's naming)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[_Inbox, int]]:
    inbox, port = _Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


async def _deliver(session_factory, http_client, channel: ChannelConfig) -> None:
    dispatcher = OutboxDispatcher(session_factory, http_client, [channel], worker_id="w1")
    try:
        await dispatcher.run_once(NOW)
    finally:
        await dispatcher.close()


async def test_an_apprise_email_reaches_a_local_smtp_server(
    session, session_factory, seed, smtp, http_client
):
    inbox, port = smtp
    mail = ChannelConfig(
        name="care-mail",
        kind="apprise",
        url=f"mailto://127.0.0.1:{port}?from=monitor@example.com&to=care@example.com",
    )
    s = seed(severity=2)
    [row] = enqueue_seeded(
        session, s, [mail], event="incident.opened", now=NOW, why="first post of a sure pricing error"
    )
    session.commit()
    assert row.channel_kind == "apprise" and set(row.payload) == {"title", "text"}
    await _deliver(session_factory, http_client, mail)
    session.refresh(row)
    assert row.status == "delivered" and row.attempts == 1
    [(sender, rcpts, content)] = inbox.messages
    assert sender == "monitor@example.com" and rcpts == ["care@example.com"]
    email = message_from_bytes(content, policy=policy.default)
    assert email["Subject"] == "SEV2 Pricing error at Helzberg — new"
    text = email.get_body(preferencelist=("plain",)).get_content()
    assert "first post of a sure pricing error" in text
    assert "Post 0" in text and f"ref {delivery_ref(row.dedupe_key)}" in text
    html_part = email.get_body(preferencelist=("html",)).get_content()
    assert "<script>" not in html_part  # a post quoting HTML does not become HTML in the mail


async def test_an_apprise_json_url_posts_to_an_http_receiver(
    session, session_factory, seed, server, http_client
):
    hook = ChannelConfig(
        name="teams-ish", kind="apprise", url=f"json://{server.base.removeprefix('http://')}/apprise"
    )
    s = seed(severity=1, category="safety")
    [row] = enqueue_seeded(session, s, [hook], event="incident.opened", now=NOW)
    session.commit()
    await _deliver(session_factory, http_client, hook)
    [received] = server.received("/apprise")
    body = json.loads(received.body)
    assert body["title"] == "SEV1 Safety issue at Helzberg — new" or body["title"].startswith("SEV1 ")
    assert "Helzberg" in body["message"] and f"incident #{s.incident.id}" not in body["title"]
    session.refresh(row)
    assert row.status == "delivered"


async def test_an_apprise_failure_is_retried_then_given_up_without_the_url(
    session, session_factory, seed, server, http_client, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    hook = ChannelConfig(
        name="flaky",
        kind="apprise",
        url=f"json://bot:S3CRETPASS@{server.base.removeprefix('http://')}/down",
    )
    server.script("/down", *(server.reply(500, "boom") for _ in range(3)))
    s = seed()
    [row] = enqueue_seeded(session, s, [hook], event="incident.opened", now=NOW)
    session.commit()
    await _deliver(session_factory, http_client, hook)
    session.refresh(row)
    assert row.status == "pending" and row.attempts == 1 and row.next_attempt_at > NOW  # a retry, backed off
    assert "the json service did not accept the message" in row.last_error
    assert "S3CRETPASS" not in row.last_error
    assert len(server.received("/down")) == 1
    session.execute(AlertDelivery.__table__.update().values(give_up_at=NOW, next_attempt_at=NOW))
    session.commit()
    await _deliver(session_factory, http_client, hook)
    session.refresh(row)
    assert row.status == "failed" and row.last_error.startswith("gave up after 2 attempts")
    assert not [r for r in caplog.records if "S3CRETPASS" in r.getMessage()]


def test_the_plain_message_has_the_brand_the_reason_two_posts_and_the_link(session: Session, seed) -> None:
    s = seed(n_mentions=3)
    view = IncidentView.from_orm(s.incident, brand_name="Helzberg")
    mentions = [MentionView.from_orm(m, source_name="Reddit r/jewelry") for m in s.mentions]
    msg = plain_message(
        event="incident.opened",
        incident=view,
        mentions=mentions,
        incident_url="https://monitor.example/incidents/7",
        why="a sure pricing error on its first post",
    )
    assert msg["title"] == "SEV2 Pricing error at Helzberg — new"
    text = msg["text"]
    assert "Why now: a sure pricing error on its first post" in text
    assert "Reach: 12,400" in text
    assert "Post 0" in text and "Post 1" in text and "Post 2" not in text  # the two most telling posts
    assert "Open incident #" in text and "https://monitor.example/incidents/7" in text
    assert "<script>" not in text and "&lt;script&gt;" in text  # a post's words are not markup
    assert "|" not in text  # no Slack link markup (<url|label>)


def test_tokens_of_apprise_urls_are_masked_in_every_log_line() -> None:
    # Apprise's HTTP client logs its request lines (urllib3, DEBUG) with the token alone
    token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    bot = ChannelConfig(name="tg", kind="apprise", url=f"tgram://{token}/987654")
    mail = ChannelConfig(
        name="mail", kind="apprise", url="mailtos://bot:S3CRETPASS@smtp.example.com?to=a@b.example"
    )
    sender = AppriseSender([bot, mail], timeout=1.0)
    try:
        line = logs.redact(f'https://api.telegram.org:443 "POST /bot{token}/sendMessage HTTP/1.1" 200')
        assert token not in line and "api.telegram.org" in line
        assert "S3CRETPASS" not in logs.redact("login bot S3CRETPASS") and "smtp.example.com" in logs.redact(
            "connect smtp.example.com"
        )
    finally:
        sender.close()


def test_a_source_notice_to_an_apprise_channel_is_plain_text(session: Session, seed) -> None:
    s = seed()
    s.source.state, s.source.error_class, s.source.last_error = "failing", "server", "HTTP 503 from the feed"
    mail = ChannelConfig(
        name="mail", kind="apprise", url="mailto://127.0.0.1:2525?from=m@x.example&to=c@x.example"
    )
    [row] = enqueue_source_notice(
        session, channels=[mail], source=s.source, event="source.failing", give_up_seconds=900, now=NOW
    )
    assert row.payload["title"] == "Source Reddit r/jewelry (reddit) — failing"
    assert row.payload["text"].splitlines()[:3] == [
        "State: failing",
        "Error: server",
        "Reason: HTTP 503 from the feed",
    ]


async def test_a_chat_webhook_service_mattermost_receives_the_message(
    session, session_factory, seed, server, http_client
) -> None:
    # Mattermost's incoming webhooks are Slack-style (POST {"text": ...} to /hooks/<token>) and,
    # unlike Teams or Discord, can be pointed at any host: a loopback stand-in for that family
    hook = ChannelConfig(
        name="mm", kind="apprise", url=f"mmost://{server.base.removeprefix('http://')}/abcdefghijkl"
    )
    s = seed(severity=2)
    [row] = enqueue_seeded(session, s, [hook], event="incident.opened", now=NOW)
    session.commit()
    await _deliver(session_factory, http_client, hook)
    [received] = server.received("/hooks/abcdefghijkl")
    body = json.loads(received.body)
    assert "SEV2 Pricing error at Helzberg — new" in json.dumps(body, ensure_ascii=False)
    assert "Post 0" in body["text"]
    session.refresh(row)
    assert row.status == "delivered"
