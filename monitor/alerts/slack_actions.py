"""POST /slack/actions: the Slack app's Request URL for button clicks on incident messages.

Slack sends a form with one field, `payload=<JSON>` (a `block_actions` interaction), signed with
the app's signing secret (slack_signature.py). We check the signature, act on the incident, answer
200 — Slack shows the clicker an error after 3 seconds, so an action still running after
ANSWER_WITHIN is answered first and finished after — and then replace the clicked message through
its `response_url` (slack_api.py), once the answer has gone out.

Not an API route: no API key (Slack cannot send one), no Origin check (monitor/security.py exempts
exactly this path); the signature is the authentication. Without a `[slack]` section it is 404.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import unicodedata
from typing import Any
from urllib.parse import parse_qs

import httpx
from fastapi import APIRouter, BackgroundTasks, FastAPI, HTTPException, Request, status
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from monitor.alerts.slack_api import MessageRef, replace_message, tell_user
from monitor.alerts.slack_buttons import ACTIONS
from monitor.alerts.slack_incident import ActionResult, act
from monitor.alerts.slack_signature import ReplayGuard, SignatureError, verify
from monitor.config import AppConfig, SlackAppConfig
from monitor.db import utcnow
from monitor.security import SIGNED_BY_SLACK as SLACK_ACTIONS_PATH  # the one path exempt from Origin checks

ANSWER_WITHIN = 2.0  # seconds; Slack shows the clicker an error after 3
_UNCHANGED = "Nothing was changed."
MAX_BODY = 1 << 20  # a block_actions payload carries the whole message: tens of KiB at most

log = logging.getLogger(__name__)
router = APIRouter(tags=["slack"])


def _replays(app: FastAPI) -> ReplayGuard:
    guard = getattr(app.state, "slack_replays", None)
    if guard is None:
        guard = app.state.slack_replays = ReplayGuard()
    return guard


async def _read_body(request: Request) -> bytes:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail="request body over 1 MiB")
    return body


def _payload(body: bytes) -> dict[str, Any]:
    """The `payload` form field as JSON; 400 naming what is wrong."""
    try:
        fields = parse_qs(body.decode("utf-8"), strict_parsing=bool(body), max_num_fields=10)
        payload = json.loads(fields["payload"][0])
    except (UnicodeDecodeError, ValueError, KeyError) as exc:
        detail = "expected a form body payload=<JSON interaction payload>"
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=f"{detail} ({type(exc).__name__})") from None
    if not isinstance(payload, dict):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="the payload is not a JSON object")
    return payload


def _text(value: Any, limit: int) -> str:
    """A printable one-line string from a payload field (nothing from Slack reaches a log line raw)."""
    text = "".join(c for c in str(value or "") if unicodedata.category(c)[0] != "C")
    return text.strip()[:limit]


def actor(user: Any) -> str:
    """Who clicked, as stored on the incident: `slack:U123 (ana)`."""
    user = user if isinstance(user, dict) else {}
    uid = _text(user.get("id"), 40) or "unknown"
    name = _text(user.get("username") or user.get("name"), 80)
    return f"slack:{uid} ({name})" if name else f"slack:{uid}"


def _message_ref(payload: dict[str, Any]) -> MessageRef:
    container = payload.get("container") if isinstance(payload.get("container"), dict) else {}
    channel = payload.get("channel") if isinstance(payload.get("channel"), dict) else {}
    url = payload.get("response_url")
    return MessageRef(
        response_url=url if isinstance(url, str) and url.startswith(("https://", "http://")) else None,
        channel=_text(channel.get("id") or container.get("channel_id"), 40) or None,
        ts=_text(container.get("message_ts"), 40) or None,
    )


def _ephemeral(text: str) -> JSONResponse:
    # Slack shows what comes through response_url; the body says the same for logs and tools
    return JSONResponse({"response_type": "ephemeral", "replace_original": False, "text": text})


@router.post(SLACK_ACTIONS_PATH, include_in_schema=False)
async def slack_actions(request: Request, background: BackgroundTasks) -> Response:
    """Verify a Slack button click, act on the incident, then replace the message in place."""
    config: AppConfig = request.app.state.config
    slack: SlackAppConfig | None = config.slack
    if slack is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail="the Slack app is not configured ([slack] section)"
        )
    body = await _read_body(request)
    now = time.time()
    try:
        timestamp, signature = verify(
            slack.signing_secret.get_secret_value(), headers=request.headers, body=body, now=now
        )
    except SignatureError as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=f"Slack signature refused: {exc}") from None
    if not _replays(request.app).first_use(timestamp, signature, now=now):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, detail="Slack signature refused: this request was already received"
        )
    payload = _payload(body)
    actions = payload.get("actions") if payload.get("type") == "block_actions" else None
    ours = [a for a in actions or [] if isinstance(a, dict) and a.get("action_id") in ACTIONS]
    if not ours:  # another interaction, or the "Open incident" link: nothing to do
        return Response(status_code=status.HTTP_200_OK)
    ref, client = _message_ref(payload), request.app.state.http
    value = str(ours[0].get("value") or "")
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        result = ActionResult(problem="This button does not name an incident; nothing was changed.")
    else:
        work = asyncio.ensure_future(
            run_in_threadpool(
                _act_and_commit,
                request.app,
                action=str(ours[0]["action_id"]),
                incident_id=int(value),
                by=actor(payload.get("user")),
            )
        )
        try:
            result = await asyncio.wait_for(asyncio.shield(work), ANSWER_WITHIN)
        except TimeoutError:  # a huge incident or a slow database: answer now, finish after
            background.add_task(_finish_late, work, client, ref, slack)
            return Response(status_code=status.HTTP_200_OK)
    background.add_task(_follow_up, client, ref, result, slack)
    if result.message is None:
        return _ephemeral(result.problem or _UNCHANGED)
    return Response(status_code=status.HTTP_200_OK)


async def _follow_up(
    client: httpx.AsyncClient, ref: MessageRef, result: ActionResult, slack: SlackAppConfig
) -> None:
    """After the answer: replace the clicked message, or tell the clicker why nothing changed."""
    if result.message is None:
        await tell_user(client, ref, result.problem or _UNCHANGED)
        return
    token = slack.bot_token.get_secret_value() if slack.bot_token else None
    await replace_message(client, ref, result.message, api_url=slack.api_url, bot_token=token)


async def _finish_late(
    work: asyncio.Future[ActionResult], client: httpx.AsyncClient, ref: MessageRef, slack: SlackAppConfig
) -> None:
    try:
        result = await work
    except Exception:
        log.exception("slack action failed after the answer", extra={"channel": ref.channel})
        result = ActionResult(
            problem="The monitor could not change the incident; try again or use the dashboard."
        )
    await _follow_up(client, ref, result, slack)


def _act_and_commit(app: FastAPI, *, action: str, incident_id: int, by: str) -> ActionResult:
    with app.state.session_factory() as session:
        result = act(
            session, action=action, incident_id=incident_id, by=by, config=app.state.config, now=utcnow()
        )
        if result.message is not None:
            session.commit()
        return result
