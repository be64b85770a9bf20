"""The foundation's promise, end to end as a team runs it: `monitor run`, an RSS feed and a
Slack webhook on loopback. Three pricing-glitch posts reach Slack as exactly one message."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest

from tests.support.proc import start_monitor, stop, wait_http, wait_until
from tests.support.servers import Reply, ScriptedServer, free_port, rss

pytestmark = pytest.mark.slow

GLITCH_POSTS = [
    "OMG everything in my Helzberg cart is $0.00 at checkout?! Is this real??",
    "Helzberg site glitch: diamond earrings ringing up at $0 — free at checkout right now",
    "Is anyone else seeing Helzberg prices at $0.00? Just ordered a $900 necklace for nothing lol",
]


def _config(tmp_path, feed_url: str, hook_url: str, port: int):
    path = tmp_path / "monitor.toml"
    path.write_text(
        f"""
[api]
host = "127.0.0.1"
port = {port}
[[brands]]
name = "Helzberg"
query = "helzberg"
[[sources]]
name = "deals-forum"
kind = "rss"
url = "{feed_url}"
interval_seconds = 5
[[channels]]
name = "social-team"
kind = "slack"
url = "{hook_url}"
[worker]
tick_seconds = 0.5
"""
    )
    return path


def test_three_glitch_posts_make_one_slack_message(tmp_path):
    now = format_datetime(datetime.now(UTC), usegmt=True)
    items = [
        {
            "guid": "p0",
            "title": "Helzberg holiday hours",
            "link": "http://f.example/p0",
            "description": "Helzberg stores open late this week.",
            "pubDate": now,
        }
    ]
    with ScriptedServer() as feed, ScriptedServer() as slack:
        feed.routes["/feed.xml"] = lambda req: Reply(200, rss(items), {"Content-Type": "application/rss+xml"})
        slack.routes["/hook"] = [
            Reply(500, "internal_error"),
            Reply(500, "internal_error"),
            Reply(429, "rate_limited", {"Retry-After": "1"}),
            Reply(200, "ok"),
        ]
        port = free_port()
        cfg = _config(tmp_path, f"{feed.url}/feed.xml", f"{slack.url}/hook", port)
        log = tmp_path / "monitor.log"
        proc = start_monitor("run", "--config", str(cfg), db_url=f"sqlite:///{tmp_path}/m.db", log=log)
        try:
            wait_http(f"http://127.0.0.1:{port}/healthz", proc=proc, log=log)
            wait_until(lambda: feed.hits("/feed.xml"), timeout=10, message="first poll")
            for i, text in enumerate(GLITCH_POSTS, start=1):
                items.append(
                    {
                        "guid": f"g{i}",
                        "title": f"post {i}",
                        "link": f"http://f.example/g{i}",
                        "description": text,
                        "pubDate": now,
                    }
                )
            t0 = time.monotonic()  # the server stamps requests with time.monotonic() too

            def accepted():
                return len(slack.hits("/hook", "POST")) >= 4

            wait_until(
                accepted, timeout=15, message=f"Slack message accepted; log:\n{log.read_text()[-3000:]}"
            )
            took = time.monotonic() - t0
            posts = slack.hits("/hook", "POST")
            bodies = {p.body for p in posts}
            assert len(bodies) == 1, "retries must resend the same message, not new ones"
            message = json.loads(posts[-1].body)
            text = json.dumps(message).lower()
            assert "helzberg" in text and "pricing" in text
            assert "blocks" in message
            # the last line is the delivery reference: a resend after a crash would repeat it
            ref_line = message["blocks"][-1]["elements"][0]["text"]
            assert re.fullmatch(
                r"ref [0-9a-f]{10} · a message with the same ref is a resend of this one", ref_line
            )
            assert took < 15
            polls = [round(r.at - t0, 1) for r in feed.hits("/feed.xml") if r.at > t0]
            tries = [round(r.at - t0, 1) for r in posts]
            print(
                f"slack message accepted {took:.1f} s after the posts appeared; "
                f"polls at {polls}, tries at {tries}"
            )

            time.sleep(7)  # more polls, nothing new: no second message
            assert len(slack.hits("/hook", "POST")) == 4

            api = f"http://127.0.0.1:{port}/api"
            incidents = httpx.get(f"{api}/incidents").json()["items"]
            assert [(i["brand"], i["category"]) for i in incidents] == [("Helzberg", "pricing_error")]
            assert incidents[0]["mention_count"] == 3
            mentions = httpx.get(f"{api}/mentions", params={"brand": "Helzberg"}).json()["items"]
            assert len(mentions) == 4
            assert sum(m["category"] == "pricing_error" for m in mentions) == 3
            deliveries = httpx.get(f"{api}/alerts").json()["items"]
            assert [(d["status"], d["attempts"]) for d in deliveries] == [("delivered", 4)]
        finally:
            stop(proc)
