"""Talking back to Slack after a button click: the payload's `response_url`, then `chat.update`.

`response_url` needs no token and can replace the clicked message or answer the clicker alone
(ephemeral); Slack lets it be used five times within 30 minutes. When it fails or is absent, the
bot token (if configured) edits the message through the Web API's `chat.update`.
Neither URL nor token is ever logged: the response URL is a credential for that message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(5.0, connect=3.0)  # a click's answer is useless once the person moved on


@dataclass(frozen=True, slots=True)
class MessageRef:
    """Where the clicked message lives: its response URL and, for chat.update, channel and ts."""

    response_url: str | None
    channel: str | None
    ts: str | None


async def _post(client: httpx.AsyncClient, url: str, body: dict[str, Any], **headers: str) -> str | None:
    """POST JSON; None when Slack took it, else a short reason (without the URL)."""
    try:
        response = await client.post(url, json=body, headers=headers, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}"
    if response.status_code // 100 != 2:
        return f"HTTP {response.status_code}"
    if response.headers.get("content-type", "").startswith("application/json"):
        try:
            answer = response.json()
        except ValueError:
            return "malformed JSON answer"
        if isinstance(answer, dict) and answer.get("ok") is False:
            return f"Slack error {str(answer.get('error'))[:80]}"
    return None


async def replace_message(
    client: httpx.AsyncClient,
    ref: MessageRef,
    message: dict[str, Any],
    *,
    api_url: str,
    bot_token: str | None,
) -> bool:
    """Replace the clicked message with `message` (text + blocks); False if no way worked."""
    problem = "no response_url"
    if ref.response_url:
        problem = await _post(client, ref.response_url, {"replace_original": True, **message}) or ""
        if not problem:
            return True
    if bot_token and ref.channel and ref.ts:
        body = {"channel": ref.channel, "ts": ref.ts, **message}
        error = await _post(client, f"{api_url}/chat.update", body, Authorization=f"Bearer {bot_token}")
        if error is None:
            return True
        problem += f"; chat.update: {error}"
    log.warning("slack message not updated", extra={"reason": problem, "channel": ref.channel})
    return False


async def tell_user(client: httpx.AsyncClient, ref: MessageRef, text: str) -> bool:
    """Show `text` to the person who clicked, and to no one else."""
    if not ref.response_url:
        return False
    body = {"response_type": "ephemeral", "replace_original": False, "text": text}
    problem = await _post(client, ref.response_url, body)
    if problem:
        log.warning("slack ephemeral answer not sent", extra={"reason": problem, "channel": ref.channel})
    return problem is None
