"""The ``findhz`` command: the only place that prints, picks paths and exit codes.

It joins the two packages: ``planner`` makes and checks plans, ``maps`` turns them into pages.
Errors that findhz raises on purpose become one line each on stderr and exit code 2 (bad
input) or 1 (anything else); they never show a traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console

from planner.bundled import DEFAULT_SCENARIO, bundled_routes, scenario_path
from planner.errors import FindhzError, InputError

app = typer.Typer(
    help=(
        "Plan the FIND HZ visit routes: who rides which themed route on which day, which "
        "venues each bus visits and when; write the plan, maps and itineraries."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)

P = ParamSpec("P")
R = TypeVar("R")

ScenarioArg = Annotated[
    str,
    typer.Argument(
        help=(
            f"A scenario YAML file, or the id of a bundled scenario (default: {DEFAULT_SCENARIO})."
        ),
        show_default=False,
    ),
]


def _friendly(command: Callable[P, R]) -> Callable[P, R]:
    """Turn findhz's own errors into one line each and a non-zero exit; no traceback."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except InputError as error:
            for problem in error.problems:
                err.print(str(problem), markup=False)
            raise typer.Exit(2) from None
        except FindhzError as error:
            for line in str(error).splitlines() or [type(error).__name__]:
                err.print(f"findhz: {line}", markup=False)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err.print("findhz: interrupted; nothing was written", markup=False)
            raise typer.Exit(130) from None

    return run


@app.command()
@_friendly
def validate(scenario: ScenarioArg = DEFAULT_SCENARIO) -> None:
    """Check a scenario and every file it names; list every problem, one line each.

    Exit code 0 when the scenario is sound, 2 when any file has a problem.
    """
    from planner.loading import load_scenario

    loaded = load_scenario(scenario_path(scenario))
    spec = loaded.spec
    routes = loaded.running_routes
    out.print(
        f"{spec.id}: {len(loaded.venues)} venues, {len(routes)} routes running, "
        f"{len(loaded.delegates)} delegates from "
        f"{len({d.country for d in loaded.delegates})} countries and regions, "
        f"{len(spec.dates)} days ({spec.dates[0]} to {spec.dates[-1]}), "
        f"{sum(b.count for b in spec.fleet)} buses a day: OK",
        markup=False,
    )


@app.command()
@_friendly
def schemas(
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to write the JSON Schemas to (default: bundled)."),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Only check that the files are up to date.")
    ] = False,
) -> None:
    """Write the JSON Schemas of the venue, route, scenario and delegate formats."""
    from planner.schemas import render_schemas

    folder = out_dir or bundled_routes() / "schemas"
    stale = []
    for name, text in render_schemas().items():
        target = folder / name
        if check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                stale.append(name)
            continue
        folder.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    if stale:
        err.print(f"out of date: {', '.join(stale)} (run `findhz schemas`)", markup=False)
        raise typer.Exit(1)


def main() -> None:
    """Entry point of the ``findhz`` console script."""
    try:
        app()
    except BrokenPipeError:
        sys.exit(1)
