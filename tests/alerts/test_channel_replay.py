"""Replays of recorded streams through the real pipeline and policy, with channels, in simulated time.

Each minute of the stream's day the worker's maintenance job runs (periodic_alerts) and a perfect
receiver takes every outbox row that is due: so the test sees when each channel would have been
told what, with quiet hours and reminders as configured.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.base import Mention as Item
from monitor.alerts.models import AlertDelivery
from monitor.alerts.periodic import periodic_alerts
from monitor.config import ChannelConfig, load_config
from monitor.incidents.service import acknowledge
from monitor.pipeline import Pipeline
from monitor.replay import prepare_database, read_stream, replay_config

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "replay"


def _receive(session: Session, now: datetime) -> list[tuple[str, str, str]]:
    """Deliver every due row, as a receiver that always answers 200; (time, channel, event) of each."""
    due = session.scalars(
        select(AlertDelivery)
        .where(AlertDelivery.status == "pending", AlertDelivery.next_attempt_at <= now)
        .order_by(AlertDelivery.next_attempt_at, AlertDelivery.id)
    ).all()
    for row in due:
        row.status, row.delivered_at, row.attempts = "delivered", now, 1
    return [(f"{now:%H:%M}", r.channel, r.event) for r in due]


def _replay(
    session: Session,
    stream: str,
    channels: list[ChannelConfig],
    *,
    start_at: str,
    until: str,
    ack_at: str | None = None,
) -> list[tuple[str, str, str]]:
    records, bad = read_stream(FIXTURES / stream, _Discard())
    assert bad == 0
    cfg = replay_config(load_config(FIXTURES / "brands.toml"), records).model_copy(
        update={"channels": channels}
    )
    sources = prepare_database(session, cfg, records)
    pipeline = Pipeline(cfg)
    # the morning's posts before `start_at` are processed at their own times on the first tick
    day = records[0].published_at.replace(second=0)
    start, end = (day.replace(hour=int(t[:2]), minute=int(t[3:])) for t in (start_at, until))
    sent, pending, incident_ids = [], list(records), set()
    clock = start
    while clock <= end:
        while pending and pending[0].published_at <= clock:
            rec = pending.pop(0)
            item = Item(
                external_id=str(rec.id), text=rec.text, published_at=rec.published_at, raw={}, **rec.fields
            )
            result = pipeline.process(
                session,
                source_id=sources[rec.source],
                items=[item],
                now=rec.published_at,
                forced_brand=rec.brand,
            )
            incident_ids |= {c.incident_id for c in result.changes if c.notify}
        if ack_at is not None and f"{clock:%H:%M}" == ack_at:
            for incident_id in incident_ids:
                acknowledge(session, incident_id=incident_id, by="dana", now=clock)
        periodic_alerts(session, config=cfg, now=clock)
        sent += _receive(session, clock)
        session.commit()
        clock += timedelta(minutes=1)
    return sent


class _Discard:
    def write(self, _text: str) -> int:
        return 0


def _hook(name: str, **kw) -> ChannelConfig:
    return ChannelConfig(name=name, kind="webhook", url=f"https://hooks.example/{name}", **kw)


def test_a_glitch_in_quiet_hours_is_held_then_reminded_until_the_cap(session: Session) -> None:
    # the glitch opens (SEV3) at 13:32 and escalates (SEV2) at 13:36 UTC
    night = _hook("night", quiet_hours={"start": "13:00", "end": "15:00"}, repeat_after_minutes=30)
    loud = _hook("loud", repeat_after_minutes=30, repeat_max=2)
    sent = _replay(session, "glitch_day.jsonl", [night, loud], start_at="13:00", until="17:00")
    assert [s for s in sent if s[1] == "loud"] == [
        ("13:32", "loud", "incident.opened"),
        ("13:36", "loud", "incident.escalated"),
        ("14:06", "loud", "incident.reminder"),  # 30 minutes after the escalation reached it
        ("14:36", "loud", "incident.reminder"),  # the cap: 2
    ]
    assert [s for s in sent if s[1] == "night"] == [
        ("15:00", "night", "incident.opened"),  # held, not lost, and in order
        ("15:00", "night", "incident.escalated"),
        ("15:30", "night", "incident.reminder"),
        ("16:00", "night", "incident.reminder"),
        ("16:30", "night", "incident.reminder"),
    ]


def test_acknowledging_stops_the_reminders(session: Session) -> None:
    loud = _hook("loud", repeat_after_minutes=30, repeat_max=5)
    sent = _replay(session, "glitch_day.jsonl", [loud], start_at="13:00", until="17:00", ack_at="14:20")
    assert [s[0] for s in sent if s[2] == "incident.reminder"] == ["14:06"]


def test_a_safety_post_in_quiet_hours_goes_at_once(session: Session) -> None:
    # a SEV2 safety report at 12:48 UTC, inside the channel's quiet hours
    night = _hook("night", quiet_hours={"start": "12:00", "end": "15:00"})
    sent = _replay(session, "safety_post.jsonl", [night], start_at="12:00", until="13:00")
    assert sent[0] == ("12:48", "night", "incident.opened")
