"""A plan run in its own process: the same library calls as ``findhz plan``.

The worker reports its progress in the database, writes the version's output folder atomically
(``events/<id>/versions/run-<n>/``), and records the version only if its run is still open:
a run cancelled, or failed by a restarted server, never becomes a version. If the server that
started it goes away, the worker stops at its next step.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from findhz.web.store import Store, now

__all__ = ["run_plan", "version_folder"]


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

    try:
        say("loading the scenario", 0.02)
        from findhz.web.events import load_event
        from maps import render_site
        from planner.exports import write_exports
        from planner.exports.atomic import atomic_output_dir
        from planner.planning import make_plan
        from planner.travel import build_matrix
        from planner.verify import verify_plan

        scenario = load_event(store.event_dir(event_id))
        say("travel times (offline model)", 0.05)
        matrix = build_matrix(scenario, "offline", use_cache=False)
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
        say("checking the plan against every hard constraint", 0.87)
        violations = verify_plan(plan, scenario)
        if violations:
            store.finish_run(run_id, "failed", f"the plan broke a constraint: {violations[0]}")
            return
        say("writing maps, itineraries and the workbook", 0.9)
        folder = version_folder(store, event_id, run_id)
        with atomic_output_dir(folder) as work:
            (work / "plan.json").write_text(plan.model_dump_json(indent=2) + "\n", encoding="utf-8")
            run_json = {"command": "serve", **report.as_json()}
            (work / "run.json").write_text(json.dumps(run_json, indent=2) + "\n", "utf-8")
            write_exports(plan, scenario, work)
            render_site(plan, scenario, work)
        alive_or_exit()
        summary = {
            "groups": len(plan.groups),
            "delegates": len(scenario.delegates),
            "placed": plan.metrics.get("delegates_placed", 0),
            "unassigned": len(plan.unassigned),
            "explanations": len(plan.explanations),
            "satisfaction_worst": plan.metrics.get("satisfaction_worst"),
            "satisfaction_total": plan.metrics.get("satisfaction_total"),
            "visits": plan.metrics.get("visits", 0),
            "bus_hours": round(plan.metrics.get("bus_time_s", 0) / 3600, 1),
            "seats": sum(g.seats for g in plan.groups),
        }
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
                "created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    event_id,
                    number,
                    run_id,
                    folder.name,
                    json.dumps(summary),
                    now(),
                    run["who"],
                ),
            )
            con.execute(
                "UPDATE runs SET status = 'done', progress = 1, finished_at = ?, message = ? "
                "WHERE id = ?",
                (
                    now(),
                    f"version {number}: {summary['placed']} of {summary['delegates']} "
                    f"delegates placed on {summary['groups']} buses",
                    run_id,
                ),
            )
    except Exception as error:  # any failure ends the run, with one line for the page
        from planner.errors import FindhzError

        line = str(error).splitlines()[0] if str(error) else type(error).__name__
        if not isinstance(error, FindhzError):
            print(f"findhz serve: run {run_id} failed: {error!r}", file=sys.stderr)
        store.finish_run(run_id, "failed", line[:500])
