"""Engine, sessions, the declarative base and schema migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

# Stable constraint names so Alembic can address them on every backend (polar kit/db/models/base.py).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids for a million+ mentions.
BigId = BigInteger().with_variant(Integer(), "sqlite")
JSONType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in Python, whatever the backend keeps (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the settings each backend needs for a worker and an API side by side."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL lets the API read while the worker writes; FKs are off by default in SQLite.
            cur = dbapi_conn.cursor()
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_heavy_engine(url: str, *, timeout_seconds: float, pool_size: int) -> Engine:
    """A second, small pool for reads that can run long (search, trends, CSV export).

    Its own connections, so a burst of slow queries waits on this pool and never on the one
    /healthz, the dashboard and writes use; on PostgreSQL each statement is cancelled after
    `timeout_seconds` (SQLSTATE 57014). SQLite has no statement timeout: there the pool only
    keeps the slow reads off the main pool's connections (WAL lets both read at once).
    """
    # a request waits for a connection at most as long as one query may run, then answers 503;
    # 2 s was too short: under 50 clients on 2 cores a quarter of searches got a 503 (bench_api.py)
    kwargs: dict[str, Any] = {"pool_size": pool_size, "max_overflow": 0, "pool_timeout": timeout_seconds}
    if not url.startswith("sqlite"):
        ms = max(1, round(timeout_seconds * 1000))
        kwargs["connect_args"] = {"options": f"-c statement_timeout={ms}"}
    return make_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (the caller owns the commit)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for jobs: commits on success, rolls back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# A wheel carries the migrations as monitor/migrations (setup.py); a checkout has them at the top.
_PACKAGED = Path(__file__).resolve().parent / "migrations"
_CHECKOUT = Path(__file__).resolve().parent.parent / "alembic"
ALEMBIC_DIR = _PACKAGED if (_PACKAGED / "env.py").is_file() else _CHECKOUT


def alembic_config(url: str) -> Any:
    """An Alembic config pointing at the project's migrations and the given database."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


class SchemaStatus(StrEnum):
    """Whether a database holds the schema this code expects."""

    CURRENT = "current"
    MISSING = "missing"  # never migrated: no alembic_version table, or it is empty
    OUTDATED = "outdated"  # migrated to an older (or unknown) revision


UPGRADE_HINT = "the database schema is {status}: run `monitor db upgrade`"


def schema_status(engine: Engine) -> SchemaStatus:
    """Compare the database's Alembic revision with this code's head; never changes the database."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config("")).get_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if not current:
        return SchemaStatus.MISSING
    return SchemaStatus.CURRENT if current == heads else SchemaStatus.OUTDATED


def schema_problem(engine: Engine) -> str | None:
    """One line telling the operator to migrate, or None when the schema is current."""
    status = schema_status(engine)
    if status is SchemaStatus.CURRENT:
        return None
    return UPGRADE_HINT.format(status="not created" if status is SchemaStatus.MISSING else "out of date")


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema to `revision`; migrations are the only way the schema is made."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)
