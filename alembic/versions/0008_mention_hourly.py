"""mention_hourly: per brand and UTC hour, the mention count and sentiment sum the Trends charts read

The store adds each batch in its own transaction and retention subtracts what it deletes
(monitor/mentions/rollup.py), so the 24 h / 7 d / 30 d charts read a few thousand rows instead of
grouping every mention in range. The upgrade backfills it from the stored mentions (one GROUP BY
over the table); the downgrade drops it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The hour as the application computes it: floor(seconds since the epoch / 3600), UTC.
_HOUR = {
    "sqlite": "CAST(strftime('%s', published_at) AS INTEGER) / 3600",
    "postgresql": "CAST(floor(extract(epoch FROM published_at) / 3600) AS BIGINT)",
}


def upgrade() -> None:
    op.create_table(
        "mention_hourly",
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("sentiment_sum", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brands.id"], name=op.f("fk_mention_hourly_brand_id_brands"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("hour", "brand_id", name=op.f("pk_mention_hourly")),
    )
    hour = _HOUR[op.get_bind().dialect.name]
    op.execute(
        "INSERT INTO mention_hourly (hour, brand_id, mentions, sentiment_sum) "
        f"SELECT {hour} AS h, brand_id, count(*), sum(sentiment) FROM mentions GROUP BY h, brand_id"
    )


def downgrade() -> None:
    op.drop_table("mention_hourly")
