"""`monitor config export`: the database's brands and sources written back as TOML the file accepts.

Once brands and sources are edited through the API or the dashboard, the database holds the truth;
this writes it back as `[[brands]]` and `[[sources]]` tables to paste over the file's own (other
sections are not written: they never leave the file). No secret is ever written: an option the API
took as `${VAR}` is written as that reference; a secret the file gave (the database holds it masked)
is written as a placeholder `${SOURCE_OPTION}` reference, listed at the top, to point at the same
value before the file is loaded.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor import logs
from monitor.admin.service import brand_table, source_table
from monitor.admin.toml import toml_lines
from monitor.brands.models import Brand
from monitor.secrets import SECRET_MASK
from monitor.sources.models import Source

config_app = typer.Typer(no_args_is_help=True, help="Configuration.")


def _table(header: str, table: dict[str, Any], *, comment: bool = False) -> list[str]:
    lines = [f"[[{header}]]", *toml_lines(table)]
    return [f"# {line}" for line in lines] if comment else lines


def _masked(value: Any) -> bool:
    return isinstance(value, str) and (value == SECRET_MASK or logs.MASK in value)


def _placeholder(source: str, option: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", f"{source}_{option}".upper()).strip("_")


def export_toml(session: Session) -> str:
    """The database's brands and sources as TOML; secrets as `${VAR}` references, never in clear."""
    sources = list(session.scalars(select(Source).order_by(Source.name)))
    wanted = {s.brand for s in sources if s.brand}
    out: list[str] = []
    needed: list[str] = []
    for row in session.scalars(select(Brand).order_by(Brand.name)):
        out.append("")
        if not row.enabled:
            # the file has no disabled brands: kept as a comment unless a source names it
            out.append(
                "# disabled in the database"
                + ("; kept because a source names it" if row.name in wanted else "")
            )
        out += _table("brands", brand_table(row), comment=not row.enabled and row.name not in wanted)
    for row in sources:
        table = source_table(row)
        for name, value in table.items():
            if name not in (row.secret_refs or {}) and _masked(value):
                var = _placeholder(row.name, name)
                needed.append(var)
                table[name] = f"${{{var}}}"
        out.append("")
        out += _table("sources", table)
    head = [
        "# Brands and sources exported from the database by `monitor config export`.",
        "# Paste over the [[brands]] and [[sources]] of the configuration file; no secret is written.",
    ]
    if needed:
        head.append("# Set these to the secrets the file held before loading it: " + ", ".join(needed))
    return "\n".join(head + out) + "\n"


@config_app.command("export")
def export(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="TOML configuration file (default: $MONITOR_CONFIG).", show_default=False
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.", show_default=False)
    ] = None,
) -> None:
    """Write the database's brands and sources as TOML (secrets as ${VAR} references)."""
    from monitor.cli import _config, database_url
    from monitor.db import make_engine, make_session_factory

    engine = make_engine(database_url(_config(config)))
    try:
        with make_session_factory(engine)() as session:
            text = export_toml(session)
    finally:
        engine.dispose()
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)
