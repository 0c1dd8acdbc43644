"""The benchmark suites: which instances, which solvers, how many seeds; one record per run.

A record is the JSON object ``{"set", "instance", "tours", "seed", "solver", "score" |
("vehicles", "distance"), "seconds", "feasible"}`` plus a few extra fields (``time_limit``,
``time_cap_hit``, ``reason``). Runs are independent, so ``jobs > 1`` spreads them over
processes; each run still gets its own full time budget.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from findhz.benchmarks.adapters import check_optw, check_solomon, optw_problem, solomon_problem
from findhz.benchmarks.instances import (
    DATA,
    find_instances,
    read_optw,
    read_optw_optima,
    read_solomon,
)
from findhz.benchmarks.runners import Run, solve_ours, solve_pyvrp

__all__ = ["Task", "optw_tasks", "run_tasks", "solomon_tasks"]

_log = logging.getLogger(__name__)

Record = dict[str, Any]


@dataclass(frozen=True)
class Task:
    """One run: a set, an instance file, tours (orienteering) or objective, a seed, a solver."""

    set: str
    path: Path
    tours: int
    seed: int
    solver: str
    time_limit_s: float
    work_limit: int | None = None
    workers: int = 1
    hierarchical: bool = False


def optw_instance_names() -> list[str]:
    """The instances with a proven optimal score (m = 1), in the table's order."""
    return sorted({name for name, _ in read_optw_optima(DATA / "toptw_bks.csv")})


def optw_tasks(
    data: Path,
    names: list[str] | None,
    tours: list[int],
    seeds: int,
    solvers: list[str],
    time_limit_s: float,
    work_limit: int | None = None,
    workers: int = 1,
) -> list[Task]:
    paths = find_instances(data, names if names is not None else optw_instance_names())
    return [
        Task("optw", path, m, seed, solver, time_limit_s, work_limit, workers)
        for m in tours
        for path in paths
        for seed in range(seeds)
        for solver in solvers
    ]


def solomon_tasks(
    data: Path,
    names: list[str] | None,
    seeds: int,
    solvers: list[str],
    time_limit_s: float,
    work_limit: int | None = None,
    workers: int = 1,
    hierarchical: bool = False,
) -> list[Task]:
    paths = find_instances(data, names)
    return [
        Task("solomon", path, 0, seed, solver, time_limit_s, work_limit, workers, hierarchical)
        for path in paths
        for seed in range(seeds)
        for solver in solvers
    ]


def _solve(task: Task, problem: Any) -> Run:
    if task.solver == "ours":
        return solve_ours(
            problem,
            time_limit_s=task.time_limit_s,
            seed=task.seed,
            work_limit=task.work_limit,
            workers=task.workers,
        )
    if task.solver == "pyvrp":
        return solve_pyvrp(
            problem, time_limit_s=task.time_limit_s, seed=task.seed, workers=task.workers
        )
    raise ValueError(f"unknown solver {task.solver!r}")


def run_task(task: Task) -> Record:
    """Build the problem, solve it, check the answer independently, return the record."""
    record: Record = {
        "set": task.set,
        "instance": task.path.stem.lower(),
        "tours": task.tours,
        "seed": task.seed,
        "solver": task.solver,
        # Equal CPU: our worker processes, or PyVRP's independent seeds (best taken).
        "workers": task.workers,
    }
    if task.set == "optw":
        instance = read_optw(task.path)
        problem = optw_problem(instance, task.tours)
        run = _solve(task, problem)
        routes = [[problem.visits[k].node for k in tour] for tour in run.tours]
        check = check_optw(instance, routes)
        record["score"] = check.score
    else:
        solomon = read_solomon(task.path)
        problem = solomon_problem(solomon, hierarchical=task.hierarchical)
        run = _solve(task, problem)
        routes = [[problem.visits[k].node for k in tour] for tour in run.tours]
        check = check_solomon(solomon, routes)
        if not run.solver_feasible:
            check = check.__class__(False, 0, 0.0, 0, "the solver found no solution")
        record["objective"] = "hierarchical" if task.hierarchical else "distance"
        record["vehicles"] = check.vehicles
        record["distance"] = round(check.distance, 4)
    record["seconds"] = round(run.seconds, 3)
    record["feasible"] = check.feasible and run.solver_feasible
    record["time_limit"] = task.time_limit_s
    record["time_cap_hit"] = run.time_cap_hit
    if task.solver == "pyvrp":
        record["pyvrp_seeds"] = task.workers
    if check.reason:
        record["reason"] = check.reason
    return record


def run_tasks(
    tasks: list[Task], jobs: int = 1, progress: Callable[[Record], None] | None = None
) -> list[Record]:
    """Run every task (``jobs`` at a time) and return the records in the tasks' order."""

    def report(records: Iterator[Record]) -> list[Record]:
        out = []
        for record in records:
            if progress is not None:
                progress(record)
            out.append(record)
        return out

    if jobs <= 1:
        return report(run_task(task) for task in tasks)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        return report(pool.map(run_task, tasks))
