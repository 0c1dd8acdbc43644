"""``findhz bench``: run a benchmark suite, write its records, regenerate BENCHMARKS.md.

Each suite writes ``<results>/<set>.json`` (the records plus the command and the machine)
and then rebuilds the report from every results file present, so the report always shows
the latest run of each suite. ``--json FILE`` also writes the bare list of records.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from findhz.benchmarks.report import machine_info, write_report

if TYPE_CHECKING:  # the suites load the solvers: only when a benchmark runs, not for --help
    from findhz.benchmarks.suites import Record

__all__ = ["app"]

app = typer.Typer(
    help="Benchmarks: orienteering with time windows, Solomon VRPTW, conference-week scale.",
    no_args_is_help=True,
)

DataOption = Annotated[
    Path,
    typer.Option(
        "--data",
        help="Folder laid out like the benchmark distribution (instance files found recursively).",
        exists=True,
        file_okay=False,
    ),
]
InstancesOption = Annotated[
    str | None, typer.Option("--instances", help="Comma-separated instance names (default: all).")
]
SeedsOption = Annotated[int, typer.Option("--seeds", min=1, help="Seeds per instance and solver.")]
PyvrpOption = Annotated[
    bool, typer.Option("--with-pyvrp", help="Also run PyVRP with the same budget.")
]
JsonOption = Annotated[
    Path | None, typer.Option("--json", help="Also write the list of records to this file.")
]
ResultsOption = Annotated[
    Path, typer.Option("--results", help="Folder of the per-suite results files.")
]
ReportOption = Annotated[Path, typer.Option("--report", help="The report to regenerate.")]
WeeksOption = Annotated[
    Path | None,
    typer.Option("--data", help="Where to write the generated weeks (default: a temp folder)."),
]
JobsOption = Annotated[
    int, typer.Option("--jobs", min=1, help="Runs in parallel (each keeps its full budget).")
]
WorkersOption = Annotated[
    int, typer.Option("--workers", min=1, help="Processes of our solver's portfolio per run.")
]
WorkOption = Annotated[
    int | None,
    typer.Option("--work-limit", help="Deterministic budget for our solver (search branches)."),
]

DEFAULT_RESULTS = Path("benchmarks/results")
DEFAULT_REPORT = Path("benchmarks/BENCHMARKS.md")
DEFAULT_SIZES = "250x300,500x300,1000x300,2000x300,2000x60,2000x150,250x60"


def _names(instances: str | None) -> list[str] | None:
    if instances is None:
        return None
    return [name.strip() for name in instances.split(",") if name.strip()]


def _sizes(text: str) -> list[tuple[int, int]]:
    """``"250x60,2000x300"`` -> ``[(250, 60), (2000, 300)]``: delegates and venues of weeks."""
    pairs = []
    for size in text.split(","):
        delegates, venues = size.lower().split("x")
        pairs.append((int(delegates), int(venues)))
    return pairs


def _progress(record: Record) -> None:
    value = (
        f"score {record['score']}"
        if "score" in record
        else f"{record['vehicles']} vehicles, distance {record['distance']:.2f}"
    )
    flag = "" if record["feasible"] else "  INFEASIBLE " + record.get("reason", "")
    tours = f" m={record['tours']}" if record["set"] == "optw" else ""
    typer.echo(
        f"{record['set']} {record['instance']}{tours} seed {record['seed']} "
        f"{record['solver']}: {value} in {record['seconds']:.1f} s{flag}",
        err=True,
    )


def _command(argv: list[str]) -> str:
    """The command as a reader should type it: the data folder shown as ``DIR/<name>``, so
    no path of the machine that ran it ends up in the report."""
    shown = []
    for before, arg in zip(["", *argv], argv, strict=False):
        if before == "--data":
            arg = f"DIR/{Path(arg).name}"
        elif arg.startswith("--data="):
            arg = f"--data=DIR/{Path(arg.removeprefix('--data=')).name}"
        shown.append(shlex.quote(arg))
    return "findhz bench " + " ".join(shown)


def _finish(
    set_name: str,
    records: list[Record],
    json_out: Path | None,
    results: Path,
    report: Path,
    settings: dict[str, Any],
    suffix: str = "",
) -> None:
    results.mkdir(parents=True, exist_ok=True)
    machine = machine_info()
    settings = {**settings, "commit": machine["commit"]}
    payload = {
        "set": set_name,
        "command": _command(sys.argv[2:]),
        "settings": settings,
        "machine": machine,
        "records": records,
    }
    target = results / f"{set_name}{suffix}.json"
    target.write_text(json.dumps(payload, indent=1) + "\n")
    if json_out is not None:
        json_out.write_text(json.dumps(records, indent=1) + "\n")
    write_report(results, report)
    typer.echo(f"wrote {target} and {report}")


@app.command()
def optw(
    data: DataOption,
    instances: InstancesOption = None,
    tours: Annotated[str, typer.Option("--tours", help="Tours m, e.g. 1 or 1,2,3,4.")] = "1",
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds per run.")] = 5.0,
    seeds: SeedsOption = 1,
    with_pyvrp: PyvrpOption = False,
    json_out: JsonOption = None,
    jobs: JobsOption = 1,
    workers: WorkersOption = 1,
    work_limit: WorkOption = None,
    results: ResultsOption = DEFAULT_RESULTS,
    report: ReportOption = DEFAULT_REPORT,
) -> None:
    """Orienteering with time windows (TOPTW files): score and gap to the proven optimum."""
    logging.basicConfig(level=logging.WARNING)
    solvers = ["ours", "pyvrp"] if with_pyvrp else ["ours"]
    tour_counts = [int(t) for t in tours.split(",")]
    from findhz.benchmarks.suites import optw_tasks, run_tasks

    tasks = optw_tasks(
        data, _names(instances), tour_counts, seeds, solvers, time_limit, work_limit, workers
    )
    records = run_tasks(tasks, jobs, _progress)
    settings = {
        "time_limit": time_limit,
        "seeds": seeds,
        "tours": tour_counts,
        "jobs": jobs,
        "workers": workers,
        "work_limit": work_limit,
    }
    suffix = "-m" + "-".join(str(m) for m in tour_counts)
    if workers > 1:
        suffix += f"-w{workers}"
    _finish("optw", records, json_out, results, report, settings, suffix)


@app.command()
def solomon(
    data: DataOption,
    instances: InstancesOption = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds per run.")] = 10.0,
    seeds: SeedsOption = 1,
    with_pyvrp: PyvrpOption = False,
    hierarchical: Annotated[
        bool,
        typer.Option("--hierarchical", help="Minimise vehicles first, then distance."),
    ] = False,
    json_out: JsonOption = None,
    jobs: JobsOption = 1,
    workers: WorkersOption = 1,
    work_limit: WorkOption = None,
    results: ResultsOption = DEFAULT_RESULTS,
    report: ReportOption = DEFAULT_REPORT,
) -> None:
    """Solomon VRPTW: vehicles and distance against both best-known tables."""
    logging.basicConfig(level=logging.WARNING)
    solvers = ["ours", "pyvrp"] if with_pyvrp else ["ours"]
    from findhz.benchmarks.suites import run_tasks, solomon_tasks

    tasks = solomon_tasks(
        data, _names(instances), seeds, solvers, time_limit, work_limit, workers, hierarchical
    )
    records = run_tasks(tasks, jobs, _progress)
    settings = {
        "time_limit": time_limit,
        "seeds": seeds,
        "jobs": jobs,
        "workers": workers,
        "work_limit": work_limit,
        "objective": "hierarchical" if hierarchical else "distance",
    }
    _finish("solomon", records, json_out, results, report, settings, f"-w{workers}")


@app.command()
def planner(
    scenarios: Annotated[
        str,
        typer.Option("--scenarios", help="Comma-separated scenario ids or files."),
    ] = "findhz-2024,conference-300",
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="The default budget (findhz plan's).")
    ] = 6.0,
    factor: Annotated[
        float, typer.Option("--factor", help="Also run with this many times the budget.")
    ] = 10.0,
    seeds: SeedsOption = 3,
    targets: Annotated[
        bool,
        typer.Option(
            "--targets/--no-targets",
            help="Also check the money targets on the first scenario (the default).",
        ),
    ] = True,
    only_targets: Annotated[
        bool, typer.Option("--only-targets", help="Check the money targets only.")
    ] = False,
    json_out: JsonOption = None,
    results: ResultsOption = DEFAULT_RESULTS,
    report: ReportOption = DEFAULT_REPORT,
) -> None:
    """The planner on the bundled scenarios: seconds end to end, and what a longer budget gains;
    then the money targets (two coaches for the one-route day, no bus below min_riders, the
    frontier's wall time, the assignment against a proven optimum on small route-days)."""
    import tempfile

    from findhz.benchmarks.planner import run_planner

    names = [s.strip() for s in scenarios.split(",") if s.strip()]
    if targets or only_targets:
        from findhz.benchmarks.targets import run_targets

        found = run_targets(names[0], time_limit, seed=0)
        for record in found:
            typer.echo(
                f"target {record['target']} {record['instance']}: met={record['met']}", err=True
            )
        settings = {"scenario": names[0], "time_limit": time_limit}
        _finish("planner", found, None, results, report, settings, "-targets")
    if only_targets:
        return
    records: list[Record] = []
    budgets = [time_limit] if factor <= 1 else [time_limit, time_limit * factor]
    with tempfile.TemporaryDirectory(prefix="findhz-planner-") as tmp:
        for scenario in names:
            for budget in budgets:
                for seed in range(seeds):
                    run = run_planner(scenario, seed, budget, Path(tmp))
                    records.append(run.record())
                    typer.echo(
                        f"planner {run.instance} budget {budget:g} s seed {seed}: "
                        f"{run.seconds:.1f} s, objective {run.objective}, "
                        f"satisfaction {run.satisfaction}"
                        f"{'' if run.feasible else '  FAILED ' + run.message}",
                        err=True,
                    )
    settings = {"time_limit": time_limit, "factor": factor, "seeds": seeds}
    _finish("planner", records, json_out, results, report, settings)


@app.command()
def replan(
    scenarios: Annotated[
        str,
        typer.Option("--scenarios", help="Comma-separated scenario ids or files."),
    ] = "findhz-2024,conference-300",
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="The budget of the published plan and of scratch.")
    ] = 6.0,
    json_out: JsonOption = None,
    results: ResultsOption = DEFAULT_RESULTS,
    report: ReportOption = DEFAULT_REPORT,
) -> None:
    """Re-planning after each kind of change, against planning again from scratch."""
    from findhz.benchmarks.replan import KINDS, run_replan
    from findhz.planner.bundled import scenario_path
    from findhz.planner.loading import load_scenario
    from findhz.planner.planning import make_plan
    from findhz.planner.travel import build_matrix

    records: list[Record] = []
    for name in [s.strip() for s in scenarios.split(",") if s.strip()]:
        scenario = load_scenario(scenario_path(name))
        matrix = build_matrix(scenario, "offline", use_cache=False)
        published, _ = make_plan(scenario, matrix, time_limit_s=time_limit, seed=0)
        for kind in KINDS:
            run = run_replan(scenario, matrix, published, kind, time_limit_s=time_limit)
            records.append(run.record())
            typer.echo(
                f"replan {run.instance} {kind}: {run.replan_s:.2f} s, moved {run.replan_moved}, "
                f"stops {run.replan_stops}; scratch {run.scratch_s} s, moved {run.scratch_moved}, "
                f"stops {run.scratch_stops}",
                err=True,
            )
    _finish("replan", records, json_out, results, report, {"time_limit": time_limit})


@app.command()
def scale(
    data: WeeksOption = None,
    sizes: Annotated[
        str,
        typer.Option("--sizes", help="Comma-separated DELEGATESxVENUES, e.g. 250x60,2000x300."),
    ] = DEFAULT_SIZES,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="findhz plan --time-limit.")
    ] = 6.0,
    seeds: SeedsOption = 1,
    buses: Annotated[int, typer.Option("--buses", help="Buses a day (fleet size).")] = 50,
    json_out: JsonOption = None,
    results: ResultsOption = DEFAULT_RESULTS,
    report: ReportOption = DEFAULT_REPORT,
) -> None:
    """Generated conference weeks (5 days) planned end to end by findhz plan: time, memory."""
    import tempfile
    from dataclasses import asdict

    from findhz.benchmarks.scale import run_scale

    pairs = _sizes(sizes)
    records: list[Record] = []
    with tempfile.TemporaryDirectory(prefix="findhz-scale-") as tmp:
        folder = data if data is not None else Path(tmp)
        for delegates, venues in pairs:
            for seed in range(seeds):
                run = run_scale(folder, delegates, venues, seed, time_limit, buses)
                record: Record = {"set": "scale", "seed": seed, "solver": "ours", **asdict(run)}
                records.append(record)
                typer.echo(
                    f"scale {delegates} delegates, {venues} venues, seed {seed}: "
                    f"{run.seconds:.1f} s (planning {run.planned_s} s), "
                    f"{run.peak_mib:.0f} MiB{'' if run.feasible else '  FAILED ' + run.message}",
                    err=True,
                )
    settings = {"time_limit": time_limit, "seeds": seeds, "buses": buses, "sizes": sizes}
    _finish("scale", records, json_out, results, report, settings)


@app.command()
def budget(
    data: WeeksOption = None,
    sizes: Annotated[
        str,
        typer.Option("--sizes", help="Comma-separated DELEGATESxVENUES of the generated weeks."),
    ] = "70x60,2000x60,5000x60,10000x60",
    limits: Annotated[
        str, typer.Option("--limits", help="Comma-separated findhz plan --time-limit values.")
    ] = "1,6,30",
    json_out: JsonOption = None,
    results: ResultsOption = DEFAULT_RESULTS,
    report: ReportOption = DEFAULT_REPORT,
) -> None:
    """Does --time-limit bound findhz plan? Wall time, memory and placed share per size."""
    import tempfile
    from dataclasses import asdict

    from findhz.benchmarks.budget import run_budget

    pairs = _sizes(sizes)
    seconds = [float(x) for x in limits.split(",")]
    records: list[Record] = []
    load_start = os.getloadavg()[0]  # wall times depend on the machine's other work
    with tempfile.TemporaryDirectory(prefix="findhz-budget-") as tmp:
        folder = data if data is not None else Path(tmp)
        for delegates, venues in pairs:
            for limit in seconds:
                run = run_budget(folder, delegates, venues, limit)
                record: Record = {"set": "budget", "seed": 0, "solver": "ours", **asdict(run)}
                records.append(record)
                typer.echo(
                    f"budget {delegates} delegates, --time-limit {limit:g}: {run.seconds:.1f} s "
                    f"(planning {run.planned_s} s, writing {run.written_s} s), "
                    f"{run.placed}/{delegates} placed, {run.peak_mib:.0f} MiB, planning "
                    f"{'held' if run.held else 'NOT HELD'}, whole command "
                    f"{'held' if run.held_whole else 'NOT HELD'} ({run.command_bound_s:g} s)",
                    err=True,
                )
    settings = {
        "sizes": sizes,
        "limits": limits,
        "load_1min_start": round(load_start, 2),
        "load_1min_end": round(os.getloadavg()[0], 2),
    }
    _finish("budget", records, json_out, results, report, settings)
