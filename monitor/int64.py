"""64-bit counters: the column type for reach, engagement and their sums, clamped to what BIGINT holds.

Sources report whatever they like: a Mastodon `followers_count` of 3×10⁹ is real, a forum's
10^30 is not, and an incident sums the reach of every mention it takes. A value that does not fit
the column would fail the whole batch on every poll, so the cursor would never advance; a clamped
number loses nothing a person reads (the original stays in the mention's `raw`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def clamp_int64(value: int) -> int:
    """`value` pinned into the signed 64-bit range."""
    return max(INT64_MIN, min(INT64_MAX, value))


class Int64(TypeDecorator[int]):
    """BIGINT on PostgreSQL (SQLite's INTEGER already holds 64 bits); values clamped on the way in.

    On the way out PostgreSQL's SUM over BIGINT answers NUMERIC (a Decimal in Python); `func.sum`
    over this column keeps the column's type, so sums come back as int too.
    """

    impl = BigInteger
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(Integer() if dialect.name == "sqlite" else BigInteger())

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        return None if value is None else clamp_int64(int(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        return None if value is None else clamp_int64(int(value))
