"""the reply queue: who answered a post, when, with what link, or that it needs no answer

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_QUEUE = 'needs_reply OR opportunity OR reply_status IS NOT NULL'


def upgrade() -> None:
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_status', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('reply_assignee', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('replied_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('reply_url', sa.Text(), nullable=True))
    op.create_index(
        'ix_mentions_reply_queue',
        'mentions',
        ['published_at'],
        unique=False,
        sqlite_where=sa.text(_QUEUE),
        postgresql_where=sa.text(_QUEUE),
    )


def downgrade() -> None:
    op.drop_index('ix_mentions_reply_queue', table_name='mentions')
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.drop_column('reply_url')
        batch_op.drop_column('replied_by')
        batch_op.drop_column('replied_at')
        batch_op.drop_column('reply_assignee')
        batch_op.drop_column('reply_status')
