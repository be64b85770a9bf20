"""The log filter masks secrets in every line: URL queries, userinfo, Authorization, configured values."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from monitor import logs
from monitor.logs import MASK, RedactFilter, redact
from tests.support.proc import run_monitor, start_monitor, stop, wait_http, wait_until
from tests.support.servers import Reply, ScriptedServer, free_port, rss


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        (
            'HTTP Request: GET https://f.example/a.rss?token=abc123&page=2 "HTTP/1.1 200 OK"',
            'HTTP Request: GET https://f.example/a.rss?token=••••&page=2 "HTTP/1.1 200 OK"',
        ),
        (
            "GET https://www.googleapis.com/youtube/v3/search?part=snippet&key=AIzaXYZ&q=acme",
            "GET https://www.googleapis.com/youtube/v3/search?part=snippet&key=••••&q=acme",
        ),
        (
            "https://api.stackexchange.com/2.3/search?site=so&key=U4DMV*8nvpm3EOpvf69Rxw((&q=a",
            "https://api.stackexchange.com/2.3/search?site=so&key=••••&q=a",
        ),
        (
            "x?access_token=a&api_key=b&client_secret=c&sig=d&auth=e",
            "x?access_token=••••&api_key=••••&client_secret=••••&sig=••••&auth=••••",
        ),
        ("x?password=p%40ss&apikey=k", "x?password=••••&apikey=••••"),
        ("fetching https://bob:hunter2@example.com/feed", "fetching https://••••@example.com/feed"),
        ("Authorization: Bearer eyJhbGciOi.abc", "Authorization: Bearer ••••"),
        ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic ••••"),
        ("Authorization: abcdef", "Authorization: ••••"),
        ('headers={"authorization": "Bearer xyz1"}', 'headers={"authorization": "Bearer ••••"}'),
        ("client_secret=zzz9 and password: hunter2", "client_secret=•••• and password: ••••"),
        # ordinary lines stay as they are
        ("poll of reddit: 3 new, key order ok", "poll of reddit: 3 new, key order ok"),
        ("token bucket full; design=flat", "token bucket full; design=flat"),
        ("https://example.com/feed?page=2&q=acme", "https://example.com/feed?page=2&q=acme"),
    ],
)
def test_redact(line: str, masked: str) -> None:
    assert redact(line) == masked
    assert redact(masked) == masked  # masking twice changes nothing


def test_configured_values_are_masked_wherever_they_appear() -> None:
    logs.hide(["plain-secret-value-81", "ab", None])  # too short to hide safely: the patterns' job
    assert redact("got plain-secret-value-81 back; ab") == f"got {MASK} back; ab"


def _record(msg: object, args: object = None, **kw: object) -> logging.LogRecord:
    return logging.LogRecord("x", logging.INFO, __file__, 1, msg, args, kw.get("exc_info"))  # type: ignore[arg-type]


def test_the_filter_keeps_uvicorn_access_args_a_tuple() -> None:
    # uvicorn's AccessFormatter unpacks (client, method, path, version, status) from record.args
    record = _record('%s - "%s %s HTTP/%s" %d', ("127.0.0.1:5", "GET", "/api/x?api_key=k1", "1.1", 200))
    assert RedactFilter().filter(record)
    assert record.args == ("127.0.0.1:5", "GET", f"/api/x?api_key={MASK}", "1.1", 200)
    assert record.getMessage() == f'127.0.0.1:5 - "GET /api/x?api_key={MASK} HTTP/1.1" 200'


def test_the_filter_masks_objects_and_tracebacks() -> None:
    url = httpx.URL("https://f.example/a?token=t0k3n")
    try:
        raise ValueError(f"bad feed {url}")
    except ValueError:
        record = _record("failed %s", (url,), exc_info=sys.exc_info())
    RedactFilter().filter(record)
    text = logging.Formatter().format(record)
    assert "t0k3n" not in text and f"token={MASK}" in text


@pytest.fixture
def stream_handler() -> Iterator[io.StringIO]:
    """A handler added to the root after install(), like uvicorn's or a test runner's."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    root = logging.getLogger()
    old_level = root.level
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    yield out
    root.removeHandler(handler)
    root.setLevel(old_level)


@pytest.fixture
def installed() -> Iterator[None]:
    logs.install()
    yield
    logs.uninstall()


def test_install_masks_records_for_handlers_added_later(installed: None, stream_handler: io.StringIO) -> None:
    logs.install()  # idempotent
    logging.getLogger("monitor.some.child").info("GET %s", "https://f.example/a?key=leak1")
    logging.getLogger("httpx").info(
        'HTTP Request: GET %s "%s"', httpx.URL("https://f.example/b?token=leak2"), "200"
    )
    out = stream_handler.getvalue()
    assert "leak1" not in out and "leak2" not in out
    assert out.count(f"={MASK}") == 2


@pytest.mark.slow
def test_monitor_worker_and_api_never_log_a_feed_token(tmp_path: Path) -> None:
    """The real processes: `monitor worker` polls a tokened feed, `monitor api` serves a tokened URL."""
    token = "e2e-feed-token-4471"  # noqa: S105 (a test value)
    db = f"sqlite:///{tmp_path}/m.db"
    with ScriptedServer() as feed:
        feed.routes["/f.xml"] = Reply(
            200, rss([{"guid": "1", "title": "acme", "description": "acme is down"}])
        )
        cfg = tmp_path / "m.toml"
        cfg.write_text(
            '[worker]\ntick_seconds = 0.2\n[[brands]]\nname = "Acme"\nquery = "acme"\n'
            f'[[sources]]\nname = "feed"\nkind = "rss"\nurl = "{feed.url}/f.xml?token=${{FEED_TOKEN}}"\n'
        )
        assert run_monitor("db", "upgrade", "--config", str(cfg), db_url=db, FEED_TOKEN=token).returncode == 0
        port = free_port()
        worker_log, api_log = tmp_path / "worker.log", tmp_path / "api.log"
        procs = [
            start_monitor("worker", "--config", str(cfg), db_url=db, log=worker_log, FEED_TOKEN=token),
            start_monitor(
                "api", "--config", str(cfg), "--port", str(port), db_url=db, log=api_log, FEED_TOKEN=token
            ),
        ]
        try:
            wait_until(lambda: feed.hits("/f.xml"), timeout=30, message="the feed polled")
            wait_http(f"http://127.0.0.1:{port}/healthz", proc=procs[1], log=api_log)
            sources = httpx.get(f"http://127.0.0.1:{port}/api/sources?token={token}", timeout=5)
        finally:
            for proc in procs:
                stop(proc)
    assert feed.hits("/f.xml")[0].query == f"token={token}"  # the worker had the real URL
    assert sources.status_code == 200 and token not in sources.text
    worker_text, api_text = worker_log.read_text(), api_log.read_text()
    assert "/f.xml?token=•••• " in worker_text  # httpx's request line, masked
    assert "/api/sources?token=•••• " in api_text  # uvicorn's access line, masked
    assert token not in worker_text + api_text
