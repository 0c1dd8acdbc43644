"""``findhz replan``: repair a published plan after changes and tell exactly who is affected."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from findhz.cli_common import err, friendly, out

__all__ = ["register"]


def _now(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"'{value}' is not a date and time like 2024-09-28T10:40"
        ) from None


def replan_command(
    plan_file: Annotated[
        Path,
        typer.Argument(
            help="The published plan.json, or the folder that holds it.", show_default=False
        ),
    ],
    scenario: Annotated[
        str | None,
        typer.Argument(
            help="The edited scenario (default: the bundled one the plan names).",
            show_default=False,
        ),
    ] = None,
    change: Annotated[
        Path | None,
        typer.Option("--change", help="A CHANGES.yaml file of on-the-day changes."),
    ] = None,
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            callback=_now,
            help="Local date and time (2024-09-28T10:40): stops reached before it stay as "
            "they were.",
        ),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default: the folder of the plan)."),
    ] = None,
    travel: Annotated[
        str, typer.Option("--travel", help="Travel times: offline, osrm or amap.")
    ] = "offline",
) -> None:
    """Repair a published plan after changes, moving as few people and stops as possible.

    Writes the new plan (its version raised, the previous plan's digest recorded), changes.json
    and notices/ for every affected delegate and host. With no change, the plan stays the same.
    """
    from findhz.cli import _check, _matrix, _read_plan, _scenario_of, _write_outputs
    from findhz.planner.changes import check_changes, load_changes
    from findhz.planner.exports.atomic import check_output_target
    from findhz.planner.exports.notices import notice_files
    from findhz.planner.replan import replan

    folder = out_dir or (plan_file if plan_file.is_dir() else plan_file.parent)
    check_output_target(folder)
    previous = _read_plan(plan_file)
    loaded = _scenario_of(previous, scenario)
    changes = load_changes(change) if change is not None else []
    if change is not None:
        check_changes(changes, previous, loaded, change.name)
    matrix = _matrix(loaded, travel, None, True)
    moment = now if isinstance(now, dt.datetime) else _now(now)
    result = replan(previous, loaded, matrix, changes, now=moment)
    _check(result.plan, result.scenario)
    extra = {"changes.json": json.dumps(result.report.as_json(), indent=2, ensure_ascii=False)}
    extra.update(notice_files(result.report, result.scenario))
    _write_outputs(result.plan, result.scenario, folder, None, None, extra=extra)
    summary = result.report.record().summary
    out.print(
        f"version {result.report.version}: {summary.delegates_moved} delegate(s) moved, "
        f"{summary.delegates_shifted} shifted, {summary.delegates_cut_short} cut short, "
        f"{summary.delegates_dropped} dropped, "
        f"{summary.delegates_joined} joined, {summary.stops_changed} stop(s) changed; "
        f"wrote {folder / 'plan.json'} and {folder / 'changes.json'}",
        markup=False,
    )
    for note in result.report.notes:
        err.print(f"note: {note}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("replan")(friendly(replan_command))
