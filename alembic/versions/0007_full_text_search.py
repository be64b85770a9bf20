"""full-text search on mentions (text, title, author): a GIN-indexed tsvector on PostgreSQL, FTS5 on SQLite

`?q=` was ILIKE '%q%', a sequential scan (1.2 s at a million mentions). The objects made here are
outside the ORM's metadata (a generated column the ORM never loads, a virtual table); the query side
is monitor/mentions/search.py, and tests/test_migrations.py ignores them (search.is_search_object).

PostgreSQL: one text search configuration per language PostgreSQL ships (monitor_english, ...,
monitor_simple), each folding accents through the unaccent dictionary when the extension can be
created (postgresql-contrib; without it search stays case- but not accent-insensitive, and a warning
says so). mentions.search_vector is a STORED generated column: the mention's words stemmed in its
detected language plus as written (monitor_simple, so prefixes and unmapped languages work), so it
backfills on creation and stays in step with every insert and update without a trigger. The function
monitor_search_term(term, prefix) turns one word or phrase into a tsquery that matches either form
in any of the languages (the query's language is unknown), each distinct reading once. pg_trgm is
not used: the semantics are words, phrases and prefixes, not substrings inside words.

SQLite: an FTS5 external-content table over mentions (unicode61, remove_diacritics 2), kept in sync by
triggers on insert, delete and update of text/title/author, rebuilt from the existing rows here.
A later migration that rebuilds `mentions` (batch mode copies and drops the table) drops these
triggers with it and must create them again.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 07:30:00
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

# ISO 639-1 code (the part before any "-" of mentions.language) -> PostgreSQL's built-in configuration;
# only those the server has are used (PostgreSQL 13 lacks several of the later ones)
LANGUAGES = {
    "ar": "arabic",
    "hy": "armenian",
    "eu": "basque",
    "ca": "catalan",
    "da": "danish",
    "nl": "dutch",
    "en": "english",
    "fi": "finnish",
    "fr": "french",
    "de": "german",
    "el": "greek",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "ga": "irish",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "no": "norwegian",
    "nb": "norwegian",
    "nn": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "es": "spanish",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
# the token types that can carry accents; asciiword/asciihword cannot
_ACCENTED = "word, hword, hword_part"
_DOC = "coalesce(title, '') || ' ' || text || ' ' || coalesce(author, '')"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _pg_upgrade()
    else:
        _sqlite_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _pg_downgrade()
    else:
        _sqlite_downgrade()


# ---- PostgreSQL ---------------------------------------------------------------------------------


def _unaccent(bind: sa.Connection) -> bool:
    """Create the unaccent extension if the server has it; False (and a warning) when it cannot."""
    available = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'unaccent'")).first()
    if available is not None:
        try:
            with bind.begin_nested():  # a failed CREATE must not abort the migration's transaction
                bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS unaccent"))
            return True
        except sa.exc.DBAPIError as exc:
            log.warning("search: cannot create extension unaccent (%s)", exc.orig)
    log.warning("search: without unaccent (postgresql-contrib) search is not accent-insensitive")
    return False


def _configs(bind: sa.Connection, schema: str, accents: bool) -> dict[str, str]:
    """Create monitor_<name> for simple and each language the server has; code -> qualified name."""
    builtin = set(
        bind.execute(
            sa.text("SELECT cfgname FROM pg_ts_config WHERE cfgnamespace = 'pg_catalog'::regnamespace")
        ).scalars()
    )
    dictionaries = set(bind.execute(sa.text("SELECT dictname FROM pg_ts_dict")).scalars())
    names = {"simple"} | {name for name in LANGUAGES.values() if name in builtin}
    for name in sorted(names):
        op.execute(f'CREATE TEXT SEARCH CONFIGURATION "{schema}".monitor_{name} (COPY = pg_catalog.{name})')
        stem = "simple" if name == "simple" else f"{name}_stem"
        if accents and stem in dictionaries:
            op.execute(
                f'ALTER TEXT SEARCH CONFIGURATION "{schema}".monitor_{name} '
                f"ALTER MAPPING FOR {_ACCENTED} WITH unaccent, {stem}"
            )
    return {code: f"{schema}.monitor_{name}" for code, name in LANGUAGES.items() if name in names}


def _pg_upgrade() -> None:
    bind = op.get_bind()
    schema = bind.execute(sa.text("SELECT current_schema()")).scalar_one()
    by_code = _configs(bind, schema, _unaccent(bind))
    simple = f"{schema}.monitor_simple"

    # constants cast to regconfig are resolved to OIDs here, so the expression is immutable and does
    # not depend on the search_path of whoever inserts
    def vector(config: str) -> str:
        return f"to_tsvector('{config}'::regconfig, {_DOC})"

    code = "lower(split_part(coalesce(language, ''), '-', 1))"
    whens = " ".join(f"WHEN '{c}' THEN {vector(cfg)} || {vector(simple)}" for c, cfg in by_code.items())
    op.execute(
        f"ALTER TABLE mentions ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS (CASE {code} {whens} ELSE {vector(simple)} END) STORED"
    )
    op.execute("CREATE INDEX ix_mentions_search ON mentions USING gin (search_vector)")
    # the planner picks between the GIN index and walking the date index by how many rows a word
    # is in; with the default statistics every word outside the ~1,000 most common was guessed at
    # 3x its count at a million mentions, and a word in 0.1% of them walked 48,800 rows (83 ms vs
    # 8 ms). 10,000 lexemes fixed it. The rewrite above leaves no statistics: gather them now.
    op.execute("ALTER TABLE mentions ALTER COLUMN search_vector SET STATISTICS 1000")
    op.execute("ANALYZE mentions")

    configs = ", ".join(f"'{c}'" for c in [simple, *sorted(set(by_code.values()))])
    # each language's reading of the term, OR-ed once each: 29 copies of one lexeme multiplied the
    # planner's match estimate and sent a rare word down a scan by date (530 ms at 50,000 rows).
    # Prefix terms are single words of letters and digits (search.py), safe inside a tsquery literal.
    op.execute(
        f'CREATE FUNCTION "{schema}".monitor_search_term(term text, prefix boolean) RETURNS tsquery '
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
        "SELECT string_agg(DISTINCT '(' || q::text || ')', ' | ')::tsquery FROM ("
        "SELECT CASE WHEN prefix THEN to_tsquery(cfg, '''' || term || ''':*') "
        "ELSE phraseto_tsquery(cfg, term) END AS q "
        f"FROM unnest(ARRAY[{configs}]::regconfig[]) AS cfg) AS readings WHERE q::text <> '' $$"
    )


def _pg_downgrade() -> None:
    bind = op.get_bind()
    schema = bind.execute(sa.text("SELECT current_schema()")).scalar_one()
    op.execute(f'DROP FUNCTION "{schema}".monitor_search_term(text, boolean)')
    op.execute("DROP INDEX ix_mentions_search")
    op.execute("ALTER TABLE mentions DROP COLUMN search_vector")
    configs = bind.execute(
        sa.text(
            "SELECT cfgname FROM pg_ts_config WHERE cfgnamespace = current_schema()::regnamespace "
            "AND cfgname LIKE 'monitor\\_%'"
        )
    ).scalars()
    for name in list(configs):
        op.execute(f'DROP TEXT SEARCH CONFIGURATION "{schema}".{name}')
    # the unaccent extension stays: other objects may use it, and it is harmless


# ---- SQLite -------------------------------------------------------------------------------------

_SQLITE_TRIGGERS = {
    "mentions_fts_insert": "AFTER INSERT ON mentions BEGIN {add} END",
    "mentions_fts_delete": "AFTER DELETE ON mentions BEGIN {remove} END",
    "mentions_fts_update": "AFTER UPDATE OF text, title, author ON mentions BEGIN {remove} {add} END",
}
_ADD = (
    "INSERT INTO mentions_fts(rowid, text, title, author) VALUES (new.id, new.text, new.title, new.author);"
)
_REMOVE = (
    "INSERT INTO mentions_fts(mentions_fts, rowid, text, title, author) "
    "VALUES ('delete', old.id, old.text, old.title, old.author);"
)


def _sqlite_upgrade() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE mentions_fts USING fts5(text, title, author, content='mentions', "
        "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    for name, body in _SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body.format(add=_ADD, remove=_REMOVE)}")
    op.execute("INSERT INTO mentions_fts(mentions_fts) VALUES ('rebuild')")  # the existing rows


def _sqlite_downgrade() -> None:
    for name in _SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE mentions_fts")
