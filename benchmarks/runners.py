"""Solve one :class:`~planner.problems.RoutingProblem` with our solver or with PyVRP.

Both runners take the very same problem (built by :mod:`benchmarks.adapters`) and return
tours as lists of visit indices, so the checks that score them cannot tell them apart.
PyVRP is an optional benchmark dependency (``pip install findhz[bench]``), imported here only.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from itertools import groupby

from planner.problems import RoutingProblem
from planner.solver import solve_routing

__all__ = ["PyvrpMissing", "Run", "solve_ours", "solve_pyvrp"]


class PyvrpMissing(RuntimeError):
    """PyVRP is not installed."""


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
    """Our solver (``planner.solver.solve_routing``), as the planner calls it."""
    started = time.perf_counter()
    solution = solve_routing(
        problem, time_limit_s=time_limit_s, seed=seed, work_limit=work_limit, workers=workers
    )
    return Run(
        tours=[list(t.visits) for t in solution.tours],
        seconds=time.perf_counter() - started,
        solver_feasible=solution.feasible,
        time_cap_hit=bool(solution.stats.get("time_cap_hit", 1.0)),
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
    """PyVRP's hybrid genetic search on the same problem, stopped after ``time_limit_s``;
    the run and PyVRP's cost of its best solution.

    Supports what the benchmark problems use: one window per visit, prizes or required
    visits, vehicle capacities, fixed costs and time windows.
    """
    try:
        from pyvrp import Model
        from pyvrp.stop import MaxRuntime
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise PyvrpMissing(
            "PyVRP is not installed; install the benchmark extra: pip install 'findhz[bench]'"
        ) from exc
    if problem.resources or problem.choices or any(len(v.windows) != 1 for v in problem.visits):
        raise ValueError("the PyVRP runner supports one window per visit and no shared resources")

    started = time.perf_counter()
    has_capacity = any(v.capacity is not None for v in problem.vehicles)
    big_capacity = sum(v.demand for v in problem.visits) + 1
    model = Model()
    depot_nodes = sorted(
        {v.start_node for v in problem.vehicles} | {v.end_node for v in problem.vehicles}
    )
    locations = {}
    for node in depot_nodes:
        locations[("depot", node)] = model.add_location(0, 0)
    depots = {node: model.add_depot(locations[("depot", node)]) for node in depot_nodes}
    matrix_nodes = list(depot_nodes)
    for k, visit in enumerate(problem.visits):
        location = model.add_location(0, 0)
        locations[("visit", k)] = location
        matrix_nodes.append(visit.node)
        ((early, late),) = visit.windows
        model.add_client(
            location,
            delivery=[visit.demand] if has_capacity else [],
            service_duration=visit.service,
            tw_early=early,
            tw_late=late,
            prize=visit.prize,
            required=visit.required,
        )
    all_locations = [locations[("depot", n)] for n in depot_nodes] + [
        locations[("visit", k)] for k in range(len(problem.visits))
    ]
    travel = problem.travel
    cost = problem.cost
    for a, loc_a in zip(matrix_nodes, all_locations, strict=True):
        for b, loc_b in zip(matrix_nodes, all_locations, strict=True):
            if loc_a is not loc_b:
                model.add_edge(loc_a, loc_b, distance=int(cost[a, b]), duration=int(travel[a, b]))

    def key(v: int) -> tuple[int, int, int, int, int, int]:
        vehicle = problem.vehicles[v]
        return (
            vehicle.start_node,
            vehicle.end_node,
            vehicle.earliest_start,
            vehicle.latest_end,
            -1 if vehicle.capacity is None else vehicle.capacity,
            vehicle.fixed_cost,
        )

    type_vehicles: list[list[int]] = []
    for _, group in groupby(sorted(range(len(problem.vehicles)), key=key), key=key):
        members = list(group)
        vehicle = problem.vehicles[members[0]]
        model.add_vehicle_type(
            num_available=len(members),
            capacity=[] if not has_capacity else [vehicle.capacity or big_capacity],
            start_depot=depots[vehicle.start_node],
            end_depot=depots[vehicle.end_node],
            fixed_cost=vehicle.fixed_cost,
            tw_early=vehicle.earliest_start,
            tw_late=vehicle.latest_end,
        )
        type_vehicles.append(members)

    result = model.solve(stop=MaxRuntime(time_limit_s), seed=seed, display=False)
    tours: list[list[int]] = [[] for _ in problem.vehicles]
    next_free = [0] * len(type_vehicles)
    for route in result.best.routes():
        t = route.vehicle_type()
        slot = type_vehicles[t][next_free[t]]
        next_free[t] += 1
        tours[slot] = [activity.idx for activity in route if activity.is_client()]
    run = Run(
        tours=tours,
        seconds=time.perf_counter() - started,
        solver_feasible=bool(result.best.is_feasible()),
        time_cap_hit=True,
    )
    return run, float(result.cost())
