"""The ``findhz`` command."""

from __future__ import annotations

import typer

app = typer.Typer(help="Plan the FIND HZ visit routes.", no_args_is_help=True)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo("findhz 0.1.0")


def main() -> None:
    app()
