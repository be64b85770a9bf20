"""Configured sources and their poll state (code is not configuration: the connector is looked up by kind)."""

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from monitor.db import Base, JSONType, UTCDateTime, utcnow


class Source(Base):
    __tablename__ = "sources"
    __table_args__ = (Index("ix_sources_due", "enabled", "next_poll_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(50))
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    brand: Mapped[str | None] = mapped_column(String(200))
    # secrets entered through the API, as {option: "${VAR}"} (or {option: {key: "${VAR}"}} for
    # secrets by key, such as tokens by host): the variable's name, never its value
    secret_refs: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    interval_seconds: Mapped[int] = mapped_column(Integer, default=300)
    min_interval_seconds: Mapped[int] = mapped_column(Integer, default=300)
    max_interval_seconds: Mapped[int] = mapped_column(Integer, default=300)
    current_interval_seconds: Mapped[int] = mapped_column(Integer, default=300)
    # poll state
    cursor: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    next_poll_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_fetched: Mapped[int] = mapped_column(Integer, default=0)
    last_new: Mapped[int] = mapped_column(Integer, default=0)
    # Spans an API could not return any more (a search window passed the cursor), newest last:
    # [{"at", "reason", "since", "until", "missed"}], ISO times; shown, never silently dropped.
    gaps: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType, default=list)
    # health
    state: Mapped[str] = mapped_column(String(20), default="new")
    consecutive_errors: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    error_class: Mapped[str | None] = mapped_column(String(20))
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_state: Mapped[str | None] = mapped_column(String(20))
    # lease: one worker polls a source at a time; an expired lease is free again
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
