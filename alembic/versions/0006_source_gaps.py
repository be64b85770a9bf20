"""sources.gaps: items an API could not return any more, recorded on the source and shown

A search API with a window (X recent search: 7 days) cannot page back to an older cursor; the lost
span is kept here (newest last, at most 20) so /api/sources and the Sources page show it instead of
the loss passing in silence. NULL reads as no gaps; the downgrade drops the record.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 05:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from monitor.db import JSONType

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sources", sa.Column("gaps", JSONType, nullable=True))


def downgrade() -> None:
    op.drop_column("sources", "gaps")
