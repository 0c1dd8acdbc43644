"""The search of a day's tours: bus by bus, then all buses together; and its prize bound.

A day is first built bus by bus, in a few orders, each bus a small problem of its own in
the time its venues have left after the buses before it (so the venues' capacity holds by
construction and no search can fail for want of time). Then, on days small enough, all
buses are searched together from the best of those builds, with the venues' capacity as
cumulative constraints over the visits' intervals; the joint answer is kept only if it is
better. Every function here reads the frozen :class:`~findhz.planner.day_model.DayModel` and
returns its result; none changes the model.

Work is counted in search branches (a count, so the same inputs give the same plan on any
machine); the wall clock is only a safety cap.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from findhz.planner import explain, solver
from findhz.planner.day_model import DayModel
from findhz.planner.models import Venue
from findhz.planner.problems import Choice, PrizeBound, RoutingProblem, RoutingSolution, Tour, Visit

__all__ = [
    "BUS_BRANCHES_PER_SECOND",
    "BUS_SOLVES_PER_SECOND",
    "ORDERS",
    "SEQUENTIAL_SHARE",
    "Built",
    "bound",
    "build_bus_by_bus",
    "free_windows",
    "joint_work",
    "orders",
    "solve",
    "solve_day",
]

#: How many of its nearest lunch venues with room left a bus is offered when built on its own.
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
#: would spend its whole budget on a few moves) and get no certificate (the exact bound
#: costs more than the planner's time budget).
JOINT_MAX_NODES = 200
#: How much more work a search that found nothing gets before the next strategy.
ESCALATION = 10
#: How many orders of the buses the day is built in (the best is kept).
ORDERS = 4
#: First-solution strategies that cope with per-bus minimum stops and mandatory lunch
#: choices (cheapest-insertion heuristics give up on them), tried in this order.
FIRST_SOLUTIONS = ("PATH_CHEAPEST_ARC", "FIRST_UNBOUND_MIN_VALUE")
#: The routing search of a bus's day where PyVRP models it (see planner/solver.py).
PYVRP_SEARCH = solver.SearchConfig("planner-pyvrp-ils", engine="pyvrp")


@dataclass(frozen=True)
class Built:
    """A day built bus by bus: its tours, the buses that could not make their minimum
    stops (``relaxed``), the work spent and whether the wall-clock cap was hit."""

    solution: RoutingSolution
    relaxed: tuple[int, ...]
    work: int
    cap_hit: bool


def bus_work(budget_s: float) -> int:
    """The work of one bus's search."""
    return max(MIN_BRANCHES, int(budget_s * BUS_BRANCHES_PER_SECOND))


def joint_work(day: DayModel, budget_s: float) -> int:
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


def solve(
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


def solve_day(
    day: DayModel, guess: np.ndarray, budget_s: float, seed: int
) -> tuple[RoutingSolution, Built, int, bool]:
    """Build the day bus by bus, then improve all buses together from there.

    The first part never fails for want of search: each bus is a small problem of its own,
    and the venues' capacity is kept by removing from later buses' windows the times that
    earlier buses fill. The joint search then may move visits between times and venues
    across buses; it starts from that feasible day and keeps it if it finds nothing better.
    Returns the day's solution, the best bus-by-bus build, the work and whether a cap was
    hit.
    """
    best: Built | None = None
    work = 0
    cap_hit = False
    all_orders = orders(day, seed)
    for order in all_orders:
        built = build_bus_by_bus(
            day, guess, SEQUENTIAL_SHARE * budget_s / len(all_orders), seed, order
        )
        work += built.work
        cap_hit = cap_hit or built.cap_hit
        if best is None or built.solution.objective < best.solution.objective:
            best = built
    assert best is not None
    first = best.solution
    if len(day.groups) == 1 or len(day.nodes) > JOINT_MAX_NODES:
        return first, best, work, cap_hit
    limit = joint_work(day, budget_s)
    joint = solve(
        day.problem(guess, first), WALL_CAP_FACTOR * budget_s + 1.0, seed, limit, starts=True
    )
    cap_hit = cap_hit or joint.time_cap_hit
    if joint.feasible and joint.objective <= first.objective:
        return joint, best, work + limit, cap_hit
    return first, best, work + limit, cap_hit


def orders(day: DayModel, seed: int) -> list[list[int]]:
    """The orders in which to build the day: largest group first, then shuffles."""
    first = sorted(
        range(len(day.groups)),
        key=lambda g: (-len(day.groups[g].delegates), day.groups[g].id),
    )
    out = [first]
    rng = np.random.default_rng(seed)
    for _ in range(1, ORDERS if len(first) > 1 else 1):
        out.append([first[i] for i in rng.permutation(len(first))])
    return out


def build_bus_by_bus(
    day: DayModel,
    travel: np.ndarray,
    budget_s: float,
    seed: int,
    order: Sequence[int],
    *,
    first_only: bool = False,
    keep: int | None = None,
    greedy: bool = False,
    searched: int | None = None,
) -> Built:
    """Schedule the buses one at a time in ``order``, each in the time its venues have
    left after the buses before it; the tours of all, as one solution. ``first_only``:
    each bus's first solution, no local search (the wall clock ran out); ``greedy``: a
    descent to the first local optimum instead of guided local search; ``keep``: each
    bus is offered only its ``keep`` best venues (see :func:`_shortlist`); ``searched``:
    only the first that many buses of the order are searched, the others take their first
    solution."""
    booked: dict[str, list[tuple[int, int]]] = {}
    tours: list[Tour] = []
    objective = work = 0
    cap_hit = False
    relaxed_buses: list[int] = []
    for position, g in enumerate(order):
        first = first_only or (searched is not None and position >= searched)
        mine = [k for k, v in enumerate(day.visits) if day.nodes[v.node].group == g]
        if keep is not None:
            mine = _shortlist(day, g, mine, travel, keep)
        windows = [free_windows(day.visits[k], day.venue_of(k), booked) for k in mine]
        lunch = [i for i, k in enumerate(mine) if day.nodes[day.visits[k].node].kind == "lunch"]
        # Of the lunch venues (nearest first), offer the bus the nearest few with room.
        offered = [i for i in lunch if windows[i]][:LUNCH_OFFERED]
        for i in lunch:
            if i not in offered:
                windows[i] = ()
        local = tuple(
            dataclasses.replace(day.visits[k], windows=windows[i], vehicles=(0,), resource=None)
            for i, k in enumerate(mine)
        )
        limit = bus_work(budget_s / len(day.groups))
        problem = RoutingProblem(
            travel=travel,
            cost=travel,
            visits=local,
            vehicles=(day.vehicles[g],),
            choices=(Choice(tuple(lunch)),),
        )
        cap = WALL_CAP_FACTOR * budget_s + 1.0
        answer = solve(problem, cap, seed, limit, escalate=False, first_only=first, greedy=greedy)
        if not answer.feasible:
            # Start from a day that surely fits (out to lunch and back) with no minimum
            # of stops; the search then adds what visits it can.
            start = _lunch_only(day, g, local, offered, travel)
            if start is not None:
                relaxed = dataclasses.replace(day.vehicles[g], min_stops=0)
                answer = solve(
                    dataclasses.replace(problem, vehicles=(relaxed,), initial_tours=((start,),)),
                    cap,
                    seed,
                    limit,
                    starts=True,
                )
                if answer.feasible:
                    made = sum(1 for i in answer.tours[0].visits if i not in lunch)
                    if made < day.vehicles[g].min_stops:
                        relaxed_buses.append(g)
        if not answer.feasible:  # the last resort: more work, other strategies
            answer = solve(problem, cap, seed, limit)
        if not answer.feasible:
            spec = day.scenario.spec
            raise explain.bus_without_timetable(
                day.groups[g],
                day.date,
                [day.nodes[day.visits[mine[i]].node].venue for i in lunch],
                bool(offered),
                answer.status,
                (spec.day.start, spec.day.end),
            )
        work += limit
        cap_hit = cap_hit or answer.time_cap_hit
        objective += answer.objective
        tour = answer.tours[0]
        visits = tuple(mine[i] for i in tour.visits)
        tours.append(Tour(g, visits, tour.starts, tour.depart, tour.back))
        for k, start_s in zip(visits, tour.starts, strict=True):
            booked.setdefault(day.venue_of(k).id, []).append(
                (start_s, start_s + day.visits[k].service)
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
    return Built(solution, tuple(relaxed_buses), work, cap_hit)


def _shortlist(day: DayModel, g: int, mine: list[int], travel: np.ndarray, keep: int) -> list[int]:
    """Bus ``g``'s lunch visits and its ``keep`` best other visits: must-visits first,
    then by prize, then nearest the base (a short budget's smaller model)."""
    lunch = [k for k in mine if day.nodes[day.visits[k].node].kind == "lunch"]
    others = [k for k in mine if day.nodes[day.visits[k].node].kind != "lunch"]
    start = day.vehicles[g].start_node
    others.sort(key=lambda k: (-day.visits[k].prize, int(travel[start, day.visits[k].node]), k))
    return sorted(others[:keep] + lunch)


def _lunch_only(
    day: DayModel, g: int, local: tuple[Visit, ...], offered: list[int], travel: np.ndarray
) -> int | None:
    """The first offered lunch (nearest first) that a bus can reach from the base, eat
    and come back from inside the day; None when there is none."""
    vehicle = day.vehicles[g]
    for i in offered:
        visit = local[i]
        out = vehicle.earliest_start + int(travel[vehicle.start_node, visit.node])
        for lo, hi in visit.windows:
            begin = max(out, lo)
            back = begin + visit.service + int(travel[visit.node, vehicle.end_node])
            if begin <= hi and back <= vehicle.latest_end:
                return i
    return None


def free_windows(
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


def certified(day: DayModel) -> bool:
    """Whether the day gets its certificate: days small enough for the joint search."""
    return len(day.nodes) <= JOINT_MAX_NODES


def bound(day: DayModel, solution: RoutingSolution, work_s: float, seed: int) -> PrizeBound:
    """An upper bound on the prize any timetable of these buses and candidate venues could
    collect: each leg at the band of its departure, as the timetable is re-timed (the
    fastest band prunes); CP-SAT, exact on days this small (each bus alone, then, where
    that leaves a gap, the buses that share a venue together with its capacity)."""
    problem = day.bound_problem()
    if not certified(day):
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
        timed_travel=day.timed_travel(),
    )
