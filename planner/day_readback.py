"""A day's solution read back: timed groups, explanations and the day's figures.

Each leg is timed at the band of its departure (the solution was re-timed, so it is
consistent); the figures of the day are a :class:`DayMetrics`, written to ``plan.json`` under
``metrics.days`` as the :class:`~findhz.planner.metrics.DayFigures` of
:meth:`DayMetrics.plan_json`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

from findhz.planner import explain
from findhz.planner.buses import PlannedGroup
from findhz.planner.day_model import MUST_VISIT_PRIZE, DayModel
from findhz.planner.metrics import DayFigures
from findhz.planner.models import Explanation, Group, Stop
from findhz.planner.problems import PrizeBound, RoutingSolution, collected_prize
from findhz.planner.retime import first_departure

__all__ = ["Certificate", "DayMetrics", "DaySchedule", "certificate", "prize", "read_back"]


@dataclass(frozen=True)
class Certificate:
    """How good a day is: the prize its tours collect against CP-SAT's bound.

    ``gap`` is measured on the relevance part of the prize (the bound less the must-visits
    the plan makes), so a missed venue shows as a percentage, not as a fraction of a
    must-visit's overriding prize.
    """

    prize: int
    bound: int
    gap: float
    proven_optimal: bool
    bound_status: str


@dataclass(frozen=True)
class DayMetrics:
    """The figures of one scheduled day (``plan.json``'s ``metrics.days[date]``)."""

    status: str
    objective: int
    #: Wall-clock seconds of the last solve: machine-dependent, kept out of ``plan.json``.
    seconds: float
    retime_rounds: int
    bus_s: int
    drive_s: int
    visits: int
    nodes: int
    #: How many buses a ``lean`` day's share of the CPU-time cap paid a search for, when
    #: fewer than all (the others took their first solution).
    buses_searched: int | None = None
    #: The quality certificate; None when the day was not certified (``bound_status`` says
    #: why).
    certificate: Certificate | None = None
    bound_status: str = ""
    from_bound: bool = False
    work_branches: int = 0
    #: Whether a wall-clock or CPU-time cap, not the work budget, ended a search (kept out
    #: of ``plan.json``: the run report says it).
    time_cap_hit: bool = False
    #: ``lean`` or ``constructive`` when the budget was short; None for the full build.
    build: str | None = None

    def plan_json(self, groups: int) -> DayFigures:
        """The day's figures as ``plan.json`` writes them, with its number of ``groups``
        (the certificate's figures when there is one, else ``buses_searched``)."""
        c = self.certificate
        return DayFigures(
            groups=groups,
            status=self.status,
            objective=self.objective,
            retime_rounds=self.retime_rounds,
            bus_s=self.bus_s,
            drive_s=self.drive_s,
            visits=self.visits,
            nodes=self.nodes,
            prize=None if c is None else c.prize,
            bound=None if c is None else c.bound,
            gap=None if c is None else c.gap,
            proven_optimal=None if c is None else c.proven_optimal,
            buses_searched=self.buses_searched if c is None else None,
            bound_status=self.bound_status if c is None else c.bound_status,
            from_bound=self.from_bound,
            work_branches=self.work_branches,
            build=self.build,
        )


#: The figures of a date with no groups.
NO_GROUPS = DayMetrics(
    status="no groups", objective=0, seconds=0.0, retime_rounds=0, bus_s=0, drive_s=0,
    visits=0, nodes=0,
)  # fmt: skip


@dataclass(frozen=True)
class DaySchedule:
    """The scheduled groups of one date, what was left out, and figures."""

    groups: list[Group]
    explanations: list[Explanation] = field(default_factory=list)
    metrics: DayMetrics = NO_GROUPS


def read_back(
    day: DayModel, solution: RoutingSolution, rounds: int, relaxed: Collection[int]
) -> tuple[list[Group], list[Explanation], DayMetrics]:
    """The timed groups, the explanations (the model's and those of must-visits the tours
    missed, and of ``relaxed`` buses below their minimum of stops) and the day's figures
    (the certificate and the work are added by the caller)."""
    tz = day.scenario.tz()
    midnight = dt.datetime.combine(day.date, dt.time(0), tzinfo=tz)

    def at(seconds: int) -> dt.datetime:
        return midnight + dt.timedelta(seconds=seconds)

    out: list[Group] = []
    dropped: list[Explanation] = list(day.explanations)
    bus_s = drive_s = visits = 0
    base = day.scenario.spec.base
    for g, (group, vehicle) in enumerate(zip(day.groups, day.vehicles, strict=True)):
        nodes, starts = day.tour_nodes(solution, g)
        depart = first_departure(day, vehicle, nodes[0], starts[0])
        assert depart is not None, "re-timing left an inconsistent first leg"
        stops = [Stop(kind="depart", venue=base, depart=at(depart))]
        prev_node, prev_leave = vehicle.start_node, depart
        for node, start in zip(nodes, starts, strict=True):
            travel = day.exact(prev_node, node, prev_leave)
            arrive = prev_leave + travel
            spec_node = day.nodes[node]
            end = start + spec_node.service
            stops.append(
                Stop(
                    kind="lunch" if spec_node.kind == "lunch" else "visit",
                    venue=spec_node.venue,
                    arrive=at(arrive),
                    start=at(start),
                    end=at(end),
                    depart=at(end),
                    travel_s=travel,
                    distance_m=day.distance(prev_node, node, prev_leave // 60),
                )
            )
            drive_s += travel
            visits += spec_node.kind == "visit"
            prev_node, prev_leave = node, end
        back = prev_leave + day.exact(prev_node, vehicle.end_node, prev_leave)
        stops.append(
            Stop(
                kind="return",
                venue=base,
                arrive=at(back),
                travel_s=back - prev_leave,
                distance_m=day.distance(prev_node, vehicle.end_node, prev_leave // 60),
            )
        )
        drive_s += back - prev_leave
        bus_s += back - depart
        out.append(
            Group(
                id=group.id,
                route=group.route,
                date=group.date,
                bus=group.bus,
                seats=group.seats,
                delegates=list(group.delegates),
                stops=stops,
            )
        )
        dropped += _dropped_musts(day, g, group, nodes)
        made = sum(1 for n in nodes if day.nodes[n].kind == "visit")
        route = day.scenario.routes[group.route]
        if g in relaxed and made < route.min_stops:
            dropped.append(explain.below_min_stops(group, day.date, route, made))
    metrics = DayMetrics(
        status=solution.status,
        objective=solution.objective,
        seconds=round(solution.seconds, 3),
        retime_rounds=rounds,
        bus_s=bus_s,
        drive_s=drive_s,
        visits=visits,
        nodes=len(day.nodes),
    )
    return out, dropped, metrics


def prize(day: DayModel, solution: RoutingSolution) -> int:
    """The prize the day's tours collect (must-visits at their overriding prize)."""
    return collected_prize(day.bound_problem(), solution.tours)


def certificate(day: DayModel, solution: RoutingSolution, result: PrizeBound) -> Certificate:
    """The day's tours against the bound (see :class:`Certificate`)."""
    collected = prize(day, solution)
    bound = max(result.bound, collected)  # a relaxation never falls below a solution of it
    musts = sum(
        1 for tour in solution.tours for k in tour.visits if day.nodes[day.visits[k].node].must
    )
    optional = bound - musts * MUST_VISIT_PRIZE
    gap = (bound - collected) / optional if optional > 0 else 0.0
    return Certificate(
        prize=collected,
        bound=bound,
        gap=round(gap, 6),
        proven_optimal=collected == bound,
        bound_status=result.status,
    )


def _dropped_musts(
    day: DayModel, g: int, group: PlannedGroup, nodes: list[int]
) -> list[Explanation]:
    visited = {day.nodes[n].venue for n in nodes if day.nodes[n].kind == "visit"}
    out = []
    for node in day.nodes:
        if node.group != g or node.kind != "visit" or not node.must or node.venue in visited:
            continue
        venue = day.scenario.venues[node.venue]
        others = sorted(
            {
                day.groups[m.group].id
                for m in day.nodes
                if m.venue == node.venue and m.group != g and m.kind in ("visit", "lunch")
            }
        )
        hours = day.scenario.opening(venue.id, day.date)
        out.append(explain.must_visit_missed(group, day.date, venue, hours, others))
    return out
