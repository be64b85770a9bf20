"""What the configuration file said last time, and the revision workers watch for changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, String, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from monitor.db import Base, JSONType, UTCDateTime


class ConfigSeed(Base):
    """One brand or source as the TOML file last gave it (secrets masked): a start applies only
    the file's changes since then, so edits made through the API survive restarts."""

    __tablename__ = "config_seeds"

    section: Mapped[str] = mapped_column(String(20), primary_key=True)  # "brands" | "sources"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    entry: Mapped[dict[str, Any]] = mapped_column(JSONType)


class ConfigRevision(Base):
    """A single row: bumped by every change to brands or sources (API, dashboard or file sync)."""

    __tablename__ = "config_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def bump_revision(session: Session, *, now: datetime) -> None:
    """Tell the workers that brands or sources changed (they rebuild on their next tick)."""
    stmt = update(ConfigRevision).where(ConfigRevision.id == 1)
    done = session.execute(stmt.values(revision=ConfigRevision.revision + 1, changed_at=now))
    if done.rowcount == 0:  # type: ignore[attr-defined]  # a schema made without the migration's row
        session.execute(insert(ConfigRevision).values(id=1, revision=1, changed_at=now))


def current_revision(session: Session) -> int:
    """The configuration's revision (one primary-key read: cheap enough for every tick)."""
    return session.scalar(select(ConfigRevision.revision).where(ConfigRevision.id == 1)) or 0
