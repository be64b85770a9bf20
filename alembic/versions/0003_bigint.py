"""64-bit ids and counters; source secrets scrubbed from sources.config

1. Incident ids and the columns that point at them, reach, engagement and counts become 64-bit.

A Mastodon followers_count of 3×10⁹, or ~54 Reddit posts at 40 M subscribers summed into one incident,
overflowed PostgreSQL's INTEGER and failed the batch on every poll. SQLite's INTEGER already holds
64 bits (and must stay INTEGER for its rowid primary keys), so only PostgreSQL changes; the models
declare these columns BIGINT on PostgreSQL and INTEGER on SQLite.

PostgreSQL rewrites each altered table once (mentions is the big one): run it in a quiet moment.
The downgrade fails, changing nothing, if a value no longer fits in 32 bits.

2. Source secrets (API keys, tokens, a feed URL's ?token=) now live only in the configuration file;
the worker reads them from there (monitor/secrets.py). Rows written before hold them in plain
text, so the upgrade masks them at once rather than at the next worker start. The downgrade
cannot bring them back: the older worker's config sync rewrites them (and resets those sources'
cursors once) when it starts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from monitor.db import JSONType
from monitor.secrets import mask_options

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, nullable): mentions.id, mention_labels and alert_deliveries.id were BIGINT from the start.
_COLUMNS = (
    ('incidents', 'id', False),
    ('incidents', 'mention_count', False),
    ('incidents', 'reach', False),
    ('incidents', 'direct_count', False),
    ('mentions', 'incident_id', True),
    ('mentions', 'author_reach', True),
    ('mentions', 'engagement', True),
    ('alert_deliveries', 'incident_id', True),
)


def _retype(old: sa.types.TypeEngine, new: sa.types.TypeEngine, sequence_as: str) -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite: INTEGER is already 64-bit; nothing to copy
    for table, column, nullable in _COLUMNS:
        op.alter_column(table, column, existing_type=old, type_=new, existing_nullable=nullable)
    # incidents.id came from SERIAL: its sequence stops at 2^31 - 1 until it is widened too.
    op.execute(f"ALTER SEQUENCE {_sequence('incidents', 'id')} AS {sequence_as}")


def _sequence(table: str, column: str) -> str:
    name = op.get_bind().scalar(sa.text('SELECT pg_get_serial_sequence(:t, :c)'), {'t': table, 'c': column})
    if name is None:
        raise RuntimeError(f'{table}.{column} has no sequence; was the schema made by these migrations?')
    return name


def _scrub_source_secrets() -> None:
    sources = sa.table('sources', sa.column('id', sa.Integer()), sa.column('kind', sa.String()),
                       sa.column('config', JSONType))
    bind = op.get_bind()
    for id_, kind, config in bind.execute(sa.select(sources.c.id, sources.c.kind, sources.c.config)).all():
        masked = mask_options(kind, config or {})
        if masked != config:
            bind.execute(sources.update().where(sources.c.id == id_).values(config=masked))


def upgrade() -> None:
    _retype(sa.Integer(), sa.BigInteger(), 'bigint')
    _scrub_source_secrets()


def downgrade() -> None:
    _retype(sa.BigInteger(), sa.Integer(), 'integer')
