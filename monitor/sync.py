"""Make the brands and sources tables agree with the configuration file."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.brands.models import Brand
from monitor.config import AppConfig
from monitor.secrets import mask_options
from monitor.sources.models import Source


def sync_config(session: Session, config: AppConfig, *, now: datetime) -> None:
    """Upsert brands and sources by name; a source removed from the file is disabled, not deleted,
    so its mentions and history stay."""
    brands = {b.name: b for b in session.scalars(select(Brand))}
    for bc in config.brands:
        row = brands.get(bc.name) or Brand(name=bc.name, created_at=now)
        row.query, row.handles, row.exclude = bc.query, list(bc.handles), bc.exclude
        session.add(row)
    sources = {s.name: s for s in session.scalars(select(Source))}
    wanted = set()
    for sc in config.sources:
        wanted.add(sc.name)
        row = sources.get(sc.name)
        if row is None:
            row = Source(name=sc.name, next_poll_at=now, created_at=now, state="new")
            row.current_interval_seconds = sc.interval_seconds
        # Only a masked copy is stored: the worker takes secrets from the loaded configuration.
        options = mask_options(sc.kind, sc.options)
        # (the stored side masked too: rows written before masking must not look changed)
        if row.kind != sc.kind or mask_options(row.kind or sc.kind, row.config or {}) != options:
            # a new feed URL or query starts from scratch: the old cursor means nothing there
            row.cursor = row.etag = row.last_modified = None
        row.kind, row.config, row.brand, row.enabled = sc.kind, options, sc.brand, sc.enabled
        row.interval_seconds = sc.interval_seconds
        # adaptive by default: bounds derived per kind unless the TOML fixes them (config.py)
        row.min_interval_seconds, row.max_interval_seconds = sc.interval_bounds()
        if not row.min_interval_seconds <= row.current_interval_seconds <= row.max_interval_seconds:
            row.current_interval_seconds = sc.interval_seconds
        session.add(row)
    for name, row in sources.items():
        if name not in wanted:
            row.enabled = False
    session.flush()
