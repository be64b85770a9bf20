"""Command-line entry point: `monitor ...` (scripts depend on these names and formats)."""

from __future__ import annotations

import asyncio
import signal
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from monitor.cli_brands import brands_app
from monitor.cli_config import config_app
from monitor.config import AppConfig, ConfigError, load_config
from monitor.incidents.service import public_url_warning
from monitor.logs import configure as configure_logging
from monitor.logs import install as install_log_redaction
from monitor.logs import log_config, redact
from monitor.logs import set_format as set_log_format
from monitor.metrics import serve_worker_metrics
from monitor.settings import get_settings

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Brand-mention monitor.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
sources_app = typer.Typer(no_args_is_help=True, help="Sources.")
app.add_typer(db_app, name="db")
app.add_typer(sources_app, name="sources")
app.add_typer(brands_app, name="brands")
app.add_typer(config_app, name="config")

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config", "-c", help="TOML configuration file (default: $MONITOR_CONFIG).", show_default=False
    ),
]


def _config(path: Path | None) -> AppConfig:
    """Load the configuration or exit 2 with one line naming the file, key and problem."""
    try:
        return load_config(path or get_settings().config)
    except ConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None


def database_url(config: AppConfig) -> str:
    """DATABASE_URL from the environment wins over the file."""
    return get_settings().database_url or config.database.url


def _logging() -> None:
    # secrets masked (httpx logs full URLs: feed tokens and API keys), scheduler chatter off
    configure_logging()


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


@app.callback()
def _global_options(
    log_format: Annotated[
        LogFormat,
        typer.Option(
            "--log-format",
            envvar="MONITOR_LOG_FORMAT",
            help="Log lines as text, or one JSON object per line with the event's fields.",
        ),
    ] = LogFormat.TEXT,
) -> None:
    set_log_format(log_format.value)


def _upgrade(config: AppConfig) -> None:
    from monitor.db import upgrade

    upgrade(database_url(config))


def _require_schema(config: AppConfig) -> None:
    """Exit 2 with one line when the database is unmigrated, before any job meets a missing table."""
    from monitor.db import make_engine, schema_problem

    engine = make_engine(database_url(config))
    try:
        problem = schema_problem(engine)
    except Exception as exc:  # unreachable server, bad URL: one line, not a traceback
        problem = f"cannot read the database schema: {exc.__class__.__name__}: {str(exc).splitlines()[0]}"
    finally:
        engine.dispose()
    if problem:
        typer.echo(problem, err=True)
        raise typer.Exit(2)


HostOpt = Annotated[str | None, typer.Option("--host", help="Listen address (overrides [api] host).")]
PortOpt = Annotated[
    int | None, typer.Option("--port", help="Listen port (overrides [api] port).", min=1, max=65535)
]


def _with_listen(config: AppConfig, host: str | None, port: int | None) -> AppConfig:
    api = config.api.model_copy(update={k: v for k, v in (("host", host), ("port", port)) if v is not None})
    return config.model_copy(update={"api": api})


def _serve(
    config: AppConfig,
    *,
    run_worker: bool,
    check_schema: bool = False,
    workers: int = 1,
    config_path: Path | None = None,
) -> None:
    import uvicorn

    from monitor.app import create_app
    from monitor.auth import check_bind, load_key_hashes, startup_notice

    keys = bool(load_key_hashes(config, get_settings()))
    refusal = check_bind(config.api.host, keys)
    if refusal:
        typer.echo(refusal, err=True)
        raise typer.Exit(2)
    if check_schema:
        _require_schema(config)  # before logging: alembic's INFO lines would bury the one line
        _logging()
    notice = startup_notice(config.api.host, keys)
    if notice:
        typer.echo(notice, err=True)
    if run_worker and (link := public_url_warning(config)):
        typer.echo(link, err=True)
    host = f"[{config.api.host}]" if ":" in config.api.host else config.api.host
    typer.echo(f"monitor listening on http://{host}:{config.api.port}/", err=True)
    if workers > 1:
        from monitor.serve import serve_api_workers

        serve_api_workers(
            config_path=config_path, host=config.api.host, port=config.api.port, workers=workers
        )
        return
    uvicorn.run(
        create_app(config, run_worker=run_worker),
        host=config.api.host,
        port=config.api.port,
        log_level="info",
        log_config=log_config(),  # uvicorn's lines in the same format, masked, through the root
        lifespan="on",
    )


@app.command()
def run(config: ConfigOpt = None, host: HostOpt = None, port: PortOpt = None) -> None:
    """Migrate the database, then run the API and the scheduler in one process."""
    cfg = _with_listen(_config(config), host, port)
    _logging()
    _upgrade(cfg)
    _serve(cfg, run_worker=True)


@app.command()
def api(
    config: ConfigOpt = None,
    host: HostOpt = None,
    port: PortOpt = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="API processes (none runs the scheduler).")
    ] = 1,
) -> None:
    """Run the API only (the schema must be migrated: `monitor db upgrade`)."""
    cfg = _with_listen(_config(config), host, port)
    _serve(cfg, run_worker=False, check_schema=True, workers=workers, config_path=config)


def _make_worker(cfg: AppConfig):
    from monitor.db import make_engine, make_session_factory
    from monitor.worker import Worker

    engine = make_engine(database_url(cfg))
    return Worker(cfg, make_session_factory(engine)), engine


@app.command()
def worker(
    config: ConfigOpt = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            "--metrics-port",
            min=1,
            max=65535,
            help="Serve this worker's /metrics (polls, latency, liveness) on this port.",
        ),
    ] = None,
    metrics_host: Annotated[
        str, typer.Option("--metrics-host", help="Listen address for --metrics-port.")
    ] = "127.0.0.1",
) -> None:
    """Run the scheduler only: poll sources, deliver alerts (run as many as you like on PostgreSQL)."""
    cfg = _config(config)
    _require_schema(cfg)  # before logging: alembic's INFO lines would bury the one line
    _logging()
    if link := public_url_warning(cfg):
        typer.echo(link, err=True)

    async def main() -> None:
        w, engine = _make_worker(cfg)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await w.start()
        if metrics_port is not None:
            serve_worker_metrics(w, host=metrics_host, port=metrics_port)
        typer.echo(f"worker {w.worker_id} running", err=True)
        await stop.wait()
        await w.stop()
        engine.dispose()

    asyncio.run(main())


@db_app.command("upgrade")
def db_upgrade(config: ConfigOpt = None) -> None:
    """Apply the schema migrations."""
    cfg = _config(config)
    _upgrade(cfg)
    typer.echo("database is at the latest schema", err=True)


@app.command()
def poll(
    once: Annotated[
        bool, typer.Option("--once", help="Poll every configured source once, then exit.")
    ] = False,
    names: Annotated[list[str] | None, typer.Argument(help="Only these sources.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Poll sources once: a line per source (fetched, new mentions or the error); exit 1 if any failed."""
    if not once:
        typer.echo("use `monitor poll --once` (the scheduler is `monitor worker`)", err=True)
        raise typer.Exit(2)
    cfg = _config(config)
    install_log_redaction()  # warnings and tracebacks quote URLs: no feed token may reach the terminal
    unknown = [n for n in names or [] if n not in {s.name for s in cfg.sources}]
    if unknown:
        typer.echo(f"unknown source {unknown[0]!r}", err=True)
        raise typer.Exit(2)
    _upgrade(cfg)

    async def main() -> list:
        w, engine = _make_worker(cfg)
        try:
            outcomes = await w.poll_once(names or ())
            await w.deliver()
            return outcomes
        finally:
            await w.stop()
            engine.dispose()

    outcomes = asyncio.run(main())
    for o in sorted(outcomes, key=lambda o: o.source):
        typer.echo(redact(o.line()))
    raise typer.Exit(1 if any(o.error for o in outcomes) else 0)


@sources_app.command("check")
def sources_check(
    name: Annotated[str | None, typer.Argument(help="Only this source.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Test each source's configuration and credentials and say what is wrong."""
    cfg = _config(config)
    install_log_redaction()
    chosen = [s for s in cfg.sources if name is None or s.name == name]
    if name and not chosen:
        typer.echo(f"unknown source {name!r}", err=True)
        raise typer.Exit(2)
    from connectors.base import ConnectorError
    from connectors.registry import get_connector, validate_config
    from monitor.http import make_client

    async def check_all() -> list[tuple[str, str | None]]:
        async with make_client(cfg.worker) as client:

            async def one(src) -> tuple[str, str | None]:
                try:
                    await get_connector(src.kind).check(client, validate_config(src.kind, src.options))
                    return src.name, None
                except ConnectorError as exc:
                    return src.name, f"{exc.error_class.value}: {exc}"
                except Exception as exc:
                    return src.name, f"internal: {exc!r}"

            return list(await asyncio.gather(*(one(s) for s in chosen)))

    results = asyncio.run(check_all())
    for src_name, problem in results:
        typer.echo(redact(f"{src_name}: {'ok' if problem is None else problem}"))
    raise typer.Exit(1 if any(p for _, p in results) else 0)


class EngineName(StrEnum):
    learned = "learned"
    cues = "cues"


EngineOpt = Annotated[
    EngineName,
    typer.Option("--engine", help="learned (the trained detector) or cues (the phrase engine alone)."),
]
ModelOpt = Annotated[
    Path | None,
    typer.Option(
        "--model",
        help="A detector file written by `monitor train` (default: [detector] model, else the shipped one).",
        show_default=False,
    ),
]


def _scorer(config: Path | None, engine: EngineName, model: Path | None):
    from monitor.pipeline import scorer_for
    from monitor.scoring import Scorer
    from monitor.scoring.model.detector import ModelError

    try:
        if engine is EngineName.cues:
            return Scorer(engine="cues")
        if model is not None:
            return Scorer(model=model)
        return scorer_for(_config(config))
    except ModelError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None


@app.command()
def score(
    path: Annotated[str, typer.Argument(help="JSON Lines file, or - for stdin.")] = "-",
    config: ConfigOpt = None,
    engine: EngineOpt = EngineName.learned,
    model: ModelOpt = None,
) -> None:
    """Score JSON Lines {"id","text","brand"?}: one JSON line out per line in, in order."""
    from monitor.cli_score import run_score

    scorer = _scorer(config, engine, model)
    if path == "-":
        code = run_score(sys.stdin, sys.stdout, sys.stderr, scorer)
    else:
        try:
            with open(path, encoding="utf-8") as fh:
                code = run_score(fh, sys.stdout, sys.stderr, scorer)
        except OSError as exc:
            typer.echo(f"cannot read {path}: {exc.strerror}", err=True)
            raise typer.Exit(2) from None
    raise typer.Exit(code)


@app.command("eval")
def eval_(
    path: Annotated[
        str | None,
        typer.Argument(help="Labeled JSONL: text, brand?, incident, category, needs_reply?, opportunity?"),
    ] = None,
    config: ConfigOpt = None,
    engine: EngineOpt = EngineName.learned,
    model: ModelOpt = None,
    team: Annotated[
        bool,
        typer.Option(
            "--team", help="Score the team's own labels (from the --config database) instead of a file."
        ),
    ] = False,
) -> None:
    """Incident P/R/F1 and false alarms, category accuracy, reply/opportunity F1, the confusion table."""
    from monitor.cli_score import run_eval, run_eval_team

    if team:
        cfg = _config(config)
        _require_schema(cfg)
        raise typer.Exit(run_eval_team(cfg, database_url(cfg), sys.stdout, sys.stderr))
    if path is None:
        typer.echo("give a labeled JSONL file, or --team with --config", err=True)
        raise typer.Exit(2)
    raise typer.Exit(run_eval(path, sys.stdout, _scorer(config, engine, model)))


@app.command("train")
def train_(
    config: ConfigOpt = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Where to write the model (default: [detector] model, else the shipped one).",
        ),
    ] = None,
    corpus: Annotated[
        Path | None,
        typer.Option("--corpus", help="A directory of labeled *.jsonl (default: the bundled corpus)."),
    ] = None,
) -> None:
    """Rebuild the detector from the labeled corpus and, with --config, the team's labels (deterministic)."""
    from monitor.cli_train import run_train

    cfg = _config(config) if config or get_settings().config else None
    raise typer.Exit(
        run_train(
            config=cfg,
            database_url=database_url(cfg) if cfg is not None else None,
            output=output,
            corpus=corpus,
            out=sys.stdout,
            err=sys.stderr,
        )
    )


@app.command()
def replay(
    path: Annotated[str, typer.Argument(help="JSONL mentions: id, brand, text, published_at, source?")],
    config: ConfigOpt = None,
) -> None:
    """Replay mentions in simulated time on a throwaway database; print each alert that would fire."""
    from monitor.replay import run_replay

    raise typer.Exit(run_replay(path, _config(config), sys.stdout, sys.stderr))


@app.command("hash-password")
def hash_password_cmd() -> None:
    """Read a password (prompted, or from stdin) and print the hash for a [[users]] entry."""
    from monitor.web.passwords import hash_password

    if sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    if not password:
        typer.echo("empty password", err=True)
        raise typer.Exit(2)
    typer.echo(hash_password(password))


def main() -> None:
    app()
