"""Turn the results files into BENCHMARKS.md: tables, summaries against the targets, the
machine, and the commands that produced them. Never edited by hand."""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import subprocess
from collections import defaultdict
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from findhz.benchmarks.instances import DATA, read_optw_optima, read_solomon_bks

__all__ = ["machine_info", "render_report", "write_report"]

Record = dict[str, Any]


def machine_info() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    commit = "unknown"
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).parent,
        )
        if done.returncode == 0:
            commit = done.stdout.strip()
    except OSError:
        pass
    return {
        "commit": commit,
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "ortools": version("ortools"),
        "pyvrp": version("pyvrp"),
    }


def _median(values: Iterable[float]) -> float:
    return float(statistics.median(list(values)))


def _spread(values: list[float], fmt: Callable[[float], str]) -> str:
    if len(values) == 1:
        return fmt(values[0])
    return f"{fmt(_median(values))} [{fmt(min(values))}–{fmt(max(values))}]"


def _group(records: list[Record], *keys: str) -> dict[tuple[Any, ...], list[Record]]:
    groups: dict[tuple[Any, ...], list[Record]] = defaultdict(list)
    for record in records:
        groups[tuple(record[k] for k in keys)].append(record)
    return groups


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.2f} %"


_OPTW_HEAD = (
    "instance",
    "optimum (m=1)",
    "ours: score",
    "gap",
    "PyVRP: score",
    "ours / PyVRP",
    "ours s",
    "PyVRP s",
)
_SOLOMON_HEAD = (
    "instance",
    "BKS hier. veh / dist",
    "BKS dist-only veh / dist",
    "ours: veh / dist",
    "gap dist-only",
    "gap hier. dist",
    "PyVRP: veh / dist",
    "ours / PyVRP",
    "ours s",
)


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _two_decimals(value: float) -> str:
    return f"{value:.2f}"


def _seconds(records: list[Record]) -> str:
    if not records:
        return "–"
    return f"{_median(r['seconds'] for r in records):.1f}"


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.4f}"


def _cpu(workers: int, records: list[Record]) -> str:
    """How the CPU was shared between the two solvers in runs of ``workers`` workers."""
    equal = workers == 1 or all(
        r.get("pyvrp_seeds") == workers for r in records if r["solver"] == "pyvrp"
    )
    cores = f"{workers} core{'s' if workers > 1 else ''}"
    if equal:
        seeds = f"{workers} independent seed{'s' if workers > 1 else ''}"
        best = ", best taken" if workers > 1 else ""
        return f"{cores} each (ours: {workers} worker(s); PyVRP: {seeds}{best}): equal CPU"
    return f"ours on {cores}, PyVRP on 1 core (not equal CPU: an older run)"


def _optw_section(payload: dict[str, Any]) -> list[str]:
    records: list[Record] = payload["records"]
    optima = read_optw_optima(DATA / "toptw_bks.csv")
    lines = ["## Orienteering with time windows (TOPTW)", ""]
    by = _group(records, "tours", "workers", "instance", "solver")
    for m, workers in sorted({(r["tours"], r["workers"]) for r in records}):
        names = sorted(
            {r["instance"] for r in records if r["tours"] == m and r["workers"] == workers}
        )
        group = [r for r in records if r["tours"] == m and r["workers"] == workers]
        lines += [f"### m = {m} tour{'s' if m > 1 else ''}, {_cpu(workers, group)}", ""]
        lines += [_row(_OPTW_HEAD), "|---|---:|---:|---:|---:|---:|---:|---:|"]
        gaps: list[float] = []
        ratios: list[float] = []
        at_opt = 0
        with_opt = 0
        infeasible = 0
        for name in names:
            ours = by.get((m, workers, name, "ours"), [])
            theirs = by.get((m, workers, name, "pyvrp"), [])
            infeasible += sum(not r["feasible"] for r in ours + theirs)
            opt = optima.get((name, 1)) if m == 1 else None
            ours_scores = [float(r["score"]) if r["feasible"] else 0.0 for r in ours]
            their_scores = [float(r["score"]) if r["feasible"] else 0.0 for r in theirs]
            gap = ratio = None
            if ours_scores and opt:
                gap = 1 - _median(ours_scores) / opt
                gaps.append(gap)
                with_opt += 1
                at_opt += _median(ours_scores) >= opt
            if ours_scores and their_scores and _median(their_scores) > 0:
                ratio = _median(ours_scores) / _median(their_scores)
                ratios.append(ratio)

            def score(v: float) -> str:
                return f"{v:.0f}"

            ours_s = _seconds(ours)
            their_s = _seconds(theirs)
            ours_cell = _spread(ours_scores, score) if ours_scores else "–"
            their_cell = _spread(their_scores, score) if their_scores else "–"
            lines.append(
                f"| {name} | {opt if opt else '–'} | {ours_cell} | {_pct(gap)} | "
                f"{their_cell} | {_ratio(ratio)} | {ours_s} | {their_s} |"
            )
        lines.append("")
        summary = [f"- instances: {len(names)}; infeasible runs: {infeasible}"]
        if gaps:
            summary.append(
                f"- mean gap to the proven optimum: {_pct(_mean(gaps))} (target ≤ 0.50 %); "
                f"at the optimum: {at_opt} of {with_opt} (target ≥ 30 of 35)"
            )
        if ratios:
            summary.append(
                f"- mean score ratio ours / PyVRP: {_ratio(_mean(ratios))} (target ≥ 1.00); "
                f"ours better on {sum(r > 1 for r in ratios)}, equal on "
                f"{sum(r == 1 for r in ratios)}, worse on {sum(r < 1 for r in ratios)}"
            )
        lines += [*summary, ""]
    return lines


def _solomon_section(payload: dict[str, Any]) -> list[str]:
    lines = ["## Solomon VRPTW", ""]
    records: list[Record] = payload["records"]
    for workers in sorted({r["workers"] for r in records}):
        part = [r for r in records if r["workers"] == workers]
        lines += [f"### {_cpu(workers, part)}", ""]
        lines += _solomon_table(payload, part)
    return lines


def _solomon_table(payload: dict[str, Any], records: list[Record]) -> list[str]:
    bks_h = read_solomon_bks(DATA / "solomon_bks.csv")
    bks_d = read_solomon_bks(DATA / "solomon_bks_distance_only.csv")
    objective = payload.get("settings", {}).get("objective", "distance")
    by = _group(records, "instance", "solver")
    names = sorted({r["instance"] for r in records}, key=lambda n: n.upper())
    lines = [
        f"Objective minimised: **{objective}**"
        + (
            " (any number of vehicles)."
            if objective == "distance"
            else " (vehicles, then distance)."
        ),
        "",
        _row(_SOLOMON_HEAD),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    gaps_d: list[float] = []
    gaps_h: list[float] = []
    ratios: list[float] = []
    per_class: dict[str, list[float]] = defaultdict(list)
    infeasible = 0
    vehicles_total = 0
    for name in names:
        key = name.upper()
        ours = [r for r in by.get((name, "ours"), []) if r["feasible"]]
        theirs = [r for r in by.get((name, "pyvrp"), []) if r["feasible"]]
        infeasible += sum(
            not r["feasible"] for r in by.get((name, "ours"), []) + by.get((name, "pyvrp"), [])
        )
        gd = gh = ratio = None
        ours_cell = their_cell = "–"
        if ours:
            dist = _median(r["distance"] for r in ours)
            veh = _median(r["vehicles"] for r in ours)
            vehicles_total += int(veh)
            spread = _spread([r["distance"] for r in ours], _two_decimals)
            ours_cell = f"{veh:g} / {spread}"
            if key in bks_d:
                gd = dist / bks_d[key].distance - 1
                gaps_d.append(gd)
                per_class[key.rstrip("0123456789")].append(gd)
            if key in bks_h:
                gh = dist / bks_h[key].distance - 1
                gaps_h.append(gh)
            if theirs:
                their_dist = _median(r["distance"] for r in theirs)
                their_cell = f"{_median(r['vehicles'] for r in theirs):g} / {their_dist:.2f}"
                ratio = dist / their_dist
                ratios.append(ratio)
        h = bks_h.get(key)
        d = bks_d.get(key)
        lines.append(
            f"| {key} | {f'{h.vehicles} / {h.distance:.2f}' if h else '–'} | "
            f"{f'{d.vehicles} / {d.distance:.2f}' if d else '–'} | {ours_cell} | {_pct(gd)} | "
            f"{_pct(gh)} | {their_cell} | {_ratio(ratio)} | "
            f"{_seconds(by.get((name, 'ours'), []))} |"
        )
    lines += [
        "",
        f"- instances: {len(names)}; infeasible runs: {infeasible}; vehicles used (ours, "
        f"medians summed): {vehicles_total}",
        f"- mean distance gap to the distance-only BKS: {_pct(_mean(gaps_d))} (target ≤ 1.50 %; "
        "VROOM publishes +1.63 %)",
        f"- mean distance gap to the hierarchical BKS: {_pct(_mean(gaps_h))} (that table uses "
        "fewer vehicles, so a distance-only run can come out below it)",
        "- per class, gap to the distance-only BKS: "
        + ", ".join(f"{c} {_pct(_mean(v))}" for c, v in sorted(per_class.items())),
    ]
    if ratios:
        lines.append(
            f"- mean distance ratio ours / PyVRP: {_ratio(_mean(ratios))} (lower is better)"
        )
    return [*lines, ""]


def _slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of log(y) on log(x): y grows like x to this power."""
    pts = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y > 0]
    if len({x for x, _ in pts}) < 2:
        return None
    mx = statistics.fmean(x for x, _ in pts)
    my = statistics.fmean(y for _, y in pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sxx


def _scale_section(payload: dict[str, Any]) -> list[str]:
    records: list[Record] = payload["records"]
    lines = [
        "## Scale: generated conference weeks planned end to end",
        "",
        "`findhz plan` on a seeded synthetic week (5 days, the 11 routes, venues cloned from the",
        "catalogue); seconds = the whole command (planning, verification, writing every map",
        "and itinerary); planning = what the command reports as planning; peak memory = the",
        "maximum resident set of the `findhz plan` process.",
        "",
        _row(
            (
                "delegates",
                "venues",
                "days",
                "buses/day",
                "seconds",
                "planning s",
                "peak MiB",
                "groups",
                "unassigned",
                "ok",
            )
        ),
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in sorted(records, key=lambda r: (r["venues"], r["delegates"], r["seed"])):
        planned = "–" if r.get("planned_s") is None else f"{r['planned_s']:.1f}"
        lines.append(
            f"| {r['delegates']} | {r['venues']} | {r['days']} | {r['buses']} | "
            f"{r['seconds']:.1f} | {planned} | {r['peak_mib']:.0f} | {r['groups']} | "
            f"{r['unassigned']} | {'yes' if r['feasible'] else 'no: ' + r.get('message', '')} |"
        )
    lines.append("")
    for venues in sorted({r["venues"] for r in records}):
        rows = [r for r in records if r["venues"] == venues and r["feasible"]]
        slope = _slope([(r["delegates"], r["seconds"]) for r in rows])
        if slope is not None:
            lines.append(
                f"- {venues} venues: time grows like delegates^{slope:.2f} "
                "(1.00 = linear; target: about linear or better)"
            )
    big = [r for r in records if r["delegates"] == 2000 and r["venues"] == 300]
    done = [r for r in big if r["feasible"]]
    if done:
        worst = max(done, key=lambda r: r["seconds"])
        lines.append(
            f"- 2,000 delegates / 300 venues / 5 days: {worst['seconds']:.1f} s "
            f"(target ≤ 120 s), peak {worst['peak_mib']:.0f} MiB (target ≤ 2048 MiB)"
        )
    elif big:
        lines.append(
            f"- 2,000 delegates / 300 venues / 5 days: no plan in {len(big)} run(s) "
            "(target: planned in ≤ 120 s with ≤ 2048 MiB); see the table for the reason"
        )
    return [*lines, ""]


def _planner_section(payload: dict[str, Any]) -> list[str]:
    targets = [r for r in payload["records"] if r.get("kind") == "target"]
    records: list[Record] = [r for r in payload["records"] if r.get("kind") != "target"]
    return [*_planner_runs(records), *_targets_section(targets)]


def _yes(record: Record) -> str:
    return "yes" if record["met"] else "**no**"


def _targets_section(records: list[Record]) -> list[str]:
    """The money targets (``benchmarks/targets.py``), one table per kind."""
    if not records:
        return []
    lines = [
        "### Money targets",
        "",
        "`findhz bench planner --only-targets` (also run by `findhz bench planner`), at the",
        "default budget of `findhz plan`. Cost = buses' hire with driver plus staff, CNY.",
        "",
    ]
    for r in (r for r in records if r["target"] == "one-route"):
        lines += [
            f"- One route, 70 delegates, must-visit takes 35 (`{r['instance']}`): "
            f"{r['buses']}, {r['cost_cny']} CNY; {r['one_group_visits']} visits at one-group "
            f"venues, {r['overlapping']} overlapping (target: 2 coaches of 35, staggered): "
            f"{_yes(r)}",
        ]
    for r in (r for r in records if r["target"] == "default"):
        types = ", ".join(f"{n} {t}" for t, n in sorted(r["bus_days_by_type"].items()))
        lines += [
            f"- Default scenario `{r['instance']}`: {r['placed']} of {r['delegates']} placed, "
            f"{r['buses']} bus-days ({types}), {r['cost_cny']} CNY, {r['rank_steps']} rank "
            f"steps, {r['share_first_or_second_choice']:.1%} on a first or second choice; "
            f"fewest riders on a bus {r['fewest_riders']} (min_riders {r['min_riders']}; "
            f"target: none below): {_yes(r)}; assignment stages {r['assignment_status']}",
        ]
    for r in (r for r in records if r["target"] == "frontier"):
        lines += [
            f"- Frontier on `{r['instance']}` (the plans at the other exchange rates): "
            f"{r['seconds']:.1f} s wall, {r.get('cpu_s', 0):.1f} s CPU over its 2 solver "
            f"threads (on two idle cores, about {r.get('cpu_s', 0) / 2:.0f} s), "
            f"{r['points']} points (target: under 30 s, 4 or more points): {_yes(r)}",
            *[f"  - {point}" for point in r["shown"]],
        ]
    exact = [r for r in records if r["target"] == "exact"]
    if exact:
        lines += [
            "",
            "Optimality on small route-days (the one-route case; each day of the default alone, "
            "with the delegates who can come that day): the assignment at the default budget "
            "against the same model with a 20 times longer budget (proven = every stage "
            "OPTIMAL or settled by the start). Money = "
            "buses' cost plus the exchange rate times rank steps (CNY); gap = ours / exact - 1.",
            "",
            _row(
                (
                    "instance",
                    "delegates",
                    "ours CNY",
                    "ours buses",
                    "ours stages",
                    "ours s",
                    "exact CNY",
                    "exact buses",
                    "exact stages",
                    "exact s",
                    "proven",
                    "gap",
                )
            ),
            "|---|---:|---:|---:|---|---:|---:|---:|---|---:|---|---:|",
        ]
        for r in exact:
            lines.append(
                f"| {r['instance']} | {r['delegates']} | {r['ours_cny']} | {r['ours_buses']} | "
                f"{r['ours_status']} | {r['ours_s']:.1f} | {r['exact_cny']} | "
                f"{r['exact_buses']} | {r['exact_status']} | {r['exact_s']:.1f} | "
                f"{'yes' if r['proven'] else 'no'} | {r['gap']:.2%} |"
            )
    return [*lines, ""]


def _planner_runs(records: list[Record]) -> list[str]:
    lines = [
        "## The planner on the bundled scenarios",
        "",
        "`findhz plan SCENARIO --time-limit S --seed N` in a fresh process; seconds = the whole",
        "command (loading, travel times, assignment, scheduling, verification, writing every map",
        "and itinerary), planning = what the command reports as planning. Objective = the days'",
        "routing objective (bus seconds plus the prizes of venues left out; lower is better);",
        "satisfaction = the delegates' ranked-interest points (higher is better). The search",
        "stops on a work budget derived from S, so each row is reproducible byte for byte.",
        "",
        _row(
            (
                "scenario",
                "budget s",
                "seed",
                "seconds",
                "planning s",
                "peak MiB",
                "objective",
                "satisfaction",
                "placed",
                "unassigned",
                "visits",
                "ok",
            )
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in sorted(records, key=lambda r: (r["instance"], r["budget_s"], r["seed"])):
        planned = "–" if r.get("planned_s") is None else f"{r['planned_s']:.1f}"
        lines.append(
            f"| {r['instance']} | {r['budget_s']:g} | {r['seed']} | {r['seconds']:.1f} | "
            f"{planned} | {r['peak_mib']:.0f} | {r['objective']} | {r['satisfaction']} | "
            f"{r['placed']} | {r['unassigned']} | {r['visits']} | "
            f"{'yes' if r['feasible'] else 'no: ' + r.get('message', '')} |"
        )
    lines.append("")
    for instance in sorted({r["instance"] for r in records}):
        mine = [r for r in records if r["instance"] == instance and r["feasible"]]
        budgets = sorted({r["budget_s"] for r in mine})
        if not budgets:
            continue
        short, long = budgets[0], budgets[-1]
        at_short = [r for r in mine if r["budget_s"] == short]
        lines.append(
            f"- {instance}: end to end at the {short:g} s budget, median "
            f"{_median(r['seconds'] for r in at_short):.1f} s, max "
            f"{max(r['seconds'] for r in at_short):.1f} s (target for the default scenario: "
            "under 10 s)"
        )
        if long > short:
            ratios = []
            for seed in sorted({r["seed"] for r in mine}):
                a = [r for r in at_short if r["seed"] == seed]
                b = [r for r in mine if r["budget_s"] == long and r["seed"] == seed]
                if a and b and a[0]["objective"] and b[0]["objective"]:
                    ratios.append(b[0]["objective"] / a[0]["objective"])
            if ratios:
                lines.append(
                    f"  - objective at {long:g} s / at {short:g} s: median "
                    f"{_median(ratios):.4f}, worst {min(ratios):.4f} over {len(ratios)} seed(s) "
                    "(1.0000 = the short budget already found what the long one finds; "
                    "target ≥ 0.99)"
                )
    return [*lines, ""]


def _replan_section(payload: dict[str, Any]) -> list[str]:
    records: list[Record] = payload["records"]
    lines = [
        "## Re-planning after one change",
        "",
        "The published plan is `findhz plan`'s (default budget, seed 0). For each kind of change,",
        "`replan` repairs it, seats the displaced and new delegates with the seat solver",
        "(CP-SAT: as many placed as possible, then the fewest people moved, then money; a spare",
        "bus of the fleet may run) and re-solves each day whose stops a change altered with the",
        "routing solver (OR-Tools, stability penalties: changed stops and starts shifted more",
        "than 15 min first), keeping that day where it beats the minimal repair; `greedy` is the",
        "minimal repair alone, seating people one by one on free seats (no seat model, no",
        "routing re-solve); `scratch` plans the changed scenario again with the same budget and",
        "seed, where a scenario can say the change (a breakdown, a breakdown on the road at the",
        "busiest group's first stop, or a late bus cannot: no scratch figures). Seconds around",
        "the call alone. Moved = delegates on",
        "another group than in the published plan, or left without a seat (the dropped",
        "delegates themselves count); stops = visits and lunches added, removed or starting",
        "more than 15 minutes earlier or later; left = delegates without a seat afterwards;",
        "CNY = buses and staff; satisfaction = the sum over rides of the value of their rank.",
        "",
        _row(
            (
                "scenario",
                "change",
                *(
                    f"{who} {what}"
                    for who in ("replan", "greedy", "scratch")
                    for what in ("s", "moved", "stops", "left", "CNY", "sat.")
                ),
            )
        ),
        _row(["---"] * 20),
    ]

    def shown(value: Any) -> str:
        return "-" if value is None else str(value)

    for r in records:
        cells = [r["instance"], r["kind"]]
        for who in ("replan", "greedy", "scratch"):
            seconds = r.get(f"{who}_s")
            cells.append("-" if seconds is None else f"{seconds:.2f}")
            for what in ("moved", "stops", "unassigned", "cost", "satisfaction"):
                cells.append(shown(r.get(f"{who}_{what}")))
        lines.append(_row(cells))
    return [*lines, ""]


def _load_note(settings: dict[str, Any]) -> list[str]:
    """The machine's load average (1 minute) when the run began and ended, if recorded."""
    if "load_1min_start" not in settings:
        return []
    return [
        f"Load average of the 2-core machine (1 minute) at the start and end of the run: "
        f"{settings['load_1min_start']:g} and {settings['load_1min_end']:g} (other work ran "
        "beside it; wall times on an idle machine are shorter).",
    ]


def _budget_section(payload: dict[str, Any]) -> list[str]:
    from findhz.benchmarks.budget import stated_bound

    records: list[Record] = payload["records"]
    lines = [
        "## Budget: does `--time-limit` bound `findhz plan`?",
        "",
        "`findhz bench budget --limits 1,6,30` runs `findhz plan --time-limit T --allow-partial`",
        "in a fresh process on generated weeks (5 days, 50 buses a day, 60 venues cloned from",
        "the catalogue, seed 0). Seconds = the whole command's wall time; planning = assignment,",
        "scheduling and explanations (`run.json`); writing = every page, map, calendar and the",
        "workbook; the rest is start-up, loading, travel times and verification. Stated bounds",
        "(`planner/planning.py`): planning within 4 T + 10 s (the planner's CPU-time cap, which",
        "it keeps by predicting its work from the sizes: a day searches only the buses its",
        "share pays, the others take their first solution), and the whole command within",
        "4 T + 10 s + 10 s + 8 ms a delegate. Days: how each day was built (full search; lean:",
        "fewer orders, each bus its best venues, and when the share is short only the first",
        "buses searched; constructive: past the cap). Placed: delegates on a bus; below 100%",
        "the run says the budget, not the data, kept the others out (exit 4 without",
        "`--allow-partial`): at 10,000 delegates CP-SAT's presolve of the assignment uses the",
        "first stage's whole budget at every T here, the plan keeps the greedy start (6,605),",
        "and the reasons say up to 1,895 more could be placed (the week has 8,500 seats).",
        *_load_note(payload.get("settings", {})),
        "",
        _row(
            (
                "delegates",
                "T s",
                "seconds",
                "bound s",
                "held",
                "planning s",
                "bound s",
                "held",
                "writing s",
                "peak MiB",
                "placed",
                "days",
                "buses searched",
            )
        ),
        "|---:|---:|---:|---:|---|---:|---:|---|---:|---:|---:|---|---:|",
    ]
    for r in sorted(records, key=lambda r: (r["delegates"], r["time_limit"])):
        planned = "–" if r.get("planned_s") is None else f"{r['planned_s']:.1f}"
        written = "–" if r.get("written_s") is None else f"{r['written_s']:.1f}"
        days = ", ".join(f"{n} {kind}" for kind, n in r["builds"].items()) or "–"
        share = f"{r['placed'] / r['delegates']:.1%}" if r["delegates"] else "–"
        held = "yes" if r["held"] else "no"
        whole = "yes" if r.get("held_whole") else "no"
        if r["exit_code"]:
            held = whole = f"no: exit {r['exit_code']} {r.get('message', '')}"
        buses = r.get("buses", 0)
        searched = r.get("buses_searched")
        searched_text = (
            "–" if not buses else f"{buses if searched is None else searched} of {buses}"
        )
        lines.append(
            f"| {r['delegates']} | {r['time_limit']:g} | {r['seconds']:.1f} | "
            f"{r.get('command_bound_s', 0):g} | {whole} | {planned} | "
            f"{stated_bound(r['time_limit']):g} | {held} | {written} | {r['peak_mib']:.0f} | "
            f"{share} | {days} | {searched_text} |"
        )
    return [*lines, ""]


_SECTIONS = {
    "budget": _budget_section,
    "optw": _optw_section,
    "solomon": _solomon_section,
    "scale": _scale_section,
    "planner": _planner_section,
    "replan": _replan_section,
}

_INTRO = """# Benchmarks

Generated by `findhz bench` from the results files in `benchmarks/results/`; do not edit by
hand. Every figure below comes from the same model-building and solver code the planner
uses (`findhz.planner.solver.solve_routing`), fed by thin adapters (`benchmarks/adapters.py`).
Every solution, ours and PyVRP's, is re-checked independently (windows, capacity, Tmax,
each vertex once) before it is scored; an infeasible run scores 0.

What the figures mean:

* **Orienteering (TOPTW)**: maximise the collected score with m tours from the depot, each
  back by Tmax, each vertex at most once. Distances are truncated to 1 decimal (Solomon-based
  files) or 2 decimals (Cordeau-based `pr*`), as the published optima are. Gap = 1 − score /
  proven optimum (m = 1 only; the optima are Righini & Salani's exact runs). With several
  seeds a cell shows the median and [min–max]; gaps and ratios use the median.
* **Solomon VRPTW**: distances are unrounded Euclidean, recomputed in floating point from the
  returned routes (the solver works in 1/1000 units, travel times rounded up so every
  schedule is feasible with exact distances). Gaps are against the distance-only table
  (VROOM's compilation) and the hierarchical table (SINTEF values; vehicles first).
* **Ours and PyVRP**: "ours" is the planner's search library (`solve_routing`'s default
  portfolio): on these problems PyVRP's iterated local search driven by the planner, through
  `planner/pyvrp_search.py`: the first worker races four independent starts over the first
  40 % of its budget and continues from the best of them for the rest, with a late-acceptance
  history of 100 (a second worker runs PyVRP's history of 300 from one start). "PyVRP" is
  PyVRP 0.14 as it ships (default parameters, one start per seed), built by the same module.
  Both run the same engine, so the difference is how the budget is spent: a race protects
  against one bad start, which shows on the larger `pr*` and `r1*` instances. The planner's
  own bus days are small and proven optimal by CP-SAT; they keep one start.
* **PyVRP side by side, at equal CPU**: PyVRP gets the very same integer problem and the
  same wall-clock budget per run, in the same run of the command, interleaved instance by
  instance (ours, then PyVRP) so that both see the same load on the shared machine. With
  `--workers N` our solver runs N worker processes and PyVRP runs N independent seeds in
  N processes side by side, the best of them taken: the same number of cores for the same
  time. Ratio = ours / PyVRP (score: higher is better; distance: lower is better).
* Times are wall-clock seconds on a 2-core machine shared with other work; our solver was
  given the wall-clock budget (not its deterministic work budget) so that both solvers get
  the same time.
"""


def render_report(results: Path) -> str:
    """The whole report from the results files found in ``results``."""
    lines = [_INTRO]
    payloads = []
    for name in ("planner", "replan", "optw", "solomon", "scale", "budget"):
        paths = sorted(results.glob(f"{name}*.json"))
        if not paths:
            continue
        parts = [json.loads(path.read_text()) for path in paths]
        for part in parts:
            # Older results files name the workers in their settings only.
            workers = part.get("settings", {}).get("workers", 1)
            for record in part["records"]:
                record.setdefault("workers", workers)
        merged = dict(parts[0])
        merged["records"] = [r for part in parts for r in part["records"]]
        merged["commands"] = [part["command"] for part in parts]
        merged["all_settings"] = [part.get("settings", {}) for part in parts]
        payloads.append((name, merged))
    if payloads:
        machine = payloads[0][1].get("machine", {})
        lines += [
            "## Machine",
            "",
            *[f"- {k}: {v}" for k, v in machine.items()],
            "",
            "## Commands to reproduce",
            "",
            "```",
            *[command for _, p in payloads for command in p["commands"]],
            "```",
            "",
        ]
        for name, payload in payloads:
            for settings in payload["all_settings"]:
                text = ", ".join(f"{k}={v}" for k, v in settings.items())
                lines += [f"Settings of a `{name}` run: {text}", ""]
    for name, payload in payloads:
        lines += _SECTIONS[name](payload)
    return "\n".join(lines).rstrip() + "\n"


def write_report(results: Path, report: Path) -> None:
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(render_report(results))
