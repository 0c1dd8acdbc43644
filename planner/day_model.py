"""The routing model of one date, built once and frozen: nodes, visits, buses, lunch choices.

The groups of one date are the vehicles of one :class:`~findhz.planner.problems.RoutingProblem`,
each from the base and back, because venues couple them (a venue receives at most
``concurrent_groups`` groups at once, lunch stops included). Each group gets its own copy of
the venues it may use: the open candidates of its route (optional, with a prize from the
route's weights and the group's size; must-visits with a prize so large that only
impossibility drops them) and a mandatory choice of lunch venue.

:func:`build_day_model` makes a :class:`DayModel`; the search
(:mod:`findhz.planner.day_search`), the re-timing (:mod:`findhz.planner.retime`) and the read-back
(:mod:`findhz.planner.day_readback`) only read it. Its travel matrices are leg times in whole
minutes (rounded up: a timetable shows minutes), so ``arrive = depart + travel_s`` holds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from findhz.planner import explain
from findhz.planner.assign_problem import route_day_venues
from findhz.planner.buses import PlannedGroup
from findhz.planner.models import Explanation, Scenario, Venue
from findhz.planner.problems import (
    Choice,
    Resource,
    RoutingProblem,
    RoutingSolution,
    Vehicle,
    Visit,
)
from findhz.planner.travel.matrix import TravelMatrix

__all__ = [
    "LUNCH_CANDIDATES",
    "MUST_VISIT_PRIZE",
    "PRIZE_BASE_PEOPLE",
    "PRIZE_PER_PERSON_WEIGHT",
    "DayModel",
    "Node",
    "build_day_model",
]

#: Prizes come before bus time (DESIGN: relevance, then total bus time). A visit's prize is
#: weight x (group size + PRIZE_BASE_PEOPLE) x PRIZE_PER_PERSON_WEIGHT; the smallest one
#: (weight 1, one person: 44,000) outweighs a whole day of bus time (costed 1 per second),
#: so a bus drops a venue only when it cannot fit, and among venues, relevance and the number
#: of people who see it decide.
PRIZE_PER_PERSON_WEIGHT = 4_000
PRIZE_BASE_PEOPLE = 10
#: Prize of a must-visit venue: more than all other prizes of a bus together.
MUST_VISIT_PRIZE = 100_000_000
#: How many lunch venues, nearest to a group's candidate venues, each group may choose from.
LUNCH_CANDIDATES = 10
#: The travel time of a leg no tour may take (between nodes of different buses): ten days.
FAR_S = 10 * 24 * 3600


@dataclass(frozen=True)
class Node:
    """A place in a bus's day: its depart and return at the base, a visit, a lunch."""

    venue: str
    group: int
    kind: str  # "depart", "return", "visit", "lunch"
    service: int = 0
    must: bool = False


def ceil_minute(seconds: int) -> int:
    """Seconds rounded up to a whole minute (a timetable shows minutes)."""
    return math.ceil(seconds / 60) * 60


@dataclass(frozen=True, eq=False)
class DayModel:
    """One date's routing model: read by the search, the re-timing and the read-back.

    ``explanations`` are the must-visits found impossible while building (too small, no
    step-free access, closed); the read-back adds what the search could not fit.
    """

    scenario: Scenario
    matrix: TravelMatrix
    date: dt.date
    groups: tuple[PlannedGroup, ...]
    nodes: tuple[Node, ...]
    visits: tuple[Visit, ...]
    vehicles: tuple[Vehicle, ...]
    choices: tuple[Choice, ...]
    resources: tuple[Resource, ...]
    explanations: tuple[Explanation, ...]
    venue_index: np.ndarray  # the matrix index of each node's venue
    group_of: np.ndarray  # the bus of each node

    # -- travel -------------------------------------------------------------------------

    def travel(self, band_of_group: Sequence[int], first_band: int | None) -> np.ndarray:
        """A node travel matrix, legs in whole minutes, from one band per group.

        Legs between nodes of different groups are never used; they get ``FAR_S``.
        """
        n = len(self.nodes)
        travel = np.full((n, n), FAR_S, dtype=np.int64)
        seconds = self.matrix.seconds
        for g in range(len(self.groups)):
            members = np.flatnonzero(self.group_of == g)
            vi = self.venue_index[members]
            block = seconds[band_of_group[g]][np.ix_(vi, vi)]
            travel[np.ix_(members, members)] = (block + 59) // 60 * 60
            if first_band is not None:
                start = int(members[0])  # the depart node is added first
                row = seconds[first_band, self.venue_index[start], vi]
                travel[start, members] = (row + 59) // 60 * 60
        np.fill_diagonal(travel, 0)
        return travel

    def initial_travel(self) -> np.ndarray:
        """A first guess: every leg at the band of the lunch window's start (midday), the
        legs out of the base at the band of the day's start."""
        spec = self.scenario.spec
        band = self.matrix.band_at(spec.lunch.window[0], self.date)
        first = self.matrix.band_at(spec.day.start, self.date)
        return self.travel([band] * len(self.groups), first)

    def slowest_travel(self) -> np.ndarray:
        """Every leg at its slowest band: always consistent, the last resort."""
        out = self.travel([0] * len(self.groups), None)
        for band in range(1, len(self.matrix.bands)):
            out = np.maximum(out, self.travel([band] * len(self.groups), None))
        return out

    def fastest_travel(self) -> np.ndarray:
        """Every leg at its fastest band: never longer than a leg of any timetable."""
        out = self.travel([0] * len(self.groups), None)
        for band in range(1, len(self.matrix.bands)):
            out = np.minimum(out, self.travel([band] * len(self.groups), None))
        return out

    def timed_travel(self) -> list[tuple[int, int, np.ndarray]]:
        """The day cut into periods of one travel band each, ``(from, until, matrix)`` in
        seconds: a leg leaving in a period takes that band's time, as in a timetable."""
        day = self.scenario.spec.day
        first, last = day.start, day.end + 1
        out: list[tuple[int, int, np.ndarray]] = []
        matrices: dict[int, np.ndarray] = {}
        start = first
        for minute in range(first + 1, last + 1):
            band = self.matrix.band_at(start, self.date)
            if minute < last and self.matrix.band_at(minute, self.date) == band:
                continue
            if band not in matrices:
                matrices[band] = self.travel([band] * len(self.groups), None)
            out.append((start * 60, minute * 60, matrices[band]))
            start = minute
        return out

    def leg(self, i: int, j: int, band: int) -> int:
        """The leg from node ``i`` to node ``j`` at ``band``, in whole minutes (seconds)."""
        return ceil_minute(int(self.matrix.seconds[band, self.venue_index[i], self.venue_index[j]]))

    def slowest(self, i: int, j: int) -> int:
        return max(self.leg(i, j, b) for b in range(len(self.matrix.bands)))

    def exact(self, i: int, j: int, depart_s: int) -> int:
        """The leg at the band of its departure (seconds after midnight)."""
        return self.leg(i, j, self.matrix.band_at(depart_s // 60, self.date))

    def distance(self, i: int, j: int, minute: int) -> int:
        band = self.matrix.band_at(minute, self.date)
        return int(self.matrix.metres[band, self.venue_index[i], self.venue_index[j]])

    # -- problems -----------------------------------------------------------------------

    def problem(self, travel: np.ndarray, previous: RoutingSolution | None) -> RoutingProblem:
        """The day's joint problem at ``travel``, starting from ``previous``'s tours."""
        initial = None
        if previous is not None:
            initial = tuple(
                tuple(t.visits) for t in sorted(previous.tours, key=lambda t: t.vehicle)
            )
        return RoutingProblem(
            travel=travel.copy(),
            cost=travel.copy(),
            visits=self.visits,
            vehicles=self.vehicles,
            resources=self.resources,
            choices=self.choices,
            initial_tours=initial,
        )

    def bound_problem(self) -> RoutingProblem:
        """The day at its fastest legs: what the prize bound relaxes."""
        travel = self.fastest_travel()
        return RoutingProblem(
            travel=travel,
            cost=travel,
            visits=self.visits,
            vehicles=self.vehicles,
            resources=self.resources,
            choices=self.choices,
        )

    # -- reading a solution -------------------------------------------------------------

    def venue_of(self, k: int) -> Venue:
        """The venue of visit ``k``."""
        return self.scenario.venues[self.nodes[self.visits[k].node].venue]

    def tour_nodes(self, solution: RoutingSolution, g: int) -> tuple[list[int], list[int]]:
        """Bus ``g``'s stops in ``solution``: their nodes and start times."""
        tour = next(t for t in solution.tours if t.vehicle == g)
        nodes = [self.visits[v].node for v in tour.visits]
        return nodes, list(tour.starts)


def build_day_model(
    scenario: Scenario, matrix: TravelMatrix, date: dt.date, groups: Sequence[PlannedGroup]
) -> DayModel:
    """The routing model of ``date``'s groups (see the module's docstring)."""
    return _Builder(scenario, matrix, date, tuple(groups)).build()


class _Builder:
    """Adds the nodes and visits of each bus; used once, by :func:`build_day_model`."""

    def __init__(
        self,
        scenario: Scenario,
        matrix: TravelMatrix,
        date: dt.date,
        groups: tuple[PlannedGroup, ...],
    ) -> None:
        self.scenario = scenario
        self.matrix = matrix
        self.date = date
        self.groups = groups
        self.spec = scenario.spec
        self.nodes: list[Node] = []
        self.visits: list[Visit] = []
        self.vehicles: list[Vehicle] = []
        self.choices: list[Choice] = []
        self.explanations: list[Explanation] = []

    def build(self) -> DayModel:
        base = self.spec.base
        lunch_pool = self._lunch_pool()
        for g, group in enumerate(self.groups):
            route = self.scenario.routes[group.route]
            size = len(group.delegates)
            start = self._add(Node(base, g, "depart"))
            end = self._add(Node(base, g, "return"))
            candidates = self._candidates(group, route_day_venues(self.scenario, route, self.date))
            for venue in candidates:
                must = venue.id in route.must_visit
                prize = (
                    MUST_VISIT_PRIZE
                    if must
                    else route.weight(venue.id)
                    * (size + PRIZE_BASE_PEOPLE)
                    * PRIZE_PER_PERSON_WEIGHT
                )
                node = self._add(Node(venue.id, g, "visit", venue.visit_min * 60, must))
                self.visits.append(
                    Visit(
                        node=node,
                        service=venue.visit_min * 60,
                        windows=self._windows(venue, venue.visit_min),
                        prize=prize,
                        vehicles=(g,),
                    )
                )
            lunch_nodes = []
            for venue in self._lunch_for(group, candidates, lunch_pool):
                minutes = self.spec.lunch.minutes
                windows = self._lunch_windows(venue)
                if not windows:
                    continue
                node = self._add(Node(venue.id, g, "lunch", minutes * 60))
                lunch_nodes.append(len(self.visits))
                self.visits.append(
                    Visit(
                        node=node,
                        service=minutes * 60,
                        windows=windows,
                        vehicles=(g,),
                        counts_as_stop=False,
                    )
                )
            self.choices.append(Choice(tuple(lunch_nodes)))
            self.vehicles.append(
                Vehicle(
                    start_node=start,
                    end_node=end,
                    earliest_start=self.spec.day.start * 60,
                    latest_end=self.spec.day.end * 60,
                    min_stops=min(route.min_stops, len(candidates)),
                    max_stops=route.max_stops,
                    must_be_used=False,  # the mandatory lunch choice already uses it
                    span_cost=1,
                )
            )
        resources, resource_of = self._resources()
        visits = tuple(
            dataclasses.replace(v, resource=resource_of.get(self.nodes[v.node].venue))
            for v in self.visits
        )
        return DayModel(
            scenario=self.scenario,
            matrix=self.matrix,
            date=self.date,
            groups=self.groups,
            nodes=tuple(self.nodes),
            visits=visits,
            vehicles=tuple(self.vehicles),
            choices=tuple(self.choices),
            resources=tuple(resources),
            explanations=tuple(self.explanations),
            venue_index=np.array([self.matrix.index(n.venue) for n in self.nodes], dtype=np.int64),
            group_of=np.array([n.group for n in self.nodes], dtype=np.int64),
        )

    def _add(self, node: Node) -> int:
        self.nodes.append(node)
        return len(self.nodes) - 1

    def _candidates(self, group: PlannedGroup, open_venues: list[Venue]) -> list[Venue]:
        size = len(group.delegates)
        out = []
        route = self.scenario.routes[group.route]
        for venue in open_venues:
            if venue.id == self.spec.base:
                continue
            why = None
            if venue.max_group < size:
                why = explain.too_small(venue, group.id, size)
            elif group.step_free and not venue.step_free:
                why = explain.not_step_free(venue, group.id)
            elif not self._windows(venue, venue.visit_min):
                why = explain.no_opening_long_enough(venue, self.date)
            if why is None:
                out.append(venue)
            elif venue.id in route.must_visit:
                self.explanations.append(explain.must_visit_unfit(group, self.date, venue, why))
        for must in route.must_visit:
            if must not in {v.id for v in open_venues}:
                self.explanations.append(
                    explain.must_visit_closed(
                        group, self.date, must, self.scenario.opening(must, self.date)
                    )
                )
        return out

    def _windows(self, venue: Venue, minutes: int) -> tuple[tuple[int, int], ...]:
        """Allowed start times (seconds) so that the visit starts and ends inside one window."""
        day = self.spec.day
        out = []
        for w in self.scenario.opening(venue.id, self.date):
            lo = max(w.start, day.start)
            hi = min(w.end, day.end) - minutes
            if hi >= lo:
                out.append((lo * 60, hi * 60))
        return tuple(sorted(out))

    def _lunch_windows(self, venue: Venue) -> tuple[tuple[int, int], ...]:
        lo, hi = self.spec.lunch.window
        out = []
        for a, b in self._windows(venue, self.spec.lunch.minutes):
            a, b = max(a, lo * 60), min(b, hi * 60)
            if b >= a:
                out.append((a, b))
        return tuple(out)

    def _lunch_pool(self) -> list[Venue]:
        return [v for v in self.scenario.venues.values() if v.lunch and self._lunch_windows(v)]

    def _lunch_for(
        self, group: PlannedGroup, candidates: list[Venue], pool: list[Venue]
    ) -> list[Venue]:
        """The lunch venues nearest (in travel time) to the group's candidate venues."""
        size = len(group.delegates)
        usable = [v for v in pool if v.max_group >= size and (v.step_free or not group.step_free)]
        if not candidates:
            return usable[:LUNCH_CANDIDATES]
        band = self.matrix.band_at(self.spec.lunch.window[0], self.date)
        anchors = [self.matrix.index(v.id) for v in candidates]

        def distance(v: Venue) -> tuple[int, str]:
            i = self.matrix.index(v.id)
            return (int(self.matrix.seconds[band, anchors, i].min()), v.id)

        return sorted(usable, key=distance)[:LUNCH_CANDIDATES]

    def _resources(self) -> tuple[list[Resource], dict[str, int]]:
        used: dict[str, set[int]] = {}
        for node in self.nodes:
            if node.kind in ("visit", "lunch"):
                used.setdefault(node.venue, set()).add(node.group)
        resources: list[Resource] = []
        index: dict[str, int] = {}
        for venue_id in sorted(used):
            venue = self.scenario.venues[venue_id]
            if len(used[venue_id]) > venue.concurrent_groups:
                index[venue_id] = len(resources)
                resources.append(Resource(venue_id, venue.concurrent_groups))
        return resources, index
