"""Structured logs: --log-format json, scheduler chatter off by default, secrets still masked."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator

import pytest

from monitor import logs
from monitor.config import parse_config
from monitor.db import make_engine, make_session_factory, upgrade
from monitor.logs import MASK, JsonFormatter, log_config
from monitor.worker import Worker
from tests.support.servers import Reply, ScriptedServer


@pytest.fixture
def configured() -> Iterator[io.StringIO]:
    """logs.configure() as the CLI runs it, writing to a buffer; every logger it touches restored after."""
    config = log_config("json")
    touched = [logging.getLogger(name) for name in ("", *config["loggers"])]
    saved = [(lg, lg.handlers[:], lg.level, lg.propagate, lg.disabled) for lg in touched]
    out = io.StringIO()
    config["handlers"]["main"]["stream"] = out
    logging.config.dictConfig(config)
    logs.install()
    yield out
    logs.uninstall()
    for lg, handlers, level, propagate, disabled in saved:
        lg.handlers[:] = handlers
        lg.setLevel(level)
        lg.propagate, lg.disabled = propagate, disabled


def _events(out: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_json_lines_carry_the_event_fields_with_secrets_masked(configured: io.StringIO) -> None:
    logging.getLogger("monitor.incidents.service").info(
        "incident alert: %s",
        "Acme",
        extra={"brand": "Acme", "incident_id": 7, "url": "https://h/x?token=t0p"},
    )
    try:
        raise RuntimeError("feed https://f.example/a?key=k3y failed")
    except RuntimeError:
        logging.getLogger("monitor.worker").exception("poll crashed")

    alert, crash = _events(configured)
    assert alert["message"] == "incident alert: Acme" and alert["level"] == "INFO"
    assert alert["brand"] == "Acme" and alert["incident_id"] == 7
    assert alert["url"] == f"https://h/x?token={MASK}"
    assert alert["time"].endswith("+00:00") and alert["logger"] == "monitor.incidents.service"
    assert "k3y" not in crash["exc"] and "RuntimeError" in crash["exc"]


def test_scheduler_chatter_is_off_but_its_warnings_stay(configured: io.StringIO) -> None:
    scheduler = logging.getLogger("apscheduler.executors.default")
    scheduler.info('Job "Worker.tick (trigger: interval[0:00:01])" executed successfully')
    scheduler.warning('Run time of job "Worker.tick" was missed by 0:00:03')
    assert [e["message"] for e in _events(configured)] == [
        'Run time of job "Worker.tick" was missed by 0:00:03'
    ]


def test_uvicorn_lines_go_through_the_same_handler(configured: io.StringIO) -> None:
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", "/api/x?api_key=k1", "1.1", 200
    )
    (event,) = _events(configured)
    assert event["logger"] == "uvicorn.access"
    assert event["message"] == f'127.0.0.1:5 - "GET /api/x?api_key={MASK} HTTP/1.1" 200'


def test_an_unknown_format_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="log format must be one of text, json, not 'yaml'"):
        log_config("yaml")


def test_the_formatter_alone_makes_one_line_per_record() -> None:
    record = logging.makeLogRecord({"msg": "two\nlines", "name": "monitor", "levelname": "INFO"})
    line = JsonFormatter().format(record)
    assert "\n" not in line and json.loads(line)["message"] == "two\nlines"


async def test_a_failed_poll_names_its_source_kind_and_error_class(configured: io.StringIO, tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/m.db"
    upgrade(url)
    engine = make_engine(url)
    with ScriptedServer() as feed:
        feed.routes["/f.xml"] = Reply(404, "gone")
        config = parse_config(
            {
                "brands": [{"name": "Acme", "query": "acme"}],
                "sources": [{"name": "forum", "kind": "rss", "url": f"{feed.url}/f.xml?token=f33d"}],
            }
        )
        worker = Worker(config, make_session_factory(engine))
        try:
            await worker.poll_once()
        finally:
            await worker.stop()
    engine.dispose()
    (failed,) = [e for e in _events(configured) if e["message"].startswith("source forum failed")]
    assert (failed["source"], failed["kind"], failed["level"]) == ("forum", "rss", "WARNING")
    assert failed["error_class"] in failed["message"]
    assert "f33d" not in configured.getvalue()
