"""Brands the team watches."""

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from monitor.db import Base, JSONType, UTCDateTime, utcnow


class Brand(Base):
    __tablename__ = "brands"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    query: Mapped[str] = mapped_column(Text)
    handles: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    exclude: Mapped[str | None] = mapped_column(Text)
    # off: no longer matched (DELETE /api/brands/{name}); its mentions and incidents stay
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
