"""Replays a bundled JSONL recording of mentions at an accelerated pace (no network)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field

from connectors.base import Connector, ConnectorError, ErrorClass, FetchResult, Mention, PollState
from connectors.helpers import dump_cursor, load_cursor, to_int

# A looping demo left idle for days must not flood one poll; the rest follows on the next polls.
_MAX_PER_FETCH = 500
# Recording time between the last record of one pass and the first of the next.
_LOOP_GAP_SECONDS = 60.0


class DemoConfig(BaseModel):
    """A JSONL recording to replay."""

    model_config = ConfigDict(extra="forbid")
    path: str = Field(min_length=1, description="Path of the JSONL file of recorded mentions")
    speed: float = Field(default=60.0, gt=0, description="Recording seconds played per real second")
    loop: bool = Field(default=False, description="Start again from the top after the last record")


class DemoConnector(Connector[DemoConfig]):
    """Plays recorded mentions as if they were being posted now."""

    slug: ClassVar[str] = "demo"
    title: ClassVar[str] = "Demo recording"
    Config: ClassVar[type[BaseModel]] = DemoConfig
    default_interval: ClassVar[int] = 10

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    async def fetch(self, client: httpx.AsyncClient, config: DemoConfig, state: PollState) -> FetchResult:
        records = _load(config.path)
        now = self.clock()
        cursor = load_cursor(state.cursor)
        started_at = float(cursor.get("started_at") or now)
        index = max(0, to_int(cursor.get("index")) or 0)
        elapsed = (now - started_at) * config.speed  # in recording seconds
        cycle = (records[-1][1] + _LOOP_GAP_SECONDS) if records else 0.0

        items: list[dict[str, Any]] = []
        while records and len(items) < _MAX_PER_FETCH:
            lap, position = divmod(index, len(records))
            if lap and not config.loop:
                break
            record, offset = records[position]
            played_at = lap * cycle + offset
            if played_at > elapsed:
                break
            external_id = str(record["id"]) if lap == 0 else f"{record['id']}~{lap}"
            published = datetime.fromtimestamp(started_at + played_at / config.speed, tz=UTC)
            items.append({**record, "_external_id": external_id, "_published_at": published.isoformat()})
            index += 1
        state = PollState(cursor=dump_cursor({"started_at": started_at, "index": index}))
        return FetchResult(items=items, state=state)

    def normalize(self, raw: Any, config: DemoConfig) -> Mention | None:
        text = str(raw.get("text") or "").strip()
        if not text:
            return None
        return Mention(
            external_id=raw["_external_id"],
            text=text,
            url=raw.get("url"),
            title=raw.get("title"),
            author=raw.get("author"),
            author_reach=to_int(raw.get("author_reach")),
            engagement=to_int(raw.get("engagement")),
            published_at=datetime.fromisoformat(raw["_published_at"]),
            language=raw.get("language"),
            raw=raw,
        )


def _load(path: str) -> list[tuple[dict[str, Any], float]]:
    """Read the recording: (record, offset_seconds) sorted by offset."""
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except FileNotFoundError as exc:
        raise ConnectorError(ErrorClass.GONE, f"demo recording not found: {path}") from exc
    except OSError as exc:
        raise ConnectorError(ErrorClass.CLIENT, f"cannot read demo recording {path}: {exc}") from exc
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            offset = float(record["offset_seconds"])
            if not str(record["id"]):
                raise ValueError("empty id")
        except (ValueError, KeyError, TypeError) as exc:
            name = Path(path).name
            raise ConnectorError(
                ErrorClass.PARSE, f"{name} line {number}: not a demo record ({exc})"
            ) from exc
        records.append((record, offset))
    records.sort(key=lambda pair: pair[1])
    return records
