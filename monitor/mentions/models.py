"""Stored, scored mentions."""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from monitor.db import Base, BigId, JSONType, UTCDateTime, utcnow
from monitor.int64 import Int64


class Mention(Base):
    __tablename__ = "mentions"
    __table_args__ = (
        # Idempotent store: one row per item per brand per source, however often it is re-polled.
        UniqueConstraint("source_id", "external_id", "brand_id"),
        # The API's queries: newest first overall, per brand, per incident, per category, incidents only.
        Index("ix_mentions_published", "published_at", "id"),
        Index("ix_mentions_brand_published", "brand_id", "published_at"),
        Index("ix_mentions_source_published", "source_id", "published_at"),
        # Partial: only the few flagged rows carry an incident or a category, so the many unflagged
        # rows skip two index updates on insert and these indexes stay small.
        Index(
            "ix_mentions_incident_published",
            "incident_id",
            "published_at",
            sqlite_where=text("incident_id IS NOT NULL"),
            postgresql_where=text("incident_id IS NOT NULL"),
        ),
        Index(
            "ix_mentions_category_published",
            "category",
            "published_at",
            sqlite_where=text("category IS NOT NULL"),
            postgresql_where=text("category IS NOT NULL"),
        ),
        Index("ix_mentions_flagged_published", "is_incident", "published_at"),
        Index("ix_mentions_canonical_url", "canonical_url"),
        # The reply queue: few posts expect an answer, so the partial index stays small.
        Index(
            "ix_mentions_reply_queue",
            "published_at",
            sqlite_where=text("needs_reply OR opportunity OR reply_status IS NOT NULL"),
            postgresql_where=text("needs_reply OR opportunity OR reply_status IS NOT NULL"),
        ),
        Index("ix_mentions_fingerprint", "fingerprint"),
        # ON DELETE SET NULL finds a deleted mention's duplicates by this column (migration 0005)
        Index(
            "ix_mentions_duplicate_of",
            "duplicate_of_id",
            sqlite_where=text("duplicate_of_id IS NOT NULL"),
            postgresql_where=text("duplicate_of_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    canonical_url: Mapped[str | None] = mapped_column(String(1000))
    fingerprint: Mapped[str | None] = mapped_column(String(32))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("mentions.id", ondelete="SET NULL"))
    author: Mapped[str | None] = mapped_column(String(500))
    # 64-bit and clamped: follower counts pass 2^31 and sources send absurd numbers (monitor/int64.py)
    author_reach: Mapped[int | None] = mapped_column(Int64)
    engagement: Mapped[int | None] = mapped_column(Int64)
    language: Mapped[str | None] = mapped_column(String(20))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sentiment: Mapped[float] = mapped_column(Float)
    urgency: Mapped[float] = mapped_column(Float)
    category: Mapped[str | None] = mapped_column(String(30))
    is_incident: Mapped[bool] = mapped_column(Boolean, default=False)
    direct: Mapped[bool] = mapped_column(Boolean, default=False)
    # The detector's other verdicts: the post expects an answer / is an engagement or sales chance.
    needs_reply: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    opportunity: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    probability: Mapped[float | None] = mapped_column(Float)  # incident probability; None before v2
    category_probability: Mapped[float | None] = mapped_column(Float)  # the category head's; None before v2
    model: Mapped[str | None] = mapped_column(String(80))  # the detector version that scored it
    reasons: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    # The reply queue (monitor/replies/service.py): None follows the detector (needs_reply or
    # opportunity puts it in the queue); "open" put there by a person; "replied" / "no_reply" done.
    reply_status: Mapped[str | None] = mapped_column(String(20))
    reply_assignee: Mapped[str | None] = mapped_column(String(200))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_by: Mapped[str | None] = mapped_column(String(200))
    reply_url: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class MentionLabel(Base):
    """A person's correction of a mention's score: any of the four labels, who and when.

    Rows are never updated: the latest non-null value of each field is the mention's label, and
    the history shows who changed their mind. `monitor train` folds these into the model.
    """

    __tablename__ = "mention_labels"
    __table_args__ = (Index("ix_mention_labels_mention", "mention_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id", ondelete="CASCADE"))
    incident: Mapped[bool | None] = mapped_column(Boolean)
    category: Mapped[str | None] = mapped_column(String(30))
    needs_reply: Mapped[bool | None] = mapped_column(Boolean)
    opportunity: Mapped[bool | None] = mapped_column(Boolean)
    labeled_by: Mapped[str] = mapped_column(String(200))
    labeled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MentionHourly(Base):
    """Mentions of one brand published in one UTC hour: how many and their summed sentiment."""

    __tablename__ = "mention_hourly"

    # hour first: the charts read a span of hours for every brand, a range scan of the key
    hour: Mapped[int] = mapped_column(Integer, primary_key=True)  # seconds since the epoch // 3600
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), primary_key=True)
    mentions: Mapped[int] = mapped_column(Integer)
    sentiment_sum: Mapped[float] = mapped_column(Float)
