"""Read-only source queries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.sources.models import Source
from monitor.sources.schemas import SourceRead


def list_sources(session: Session) -> Sequence[SourceRead]:
    """Every source by name, with its health."""
    return [SourceRead.model_validate(s) for s in session.scalars(select(Source).order_by(Source.name))]
