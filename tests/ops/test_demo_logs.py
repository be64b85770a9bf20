"""The demo for ~20 s as `monitor --log-format json run`: no scheduler chatter, no secret, named alerts."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from tests.support.proc import start_monitor, stop, wait_http
from tests.support.servers import Reply, ScriptedServer, free_port

pytestmark = pytest.mark.slow
DEMO = Path(__file__).resolve().parents[2] / "monitor" / "demo"
HOOK_TOKEN = "hook-token-5521"  # noqa: S105 (test values, each must never reach the log)
SIGNING = "signing-secret-9034"  # noqa: S105
API_KEY = "demo-api-key-7716"


def _config(tmp_path: Path, hook_url: str) -> Path:
    text = (DEMO / "demo.toml").read_text()
    text = text.replace('path = "mentions.jsonl"', f'path = "{DEMO / "mentions.jsonl"}"')
    text = text.replace("port = 8000\n", f'port = 8000\napi_keys = ["{API_KEY}"]\n', 1)
    text += (
        f'\n[[channels]]\nname = "team"\nkind = "webhook"\nurl = "{hook_url}?token={HOOK_TOKEN}"\n'
        f'secret = "{SIGNING}"\n'
    )
    path = tmp_path / "demo.toml"
    path.write_text(text)
    return path


def test_demo_log_has_no_scheduler_chatter_no_secret_and_named_alerts(tmp_path: Path) -> None:
    port, log = free_port(), tmp_path / "demo.log"
    with ScriptedServer() as hook:
        hook.routes["/hook"] = Reply(200, "ok")
        config = _config(tmp_path, f"{hook.url}/hook")
        proc = start_monitor(
            "--log-format", "json", "run", "--config", str(config), "--port", str(port),
            db_url=f"sqlite:///{tmp_path}/demo.db", log=log,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_http(f"{base}/healthz", proc=proc, log=log)
            started = time.monotonic()
            headers = {"authorization": f"Bearer {API_KEY}"}
            while time.monotonic() - started < 20:
                httpx.get(f"{base}/api/incidents", headers=headers, params={"token": HOOK_TOKEN})
                time.sleep(1)
        finally:
            stop(proc)
        assert hook.hits("/hook", "POST"), "the demo sent no alert in 20 s"

    text = log.read_text()
    for secret in (HOOK_TOKEN, SIGNING, API_KEY):
        assert secret not in text
    assert "executed successfully" not in text and "Running job" not in text
    events = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert len(events) > 10
    alerts = [e for e in events if e["message"].startswith("incident alert")]
    assert alerts, text[-3000:]
    first = alerts[0]
    assert (
        first["brand"] and first["category"] and first["incident_id"] and first["event"] and first["reason"]
    )
    assert f"incident {first['incident_id']}" in first["message"] and first["brand"] in first["message"]
    # everything logged is one JSON object per line; only the CLI's own notices are plain text
    plain = [line for line in text.splitlines() if line and not line.startswith("{")]
    assert all(line.startswith(("monitor listening on", "warning: ")) for line in plain), plain
