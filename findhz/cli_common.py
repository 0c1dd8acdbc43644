"""What every ``findhz`` command shares: the consoles, the scenario argument, and the rule
that findhz's own errors become one line each and a non-zero exit code, never a traceback."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console

from findhz.planner.bundled import DEFAULT_SCENARIO, scenario_path
from findhz.planner.errors import (
    FindhzError,
    InputError,
    OutputRefused,
    OutputWriteError,
    VerificationFailed,
)
from findhz.planner.models import Scenario

__all__ = ["ScenarioArg", "err", "friendly", "load", "out"]

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


def friendly(command: Callable[P, R]) -> Callable[P, R]:
    """Turn findhz's own errors into one line each and a non-zero exit; no traceback.

    Exit codes: 2 for bad input (one line per problem) and for an output folder findhz may not
    write, 3 when the file system failed while writing, 1 for anything else findhz raises on
    purpose (a plan that breaks hard constraints, a travel service that failed), 130 when
    interrupted.
    """

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except InputError as error:
            for problem in error.problems:
                err.print(str(problem), markup=False)
            raise typer.Exit(2) from None
        except OutputRefused as error:
            err.print(f"findhz: {error}", markup=False)
            raise typer.Exit(2) from None
        except OutputWriteError as error:
            err.print(f"findhz: {error}", markup=False)
            raise typer.Exit(3) from None
        except VerificationFailed as error:
            err.print(
                f"findhz: the plan breaks {len(error.violations)} hard constraint(s); "
                "no output was written",
                markup=False,
            )
            raise typer.Exit(1) from None
        except FindhzError as error:
            for line in str(error).splitlines() or [type(error).__name__]:
                err.print(f"findhz: {line}", markup=False)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err.print("findhz: interrupted; nothing was written", markup=False)
            raise typer.Exit(130) from None

    return run


def load(scenario: str) -> Scenario:
    """Load a scenario named by path or by bundled id."""
    from findhz.planner.loading import load_scenario

    loaded = load_scenario(scenario_path(scenario))
    for notice in loaded.notices:
        err.print(f"warning: {notice}", markup=False)
    return loaded
