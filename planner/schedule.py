"""The timed day of every bus: which venues each group visits, in what order, at what minute.

The groups of one date are the vehicles of one :class:`~planner.problems.RoutingProblem`,
each from the base and back, because venues couple them (a venue receives at most
``concurrent_groups`` groups at once, lunch stops included). Each group gets its own copy
of the venues it may use: the open candidates of its route (optional, with a prize from the
route's weights and the group's size; must-visits with a prize so large that only
impossibility drops them) and a mandatory choice of lunch venue.

The day is solved in two steps. First it is built bus by bus, in a few orders, each bus a
small problem of its own in the time its venues have left after the buses before it (so
the venues' capacity holds by construction and no search can fail for want of time). Then,
on days small enough, all buses are searched together from the best of those builds, with
the venues' capacity as cumulative constraints over the visits' intervals; the joint answer
is kept only if it is better.

Travel times depend on the hour. The routing model takes one time per leg, so the day is
solved with a guess of each leg's band, then re-timed exactly (each leg at the band of its
departure); legs whose true time is longer than assumed get the true time and the day is
solved again from the last answer. After a few rounds every leg still wrong gets its
slowest band, which is always consistent. Legs are rounded up to whole minutes (a named
choice: a timetable shows minutes), so ``arrive = depart + travel_s`` holds exactly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner import solver
from planner.assign import PlannedGroup, route_day_venues
from planner.errors import PlanError
from planner.models import Explanation, Group, Scenario, Stop, Venue, format_clock
from planner.problems import (
    Choice,
    PrizeBound,
    Resource,
    RoutingProblem,
    RoutingSolution,
    Tour,
    Vehicle,
    Visit,
    collected_prize,
)
from planner.travel.matrix import TravelMatrix

__all__ = ["LUNCH_CANDIDATES", "MUST_VISIT_PRIZE", "DaySchedule", "schedule_day"]

log = logging.getLogger(__name__)

#: Prizes come before bus time (DESIGN: relevance, then total bus time). A visit's prize is
#: weight x (group size + PRIZE_BASE_PEOPLE) x PRIZE_PER_PERSON_WEIGHT; the smallest one
#: (weight 1, one person: 44,000) outweighs a whole day of bus time (costed 1 per second),
#: so a bus drops a venue only when it cannot fit, and among venues, relevance and the number
#: of people who see it decide.
PRIZE_PER_PERSON_WEIGHT = 4_000
PRIZE_BASE_PEOPLE = 10
#: Prize of a must-visit venue: more than all other prizes of a bus together.
MUST_VISIT_PRIZE = 100_000_000
#: How many lunch venues, nearest to a group's candidate venues, each group may choose from,
#: and how many of those (the nearest with room left) a bus is offered when built on its own.
LUNCH_CANDIDATES = 10
LUNCH_OFFERED = 6
#: Work budgets of the routing search, in search branches (a count, so the same inputs give
#: the same plan on any machine). Measured on this project's 2-core machine: a bus on its own
#: runs about 200,000 branches a second; a joint day about 1.5 million divided by its nodes.
BUS_BRANCHES_PER_SECOND = 100_000
#: Searches of one bus a second pays for, whatever their branches: building a bus's model
#: and its first tour cost about 25 ms on that machine (measured on generated weeks).
BUS_SOLVES_PER_SECOND = 40
JOINT_BRANCHES_PER_NODE_SECOND = 1_500_000
JOINT_MIN_NODES = 100  # tiny days need no more work than a day of 100 nodes
MIN_BRANCHES = 500
#: The wall-clock cap, as a multiple of the budget (only a safety net).
WALL_CAP_FACTOR = 4.0
#: Share of a day's budget spent building it bus by bus; the rest improves it jointly.
SEQUENTIAL_SHARE = 0.5
#: Days with more routing nodes than this keep the bus-by-bus answer (the joint search
#: would spend its whole budget on a few moves).
JOINT_MAX_NODES = 200
#: How much more work a search that found nothing gets before the next strategy.
ESCALATION = 10
#: How many orders of the buses the day is built in (the best is kept).
ORDERS = 4
#: CP-SAT deterministic seconds per second of a day's budget spent bounding the prize the
#: day could collect (its quality certificate); small days prove optimality in far less.
CERTIFICATE_SHARE = 2.0
#: How many venues (besides lunch) each bus is offered when its day's budget is short: the
#: model of a bus grows with its candidates (a route of a large catalogue has hundreds).
SHORTLIST = 16
#: CPU seconds one bus's search costs in a ``lean`` build (descent on its shortlist), as the
#: planning predicts it when it shares its CPU-time cap between the days: measured 40 to 120
#: ms on generated weeks of 5,000 and 10,000 delegates (2-core machine), taken high so that
#: the prediction, not the clock, decides how many buses are searched.
LEAN_BUS_S = 0.1
#: Rounds of re-timing with exact time-of-day travel before falling back to the slowest band.
RETIME_ROUNDS = 3
_FAR = 10 * 24 * 3600


@dataclass(frozen=True)
class _Node:
    venue: str
    group: int
    kind: str  # "depart", "return", "visit", "lunch"
    service: int = 0
    must: bool = False


@dataclass
class DaySchedule:
    """The scheduled groups of one date, what was left out, and figures."""

    groups: list[Group]
    explanations: list[Explanation] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)


def schedule_day(
    scenario: Scenario,
    matrix: TravelMatrix,
    date: dt.date,
    groups: Sequence[PlannedGroup],
    *,
    budget_s: float,
    seed: int = 0,
    deadline: float | None = None,
    allowance_s: float | None = None,
) -> DaySchedule:
    """Choose, order and time the stops of every group of ``date``.

    ``budget_s`` sets the work as a number of search branches (about ``budget_s`` seconds on
    a 2-core machine), a number that depends on the problem alone, so the answer does not
    depend on the machine's load. Wall time is capped at ``WALL_CAP_FACTOR * budget_s``; the
    metrics say if the cap was hit.

    When the budget cannot pay for the usual build (each bus searched in several orders,
    re-timed in rounds), the day is built ``lean`` (see :func:`_schedule_short`); when
    ``deadline`` (a ``time.process_time()``) has passed before the day starts, the day is
    built ``constructive`` (each bus its first solution, no local search; verified like any
    other): the clock decided, so the metrics say the cap was hit.

    ``allowance_s`` is the day's share of the planning's CPU-time cap, as predicted from the
    sizes alone: a ``lean`` day searches only as many buses as it pays at ``LEAN_BUS_S``
    each (in the order it builds them; the others take their first solution), so the cap is
    kept by the prediction and the plan stays the same whatever the machine's load.
    """
    if not groups:
        return DaySchedule(groups=[])
    day = _DayModel(scenario, matrix, date, list(groups))
    mode = _mode(budget_s, len(groups), deadline)
    if mode != "full":
        return _schedule_short(day, budget_s, seed, mode, allowance_s)
    guess = day.initial_travel()
    rounds = branches = 0
    cap_hit = False
    while True:
        share = 1.0 if rounds == 0 else 0.25  # re-timing rounds get a smaller budget
        solution, work, hit = _solve_day(day, guess, share * budget_s, seed)
        branches += work
        cap_hit = cap_hit or hit
        wrong = day.inconsistent_legs(solution)
        if not wrong:
            break
        rounds += 1
        if rounds > RETIME_ROUNDS:
            guess = day.slowest_travel()
            continue
        for (i, j), seconds in wrong.items():
            guess[i, j] = max(guess[i, j], seconds)
    small = day.bound_shares_venues()
    bound = day.bound(solution, CERTIFICATE_SHARE * budget_s, seed) if small else None
    from_bound = False
    if bound is not None and bound.best > day.prize(solution) and bound.tours:
        # The bound's own timetable is a true one (each leg at the band of its departure,
        # venue capacity kept) and collects more: take it, then let the routing search
        # shorten its buses' day with those legs, keeping what stays consistent.
        taken = day.timetable(bound)
        if taken is not None:
            solution, from_bound = taken, True
            limit = _joint_work(day, budget_s)
            branches += limit
            polish = _solve(
                day.problem(day.travel_of(bound, guess), taken),
                WALL_CAP_FACTOR * budget_s + 1.0, seed, limit, starts=True,
            )  # fmt: skip
            cap_hit = cap_hit or bool(polish.stats.get("time_cap_hit", 0))
            if (
                polish.feasible
                and not day.inconsistent_legs(polish)
                and day.prize(polish) >= day.prize(taken)
                and polish.objective < taken.objective
            ):
                solution = polish
    schedule = day.result(solution, rounds)
    if bound is not None:
        schedule.metrics.update(day.certificate(solution, bound))
    else:
        schedule.metrics["bound_status"] = (
            f"not computed: {len(day.nodes)} routing nodes, more than {JOINT_MAX_NODES}"
        )
    schedule.metrics["from_bound"] = from_bound
    schedule.metrics["work_branches"] = branches
    schedule.metrics["time_cap_hit"] = cap_hit
    return schedule


def _mode(budget_s: float, buses: int, deadline: float | None) -> str:
    """How the day is built: ``full`` when its budget pays each bus's search in every order
    and a re-timing round (``BUS_SOLVES_PER_SECOND``), at no less than ``MIN_BRANCHES`` each
    (the floor would otherwise make the work grow with the buses, not with the budget),
    ``lean`` when it does not, ``constructive`` past the deadline. The first two depend on
    the budget and the day alone."""
    if deadline is not None and time.process_time() >= deadline:
        return "constructive"
    per_bus = SEQUENTIAL_SHARE * budget_s * BUS_BRANCHES_PER_SECOND / (ORDERS * buses)
    solves = 2 * ORDERS * buses
    return "full" if per_bus >= MIN_BRANCHES and solves <= paid_solves(budget_s) else "lean"


def paid_solves(budget_s: float) -> int:
    """How many bus searches a day's budget pays for."""
    return int(budget_s * BUS_SOLVES_PER_SECOND)


def _lean_orders(budget_s: float, buses: int) -> int:
    """How many bus orders a short budget pays for (at least one: a day is never left
    unbuilt; the work then grows with its buses alone, each at ``MIN_BRANCHES``)."""
    return max(1, min(ORDERS, paid_solves(budget_s) // (2 * buses)))


def lean_searches(allowance_s: float | None) -> int | None:
    """How many bus searches of a ``lean`` day its share of the CPU-time cap pays for
    (None: no limit)."""
    if allowance_s is None:
        return None
    return max(0, int(allowance_s / LEAN_BUS_S))


def _schedule_short(
    day: _DayModel, budget_s: float, seed: int, mode: str, allowance_s: float | None = None
) -> DaySchedule:
    """A day whose budget is short: built bus by bus once per paid order, each bus offered
    its ``SHORTLIST`` best venues and searched by descent to a local optimum (``lean``), or
    once with each bus's first solution (``constructive``); every leg at its slowest band, so
    the timetable is consistent without re-timing rounds; no joint search, no certificate.
    When ``allowance_s`` pays fewer searches than one order has buses, only the first buses
    of the order are searched and the rest take their first solution."""
    constructive = mode == "constructive"
    buses = len(day.groups)
    orders = [day.orders(seed)[0]] if constructive else day.orders(seed)
    searched = buses
    if not constructive:
        paid = lean_searches(allowance_s)
        count = _lean_orders(budget_s, buses)
        if paid is not None:
            count = max(1, min(count, paid // buses))
            searched = min(buses, paid)
        orders = orders[:count]
    guess = day.slowest_travel()
    best: _Built | None = None
    work = 0
    cap_hit = constructive
    for order in orders:
        built = day.sequential(
            guess,
            SEQUENTIAL_SHARE * budget_s / len(orders),
            seed,
            order,
            first_only=constructive,
            keep=SHORTLIST,
            greedy=not constructive,
            searched=searched,
        )
        work += built.work
        cap_hit = cap_hit or built.cap_hit
        if best is None or built.solution.objective < best.solution.objective:
            best = built
    assert best is not None
    day.relaxed = best.relaxed
    solution = best.solution
    if day.inconsistent_legs(solution):  # cannot happen at the slowest band; kept honest
        raise PlanError(f"the {mode} build of {day.date} left an inconsistent leg")
    schedule = day.result(solution, 0)
    if constructive:
        status = "not certified: budget (the CPU-time cap was reached before this day)"
    elif searched < buses:
        status = (
            f"not certified: budget ({buses} buses, 1 order; the time limit paid a search "
            f"for {searched} of them, the others took their first solution)"
        )
        schedule.metrics["buses_searched"] = searched
    else:
        status = f"not certified: budget ({buses} buses, {len(orders)} order(s))"
    schedule.metrics["bound_status"] = status
    schedule.metrics["from_bound"] = False
    schedule.metrics["work_branches"] = work
    schedule.metrics["time_cap_hit"] = cap_hit
    schedule.metrics["build"] = mode
    return schedule


def _bus_work(budget_s: float) -> int:
    return max(MIN_BRANCHES, int(budget_s * BUS_BRANCHES_PER_SECOND))


def _solve_day(
    day: _DayModel, guess: np.ndarray, budget_s: float, seed: int
) -> tuple[RoutingSolution, int, bool]:
    """Build the day bus by bus, then improve all buses together from there.

    The first part never fails for want of search: each bus is a small problem of its own,
    and the venues' capacity is kept by removing from later buses' windows the times that
    earlier buses fill. The joint search then may move visits between times and venues
    across buses; it starts from that feasible day and keeps it if it finds nothing better.
    """
    best: _Built | None = None
    work = 0
    cap_hit = False
    orders = day.orders(seed)
    for order in orders:
        built = day.sequential(guess, SEQUENTIAL_SHARE * budget_s / len(orders), seed, order)
        work += built.work
        cap_hit = cap_hit or built.cap_hit
        if best is None or built.solution.objective < best.solution.objective:
            best = built
    assert best is not None
    day.relaxed = best.relaxed
    first = best.solution
    if len(day.groups) == 1 or len(day.nodes) > JOINT_MAX_NODES:
        return first, work, cap_hit
    limit = _joint_work(day, budget_s)
    joint = _solve(
        day.problem(guess, first), WALL_CAP_FACTOR * budget_s + 1.0, seed, limit, starts=True
    )
    cap_hit = cap_hit or bool(joint.stats.get("time_cap_hit", 0))
    if joint.feasible and joint.objective <= first.objective:
        return joint, work + limit, cap_hit
    return first, work + limit, cap_hit


def _joint_work(day: _DayModel, budget_s: float) -> int:
    """The work of a search of all buses of the day together."""
    return max(
        MIN_BRANCHES,
        int(
            (1 - SEQUENTIAL_SHARE)
            * budget_s
            * JOINT_BRANCHES_PER_NODE_SECOND
            / max(len(day.nodes), JOINT_MIN_NODES)
        ),
    )


@dataclass(frozen=True)
class _Built:
    """A day built bus by bus: its tours, the buses that could not make their minimum
    stops, the work spent and whether the wall-clock cap was hit."""

    solution: RoutingSolution
    relaxed: list[int]
    work: int
    cap_hit: bool


#: First-solution strategies that cope with per-bus minimum stops and mandatory lunch
#: choices (cheapest-insertion heuristics give up on them), tried in this order.
FIRST_SOLUTIONS = ("PATH_CHEAPEST_ARC", "FIRST_UNBOUND_MIN_VALUE")
#: The routing search of a bus's day where PyVRP models it (see planner/solver.py).
PYVRP_SEARCH = solver.SearchConfig("planner-pyvrp-ils", engine="pyvrp")


def _solve(
    problem: RoutingProblem,
    budget: float,
    seed: int,
    limit: int,
    *,
    starts: bool = False,
    escalate: bool = True,
    first_only: bool = False,
    greedy: bool = False,
) -> RoutingSolution:
    """Solve with the planner's search; ``starts``: from the problem's initial tours only.

    With ``escalate``, a search that ends its work budget without any solution (not one that
    proves there is none) is given ``ESCALATION`` times more work, then the next
    first-solution strategy; without, one try only.
    """
    solution = None
    strategies = FIRST_SOLUTIONS if escalate and not starts else FIRST_SOLUTIONS[:1]
    works = (limit, limit * ESCALATION, limit * ESCALATION**2) if escalate else (limit,)
    for strategy in strategies:
        config = solver.SearchConfig(
            f"planner-{strategy.lower()}",
            strategy,
            "greedy" if greedy else "gls",
            prize_operators=False,
        )
        # PyVRP's search first where it models the bus's day; OR-Tools when it does not or
        # when PyVRP's best tour falls short of the route's minimum of stops (a day past the
        # cap and a lean day take OR-Tools alone: their budget pays no more).
        configs = [PYVRP_SEARCH, config]
        for work in works:
            solution = solver.solve_routing(
                problem,
                time_limit_s=budget,
                seed=seed,
                work_limit=work,
                solution_limit=1 if first_only else None,
                configs=[config] if first_only or greedy else configs,
            )
            if solution.feasible or solution.status == "infeasible":
                break
        if solution is not None and solution.feasible:
            break
    assert solution is not None
    return solution


def _ceil_minute(seconds: int) -> int:
    return math.ceil(seconds / 60) * 60


class _DayModel:
    """Builds the routing problem of one date and reads its solutions back."""

    def __init__(
        self, scenario: Scenario, matrix: TravelMatrix, date: dt.date, groups: list[PlannedGroup]
    ) -> None:
        self.scenario = scenario
        self.matrix = matrix
        self.date = date
        self.groups = groups
        self.spec = scenario.spec
        self.nodes: list[_Node] = []
        self.visits: list[Visit] = []
        self.vehicles: list[Vehicle] = []
        self.choices: list[Choice] = []
        self.explanations: list[Explanation] = []
        self.relaxed: list[int] = []  # buses that could not make their route's minimum stops
        base = scenario.spec.base
        lunch_pool = self._lunch_pool()
        for g, group in enumerate(groups):
            route = scenario.routes[group.route]
            size = len(group.delegates)
            start = self._add(_Node(base, g, "depart"))
            end = self._add(_Node(base, g, "return"))
            candidates = self._candidates(group, route_day_venues(scenario, route, date))
            for venue in candidates:
                must = venue.id in route.must_visit
                prize = (
                    MUST_VISIT_PRIZE
                    if must
                    else route.weight(venue.id)
                    * (size + PRIZE_BASE_PEOPLE)
                    * PRIZE_PER_PERSON_WEIGHT
                )
                node = self._add(_Node(venue.id, g, "visit", venue.visit_min * 60, must))
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
                node = self._add(_Node(venue.id, g, "lunch", minutes * 60))
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
        self.resources, resource_of = self._resources()
        self.visits = [
            dataclasses.replace(v, resource=resource_of.get(self.nodes[v.node].venue))
            for v in self.visits
        ]
        self.venue_index = np.array([matrix.index(n.venue) for n in self.nodes], dtype=np.int64)
        self.group_of = np.array([n.group for n in self.nodes], dtype=np.int64)

    # -- building -----------------------------------------------------------------------

    def _add(self, node: _Node) -> int:
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
                why = (
                    f"{venue.id} takes at most {venue.max_group} people; "
                    f"group {group.id} has {size}"
                )
            elif group.step_free and not venue.step_free:
                why = f"{venue.id} has no step-free access and group {group.id} needs it"
            elif not self._windows(venue, venue.visit_min):
                why = f"{venue.id} has no opening on {self.date} long enough for a visit"
            if why is None:
                out.append(venue)
            elif venue.id in route.must_visit:
                self.explanations.append(
                    Explanation(
                        kind="must-visit-dropped",
                        group=group.id,
                        route=group.route,
                        date=self.date,
                        venue=venue.id,
                        reason=why,
                    )
                )
        for must in route.must_visit:
            if must not in {v.id for v in open_venues}:
                hours = ", ".join(str(w) for w in self.scenario.opening(must, self.date))
                self.explanations.append(
                    Explanation(
                        kind="must-visit-dropped",
                        group=group.id,
                        route=group.route,
                        date=self.date,
                        venue=must,
                        reason=(
                            f"{must} is closed on {self.date}"
                            if not hours
                            else f"{must} opens only {hours} on {self.date}, too short a visit"
                        )
                        + f" (group {group.id})",
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

    # -- travel guesses -----------------------------------------------------------------

    def _travel(self, band_of_group: Sequence[int], first_band: int | None) -> np.ndarray:
        """A node travel matrix, legs in whole minutes, from one band per group.

        Legs between nodes of different groups are never used; they get a huge time.
        """
        n = len(self.nodes)
        travel = np.full((n, n), _FAR, dtype=np.int64)
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
        band = self.matrix.band_at(self.spec.lunch.window[0], self.date)
        first = self.matrix.band_at(self.spec.day.start, self.date)
        return self._travel([band] * len(self.groups), first)

    def slowest_travel(self) -> np.ndarray:
        """Every leg at its slowest band: always consistent, the last resort."""
        out = self._travel([0] * len(self.groups), None)
        for band in range(1, len(self.matrix.bands)):
            out = np.maximum(out, self._travel([band] * len(self.groups), None))
        return out

    def _leg(self, i: int, j: int, band: int) -> int:
        return _ceil_minute(
            int(self.matrix.seconds[band, self.venue_index[i], self.venue_index[j]])
        )

    def _slowest(self, i: int, j: int) -> int:
        return max(self._leg(i, j, b) for b in range(len(self.matrix.bands)))

    def problem(self, travel: np.ndarray, previous: RoutingSolution | None) -> RoutingProblem:
        initial = None
        if previous is not None:
            initial = tuple(
                tuple(t.visits) for t in sorted(previous.tours, key=lambda t: t.vehicle)
            )
        return RoutingProblem(
            travel=travel.copy(),
            cost=travel.copy(),
            visits=tuple(self.visits),
            vehicles=tuple(self.vehicles),
            resources=tuple(self.resources),
            choices=tuple(self.choices),
            initial_tours=initial,
        )

    def sequential(
        self,
        travel: np.ndarray,
        budget_s: float,
        seed: int,
        order: Sequence[int],
        *,
        first_only: bool = False,
        keep: int | None = None,
        greedy: bool = False,
        searched: int | None = None,
    ) -> _Built:
        """Schedule the buses one at a time in ``order``, each in the time its venues have
        left after the buses before it; the tours of all, as one solution. ``first_only``:
        each bus's first solution, no local search (the wall clock ran out); ``greedy``: a
        descent to the first local optimum instead of guided local search; ``keep``: each
        bus is offered only its ``keep`` best venues (see :meth:`_shortlist`); ``searched``:
        only the first that many buses of the order are searched, the others take their
        first solution."""
        booked: dict[str, list[tuple[int, int]]] = {}
        tours: list[Tour] = []
        objective = work = 0
        cap_hit = False
        relaxed_buses: list[int] = []
        for position, g in enumerate(order):
            first = first_only or (searched is not None and position >= searched)
            mine = [k for k, v in enumerate(self.visits) if self.nodes[v.node].group == g]
            if keep is not None:
                mine = self._shortlist(g, mine, travel, keep)
            windows = [_free(self.visits[k], self._venue_of(k), booked) for k in mine]
            lunch = [
                i for i, k in enumerate(mine) if self.nodes[self.visits[k].node].kind == "lunch"
            ]
            # Of the lunch venues (nearest first), offer the bus the nearest few with room.
            offered = [i for i in lunch if windows[i]][:LUNCH_OFFERED]
            for i in lunch:
                if i not in offered:
                    windows[i] = ()
            local = tuple(
                dataclasses.replace(
                    self.visits[k], windows=windows[i], vehicles=(0,), resource=None
                )
                for i, k in enumerate(mine)
            )
            limit = _bus_work(budget_s / len(self.groups))
            problem = RoutingProblem(
                travel=travel,
                cost=travel,
                visits=local,
                vehicles=(self.vehicles[g],),
                choices=(Choice(tuple(lunch)),),
            )
            cap = WALL_CAP_FACTOR * budget_s + 1.0
            answer = _solve(
                problem, cap, seed, limit, escalate=False, first_only=first, greedy=greedy
            )
            if not answer.feasible:
                # Start from a day that surely fits (out to lunch and back) with no minimum
                # of stops; the search then adds what visits it can.
                start = self._lunch_only(g, local, offered, travel)
                if start is not None:
                    relaxed = dataclasses.replace(self.vehicles[g], min_stops=0)
                    answer = _solve(
                        dataclasses.replace(
                            problem, vehicles=(relaxed,), initial_tours=((start,),)
                        ),
                        cap,
                        seed,
                        limit,
                        starts=True,
                    )
                    if answer.feasible:
                        made = sum(1 for i in answer.tours[0].visits if i not in lunch)
                        if made < self.vehicles[g].min_stops:
                            relaxed_buses.append(g)
            if not answer.feasible:  # the last resort: more work, other strategies
                answer = _solve(problem, cap, seed, limit)
            if not answer.feasible:
                raise self._stuck(g, [self.visits[mine[i]] for i in lunch], offered, answer)
            work += limit
            cap_hit = cap_hit or bool(answer.stats.get("time_cap_hit", 0))
            objective += answer.objective
            tour = answer.tours[0]
            visits = tuple(mine[i] for i in tour.visits)
            tours.append(Tour(g, visits, tour.starts, tour.depart, tour.back))
            for k, start in zip(visits, tour.starts, strict=True):
                booked.setdefault(self._venue_of(k).id, []).append(
                    (start, start + self.visits[k].service)
                )
        tours.sort(key=lambda t: t.vehicle)
        solution = RoutingSolution(
            feasible=True,
            tours=tuple(tours),
            objective=objective,
            dropped=(),
            status="bus-by-bus",
            seconds=0.0,
        )
        return _Built(solution, relaxed_buses, work, cap_hit)

    def _shortlist(self, g: int, mine: list[int], travel: np.ndarray, keep: int) -> list[int]:
        """Bus ``g``'s lunch visits and its ``keep`` best other visits: must-visits first,
        then by prize, then nearest the base (a short budget's smaller model)."""
        lunch = [k for k in mine if self.nodes[self.visits[k].node].kind == "lunch"]
        others = [k for k in mine if self.nodes[self.visits[k].node].kind != "lunch"]
        start = self.vehicles[g].start_node
        others.sort(
            key=lambda k: (-self.visits[k].prize, int(travel[start, self.visits[k].node]), k)
        )
        return sorted(others[:keep] + lunch)

    def orders(self, seed: int) -> list[list[int]]:
        """The orders in which to build the day: largest group first, then shuffles."""
        first = sorted(
            range(len(self.groups)),
            key=lambda g: (-len(self.groups[g].delegates), self.groups[g].id),
        )
        out = [first]
        rng = np.random.default_rng(seed)
        for _ in range(1, ORDERS if len(first) > 1 else 1):
            out.append([first[i] for i in rng.permutation(len(first))])
        return out

    def _lunch_only(
        self, g: int, local: tuple[Visit, ...], offered: list[int], travel: np.ndarray
    ) -> int | None:
        """The first offered lunch (nearest first) that a bus can reach from the base, eat
        and come back from inside the day; None when there is none."""
        vehicle = self.vehicles[g]
        for i in offered:
            visit = local[i]
            out = vehicle.earliest_start + int(travel[vehicle.start_node, visit.node])
            for lo, hi in visit.windows:
                begin = max(out, lo)
                back = begin + visit.service + int(travel[visit.node, vehicle.end_node])
                if begin <= hi and back <= vehicle.latest_end:
                    return i
        return None

    def _stuck(
        self, g: int, lunches: list[Visit], offered: list[int], answer: RoutingSolution
    ) -> PlanError:
        """Why bus ``g`` has no timetable even with no minimum of stops."""
        group = self.groups[g]
        if not lunches:
            return PlanError(
                f"no lunch venue can take group {group.id} on {self.date} (too many people, "
                "no step-free access, or none open in the lunch window)"
            )
        if not offered:
            names = ", ".join(self.nodes[v.node].venue for v in lunches)
            return PlanError(
                f"group {group.id} finds no lunch on {self.date}: the lunch venues near its "
                f"route ({names}) are full with other groups during the lunch window; add "
                "lunch venues, raise their concurrent_groups, or widen the lunch window"
            )
        return PlanError(
            f"group {group.id} has no timetable on {self.date} ({answer.status}): the day "
            f"{format_clock(self.spec.day.start)}-{format_clock(self.spec.day.end)} is too "
            "short for lunch and the travel to it"
        )

    def _venue_of(self, k: int) -> Venue:
        return self.scenario.venues[self.nodes[self.visits[k].node].venue]

    # -- reading back -------------------------------------------------------------------

    def _exact(self, i: int, j: int, depart_s: int) -> int:
        band = self.matrix.band_at(depart_s // 60, self.date)
        return self._leg(i, j, band)

    def _tour_nodes(self, solution: RoutingSolution, g: int) -> tuple[list[int], list[int]]:
        tour = next(t for t in solution.tours if t.vehicle == g)
        nodes = [self.visits[v].node for v in tour.visits]
        return nodes, list(tour.starts)

    def _first_departure(self, vehicle: Vehicle, first: int, first_start: int) -> int | None:
        """The latest departure from the base, not before the day starts, that reaches the
        first stop by its start at the band of that departure; None if there is none."""
        start = vehicle.start_node
        best = None
        for band in range(len(self.matrix.bands)):
            depart = first_start - self._leg(start, first, band)
            if (
                depart >= vehicle.earliest_start
                and self.matrix.band_at(depart // 60, self.date) == band
            ):
                best = depart if best is None else max(best, depart)
        if best is None:
            depart = first_start - self._slowest(start, first)
            best = depart if depart >= vehicle.earliest_start else None
        return best

    def inconsistent_legs(self, solution: RoutingSolution) -> dict[tuple[int, int], int]:
        """Legs whose true time, at the band of their departure, is longer than the model
        assumed, with that true time (the slowest band for the leg out of the base)."""
        wrong: dict[tuple[int, int], int] = {}
        for g, vehicle in enumerate(self.vehicles):
            nodes, starts = self._tour_nodes(solution, g)
            if self._first_departure(vehicle, nodes[0], starts[0]) is None:
                wrong[(vehicle.start_node, nodes[0])] = self._slowest(vehicle.start_node, nodes[0])
            for k in range(1, len(nodes)):
                leave = starts[k - 1] + self.nodes[nodes[k - 1]].service
                leg = self._exact(nodes[k - 1], nodes[k], leave)
                if leave + leg > starts[k]:
                    wrong[(nodes[k - 1], nodes[k])] = leg
            leave = starts[-1] + self.nodes[nodes[-1]].service
            leg = self._exact(nodes[-1], vehicle.end_node, leave)
            if leave + leg > vehicle.latest_end:
                wrong[(nodes[-1], vehicle.end_node)] = leg
        return wrong

    def result(self, solution: RoutingSolution, rounds: int) -> DaySchedule:
        tz = self.scenario.tz()
        midnight = dt.datetime.combine(self.date, dt.time(0), tzinfo=tz)

        def at(seconds: int) -> dt.datetime:
            return midnight + dt.timedelta(seconds=seconds)

        out: list[Group] = []
        dropped: list[Explanation] = list(self.explanations)
        bus_s = drive_s = visits = 0
        for g, (group, vehicle) in enumerate(zip(self.groups, self.vehicles, strict=True)):
            nodes, starts = self._tour_nodes(solution, g)
            base = self.spec.base
            depart = self._first_departure(vehicle, nodes[0], starts[0])
            assert depart is not None, "re-timing left an inconsistent first leg"
            stops = [Stop(kind="depart", venue=base, depart=at(depart))]
            prev_node, prev_leave = vehicle.start_node, depart
            for node, start in zip(nodes, starts, strict=True):
                travel = self._exact(prev_node, node, prev_leave)
                arrive = prev_leave + travel
                spec_node = self.nodes[node]
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
                        distance_m=self._distance(prev_node, node, prev_leave // 60),
                    )
                )
                drive_s += travel
                visits += spec_node.kind == "visit"
                prev_node, prev_leave = node, end
            back = prev_leave + self._exact(prev_node, vehicle.end_node, prev_leave)
            stops.append(
                Stop(
                    kind="return",
                    venue=base,
                    arrive=at(back),
                    travel_s=back - prev_leave,
                    distance_m=self._distance(prev_node, vehicle.end_node, prev_leave // 60),
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
            dropped += self._dropped_musts(g, group, nodes)
            made = sum(1 for n in nodes if self.nodes[n].kind == "visit")
            route = self.scenario.routes[group.route]
            if g in self.relaxed and made < route.min_stops:
                dropped.append(
                    Explanation(
                        kind="stop-bounds",
                        group=group.id,
                        route=group.route,
                        date=self.date,
                        reason=(
                            f"group {group.id} makes {made} visit(s), fewer than route "
                            f"{route.id}'s minimum of {route.min_stops}: its venues' opening "
                            "hours, the other groups already there, lunch and travel leave "
                            "no room for more"
                        ),
                    )
                )
        return DaySchedule(
            groups=out,
            explanations=dropped,
            metrics={
                "status": solution.status,
                "objective": solution.objective,
                "seconds": round(solution.seconds, 3),
                "retime_rounds": rounds,
                "bus_s": bus_s,
                "drive_s": drive_s,
                "visits": visits,
                "nodes": len(self.nodes),
            },
        )

    def fastest_travel(self) -> np.ndarray:
        """Every leg at its fastest band: never longer than a leg of any timetable."""
        out = self._travel([0] * len(self.groups), None)
        for band in range(1, len(self.matrix.bands)):
            out = np.minimum(out, self._travel([band] * len(self.groups), None))
        return out

    def _bound_problem(self) -> RoutingProblem:
        travel = self.fastest_travel()
        return RoutingProblem(
            travel=travel,
            cost=travel,
            visits=tuple(self.visits),
            vehicles=tuple(self.vehicles),
            resources=tuple(self.resources),
            choices=tuple(self.choices),
        )

    def timed_travel(self) -> list[tuple[int, int, np.ndarray]]:
        """The day cut into periods of one travel band each, ``(from, until, matrix)`` in
        seconds: a leg leaving in a period takes that band's time, as in a timetable."""
        first, last = self.spec.day.start, self.spec.day.end + 1
        out: list[tuple[int, int, np.ndarray]] = []
        matrices: dict[int, np.ndarray] = {}
        start = first
        for minute in range(first + 1, last + 1):
            band = self.matrix.band_at(start, self.date)
            if minute < last and self.matrix.band_at(minute, self.date) == band:
                continue
            if band not in matrices:
                matrices[band] = self._travel([band] * len(self.groups), None)
            out.append((start * 60, minute * 60, matrices[band]))
            start = minute
        return out

    def timetable(self, result: PrizeBound) -> RoutingSolution | None:
        """``result``'s tours and times as a solution of the day, or None when they are
        not one (a leg inconsistent with its band, a bus below its minimum of stops)."""
        tours = []
        objective = 0
        served: set[int] = set()
        for v, (tour, starts) in enumerate(zip(result.tours, result.starts, strict=True)):
            vehicle = self.vehicles[v]
            made = sum(1 for k in tour if self.visits[k].counts_as_stop)
            if not tour or (made < vehicle.min_stops and v not in self.relaxed):
                return None
            last = self.visits[tour[-1]]
            leave = starts[-1] + last.service
            back = leave + self._exact(last.node, vehicle.end_node, leave)
            tours.append(Tour(v, tuple(tour), tuple(starts[1:]), starts[0], back))
            objective += (back - starts[0]) * vehicle.span_cost
            served.update(tour)
        objective += sum(v.prize for k, v in enumerate(self.visits) if k not in served)
        solution = RoutingSolution(
            feasible=True,
            tours=tuple(tours),
            objective=objective,
            dropped=(),
            status="cp-sat",
            seconds=0.0,
        )
        return None if self.inconsistent_legs(solution) else solution

    def travel_of(self, result: PrizeBound, guess: np.ndarray) -> np.ndarray:
        """``guess`` with the legs of ``result``'s timetable at the band of their departure."""
        out = guess.copy()
        for v, (tour, starts) in enumerate(zip(result.tours, result.starts, strict=True)):
            vehicle = self.vehicles[v]
            nodes = [vehicle.start_node, *(self.visits[k].node for k in tour), vehicle.end_node]
            leaves = [
                starts[0],
                *(t + self.visits[k].service for k, t in zip(tour, starts[1:], strict=True)),
            ]
            for i, j, leave in zip(nodes, nodes[1:], leaves, strict=False):
                out[i, j] = self._exact(i, j, leave)
        return out

    def prize(self, solution: RoutingSolution) -> int:
        """The prize the day's tours collect (must-visits at their overriding prize)."""
        return collected_prize(self._bound_problem(), solution.tours)

    def bound_shares_venues(self) -> bool:
        """Whether the day gets its certificate: days small enough for the joint search
        (on larger days the exact bound costs more than the planner's time budget)."""
        return len(self.nodes) <= JOINT_MAX_NODES

    def bound(self, solution: RoutingSolution, work_s: float, seed: int) -> PrizeBound:
        """An upper bound on the prize any timetable of these buses and candidate venues
        could collect: each leg at the band of its departure, as the timetable is re-timed
        (the fastest band prunes); CP-SAT, exact on days this small (each bus alone, then,
        where that leaves a gap, the buses that share a venue together with its
        capacity)."""
        problem = self._bound_problem()
        if not self.bound_shares_venues():
            problem = dataclasses.replace(problem, resources=())
            problem = dataclasses.replace(
                problem,
                visits=tuple(dataclasses.replace(v, resource=None) for v in problem.visits),
            )
        return solver.bound_prize(
            problem,
            work_s=work_s,
            seed=seed,
            hint=solution.tours,
            timed_travel=self.timed_travel(),
        )

    def certificate(self, solution: RoutingSolution, result: PrizeBound) -> dict[str, Any]:
        """How good the day is: the prize its tours collect against the bound.

        ``gap`` is measured on the relevance part of the prize (the bound less the
        must-visits the plan makes), so a missed venue shows as a percentage, not as a
        fraction of a must-visit's overriding prize.
        """
        prize = self.prize(solution)
        bound = max(result.bound, prize)  # a relaxation never falls below a solution of it
        musts = sum(
            1
            for tour in solution.tours
            for k in tour.visits
            if self.nodes[self.visits[k].node].must
        )
        optional = bound - musts * MUST_VISIT_PRIZE
        gap = (bound - prize) / optional if optional > 0 else 0.0
        return {
            "prize": prize,
            "bound": bound,
            "gap": round(gap, 6),
            "proven_optimal": prize == bound,
            "bound_status": result.status,
        }

    def _distance(self, i: int, j: int, minute: int) -> int:
        band = self.matrix.band_at(minute, self.date)
        return int(self.matrix.metres[band, self.venue_index[i], self.venue_index[j]])

    def _dropped_musts(self, g: int, group: PlannedGroup, nodes: list[int]) -> list[Explanation]:
        visited = {self.nodes[n].venue for n in nodes if self.nodes[n].kind == "visit"}
        out = []
        for n, node in enumerate(self.nodes):
            if node.group != g or node.kind != "visit" or not node.must or node.venue in visited:
                continue
            venue = self.scenario.venues[node.venue]
            others = sorted(
                {
                    self.groups[m.group].id
                    for k, m in enumerate(self.nodes)
                    if m.venue == node.venue and m.group != g and m.kind in ("visit", "lunch")
                }
            )
            hours = ", ".join(str(w) for w in self.scenario.opening(venue.id, self.date))
            reason = (
                f"{venue.id} opens {hours} on {self.date} and receives "
                f"{venue.concurrent_groups} group(s) at a time; group {group.id} could not fit "
                "a visit between its other stops, lunch and the day's end"
            )
            if others:
                reason += f" (other groups there that day: {', '.join(others)})"
            out.append(
                Explanation(
                    kind="must-visit-dropped",
                    group=group.id,
                    route=group.route,
                    date=self.date,
                    venue=venue.id,
                    reason=reason,
                )
            )
            del n
        return out


def _free(
    visit: Visit, venue: Venue, booked: dict[str, list[tuple[int, int]]]
) -> tuple[tuple[int, int], ...]:
    """The visit's start windows less the starts that would overlap a moment when the venue
    already receives as many groups as it can (``concurrent_groups``)."""
    spans = booked.get(venue.id, [])
    if len(spans) < venue.concurrent_groups:
        return visit.windows
    events = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans])
    full: list[tuple[int, int]] = []
    count = 0
    for (moment, step), (following, _) in itertools.pairwise(events):
        count += step
        if count >= venue.concurrent_groups and following > moment:
            full.append((moment, following))
    windows = list(visit.windows)
    for b1, b2 in full:
        lo, hi = b1 - visit.service + 1, b2 - 1  # starts in [lo, hi] would overlap [b1, b2)
        kept: list[tuple[int, int]] = []
        for a, b in windows:
            if hi < a or lo > b:
                kept.append((a, b))
                continue
            if a < lo:
                kept.append((a, lo - 1))
            if b > hi:
                kept.append((hi + 1, b))
        windows = kept
    return tuple(windows)
