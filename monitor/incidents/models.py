"""Incidents: related mentions of one brand and category, with their lifecycle."""

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from monitor.db import Base, BigId, UTCDateTime, utcnow
from monitor.int64 import Int64


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_open_lookup", "brand_id", "category", "status"),
        Index("ix_incidents_status_last_seen", "status", "last_seen_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | acknowledged | resolved
    severity: Mapped[int] = mapped_column(Integer, default=4)  # 1 is the worst
    # 64-bit and clamped: the summed reach of ~54 posts at 40 M subscribers each passes 2^31
    mention_count: Mapped[int] = mapped_column(Int64, default=0)  # distinct stories, duplicates once
    reach: Mapped[int] = mapped_column(Int64, default=0)
    max_urgency: Mapped[float] = mapped_column(Float, default=0.0)
    direct_count: Mapped[int] = mapped_column(Int64, default=0)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    assigned_to: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    regressed: Mapped[bool] = mapped_column(Boolean, default=False)
    regression_count: Mapped[int] = mapped_column(Integer, default=0)
    # alerting: the policy's memory, so a message is sent once per state change and never too many
    alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    alerted_severity: Mapped[int | None] = mapped_column(Integer)
    messages_sent: Mapped[int] = mapped_column(Integer, default=0)
    state_version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
