"""Solve one :class:`~findhz.planner.problems.RoutingProblem` with our solver or with PyVRP.

Both runners take the very same problem (built by :mod:`findhz.benchmarks.adapters`) and return
tours as lists of visit indices, so the checks that score them cannot tell them apart.
"Ours" is the planner's own search (:func:`findhz.planner.solver.solve_routing`: PyVRP's iterated
local search with the planner's parameters where PyVRP models the problem, OR-Tools
otherwise); "PyVRP" is PyVRP with its default parameters, as its users run it.
"""

from __future__ import annotations

import math
import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

from findhz.planner.problems import RoutingProblem
from findhz.planner.pyvrp_search import solve_with_pyvrp
from findhz.planner.solver import solve_routing

__all__ = ["PYVRP_DEFAULT_HISTORY", "Run", "solve_ours", "solve_pyvrp"]

#: PyVRP's own default late-acceptance history (``IteratedLocalSearchParams``).
PYVRP_DEFAULT_HISTORY = 300


@dataclass(frozen=True)
class Run:
    """Tours (visit indices per vehicle), wall time, whether the solver claims feasibility,
    and whether a wall-clock cap (rather than a fixed work budget) ended the search."""

    tours: list[list[int]]
    seconds: float
    solver_feasible: bool
    time_cap_hit: bool


def solve_ours(
    problem: RoutingProblem,
    *,
    time_limit_s: float,
    seed: int,
    work_limit: int | None = None,
    workers: int = 1,
) -> Run:
    """Our solver (``findhz.planner.solver.solve_routing``), as the planner calls it."""
    started = time.perf_counter()
    solution = solve_routing(
        problem, time_limit_s=time_limit_s, seed=seed, work_limit=work_limit, workers=workers
    )
    return Run(
        tours=[list(t.visits) for t in solution.tours],
        seconds=time.perf_counter() - started,
        solver_feasible=solution.feasible,
        time_cap_hit=solution.time_cap_hit,
    )


def solve_pyvrp(
    problem: RoutingProblem, *, time_limit_s: float, seed: int, workers: int = 1
) -> Run:
    """PyVRP on ``workers`` cores: as many independent seeds as our solver gets worker
    processes, run side by side for the same wall time, the best answer taken (feasible
    first, then PyVRP's own cost). Seeds ``seed * workers + i``, so one worker keeps ``seed``.
    """
    seeds = [seed * workers + i for i in range(workers)]
    started = time.perf_counter()
    if workers == 1:
        runs = [_pyvrp_once(problem, time_limit_s, seeds[0])]
    else:
        # fork is cheap and safe while this process runs no other thread; spawn otherwise.
        method = "fork" if threading.active_count() == 1 else "spawn"
        context = multiprocessing.get_context(method)
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(_pyvrp_once, problem, time_limit_s, s) for s in seeds]
            runs = [future.result() for future in futures]
    best, _ = min(runs, key=lambda pair: (not pair[0].solver_feasible, pair[1]))
    return replace(best, seconds=time.perf_counter() - started)


def _pyvrp_once(problem: RoutingProblem, time_limit_s: float, seed: int) -> tuple[Run, float]:
    """PyVRP as it ships (its default parameters: a late-acceptance history of 300), on the
    same problem, stopped after ``time_limit_s``; the run and its objective.

    It goes through :mod:`findhz.planner.pyvrp_search`, the one module that speaks to PyVRP, with
    PyVRP's defaults instead of the planner's tuned history."""
    started = time.perf_counter()
    solution = solve_with_pyvrp(
        problem, time_limit_s=time_limit_s, seed=seed, history_length=PYVRP_DEFAULT_HISTORY
    )
    tours: list[list[int]] = [[] for _ in problem.vehicles]
    for tour in solution.tours:
        tours[tour.vehicle] = list(tour.visits)
    run = Run(
        tours=tours,
        seconds=time.perf_counter() - started,
        solver_feasible=solution.feasible,
        time_cap_hit=True,
    )
    return run, float(solution.objective if solution.feasible else math.inf)
