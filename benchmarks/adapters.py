"""Benchmark instances as :class:`~findhz.planner.problems.RoutingProblem` (the planner's solver
seam), and independent checks of the tours that come back.

Rounding conventions (named here, used everywhere):

* Orienteering: Euclidean distances truncated to 1 decimal (Solomon-based files) or 2
  decimals (Cordeau-based ``pr*``), as the published optima do. The solver gets them as exact
  integers in units of 0.1 or 0.01 (all times are scaled the same way). The score of a tour
  is recomputed from those truncated distances by :func:`check_optw`.
* Solomon: unrounded double-precision Euclidean distances. The solver gets travel times
  rounded *up* to 1/1000 (so any schedule it finds is feasible with exact distances) and arc
  costs rounded to the nearest 1/1000; :func:`check_solomon` recomputes the distance of the
  tours in floating point and checks every window and capacity with exact distances.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from findhz.benchmarks.instances import OptwInstance, SolomonInstance
from findhz.planner.problems import RoutingProblem, Vehicle, Visit

__all__ = [
    "SOLOMON_SCALE",
    "Check",
    "check_optw",
    "check_solomon",
    "optw_matrix",
    "optw_problem",
    "solomon_distances",
    "solomon_problem",
]

SOLOMON_SCALE = 1000
# A fixed cost per vehicle that dominates any total distance (scaled), for the hierarchical
# objective: fewest vehicles first, then distance.
_HIERARCHICAL_VEHICLE_COST = 10**9


@dataclass(frozen=True)
class Check:
    """An independent evaluation of a solution: feasible, and the score or the distance."""

    feasible: bool
    score: int
    distance: float
    vehicles: int
    reason: str = ""


def _euclid(x: tuple[float, ...], y: tuple[float, ...]) -> npt.NDArray[np.float64]:
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    return np.hypot(xs[:, None] - xs[None, :], ys[:, None] - ys[None, :])


def optw_matrix(instance: OptwInstance) -> npt.NDArray[np.int64]:
    """Distances truncated to the instance's decimals, as integers of 10**-decimals.

    A tiny epsilon keeps distances such as 5.0 (computed as 4.9999999) at 50, not 49.
    """
    scale = 10**instance.decimals
    truncated: npt.NDArray[np.int64] = np.floor(
        _euclid(instance.x, instance.y) * scale + 1e-7
    ).astype(np.int64)
    return truncated


def optw_problem(instance: OptwInstance, tours: int) -> RoutingProblem:
    """Maximise the collected score with ``tours`` vehicles, each back by Tmax.

    Dropping a vertex costs its score times a weight larger than any total distance, so the
    solver maximises the score first and then, among equal scores, shortens the tours.
    """
    scale = 10**instance.decimals
    travel = optw_matrix(instance)
    tmax = round(instance.tmax * scale)
    weight = tours * tmax + 1
    visits = tuple(
        Visit(
            node=i,
            service=round(instance.service[i] * scale),
            windows=((round(instance.ready[i] * scale), round(instance.due[i] * scale)),),
            prize=instance.score[i] * weight,
        )
        for i in range(1, len(instance.x))
        if round(instance.ready[i] * scale) <= round(instance.due[i] * scale)
    )
    vehicles = tuple(Vehicle(0, 0, round(instance.ready[0] * scale), tmax) for _ in range(tours))
    return RoutingProblem(
        travel=travel, cost=travel, visits=visits, vehicles=vehicles, horizon=tmax
    )


def check_optw(instance: OptwInstance, routes: list[list[int]]) -> Check:
    """Score ``routes`` (vertex numbers, depot excluded) with truncated distances, checking
    windows, Tmax and that no vertex is visited twice."""
    travel = optw_matrix(instance)
    scale = 10**instance.decimals
    ready = [round(r * scale) for r in instance.ready]
    due = [round(d * scale) for d in instance.due]
    service = [round(s * scale) for s in instance.service]
    tmax = round(instance.tmax * scale)
    seen: set[int] = set()
    score = 0
    total = 0
    for route in routes:
        now, at = ready[0], 0
        for i in route:
            if i in seen or i == 0:
                return Check(False, 0, 0.0, len(routes), f"vertex {i} visited twice")
            seen.add(i)
            now = max(now + int(travel[at, i]), ready[i])
            if now > due[i]:
                return Check(False, 0, 0.0, len(routes), f"vertex {i} starts after its window")
            total += int(travel[at, i])
            now += service[i]
            at = i
            score += instance.score[i]
        now += int(travel[at, 0])
        total += int(travel[at, 0])
        if now > tmax:
            return Check(False, 0, 0.0, len(routes), "a tour comes back after Tmax")
    used = sum(1 for r in routes if r)
    return Check(True, score, total / scale, used)


def solomon_distances(instance: SolomonInstance) -> npt.NDArray[np.float64]:
    return _euclid(instance.x, instance.y)


def solomon_problem(instance: SolomonInstance, *, hierarchical: bool = False) -> RoutingProblem:
    """All customers required; up to the file's vehicle number, each with its capacity.

    ``hierarchical``: a vehicle costs more than any distance (fewest vehicles first).
    """
    distance = solomon_distances(instance) * SOLOMON_SCALE
    travel = np.ceil(distance - 1e-9).astype(np.int64)
    cost = np.rint(distance).astype(np.int64)
    s = SOLOMON_SCALE
    visits = tuple(
        Visit(
            node=i,
            service=round(instance.service[i] * s),
            windows=((round(instance.ready[i] * s), round(instance.due[i] * s)),),
            required=True,
            demand=instance.demand[i],
        )
        for i in range(1, len(instance.x))
    )
    fixed = _HIERARCHICAL_VEHICLE_COST if hierarchical else 0
    vehicles = tuple(
        Vehicle(
            0,
            0,
            round(instance.ready[0] * s),
            round(instance.due[0] * s),
            capacity=instance.capacity,
            fixed_cost=fixed,
        )
        for _ in range(instance.vehicles)
    )
    return RoutingProblem(
        travel=travel,
        cost=cost,
        visits=visits,
        vehicles=vehicles,
        horizon=round(instance.due[0] * s),
    )


def check_solomon(instance: SolomonInstance, routes: list[list[int]]) -> Check:
    """Distance of ``routes`` (customer numbers) with exact distances; every customer served
    once, windows (start of service), capacity and the depot's due date respected."""
    dist = solomon_distances(instance)
    seen: set[int] = set()
    total = 0.0
    eps = 1e-6
    for route in routes:
        now, at, load = instance.ready[0], 0, 0
        for i in route:
            if i in seen or i == 0:
                return Check(False, 0, 0.0, 0, f"customer {i} served twice")
            seen.add(i)
            now = max(now + dist[at, i], instance.ready[i])
            if now > instance.due[i] + eps:
                return Check(False, 0, 0.0, 0, f"customer {i} starts after its window")
            total += dist[at, i]
            now += instance.service[i]
            load += instance.demand[i]
            at = i
        total += dist[at, 0]
        now += dist[at, 0]
        if now > instance.due[0] + eps:
            return Check(False, 0, 0.0, 0, "a route comes back after the depot closes")
        if load > instance.capacity:
            return Check(False, 0, 0.0, 0, "a route exceeds the capacity")
    missing = set(range(1, len(instance.x))) - seen
    if missing:
        return Check(False, 0, 0.0, 0, f"{len(missing)} customers not served")
    used = sum(1 for r in routes if r)
    if used > instance.vehicles:
        return Check(False, 0, 0.0, used, "more routes than vehicles")
    return Check(True, 0, math.fsum([total]), used)
