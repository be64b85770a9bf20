"""`monitor replay`: run a recorded stream through scoring, grouping and the alert policy in simulated time.

Answers "what would we have been told, and when?" without sending anything: a throwaway SQLite
database, the real pipeline and policy, the clock set to each mention's published time, and
one JSON line per alert that would have fired.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from connectors.base import Mention as Item
from monitor.brands.models import Brand
from monitor.config import AppConfig, BrandConfig
from monitor.db import make_engine, make_session_factory, upgrade
from monitor.incidents.policy import RESOLVED
from monitor.incidents.service import IncidentChange, auto_resolve
from monitor.pipeline import Pipeline
from monitor.sources.models import Source
from monitor.sync import sync_config

DEFAULT_SOURCE = "replay"


@dataclass(frozen=True, slots=True)
class Record:
    line: int
    id: Any  # echoed back as given (string or number)
    text: str
    published_at: datetime
    brand: str | None
    source: str
    fields: dict[str, Any]


class BadRecord(ValueError):
    pass


def _parse_time(value: Any) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise BadRecord("published_at must be an ISO-8601 string")
    try:
        at = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BadRecord(f"published_at {value!r} is not ISO-8601") from None
    # a stream without offsets is taken as UTC, like the rest of the monitor
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)


def _optional_int(obj: dict[str, Any], key: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadRecord(f"{key} must be a number")
    return int(value)


def _parse_line(number: int, line: str) -> Record:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadRecord(f"invalid JSON: {exc.msg}") from None
    if not isinstance(obj, dict):
        raise BadRecord("a record must be a JSON object")
    rid = obj.get("id")
    if isinstance(rid, bool) or not isinstance(rid, str | int) or (isinstance(rid, str) and not rid.strip()):
        raise BadRecord("id must be a non-empty string or an integer")
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BadRecord("text must be a non-empty string")
    brand, source = obj.get("brand"), obj.get("source", DEFAULT_SOURCE)
    if brand is not None and (not isinstance(brand, str) or not brand.strip()):
        raise BadRecord("brand must be a non-empty string when given")
    if not isinstance(source, str) or not source.strip():
        raise BadRecord("source must be a non-empty string when given")
    for key in ("author", "url", "title"):
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise BadRecord(f"{key} must be a string")
    fields = {
        "author": obj.get("author"),
        "url": obj.get("url"),
        "title": obj.get("title"),
        "author_reach": _optional_int(obj, "author_reach"),
        "engagement": _optional_int(obj, "engagement"),
    }
    return Record(number, rid, text, _parse_time(obj.get("published_at")), brand, source.strip(), fields)


def read_stream(path: Path, err: TextIO) -> tuple[list[Record], int]:
    """Parse the JSONL file: good records in published order, and how many lines were bad."""
    records, bad = [], 0
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                records.append(_parse_line(number, line))
            except BadRecord as exc:
                bad += 1
                print(f"{path}:{number}: skipped: {exc}", file=err)
    records.sort(key=lambda r: (r.published_at, r.line))  # stable: ties keep file order
    return records, bad


def replay_config(config: AppConfig, records: list[Record]) -> AppConfig:
    """The config with brands the stream names added, no sources and no channels (nothing is sent)."""
    known = {b.name for b in config.brands}
    extra = []
    for name in dict.fromkeys(r.brand for r in records if r.brand):
        if name not in known:
            phrase = " ".join(name.replace('"', " ").split())
            extra.append(BrandConfig(name=name, query=f'"{phrase}"'))
    return config.model_copy(update={"brands": [*config.brands, *extra], "sources": [], "channels": []})


def _alert_line(change: IncidentChange, at: datetime, trigger: Any) -> str:
    return json.dumps(
        {
            "alert_at": at.isoformat(),
            "incident_id": change.incident_id,
            "brand": change.brand,
            "category": change.category,
            "severity": change.severity,
            "mention_count": change.mention_count,
            "trigger_mention_id": trigger,
            "event": change.event,
            "reason": change.reason,
        },
        ensure_ascii=False,
    )


def run_replay(
    path: str, config: AppConfig, out: TextIO, err: TextIO, *, include_resolved: bool = False
) -> int:
    """Replay a JSONL stream; print one JSON line per alert. 0 ok, 1 some lines bad, 2 unreadable file."""
    src = Path(path)
    try:
        records, bad = read_stream(src, err)
    except FileNotFoundError:
        print(f"replay: {path}: file not found", file=err)
        return 2
    except (OSError, UnicodeDecodeError) as exc:
        print(f"replay: {path}: cannot read: {exc}", file=err)
        return 2
    cfg = replay_config(config, records)
    workdir = Path(tempfile.mkdtemp(prefix="monitor-replay-"))
    url = f"sqlite:///{workdir / 'replay.db'}"
    engine = None
    try:
        upgrade(url)
        engine = make_engine(url)
        _replay(make_session_factory(engine), cfg, records, out, include_resolved=include_resolved)
    finally:
        if engine is not None:
            engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if bad else 0


def prepare_database(session: Any, cfg: AppConfig, records: list[Record]) -> dict[str, int]:
    """Brands and one disabled source per stream `source`, as of the stream's start; source ids by name."""
    start = records[0].published_at if records else datetime.now(UTC)
    # brands exist from the stream's start: no invented history, so no baseline (spikes need one)
    sync_config(session, cfg, now=start)
    for brand in session.query(Brand):
        brand.created_at = start
    sources: dict[str, int] = {}
    for name in dict.fromkeys(r.source for r in records):
        row = Source(name=name, kind="replay", enabled=False, next_poll_at=start, created_at=start)
        session.add(row)
        session.flush()
        sources[name] = row.id
    return sources


def _replay(
    factory: Any, cfg: AppConfig, records: list[Record], out: TextIO, *, include_resolved: bool
) -> None:
    pipeline = Pipeline(cfg)
    with factory() as session:
        sources = prepare_database(session, cfg, records)
        origin: dict[int, Any] = {}  # mention row id -> the record's own id
        for rec in records:
            at = rec.published_at
            for change in auto_resolve(session, config=cfg, now=at):
                if change.notify and include_resolved and change.event == RESOLVED:
                    print(_alert_line(change, at, None), file=out)
            item = Item(
                external_id=str(rec.id), text=rec.text, published_at=at, raw={"id": rec.id}, **rec.fields
            )
            result = pipeline.process(
                session, source_id=sources[rec.source], items=[item], now=at, forced_brand=rec.brand
            )
            for row in result.stored:
                origin[row.id] = rec.id
            for change in result.changes:
                if change.notify:
                    trigger = origin.get(change.trigger_mention_id, change.trigger_mention_id)
                    print(_alert_line(change, at, trigger), file=out)
            session.commit()
