"""`monitor replay` end to end: recorded streams through the real scorer, grouping and policy."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.config import load_config
from monitor.replay import run_replay
from tests.support.episodes import per_episode

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "replay"
CONFIG = FIXTURES / "brands.toml"
MONITOR = Path(sys.executable).parent / "monitor"


def _records(name: str) -> dict[str, dict[str, Any]]:
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return {r["id"]: r for r in map(json.loads, lines)}


def replay(path: Path | str, *args: str) -> tuple[int, list[dict[str, Any]], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    proc = subprocess.run(
        [str(MONITOR), "replay", str(path), *args], capture_output=True, text=True, env=env, timeout=120
    )
    alerts = [json.loads(line) for line in proc.stdout.splitlines()]
    return proc.returncode, alerts, proc.stderr


def _when(fixture: str, rid: str) -> str:
    return datetime.fromisoformat(_records(fixture)[rid]["published_at"].replace("Z", "+00:00")).isoformat()


def _at_most_three_per_incident(alerts: list[dict[str, Any]]) -> None:
    """At most three messages per incident episode (a regression starts a new one)."""
    assert all(n <= 3 for n in per_episode(alerts).values()), alerts


def test_glitch_burst_among_a_day_of_chatter_alerts_by_its_third_mention() -> None:
    code, alerts, err = replay(FIXTURES / "glitch_day.jsonl", "--config", str(CONFIG))
    assert code == 0, err
    assert alerts, "the glitch burst raised nothing"
    first = alerts[0]
    assert (first["brand"], first["category"]) == ("Kessler Jewelers", "pricing_error")
    assert first["trigger_mention_id"] in {"g1", "g2", "g3"}
    assert first["alert_at"] == _when("glitch_day.jsonl", first["trigger_mention_id"])
    assert set(first) >= {"alert_at", "incident_id", "brand", "category", "severity", "mention_count"}
    # the chatter around it raises nothing, and the glitch is one incident
    assert {(a["brand"], a["category"], a["incident_id"]) for a in alerts} == {
        ("Kessler Jewelers", "pricing_error", first["incident_id"])
    }
    assert [a["alert_at"] for a in alerts] == sorted(a["alert_at"] for a in alerts)
    _at_most_three_per_incident(alerts)


def test_one_severe_safety_post_alerts_at_once() -> None:
    code, alerts, err = replay(FIXTURES / "safety_post.jsonl", "--config", str(CONFIG))
    assert code == 0, err
    assert len(alerts) == 1, alerts
    [alert] = alerts
    assert (alert["brand"], alert["category"], alert["mention_count"]) == ("Bayside Blooms", "safety", 1)
    assert alert["trigger_mention_id"] == "s1"
    assert alert["alert_at"] == _when("safety_post.jsonl", "s1")


def test_a_quiet_day_raises_nothing() -> None:
    code, alerts, err = replay(FIXTURES / "quiet_day.jsonl", "--config", str(CONFIG))
    assert (code, alerts) == (0, []), err


def test_a_long_running_incident_pages_at_most_three_times() -> None:
    code, alerts, err = replay(FIXTURES / "long_outage.jsonl", "--config", str(CONFIG))
    assert code == 0, err
    outage = [a for a in alerts if a["category"] == "outage"]
    assert outage and len({a["incident_id"] for a in outage}) == 1
    assert outage[0]["brand"] == "Northwind Apparel"
    assert [a["severity"] for a in outage] == sorted((a["severity"] for a in outage), reverse=True)
    _at_most_three_per_incident(alerts)

    # the resolved notice counts toward the three as well
    out, err_io = io.StringIO(), io.StringIO()
    code = run_replay(
        str(FIXTURES / "long_outage.jsonl"), load_config(CONFIG), out, err_io, include_resolved=True
    )
    with_resolved = [json.loads(line) for line in out.getvalue().splitlines()]
    assert code == 0 and with_resolved[-1]["event"] == "incident.resolved"
    assert with_resolved[-1]["trigger_mention_id"] is None
    _at_most_three_per_incident(with_resolved)


def test_a_glitch_that_comes_back_after_resolving_regresses() -> None:
    code, alerts, err = replay(FIXTURES / "regression.jsonl", "--config", str(CONFIG))
    assert code == 0, err
    events = [a["event"] for a in alerts]
    # opened on the first sure post (escalated as more voices come), then told that it came back
    assert events[0] == "incident.opened" and events[-1] == "incident.regressed", alerts
    assert set(events[1:-1]) <= {"incident.escalated"}, alerts
    opened, regressed = alerts[0], alerts[-1]
    assert opened["incident_id"] == regressed["incident_id"]
    assert opened["trigger_mention_id"] in {"r1", "r2"} and regressed["trigger_mention_id"] in {"r4", "r5"}
    _at_most_three_per_incident(alerts)


def test_the_same_words_from_several_people_alert_by_the_third(tmp_path: Path) -> None:
    # no authors in the stream: identical posts on one site are other customers, not a cross-post.
    # One sure post would page alone; a team that wants voices for pricing sets the bar out of reach.
    config = tmp_path / "voices.toml"
    voices = "\n[alerts.categories.pricing_error]\nconfident_immediate = 1.0\n"
    config.write_text(CONFIG.read_text(encoding="utf-8") + voices, encoding="utf-8")
    code, alerts, err = replay(FIXTURES / "copied_glitch.jsonl", "--config", str(config))
    assert code == 0, err
    assert [(a["category"], a["mention_count"]) for a in alerts] == [("pricing_error", 1)]
    assert alerts[0]["trigger_mention_id"] in {"p2", "p3"}
    # with the default policy the first sure post pages
    code, alerts, err = replay(FIXTURES / "copied_glitch.jsonl", "--config", str(CONFIG))
    assert code == 0, err
    assert alerts[0]["trigger_mention_id"] == "p1", alerts


def test_a_big_account_telling_the_brand_pages_on_its_own() -> None:
    code, alerts, err = replay(FIXTURES / "big_account.jsonl", "--config", str(CONFIG))
    assert code == 0, err
    assert [(a["trigger_mention_id"], a["event"]) for a in alerts] == [("b1", "incident.opened")], alerts
    assert alerts[0]["reason"] == "told to the brand by an author with reach 250,000"


def test_a_defect_told_once_or_twice_a_day_pages_by_its_sixth_report() -> None:
    code, alerts, err = replay(FIXTURES / "slow_burn.jsonl", "--config", str(CONFIG))
    assert code == 0, err
    assert [(a["brand"], a["category"], a["trigger_mention_id"]) for a in alerts] == [
        ("Northwind Apparel", "product_defect", "z6")
    ], alerts
    assert alerts[0]["reason"] == "6 reports in 7 days (threshold 6)"


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_unsorted_stream_unknown_brand_matching_and_bad_lines(tmp_path: Path) -> None:
    rec = [
        # out of order on purpose; the brand-less records are matched by the config's queries
        {"id": 7, "text": "@KesslerJewelers your checkout shows my cart total as $0.00, is that right?",
         "published_at": "2025-03-14T10:05:00Z", "source": "mastodon"},
        {"id": "x1", "brand": "Copperleaf Kitchen", "published_at": "2025-03-14T09:00:00+00:00",
         "text": "Copperleaf Kitchen pan handle got so hot it melted and burned my hand badly, "
                 "the coating is flaking into food"},
        {"id": "x2", "text": "nothing to see about anyone here", "published_at": "2025-03-14T09:30:00Z"},
    ]  # fmt: skip
    lines = [json.dumps(r) for r in rec]
    lines.insert(1, "{not json")
    lines.insert(2, json.dumps({"id": "no-time", "text": "Kessler Jewelers prices are $0.00"}))
    lines.append(json.dumps({"id": "bad-time", "text": "kessler", "published_at": "yesterday"}))
    code, alerts, err = replay(_write(tmp_path / "mixed.jsonl", lines), "--config", str(CONFIG))
    assert code == 1
    assert ":2:" in err and ":3:" in err and ":6:" in err and err.count("skipped") == 3
    assert [(a["trigger_mention_id"], a["brand"], a["category"]) for a in alerts] == [
        ("x1", "Copperleaf Kitchen", "safety"),
        (7, "Kessler Jewelers", "pricing_error"),
    ]


def test_missing_file_and_config_errors(tmp_path: Path) -> None:
    code, alerts, err = replay(tmp_path / "absent.jsonl")
    assert (code, alerts) == (2, []) and "not found" in err
    bad_config = tmp_path / "bad.toml"
    bad_config.write_text("[alerts]\nwindow_minutes = 0\n", encoding="utf-8")
    stream = _write(tmp_path / "s.jsonl", ['{"id": 1, "text": "hi", "published_at": "2025-03-14T09:00:00Z"}'])
    code, _, err = replay(stream, "--config", str(bad_config))
    assert code == 2 and "window_minutes" in err


@pytest.mark.parametrize("name", ["glitch_day.jsonl", "quiet_day.jsonl"])
def test_in_process_matches_the_command(name: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run_replay(str(FIXTURES / name), load_config(CONFIG), out, err) == 0
    _, alerts, _ = replay(FIXTURES / name, "--config", str(CONFIG))
    assert [json.loads(line) for line in out.getvalue().splitlines()] == alerts


def test_the_demo_glitch_alerts_on_its_first_post(tmp_path: Path) -> None:
    # the bundled demo's recording as a stream: the "is this real??" post is the early warning
    demo = ROOT / "monitor" / "demo"
    start = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
    lines = []
    for rec in map(json.loads, (demo / "mentions.jsonl").read_text(encoding="utf-8").splitlines()):
        at = start + timedelta(seconds=rec.pop("offset_seconds"))
        lines.append(json.dumps(rec | {"published_at": at.isoformat()}))
    stream = _write(tmp_path / "demo.jsonl", lines)
    code, alerts, err = replay(stream, "--config", str(demo / "demo.toml"))
    assert code == 0, err
    first = alerts[0]
    assert (first["brand"], first["category"], first["trigger_mention_id"]) == (
        "Lumière Jewelers",
        "pricing_error",
        "glitch-1",
    ), alerts
