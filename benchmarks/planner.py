"""The planner itself on the bundled scenarios: how long ``findhz plan`` takes end to end, and
how much a ten times longer budget would still gain.

Each run is ``findhz plan SCENARIO --time-limit S --seed N`` in a fresh process (the same
measurement as the scale suite: wall seconds, peak memory, the planning time the command
reports), then the plan's own figures are read back from ``plan.json``: the routing
objective of the days (bus time plus the prizes of venues left out; lower is better), the
delegates' satisfaction (higher is better), and how many delegates were placed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from findhz.benchmarks.scale import measure_plan
from findhz.planner.bundled import scenario_path
from findhz.planner.models import Plan

__all__ = ["PlannerRun", "run_planner"]


@dataclass(frozen=True)
class PlannerRun:
    instance: str
    seed: int
    budget_s: float
    seconds: float
    planned_s: float | None
    peak_mib: float
    feasible: bool
    objective: int | None
    satisfaction: int | None
    placed: int | None
    unassigned: int | None
    visits: int | None
    message: str

    def record(self) -> dict[str, Any]:
        return {"set": "planner", "solver": "ours", **asdict(self)}


def run_planner(scenario: str, seed: int, budget_s: float, folder: Path) -> PlannerRun:
    """Plan one bundled scenario (or scenario file) once and read the plan's figures."""
    out = folder / f"{Path(scenario).stem}-{budget_s:g}-{seed}"
    seconds, peak, code, error, planned = measure_plan(
        scenario_path(scenario), out, time_limit_s=budget_s, seed=seed
    )
    figures: dict[str, Any] = {}
    plan_file = out / "plan.json"
    if code == 0 and plan_file.exists():
        metrics = Plan.model_validate_json(plan_file.read_bytes()).metrics
        figures = {
            "objective": sum(day.objective or 0 for day in (metrics.days or {}).values()),
            "satisfaction": metrics.satisfaction_total,
            "placed": metrics.delegates_placed,
            "unassigned": metrics.delegates_unassigned,
            "visits": metrics.visits,
        }
    return PlannerRun(
        instance=Path(scenario).stem,
        seed=seed,
        budget_s=budget_s,
        seconds=round(seconds, 2),
        planned_s=planned,
        peak_mib=round(peak, 1),
        feasible=code == 0,
        objective=figures.get("objective"),
        satisfaction=figures.get("satisfaction"),
        placed=figures.get("placed"),
        unassigned=figures.get("unassigned"),
        visits=figures.get("visits"),
        message="" if code == 0 else f"findhz plan exited with {code}: {error}",
    )
