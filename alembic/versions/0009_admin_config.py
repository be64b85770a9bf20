"""Brands and sources managed by API: brands.enabled, sources.secret_refs, config_seeds, config_revision

- brands.enabled: DELETE /api/brands/{name} disables a brand (no longer matched) instead of deleting
  it, because its mentions and incidents cascade from the brand row.
- sources.secret_refs: `{option: "${VAR}"}` for secrets entered through the API; the database never
  holds a secret, only the name of the environment variable that does (docs/admin.md).
- config_seeds: what the TOML file said last time, per brand and source, so a worker start applies
  only the file's changes since then and leaves API edits alone.
- config_revision: one row, bumped by every change to brands or sources; workers compare it each
  tick to know when to rebuild their brands and sources.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from monitor.db import JSONType, UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD/DROP COLUMN, never batch mode: on SQLite batch mode rebuilds `brands` (copy, drop,
    # rename), and dropping it cascades into every mention and incident of every brand.
    op.add_column("brands", sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column("sources", sa.Column("secret_refs", JSONType, nullable=True))
    op.create_table(
        "config_seeds",
        sa.Column("section", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("entry", JSONType, nullable=False),
        sa.PrimaryKeyConstraint("section", "name", name=op.f("pk_config_seeds")),
    )
    table = op.create_table(
        "config_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_config_revision")),
    )
    op.bulk_insert(table, [{"id": 1, "revision": 0, "changed_at": None}])


def downgrade() -> None:
    op.drop_table("config_revision")
    op.drop_table("config_seeds")
    op.drop_column("sources", "secret_refs")
    op.drop_column("brands", "enabled")  # SQLite >= 3.35 drops a column in place
