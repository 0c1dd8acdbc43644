"""The one module that speaks to PyVRP.

:func:`solve_with_pyvrp` solves a :class:`~findhz.planner.problems.RoutingProblem` with PyVRP's
iterated local search when the problem uses only what PyVRP models (:func:`unsupported` says
why not otherwise), and hands back the same plain :class:`~findhz.planner.problems.RoutingSolution`
as the OR-Tools search in :mod:`findhz.planner.solver`. The translation:

* one PyVRP location per matrix node used, so visits that share a node share a location;
  ``cost`` is PyVRP's distance and ``travel`` its duration (service at the client, as ours);
* a visit with one start window is one client; a visit with several windows is a
  mutually exclusive client group with one client per window (the group is required when
  the visit is);
* a :class:`~findhz.planner.problems.Choice` is one mutually exclusive group over the clients of
  all its visits: required without a penalty, optional with the penalty as every member's
  prize;
* ``max_stops`` is a load dimension (each visit that counts as a stop delivers one);
  capacities another; ``span_cost`` is PyVRP's cost per unit of route duration.

PyVRP has no shared resources across vehicles, no restriction of a visit to some vehicles,
no pinned prefixes and no minimum of stops: problems with the first three go to OR-Tools,
and a solution below a vehicle's ``min_stops`` is reported infeasible, so the caller can
search again with OR-Tools.

Determinism: the search stops after a fixed number of iterations (``iterations``); the
wall-clock ``time_limit_s`` is only a safety cap, and ``stats.time_cap_hit`` says when it
decided. Without ``iterations`` it runs for ``time_limit_s`` (the benchmarks do).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from pyvrp import ClientGroup, Model, ProblemData, Result, Route, Solution, SolveParams, solve
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.IteratedLocalSearch import IteratedLocalSearchParams
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, StoppingCriterion

from findhz.planner.metrics import RoutingStats
from findhz.planner.problems import RoutingProblem, RoutingSolution, Tour

__all__ = ["RACE_SHARE", "solve_with_pyvrp", "unsupported"]

#: Share of the budget the independent starts of a race spend before the best continues.
RACE_SHARE = 0.4


@dataclass(frozen=True)
class _Client:
    """What one PyVRP client stands for: visit ``visit`` in its window number ``window``."""

    visit: int
    window: int


def unsupported(problem: RoutingProblem) -> str | None:
    """Why PyVRP cannot take ``problem`` as it is, or ``None`` when it can."""
    if problem.fixed_prefixes is not None and any(problem.fixed_prefixes):
        return "pinned prefixes"
    if problem.stability is not None:
        return "stability penalties (re-planning)"
    everyone = set(range(len(problem.vehicles)))
    for visit in problem.visits:
        if visit.vehicles is not None and visit.vehicles and set(visit.vehicles) != everyone:
            return "visits restricted to some vehicles"
    for r, resource in enumerate(problem.resources):
        if sum(1 for v in problem.visits if v.resource == r) > resource.capacity:
            return "shared resources"
    if any(v.must_be_used for v in problem.vehicles):
        return "vehicles that must be used"
    return None


def solve_with_pyvrp(
    problem: RoutingProblem,
    *,
    time_limit_s: float,
    seed: int = 0,
    iterations: int | None = None,
    history_length: int = 300,
    starts: int = 1,
) -> RoutingSolution:
    """Solve ``problem`` (which :func:`unsupported` accepts) with PyVRP; ``history_length``
    is the late-acceptance history of its iterated local search (PyVRP's default: 300).

    With ``starts`` above 1 the search races: ``starts`` independent searches (seeds
    ``seed * starts + i``) share the first :data:`RACE_SHARE` of the budget (iterations, or
    seconds without ``iterations``), and the search continues from the best of them for the
    rest. One search that starts badly (a poor random start, a deep local optimum) then no
    longer decides the answer (measured in benchmarks/BENCHMARKS.md).
    """
    reason = unsupported(problem)
    if reason is not None:
        raise ValueError(f"PyVRP does not model {reason}")
    started = time.perf_counter()
    deadline = started + max(0.01, time_limit_s)
    types = _vehicle_types(problem)
    data, clients = _build(problem, types)
    initial = None
    if problem.initial_tours is not None and any(problem.initial_tours):
        initial = _initial_solution(data, problem, clients, types)
    params = SolveParams(ils=IteratedLocalSearchParams(history_length=history_length))
    done = 0
    if starts > 1:
        share = None if iterations is None else max(1, int(iterations * RACE_SHARE) // starts)
        leg_s = max(0.01, time_limit_s) * RACE_SHARE / starts
        legs = [
            _solve(data, params, seed * starts + i, share, leg_s, initial) for i in range(starts)
        ]
        done = sum(leg.num_iterations for leg in legs)
        initial = min(legs, key=lambda leg: leg.cost()).best  # the first of equals
    left = None if iterations is None else max(1, iterations - done)
    result = _solve(data, params, seed, left, deadline - time.perf_counter(), initial)
    done += result.num_iterations
    seconds = time.perf_counter() - started
    stats = RoutingStats(
        seconds=seconds,
        iterations=done,
        work_limit=iterations,
        # The wall-clock cap decided when the search stopped: not reproducible.
        time_cap_hit=iterations is None or done < iterations,
    )
    return _read_back(problem, clients, types, result, seconds, stats)


def _solve(
    data: ProblemData,
    params: SolveParams,
    seed: int,
    iterations: int | None,
    seconds: float,
    initial: Solution | None,
) -> Result:
    """One run of PyVRP's search: ``iterations`` of it, or ``seconds`` of wall time at most."""
    stop: StoppingCriterion = MaxRuntime(max(0.01, seconds))
    if iterations is not None:
        stop = MultipleCriteria([MaxIterations(max(1, iterations)), stop])
    with warnings.catch_warnings():
        # PyVRP warns when a penalty for a broken time window or load reaches its bound; the
        # answer is checked all the same (an infeasible one is refused when read back).
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        return solve(
            data,
            stop=stop,
            seed=seed,
            collect_stats=False,
            display=False,
            params=params,
            initial_solution=initial,
        )


def _build(problem: RoutingProblem, types: list[list[int]]) -> tuple[ProblemData, list[_Client]]:
    """PyVRP's data for ``problem`` and what each of its clients stands for."""
    model = Model()
    ends = {v.start_node for v in problem.vehicles} | {v.end_node for v in problem.vehicles}
    nodes = sorted(ends | {visit.node for visit in problem.visits if visit.windows})
    locations = {node: model.add_location(0, 0) for node in nodes}
    depots = {node: model.add_depot(locations[node]) for node in sorted(ends)}
    dimensions = _dimensions(problem)

    def load(k: int) -> list[int]:
        visit = problem.visits[k]
        return [
            int(visit.demand) if name == "load" else int(visit.counts_as_stop)
            for name in dimensions
        ]

    clients: list[_Client] = []

    def add(k: int, prize: int, required: bool, group: ClientGroup | None) -> None:
        """Visit ``k`` as one client per opening window."""
        visit = problem.visits[k]
        for j, (early, late) in enumerate(visit.windows):
            model.add_client(
                locations[visit.node],
                delivery=load(k),
                service_duration=visit.service,
                tw_early=early,
                tw_late=late,
                prize=prize,
                required=required,
                group=group,
            )
            clients.append(_Client(k, j))

    in_choice: set[int] = set()
    for choice in problem.choices:
        choice_group = model.add_client_group(required=choice.penalty is None)
        prize = 0 if choice.penalty is None else int(choice.penalty)
        for k in choice.visits:
            in_choice.add(k)
            add(k, prize, False, choice_group)
    for k, visit in enumerate(problem.visits):
        if k in in_choice or not visit.windows or visit.vehicles == ():
            continue
        group: ClientGroup | None = None
        if len(visit.windows) > 1:
            group = model.add_client_group(required=visit.required)
        prize = 0 if visit.required else int(visit.prize)
        add(k, prize, visit.required and group is None, group)

    big = len(problem.visits) + 1
    big_load = sum(max(0, v.demand) for v in problem.visits) + 1
    for members in types:
        vehicle = problem.vehicles[members[0]]
        capacity = [
            (vehicle.capacity if vehicle.capacity is not None else big_load)
            if name == "load"
            else (vehicle.max_stops if vehicle.max_stops is not None else big)
            for name in dimensions
        ]
        model.add_vehicle_type(
            num_available=len(members),
            capacity=capacity,
            start_depot=depots[vehicle.start_node],
            end_depot=depots[vehicle.end_node],
            fixed_cost=int(vehicle.fixed_cost),
            tw_early=vehicle.earliest_start,
            tw_late=vehicle.latest_end,
            unit_duration_cost=int(vehicle.span_cost),
        )
    # The matrices go in whole (one location per node, in the order added): adding them
    # edge by edge through the model took most of a second on a 300-node instance.
    used = np.ix_(nodes, nodes)
    # Any: PyVRP's stubs type a matrix as ``ndarray[int]``, a shape numpy's types cannot name.
    distance: Any = np.ascontiguousarray(problem.cost[used], dtype=np.int64)
    duration: Any = np.ascontiguousarray(problem.travel[used], dtype=np.int64)
    data = model.data().replace(distance_matrices=[distance], duration_matrices=[duration])
    return data, clients


def _vehicle_types(problem: RoutingProblem) -> list[list[int]]:
    """Vehicles alike in everything PyVRP sees, as one vehicle type each (in order of first
    appearance): PyVRP searches better over one type of ``n`` vehicles than ``n`` types."""
    types: dict[tuple[int, ...], list[int]] = {}
    for v, vehicle in enumerate(problem.vehicles):
        key = (
            vehicle.start_node,
            vehicle.end_node,
            vehicle.earliest_start,
            vehicle.latest_end,
            -1 if vehicle.capacity is None else vehicle.capacity,
            -1 if vehicle.max_stops is None else vehicle.max_stops,
            vehicle.min_stops,
            vehicle.fixed_cost,
            vehicle.span_cost,
        )
        types.setdefault(key, []).append(v)
    return list(types.values())


def _dimensions(problem: RoutingProblem) -> list[str]:
    """The load dimensions the problem needs, in order: ``"load"`` and ``"stops"``."""
    names = []
    if any(v.capacity is not None for v in problem.vehicles):
        names.append("load")
    if any(v.max_stops is not None for v in problem.vehicles):
        names.append("stops")
    return names


def _initial_solution(
    data: ProblemData, problem: RoutingProblem, clients: list[_Client], types: list[list[int]]
) -> Solution:
    """``problem.initial_tours`` as a PyVRP solution (each visit in its first window)."""
    first_client: dict[int, int] = {}
    for index, client in enumerate(clients):
        first_client.setdefault(client.visit, index)
    type_of = {v: t for t, members in enumerate(types) for v in members}
    routes = [
        Route(data, [first_client[k] for k in tour if k in first_client], type_of[v])
        for v, tour in enumerate(problem.initial_tours or ())
        if tour
    ]
    return Solution(data, routes)


def _read_back(
    problem: RoutingProblem,
    clients: list[_Client],
    types: list[list[int]],
    result: Result,
    seconds: float,
    stats: RoutingStats,
) -> RoutingSolution:
    """Tours with start times and our objective, from PyVRP's best solution."""
    best = result.best
    status = "pyvrp"
    infeasible = RoutingSolution.none_found(problem, status, seconds, stats)
    if not best.is_feasible():
        return infeasible
    # Routes of one vehicle type go to its vehicles in order.
    free = {t: list(members) for t, members in enumerate(types)}
    found: dict[int, Tour] = {}
    for route in best.routes():
        v = free[route.vehicle_type()].pop(0)
        served = [clients[activity.idx] for activity in route if activity.is_client()]
        found[v] = _timetable(problem, v, served)
    tours = [
        found.get(v, Tour(v, (), (), vehicle.earliest_start, vehicle.earliest_start))
        for v, vehicle in enumerate(problem.vehicles)
    ]
    made = [sum(1 for k in t.visits if problem.visits[k].counts_as_stop) for t in tours]
    if any(
        tour.visits and count < vehicle.min_stops
        for tour, count, vehicle in zip(tours, made, problem.vehicles, strict=True)
    ):
        return infeasible  # below a minimum of stops: PyVRP cannot keep it
    return RoutingSolution(
        feasible=True,
        tours=tuple(tours),
        objective=_objective(problem, tours),
        dropped=_dropped(problem, tours),
        status=status,
        seconds=seconds,
        stats=stats,
    )


def _timetable(problem: RoutingProblem, v: int, served: list[_Client]) -> Tour:
    """The times of a tour as :mod:`findhz.planner.solver` reports them: every visit as early as
    it can start (in the window PyVRP chose), then the vehicle leaves as late as its first
    visit allows. PyVRP's own schedule may start later; this one is never later than it,
    so it keeps every window and the vehicle's end."""
    vehicle = problem.vehicles[v]
    node, ready = vehicle.start_node, vehicle.earliest_start
    starts = []
    for client in served:
        visit = problem.visits[client.visit]
        early, _ = visit.windows[client.window]
        start = max(ready + int(problem.travel[node, visit.node]), early)
        starts.append(start)
        node, ready = visit.node, start + visit.service
    back = ready + int(problem.travel[node, vehicle.end_node])
    depart = vehicle.earliest_start
    if served:
        first = problem.visits[served[0].visit].node
        depart = starts[0] - int(problem.travel[vehicle.start_node, first])
    visits = tuple(client.visit for client in served)
    return Tour(v, visits, tuple(starts), depart, back)


def _dropped(problem: RoutingProblem, tours: list[Tour]) -> tuple[int, ...]:
    served = {k for tour in tours for k in tour.visits}
    satisfied = set(served)
    for choice in problem.choices:
        if served.intersection(choice.visits):
            satisfied.update(choice.visits)
    return tuple(k for k in range(len(problem.visits)) if k not in satisfied)


def _objective(problem: RoutingProblem, tours: list[Tour]) -> int:
    """The objective as :mod:`findhz.planner.solver` counts it: arc costs, fixed costs of the
    vehicles used, span costs, and the prizes (or choice penalties) of what was dropped."""
    total = 0
    for tour, vehicle in zip(tours, problem.vehicles, strict=True):
        if not tour.visits:
            continue
        path = [
            vehicle.start_node,
            *(problem.visits[k].node for k in tour.visits),
            vehicle.end_node,
        ]
        total += int(np.sum(problem.cost[path[:-1], path[1:]]))
        total += vehicle.fixed_cost + vehicle.span_cost * (tour.back - tour.depart)
    served = {k for tour in tours for k in tour.visits}
    in_choice = {k for choice in problem.choices for k in choice.visits}
    for choice in problem.choices:
        if choice.penalty is not None and not served.intersection(choice.visits):
            total += choice.penalty
    for k, visit in enumerate(problem.visits):
        if k not in in_choice and not visit.required and k not in served:
            total += visit.prize
    return total
