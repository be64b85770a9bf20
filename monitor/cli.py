"""Command-line entry point: `monitor ...`."""

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Brand-mention monitor.")


def main() -> None:
    app()
