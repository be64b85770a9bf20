"""Seed the brands and sources tables from the configuration file, without undoing API edits.

The database is the source of truth once synced. `config_seeds` remembers what the file said
about each brand and source at the last start (secrets masked); a start applies an entry only
when it is new or changed since then, so a brand edited or disabled through the API keeps its
edit until someone changes that entry in the file (then the file wins, once). An entry removed
from the file disables its source (mentions and history stay); brands the file drops are kept.
Rows that never came from the file are left alone. The rule in full: docs/admin.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.admin.models import ConfigSeed, bump_revision
from monitor.brands.models import Brand
from monitor.config import AppConfig, BrandConfig, SourceConfig
from monitor.secrets import mask_options
from monitor.sources.models import Source


def brand_entry(bc: BrandConfig) -> dict[str, Any]:
    """A brand as the file gives it, in a form fit to compare and store."""
    return {"name": bc.name, "query": bc.query, "handles": list(bc.handles), "exclude": bc.exclude}


def source_entry(sc: SourceConfig) -> dict[str, Any]:
    """A source as the file gives it, secrets masked (a seed never holds a secret)."""
    return sc.model_dump(exclude={"options"}) | {"options": mask_options(sc.kind, sc.options)}


def apply_brand(row: Brand, bc: BrandConfig) -> None:
    """Write a brand's configured fields onto its row (enabled: it is wanted)."""
    row.query, row.handles, row.exclude, row.enabled = bc.query, list(bc.handles), bc.exclude, True


def apply_source(row: Source, sc: SourceConfig, *, secret_refs: dict[str, str] | None = None) -> None:
    """Write a source's configured fields onto its row; the stored options are masked."""
    options = mask_options(sc.kind, sc.options)
    # (the stored side masked too: rows written before masking must not look changed)
    if row.kind != sc.kind or mask_options(row.kind or sc.kind, row.config or {}) != options:
        # a new feed URL or query starts from scratch: the old cursor means nothing there
        row.cursor = row.etag = row.last_modified = None
    row.kind, row.config, row.brand, row.enabled = sc.kind, options, sc.brand, sc.enabled
    row.secret_refs = secret_refs or None
    row.interval_seconds = sc.interval_seconds
    # adaptive by default: bounds derived per kind unless the TOML fixes them (config.py)
    row.min_interval_seconds, row.max_interval_seconds = sc.interval_bounds()
    current = row.current_interval_seconds
    if current is None or not row.min_interval_seconds <= current <= row.max_interval_seconds:
        row.current_interval_seconds = sc.interval_seconds


def new_source(name: str, *, now: datetime) -> Source:
    """A source row due at once."""
    return Source(name=name, next_poll_at=now, created_at=now, state="new", gaps=[])


def sync_config(session: Session, config: AppConfig, *, now: datetime) -> bool:
    """Apply the file's changes since the last start; True when anything changed."""
    seeds = {(s.section, s.name): s for s in session.scalars(select(ConfigSeed))}
    changed = False

    def _changed(section: str, name: str, entry: dict[str, Any]) -> bool:
        seed = seeds.pop((section, name), None)
        if seed is not None and seed.entry == entry:
            return False  # the file says what it said last time: API edits stand
        if seed is None:
            session.add(ConfigSeed(section=section, name=name, entry=entry))
        else:
            seed.entry = entry
        return True

    brands = {b.name: b for b in session.scalars(select(Brand))}
    for bc in config.brands:
        if _changed("brands", bc.name, brand_entry(bc)):
            row = brands.get(bc.name) or Brand(name=bc.name, created_at=now)
            apply_brand(row, bc)
            session.add(row)
            changed = True
    sources = {s.name: s for s in session.scalars(select(Source))}
    for sc in config.sources:
        if _changed("sources", sc.name, source_entry(sc)):
            row = sources.get(sc.name) or new_source(sc.name, now=now)
            apply_source(row, sc)
            session.add(row)
            changed = True
    for (section, name), seed in seeds.items():
        # gone from the file since last time: a source is disabled (its mentions stay), a brand kept
        session.delete(seed)
        row = sources.get(name) if section == "sources" else None
        if row is not None and row.enabled:
            row.enabled = False
            changed = True
    if changed:
        bump_revision(session, now=now)
    session.flush()
    return changed
