"""Re-timing: the true time of each leg, at the travel band of its departure.

The routing model takes one time per leg, so a day is searched with a guess of each leg's
band; these functions check a solution against the hour-dependent travel times, and turn
the prize bound's own timetable into a solution of the day. They read the frozen
:class:`~findhz.planner.day_model.DayModel` and change nothing.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from findhz.planner.day_model import DayModel
from findhz.planner.problems import PrizeBound, RoutingSolution, Tour, Vehicle

__all__ = ["first_departure", "inconsistent_legs", "timetable", "travel_of"]


def first_departure(day: DayModel, vehicle: Vehicle, first: int, first_start: int) -> int | None:
    """The latest departure from the base, not before the day starts, that reaches the
    first stop by its start at the band of that departure; None if there is none."""
    start = vehicle.start_node
    best = None
    for band in range(len(day.matrix.bands)):
        depart = first_start - day.leg(start, first, band)
        if depart >= vehicle.earliest_start and day.matrix.band_at(depart // 60, day.date) == band:
            best = depart if best is None else max(best, depart)
    if best is None:
        depart = first_start - day.slowest(start, first)
        best = depart if depart >= vehicle.earliest_start else None
    return best


def inconsistent_legs(day: DayModel, solution: RoutingSolution) -> dict[tuple[int, int], int]:
    """Legs whose true time, at the band of their departure, is longer than the model
    assumed, with that true time (the slowest band for the leg out of the base)."""
    wrong: dict[tuple[int, int], int] = {}
    for g, vehicle in enumerate(day.vehicles):
        nodes, starts = day.tour_nodes(solution, g)
        if first_departure(day, vehicle, nodes[0], starts[0]) is None:
            wrong[(vehicle.start_node, nodes[0])] = day.slowest(vehicle.start_node, nodes[0])
        for k in range(1, len(nodes)):
            leave = starts[k - 1] + day.nodes[nodes[k - 1]].service
            leg = day.exact(nodes[k - 1], nodes[k], leave)
            if leave + leg > starts[k]:
                wrong[(nodes[k - 1], nodes[k])] = leg
        leave = starts[-1] + day.nodes[nodes[-1]].service
        leg = day.exact(nodes[-1], vehicle.end_node, leave)
        if leave + leg > vehicle.latest_end:
            wrong[(nodes[-1], vehicle.end_node)] = leg
    return wrong


def timetable(
    day: DayModel, result: PrizeBound, relaxed: Collection[int]
) -> RoutingSolution | None:
    """``result``'s tours and times as a solution of the day, or None when they are not one
    (a leg inconsistent with its band, a bus below its minimum of stops unless it is one of
    the ``relaxed`` buses, which could not make it when built)."""
    tours = []
    objective = 0
    served: set[int] = set()
    for v, (tour, starts) in enumerate(zip(result.tours, result.starts, strict=True)):
        vehicle = day.vehicles[v]
        made = sum(1 for k in tour if day.visits[k].counts_as_stop)
        if not tour or (made < vehicle.min_stops and v not in relaxed):
            return None
        last = day.visits[tour[-1]]
        leave = starts[-1] + last.service
        back = leave + day.exact(last.node, vehicle.end_node, leave)
        tours.append(Tour(v, tuple(tour), tuple(starts[1:]), starts[0], back))
        objective += (back - starts[0]) * vehicle.span_cost
        served.update(tour)
    objective += sum(v.prize for k, v in enumerate(day.visits) if k not in served)
    solution = RoutingSolution(
        feasible=True,
        tours=tuple(tours),
        objective=objective,
        dropped=(),
        status="cp-sat",
        seconds=0.0,
    )
    return None if inconsistent_legs(day, solution) else solution


def travel_of(day: DayModel, result: PrizeBound, guess: np.ndarray) -> np.ndarray:
    """``guess`` with the legs of ``result``'s timetable at the band of their departure."""
    out = guess.copy()
    for v, (tour, starts) in enumerate(zip(result.tours, result.starts, strict=True)):
        vehicle = day.vehicles[v]
        nodes = [vehicle.start_node, *(day.visits[k].node for k in tour), vehicle.end_node]
        leaves = [
            starts[0],
            *(t + day.visits[k].service for k, t in zip(tour, starts[1:], strict=True)),
        ]
        for i, j, leave in zip(nodes, nodes[1:], leaves, strict=False):
            out[i, j] = day.exact(i, j, leave)
    return out
