#!/usr/bin/env python3
"""How long one batch's volume-spike check takes for a busy brand on PostgreSQL (docs/alert-policy.md).

    python tools/spike_check_timing.py --per-hour 1000

Fills a throwaway PostgreSQL database (tests/support/pg.py: 127.0.0.1:5432) with eight days of one
brand's mentions at the given hourly rate, then times `detect_spikes` for a batch of that brand
20 times (rolled back each time) and prints the median and the worst.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text  # noqa: E402

from monitor.brands.models import Brand  # noqa: E402
from monitor.config import parse_config  # noqa: E402
from monitor.db import make_engine, make_session_factory, upgrade  # noqa: E402
from monitor.incidents.spike import detect_spikes  # noqa: E402
from monitor.mentions.models import Mention  # noqa: E402
from monitor.sources.models import Source  # noqa: E402
from tests.support.pg import temp_database  # noqa: E402

NOW = datetime(2025, 6, 10, 12, tzinfo=UTC)
DAYS = 8
RUNS = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-hour", type=int, default=1000, help="the brand's mentions an hour")
    per_hour = parser.parse_args().per_hour
    alerts = parse_config({}).alerts
    with temp_database() as url:
        upgrade(url)
        engine = make_engine(url)
        with make_session_factory(engine)() as s:
            brand = Brand(name="Busy", query="busy", handles=[], created_at=NOW - timedelta(days=30))
            source = Source(name="x", kind="rss", next_poll_at=NOW, created_at=NOW)
            s.add_all([brand, source])
            s.flush()
            n = per_hour * 24 * DAYS
            step = timedelta(days=DAYS) / n
            rows = [
                {
                    "source_id": source.id,
                    "brand_id": brand.id,
                    "external_id": f"e{i}",
                    "text": "busy post",
                    "published_at": NOW - i * step,
                    "fetched_at": NOW,
                    "sentiment": 0.0,
                    "urgency": 0.1,
                    "reasons": [],
                    "raw": {},
                }
                for i in range(n)
            ]
            for k in range(0, n, 5000):
                s.execute(insert(Mention), rows[k : k + 5000])
            s.commit()
            s.execute(text("ANALYZE mentions"))
            batch = [SimpleNamespace(id=1, brand_id=brand.id)]
            times = []
            for _ in range(RUNS):
                start = time.perf_counter()
                detect_spikes(s, batch, policy=alerts, channels=[], now=NOW, public_url=None)
                times.append(time.perf_counter() - start)
                s.rollback()
        engine.dispose()
    times.sort()
    median, worst = times[RUNS // 2] * 1000, times[-1] * 1000
    print(f"{per_hour} mentions/hour, {n} rows: median {median:.1f} ms, worst {worst:.1f} ms")


if __name__ == "__main__":
    main()
