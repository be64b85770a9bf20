"""detector v2: needs_reply, opportunity, probabilities and model on mentions; the team's labels

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_reply', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('opportunity', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('probability', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('category_probability', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('model', sa.String(length=80), nullable=True))

    op.create_table('mention_labels',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('mention_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('incident', sa.Boolean(), nullable=True),
    sa.Column('category', sa.String(length=30), nullable=True),
    sa.Column('needs_reply', sa.Boolean(), nullable=True),
    sa.Column('opportunity', sa.Boolean(), nullable=True),
    sa.Column('labeled_by', sa.String(length=200), nullable=False),
    sa.Column('labeled_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mention_id'], ['mentions.id'], name=op.f('fk_mention_labels_mention_id_mentions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mention_labels'))
    )
    with op.batch_alter_table('mention_labels', schema=None) as batch_op:
        batch_op.create_index('ix_mention_labels_mention', ['mention_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('mention_labels', schema=None) as batch_op:
        batch_op.drop_index('ix_mention_labels_mention')
    op.drop_table('mention_labels')
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.drop_column('model')
        batch_op.drop_column('category_probability')
        batch_op.drop_column('probability')
        batch_op.drop_column('opportunity')
        batch_op.drop_column('needs_reply')
