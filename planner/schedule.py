"""The timed day of every bus: which venues each group visits, in what order, at what minute.

The stage is a pipeline of four parts, each in its own module:

1. :func:`findhz.planner.day_model.build_day_model`: the frozen routing model of the date (every
   bus a vehicle from the base and back, its route's open candidate venues, a mandatory
   lunch choice, the venues several buses share as capacity resources);
2. :mod:`findhz.planner.day_search`: the search, bus by bus then all buses together, and the
   prize bound (the day's quality certificate); it returns results and changes nothing;
3. :mod:`findhz.planner.retime`: each leg at the travel band of its departure;
4. :mod:`findhz.planner.day_readback`: timed groups, explanations (worded in
   :mod:`findhz.planner.explain`) and the day's figures (:class:`DayMetrics`).

This module runs them. Travel times depend on the hour. The routing model takes one time
per leg, so the day is solved with a guess of each leg's band, then re-timed exactly (each
leg at the band of its departure); legs whose true time is longer than assumed get the true
time and the day is solved again from the last answer. After a few rounds every leg still
wrong gets its slowest band, which is always consistent. Legs are rounded up to whole
minutes (a named choice: a timetable shows minutes), so ``arrive = depart + travel_s``
holds exactly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import time
from collections.abc import Sequence

from findhz.planner import solver
from findhz.planner.buses import PlannedGroup
from findhz.planner.day_model import (
    LUNCH_CANDIDATES,
    MUST_VISIT_PRIZE,
    DayModel,
    build_day_model,
    ceil_minute,
)
from findhz.planner.day_readback import DayMetrics, DaySchedule, certificate, prize, read_back
from findhz.planner.day_search import (
    BUS_BRANCHES_PER_SECOND,
    BUS_SOLVES_PER_SECOND,
    JOINT_MAX_NODES,
    MIN_BRANCHES,
    ORDERS,
    SEQUENTIAL_SHARE,
    WALL_CAP_FACTOR,
    Built,
    bound,
    build_bus_by_bus,
    bus_work,
    certified,
    free_windows,
    joint_work,
    orders,
    solve,
    solve_day,
)
from findhz.planner.errors import PlanError
from findhz.planner.models import Group, Scenario
from findhz.planner.problems import RoutingProblem, RoutingSolution, Stability
from findhz.planner.retime import inconsistent_legs, timetable, travel_of
from findhz.planner.travel.matrix import TravelMatrix

__all__ = [
    "LUNCH_CANDIDATES",
    "MUST_VISIT_PRIZE",
    "DayMetrics",
    "DaySchedule",
    "paid_solves",
    "reschedule_group",
    "schedule_day",
]

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
#: Share of a day's budget for each re-timing round after the first solve.
RETIME_SHARE = 0.25


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
    day = build_day_model(scenario, matrix, date, groups)
    mode = _mode(budget_s, len(groups), deadline)
    if mode != "full":
        return _schedule_short(day, budget_s, seed, mode, allowance_s)
    guess = day.initial_travel()
    rounds = branches = 0
    cap_hit = False
    while True:
        share = 1.0 if rounds == 0 else RETIME_SHARE
        solution, built, work, hit = solve_day(day, guess, share * budget_s, seed)
        branches += work
        cap_hit = cap_hit or hit
        wrong = inconsistent_legs(day, solution)
        if not wrong:
            break
        rounds += 1
        if rounds > RETIME_ROUNDS:
            guess = day.slowest_travel()
            continue
        for (i, j), seconds in wrong.items():
            guess[i, j] = max(guess[i, j], seconds)
    relaxed = built.relaxed  # buses that could not make their route's minimum of stops
    bounded = bound(day, solution, CERTIFICATE_SHARE * budget_s, seed) if certified(day) else None
    from_bound = False
    if bounded is not None and bounded.best > prize(day, solution) and bounded.tours:
        # The bound's own timetable is a true one (each leg at the band of its departure,
        # venue capacity kept) and collects more: take it, then let the routing search
        # shorten its buses' day with those legs, keeping what stays consistent.
        taken = timetable(day, bounded, relaxed)
        if taken is not None:
            solution, from_bound = taken, True
            limit = joint_work(day, budget_s)
            branches += limit
            polish = solve(
                day.problem(travel_of(day, bounded, guess), taken),
                WALL_CAP_FACTOR * budget_s + 1.0, seed, limit, starts=True,
            )  # fmt: skip
            cap_hit = cap_hit or polish.time_cap_hit
            if (
                polish.feasible
                and not inconsistent_legs(day, polish)
                and prize(day, polish) >= prize(day, taken)
                and polish.objective < taken.objective
            ):
                solution = polish
    groups_out, explanations, metrics = read_back(day, solution, rounds, relaxed)
    metrics = dataclasses.replace(
        metrics,
        certificate=certificate(day, solution, bounded) if bounded is not None else None,
        bound_status=(
            ""
            if bounded is not None
            else f"not computed: {len(day.nodes)} routing nodes, more than {JOINT_MAX_NODES}"
        ),
        from_bound=from_bound,
        work_branches=branches,
        time_cap_hit=cap_hit,
    )
    return DaySchedule(groups=groups_out, explanations=explanations, metrics=metrics)


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
    day: DayModel, budget_s: float, seed: int, mode: str, allowance_s: float | None = None
) -> DaySchedule:
    """A day whose budget is short: built bus by bus once per paid order, each bus offered
    its ``SHORTLIST`` best venues and searched by descent to a local optimum (``lean``), or
    once with each bus's first solution (``constructive``); every leg at its slowest band, so
    the timetable is consistent without re-timing rounds; no joint search, no certificate.
    When ``allowance_s`` pays fewer searches than one order has buses, only the first buses
    of the order are searched and the rest take their first solution."""
    constructive = mode == "constructive"
    buses = len(day.groups)
    chosen = [orders(day, seed)[0]] if constructive else orders(day, seed)
    searched = buses
    if not constructive:
        paid = lean_searches(allowance_s)
        count = _lean_orders(budget_s, buses)
        if paid is not None:
            count = max(1, min(count, paid // buses))
            searched = min(buses, paid)
        chosen = chosen[:count]
    guess = day.slowest_travel()
    best: Built | None = None
    work = 0
    cap_hit = constructive
    for order in chosen:
        built = build_bus_by_bus(
            day,
            guess,
            SEQUENTIAL_SHARE * budget_s / len(chosen),
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
    solution = best.solution
    if inconsistent_legs(day, solution):  # cannot happen at the slowest band; kept honest
        raise PlanError(f"the {mode} build of {day.date} left an inconsistent leg")
    groups_out, explanations, metrics = read_back(day, solution, 0, best.relaxed)
    if constructive:
        status = "not certified: budget (the CPU-time cap was reached before this day)"
    elif searched < buses:
        status = (
            f"not certified: budget ({buses} buses, 1 order; the time limit paid a search "
            f"for {searched} of them, the others took their first solution)"
        )
    else:
        status = f"not certified: budget ({buses} buses, {len(chosen)} order(s))"
    metrics = dataclasses.replace(
        metrics,
        buses_searched=searched if not constructive and searched < buses else None,
        bound_status=status,
        from_bound=False,
        work_branches=work,
        time_cap_hit=cap_hit,
        build=mode,
    )
    return DaySchedule(groups=groups_out, explanations=explanations, metrics=metrics)


#: Re-planning: a changed stop (a published stop left out, a stop added or reached from
#: another place) outweighs every prize of a day, must-visits included.
CHANGED_STOP_PENALTY = 10 * MUST_VISIT_PRIZE
#: Re-planning: per second a published stop starts beyond the tolerance (15 min) from its
#: published start; 15 minutes beyond weigh as much as a changed stop.
SHIFT_PENALTY_PER_S = CHANGED_STOP_PENALTY // 900
#: The search that re-solves one group's day (OR-Tools; PyVRP has no stability terms).
RESOLVE_SEARCH = solver.SearchConfig(
    "replan-gls", "PATH_CHEAPEST_ARC", "gls", prize_operators=False
)


def reschedule_group(
    scenario: Scenario,
    matrix: TravelMatrix,
    group: Group,
    published: Group,
    *,
    others: Sequence[Group],
    frozen: int,
    ready: int,
    closed: dict[str, int],
    budget_s: float,
    seed: int = 0,
) -> Group | None:
    """Re-solve the rest of ``group``'s day after a change (re-planning), close to its
    ``published`` tour: the routing objective penalises each changed stop and each start
    shifted more than 15 minutes (:class:`~findhz.planner.problems.Stability`) ahead of travel and
    the venues' prizes. The search starts from ``group``'s own stops (the minimal repair).

    ``frozen`` visits and lunches at the start stay as they are (the past, or the stop the bus
    is driving to); the bus leaves its last frozen stop (or the base) not before ``ready``
    (seconds after midnight); ``closed`` maps a venue to the second it closes that day;
    ``others`` are the day's other buses, whose venue use is kept. None when no timetable
    is found.
    """
    date = group.date
    riders = set(group.delegates)
    planned = PlannedGroup(
        id=group.id,
        route=group.route,
        date=date,
        bus=group.bus,
        seats=group.seats,
        delegates=tuple(group.delegates),
        step_free=any(d.step_free for d in scenario.delegates if d.id in riders),
    )
    day = build_day_model(scenario, matrix, date, [planned])
    midnight = dt.datetime.combine(date, dt.time(0), tzinfo=scenario.tz())

    def seconds(moment: dt.datetime | None) -> int:
        assert moment is not None
        return int((moment - midnight).total_seconds())

    booked: dict[str, list[tuple[int, int]]] = {}
    for other in others:
        for stop in other.stops[1:-1]:
            booked.setdefault(stop.venue, []).append((seconds(stop.start), seconds(stop.end)))
    index = {(day.nodes[v.node].kind, day.nodes[v.node].venue): k for k, v in enumerate(day.visits)}
    current = group.stops[1:-1]
    if any((s.kind, s.venue) not in index for s in current):
        return None  # a stop the day's model does not offer (e.g. a lunch moved elsewhere)
    prefix = [index[(s.kind, s.venue)] for s in current[:frozen]]
    visits = list(day.visits)
    for k, visit in enumerate(visits):
        if k in prefix:
            start = seconds(current[prefix.index(k)].start)
            visits[k] = dataclasses.replace(visit, windows=((start, start),), resource=None)
            continue
        windows = free_windows(visit, day.venue_of(k), booked)
        venue = day.nodes[visit.node].venue
        if venue in closed:  # no start from the closing on (as the minimal repair reads it)
            windows = tuple((a, min(b, closed[venue] - 1)) for a, b in windows if a < closed[venue])
        visits[k] = dataclasses.replace(visit, windows=windows, resource=None)
    vehicle = day.vehicles[0]
    made = sum(1 for s in current if s.kind == "visit")  # the repair may fall short of it
    vehicle = dataclasses.replace(vehicle, min_stops=min(vehicle.min_stops, made))
    if prefix:
        last = visits[prefix[-1]]
        start = last.windows[0][0]
        visits[prefix[-1]] = dataclasses.replace(last, service=max(last.service, ready - start))
    else:
        vehicle = dataclasses.replace(vehicle, earliest_start=max(vehicle.earliest_start, ready))
    tour = [
        (index[(s.kind, s.venue)], seconds(s.start))
        for s in published.stops[1:-1]
        if (s.kind, s.venue) in index
    ]
    stability = Stability(
        tours=(tuple(k for k, _ in tour),),
        starts=(tuple(t for _, t in tour),),
        stop_penalty=CHANGED_STOP_PENALTY,
        shift_penalty=SHIFT_PENALTY_PER_S,
    )
    guess = day.initial_travel()
    # The legs the bus drives today, at their true times: the repaired day fits the model.
    nodes = [vehicle.start_node, *(visits[index[(s.kind, s.venue)]].node for s in current)]
    nodes.append(vehicle.end_node)
    for (i, j), stop in zip(itertools.pairwise(nodes), group.stops[1:], strict=True):
        if stop.travel_s is not None:
            guess[i, j] = min(int(guess[i, j]), ceil_minute(stop.travel_s))
    solution: RoutingSolution | None = None
    # The first search, up to RETIME_ROUNDS with corrected legs, then one at the slowest legs.
    for rounds in range(1 + RETIME_ROUNDS + 1):
        problem = RoutingProblem(
            travel=guess.copy(),
            cost=guess.copy(),
            visits=tuple(visits),
            vehicles=(vehicle,),
            choices=tuple(day.choices),
            initial_tours=(tuple(index[(s.kind, s.venue)] for s in current),),
            fixed_prefixes=(tuple(prefix),),
            stability=stability,
        )
        solution = solver.solve_routing(
            problem,
            time_limit_s=WALL_CAP_FACTOR * budget_s + 1.0,
            seed=seed,
            work_limit=bus_work(budget_s),
            configs=[RESOLVE_SEARCH],
        )
        if not solution.feasible or not solution.tours or not solution.tours[0].visits:
            return None
        wrong = inconsistent_legs(day, solution)
        if not wrong:
            break
        if rounds >= RETIME_ROUNDS:
            guess = day.slowest_travel()
            continue
        for (i, j), leg in wrong.items():
            guess[i, j] = max(guess[i, j], leg)
    else:
        return None
    assert solution is not None
    new = read_back(day, solution, rounds, ())[0][0]
    # The stops kept as they were (with the departure, once the bus has left), then the
    # re-solved rest of the day.
    stops = [*group.stops[: 1 + frozen], *new.stops[1 + frozen :]] if frozen else new.stops
    if frozen and len(stops) > frozen + 1:  # the bus leaves its last frozen stop at ``ready``
        after = stops[frozen + 1]
        left = stops[frozen].depart
        if after.arrive is not None and after.travel_s is not None and left is not None:
            leave = midnight + dt.timedelta(seconds=ready)
            arrive = max(after.arrive, leave + dt.timedelta(seconds=after.travel_s))
            travel = int((arrive - left).total_seconds())  # a delay is on this leg
            stops[frozen + 1] = after.model_copy(update={"arrive": arrive, "travel_s": travel})
    return group.model_copy(update={"stops": stops})
