"""an index on mentions.duplicate_of_id: deleting a mention must find its duplicates without a scan

ON DELETE SET NULL looks up every row whose duplicate_of_id is the deleted id; without an index that
is one sequential scan per deleted row (5,358 deletions did not finish in 37 s at a million mentions).
Partial: most mentions are not duplicates, and `duplicate_of_id = ?` still uses it on both backends.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 05:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHERE = "duplicate_of_id IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_mentions_duplicate_of",
        "mentions",
        ["duplicate_of_id"],
        unique=False,
        sqlite_where=sa.text(_WHERE),
        postgresql_where=sa.text(_WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_mentions_duplicate_of", table_name="mentions")
