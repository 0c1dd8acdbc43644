"""Budget: does ``--time-limit`` bound ``findhz plan`` on generated weeks of every size?

For each size and time limit, :func:`run_budget` plans a week made by
:func:`findhz.benchmarks.scale.generate_week` with ``findhz plan --time-limit T --allow-partial`` in
a fresh process and reports the whole command's wall time, the planning's (assignment,
scheduling, explanations: what ``run.json`` counts) and the writing's, the process's peak
memory, the share of delegates placed, how each day was built (``full``, ``lean`` or
``constructive``) and whether the stated bounds held: planning within
``CAP_FACTOR * T + CAP_SLACK_S`` seconds (the planner's CPU-time cap, see
``planner/planning.py``) and the whole command within ``command_bound(T, delegates)``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from findhz.benchmarks.scale import generate_week
from findhz.planner.planning import CAP_FACTOR, CAP_SLACK_S, command_bound

__all__ = ["BudgetRun", "run_budget", "stated_bound"]


@dataclass(frozen=True)
class BudgetRun:
    delegates: int
    venues: int
    days: int
    time_limit: float
    seconds: float
    planned_s: float | None
    written_s: float | None
    peak_mib: float
    placed: int
    exit_code: int
    builds: dict[str, int]
    cap_hit: bool
    held: bool
    command_bound_s: float = 0.0
    held_whole: bool = False
    buses_searched: int | None = None
    buses: int = 0
    message: str = ""


def stated_bound(time_limit_s: float) -> float:
    """The planning time ``findhz plan --time-limit`` promises to stay within."""
    return CAP_FACTOR * time_limit_s + CAP_SLACK_S


def run_budget(
    folder: Path, delegates: int, venues: int, time_limit_s: float, seed: int = 0
) -> BudgetRun:
    week = folder / f"week-{delegates}-{venues}-{seed}"
    scenario = week / "scenario.yaml"
    if not scenario.is_file():
        generate_week(week, delegates=delegates, venues=venues, seed=seed)
    out = week / f"out-{time_limit_s:g}"
    findhz = [sys.executable, "-c", "from findhz.cli import main; main()"]
    command = [
        *findhz, "plan", str(scenario), "--out", str(out), "--time-limit", f"{time_limit_s:g}",
        "--seed", str(seed), "--allow-partial",
    ]  # fmt: skip
    wrapper = [sys.executable, "-m", "findhz.benchmarks.scale", *command]
    result = subprocess.run(wrapper, check=True, capture_output=True, text=True)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    placed = buses = 0
    searched: int | None = None
    builds: Counter[str] = Counter()
    cap_hit = False
    if report["code"] == 0:
        plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
        placed = int(plan["metrics"].get("delegates_placed", 0))
        days = plan["metrics"]["days"].values()
        builds.update(day.get("build", "full") for day in days)
        buses = sum(int(day["groups"]) for day in days)
        if any("buses_searched" in day for day in days):
            searched = sum(int(day.get("buses_searched", day["groups"])) for day in days)
        run = json.loads((out / "run.json").read_text(encoding="utf-8"))
        cap_hit = bool(run.get("time_cap_hit"))
    planned = report["planned_s"]
    return BudgetRun(
        delegates=delegates,
        venues=venues,
        days=sum(builds.values()),
        time_limit=time_limit_s,
        seconds=round(float(report["seconds"]), 2),
        planned_s=planned,
        written_s=report.get("written_s"),
        peak_mib=round(report["peak_kib"] / 1024, 1),
        placed=placed,
        exit_code=int(report["code"]),
        builds=dict(sorted(builds.items())),
        cap_hit=cap_hit,
        held=planned is not None and planned <= stated_bound(time_limit_s),
        command_bound_s=round(command_bound(time_limit_s, delegates), 1),
        held_whole=report["code"] == 0
        and float(report["seconds"]) <= command_bound(time_limit_s, delegates),
        buses_searched=searched,
        buses=buses,
        message="" if report["code"] == 0 else " ".join(report["error"]),
    )
