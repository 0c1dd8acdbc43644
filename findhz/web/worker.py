"""A plan run in its own process: the same library calls as ``findhz plan``.

The worker reports its progress in the database, writes the version's output folder atomically
(``events/<id>/versions/run-<n>/``), and records the version only if its run is still open:
a run cancelled, or failed by a restarted server, never becomes a version. If the server that
started it goes away, the worker stops at its next step.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Any

from findhz.planner.metrics import ChangeSummary
from findhz.planner.models import Plan, Scenario
from findhz.planner.travel.matrix import TravelMatrix
from findhz.web.store import Store, now
from findhz.web.summary import VersionSummary

__all__ = ["SCENARIO_COPY", "plan_summary", "run_plan", "version_folder"]

#: The copy of the event's scenario folder kept in every version's folder.
SCENARIO_COPY = "scenario"


def version_folder(store: Store, event_id: str, run_id: int) -> Path:
    return store.event_dir(event_id) / "versions" / f"run-{run_id}"


def run_plan(data_folder: str, run_id: int, parent_pid: int) -> None:
    """Entry point of the worker process."""
    store = Store(Path(data_folder))
    run = store.row("SELECT * FROM runs WHERE id = ?", run_id)
    if run is None:
        return
    event_id = str(run["event_id"])

    def alive_or_exit() -> None:
        if os.getppid() != parent_pid:  # the server is gone: stop, leave the run to restart
            os._exit(3)
        status = store.row("SELECT status FROM runs WHERE id = ?", run_id)
        if status is None or status["status"] not in ("queued", "running"):
            os._exit(0)

    def say(message: str, fraction: float) -> None:
        alive_or_exit()
        with store.transaction() as con:
            con.execute(
                "UPDATE runs SET status = 'running', message = ?, progress = ?, pid = ? "
                "WHERE id = ? AND status IN ('queued', 'running')",
                (message, round(fraction, 3), os.getpid(), run_id),
            )

    def watch_parent() -> None:  # between steps too: a long search stops within a second
        while True:
            time.sleep(1)
            if os.getppid() != parent_pid:
                os._exit(3)

    threading.Thread(target=watch_parent, name="findhz-watch-server", daemon=True).start()
    try:
        say("loading the scenario", 0.02)
        from findhz.maps import render_site
        from findhz.planner.exports import write_exports
        from findhz.planner.exports.atomic import atomic_output_dir
        from findhz.planner.planning import make_plan
        from findhz.planner.travel import build_matrix
        from findhz.planner.verify import verify_plan
        from findhz.web.events import load_event

        event_dir = store.event_dir(event_id)
        scenario = load_event(event_dir)
        say("travel times (offline model)", 0.05)
        matrix = build_matrix(scenario, "offline", use_cache=False)
        extra: dict[str, str] = {}
        moved: ChangeSummary | None = None
        if run["base_version"] is not None:
            say(f"re-planning published version {run['base_version']} (minimal changes)", 0.1)
            plan, scenario, extra, moved = _replan(store, run, scenario, matrix)
            report_json: dict[str, object] = {"command": "serve replan"}
        else:
            steps = 1 + len(scenario.dates)
            done = [0]

            def progress(message: str) -> None:
                done[0] += 1
                say(message, 0.1 + 0.75 * (done[0] - 1) / steps)

            plan, report = make_plan(
                scenario,
                matrix,
                time_limit_s=float(run["time_limit"]),
                seed=int(run["seed"]),
                progress=progress,
            )
            report_json = {"command": "serve", **report.as_json()}
        say("checking the plan against every hard constraint", 0.87)
        violations = verify_plan(plan, scenario)
        if violations:
            store.finish_run(run_id, "failed", f"the plan broke a constraint: {violations[0]}")
            return
        say("writing maps, itineraries and the workbook", 0.9)
        folder = version_folder(store, event_id, run_id)
        with atomic_output_dir(folder) as work:
            (work / "plan.json").write_text(plan.model_dump_json(indent=2) + "\n", encoding="utf-8")
            (work / "run.json").write_text(json.dumps(report_json, indent=2) + "\n", "utf-8")
            for name, text in extra.items():
                target = work / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
            write_exports(plan, scenario, work)
            render_site(plan, scenario, work)
            # the scenario the plan was made for, so the version can be published later
            shutil.copytree(event_dir / "scenario", work / SCENARIO_COPY)
        alive_or_exit()
        summary = plan_summary(plan, scenario, change=moved)
        with store.transaction() as con:
            open_run = con.execute(
                "SELECT status FROM runs WHERE id = ? AND status IN ('queued', 'running')",
                (run_id,),
            ).fetchone()
            if open_run is None:
                return
            number = con.execute(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM versions WHERE event_id = ?",
                (event_id,),
            ).fetchone()[0]
            con.execute(
                "INSERT INTO versions (event_id, number, run_id, folder, summary, created_at, "
                "created_by, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    event_id,
                    number,
                    run_id,
                    folder.name,
                    summary.model_dump_json(),
                    now(),
                    run["who"],
                    "plan" if run["base_version"] is None else "replan",
                ),
            )
            con.execute(
                "UPDATE runs SET status = 'done', progress = 1, finished_at = ?, message = ? "
                "WHERE id = ?",
                (
                    now(),
                    f"version {number}: {summary.placed} of {summary.delegates} "
                    f"delegates placed on {summary.groups} buses",
                    run_id,
                ),
            )
    except Exception as error:  # any failure ends the run, with one line for the page
        from findhz.planner.errors import FindhzError

        line = str(error).splitlines()[0] if str(error) else type(error).__name__
        # the coordinator knows which event: no path of the server's folders in the message
        line = line.replace(str(store.event_dir(event_id) / "scenario") + os.sep, "")
        if not isinstance(error, FindhzError):
            print(f"findhz serve: run {run_id} failed: {error!r}", file=sys.stderr)
        store.finish_run(run_id, "failed", line[:500])


def plan_summary(
    plan: Plan, scenario: Scenario, change: ChangeSummary | None = None
) -> VersionSummary:
    """The figures of a version shown in the lists: people, buses, money and satisfaction;
    ``change``, a re-plan's change counts."""
    from findhz.planner.assign import cost_metrics, ride_figures

    costs = cost_metrics(scenario, plan.groups)
    rides = ride_figures(scenario, plan.groups)  # from the groups: a re-plan's is current
    return VersionSummary(
        groups=len(plan.groups),
        delegates=len(scenario.delegates),
        placed=len({d for g in plan.groups for d in g.delegates}),
        unassigned=len(plan.unassigned),
        explanations=len(plan.explanations),
        satisfaction_worst=rides.worst,
        satisfaction_total=rides.total,
        rides_by_interest_rank={str(rank): n for rank, n in rides.by_rank.items()},
        visits=sum(1 for g in plan.groups for s in g.stops if s.kind == "visit"),
        bus_hours=round((plan.metrics.bus_time_s or 0) / 3600, 1),
        seats=sum(g.seats for g in plan.groups),
        cost_cny=costs.cost_cny,
        cost_cny_by_date=costs.cost_cny_by_date,
        change=change,
    )


def _replan(
    store: Store, run: Any, scenario: Scenario, matrix: TravelMatrix
) -> tuple[Plan, Scenario, dict[str, str], ChangeSummary]:
    """Repair the published version with ``findhz.planner.replan.replan``: the event's adjustments
    made since that version's run are its changes."""
    from findhz.planner.changes import check_changes
    from findhz.planner.exports.notices import notice_files
    from findhz.planner.replan import replan
    from findhz.web.events import adjustment_of_edit, changes_of_edits

    event_id = str(run["event_id"])
    base = store.row(
        "SELECT v.run_id, r.edits_upto FROM versions v JOIN runs r ON r.id = v.run_id "
        "WHERE v.event_id = ? AND v.number = ?",
        event_id,
        int(run["base_version"]),
    )
    if base is None:
        raise ValueError(f"version {run['base_version']} is gone")
    folder = version_folder(store, event_id, int(base["run_id"]))
    previous = Plan.model_validate_json((folder / "plan.json").read_bytes())
    edits = store.rows(
        "SELECT kind, detail FROM edits WHERE event_id = ? AND id > ? AND id <= ? "
        "AND kind IN ('pin', 'close') ORDER BY id",
        event_id,
        int(base["edits_upto"]),
        int(run["edits_upto"]),
    )
    changes = changes_of_edits([adjustment_of_edit(e["kind"], e["detail"]) for e in edits])
    check_changes(changes, previous, scenario, "the adjustments")
    result = replan(previous, scenario, matrix, changes)
    extra = {"changes.json": json.dumps(result.report.as_json(), indent=2, ensure_ascii=False)}
    extra.update(notice_files(result.report, result.scenario))
    return result.plan, result.scenario, extra, result.report.record().summary
