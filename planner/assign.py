"""Who rides which route on which day, and on which bus.

The scenario becomes an :class:`~planner.problems.AssignmentProblem`: a *slot* per route-day
that can run (on the route's own dates), an *option* per delegate, interest and available day.
The solver chooses options and buses by one objective in a stated order: as many delegates
placed as possible; then nobody below the scenario's ``max_rank`` when it can be helped; then
the least money, the buses' cost (``cost_per_day`` plus ``staff_per_bus``) plus
``cny_per_rank_step`` for each step down a delegate's ranking; no bus leaves with fewer than
its route's ``min_riders``. This module then splits each route-day into groups of balanced
size with countries mixed, and computes a reason for every delegate it could not place.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from planner import solver
from planner.errors import InputError, Problem
from planner.models import (
    BusType,
    Delegate,
    Explanation,
    Group,
    Route,
    Scenario,
    Unassigned,
    Venue,
    format_clock,
)
from planner.problems import (
    AssignmentHint,
    AssignmentProblem,
    AssignmentSolution,
    Option,
    SharedLimit,
    Slot,
)

__all__ = [
    "RANK_VALUES",
    "Assignment",
    "PlannedGroup",
    "assign",
    "cost_metrics",
    "greedy_hint",
    "route_day_venues",
]

log = logging.getLogger(__name__)

#: How glad a delegate is to ride their 1st, 2nd, ... interest (the ratios matter).
RANK_VALUES = (100, 60, 35, 20, 12, 8, 5, 3)


@dataclass(frozen=True)
class PlannedGroup:
    """A bus of delegates on a route and date, before its day is scheduled."""

    id: str
    route: str
    date: dt.date
    bus: str
    seats: int
    delegates: tuple[str, ...]
    step_free: bool


@dataclass(frozen=True)
class Assignment:
    groups: tuple[PlannedGroup, ...]
    unassigned: tuple[Unassigned, ...]
    explanations: tuple[Explanation, ...]
    metrics: dict[str, Any] = field(default_factory=dict)
    time_cap_hit: bool = False  # the solver stopped on the wall clock: the plan may not repeat


@dataclass(frozen=True)
class _RouteDay:
    """What a route can offer on a date: open venues, lunch options, the largest group."""

    route: Route
    date: dt.date
    open_venues: tuple[Venue, ...]
    lunch_venues: tuple[Venue, ...]
    group_limit: int
    step_free_ok: bool
    step_free_limit: int
    problem: str | None
    step_free_problem: str | None


def route_day_venues(scenario: Scenario, route: Route, date: dt.date) -> list[Venue]:
    """The route's candidate venues that open on ``date`` inside the scenario's day."""
    day = scenario.spec.day
    out = []
    for rv in route.venues:
        venue = scenario.venues[rv.id]
        windows = scenario.opening(venue.id, date)
        if any(min(w.end, day.end) - max(w.start, day.start) >= venue.visit_min for w in windows):
            out.append(venue)
    return out


def _lunch_venues(scenario: Scenario, date: dt.date) -> list[Venue]:
    lo, hi = scenario.spec.lunch.window
    minutes = scenario.spec.lunch.minutes
    out = []
    for venue in scenario.venues.values():
        if not venue.lunch:
            continue
        windows = scenario.opening(venue.id, date)
        if any(
            max(lo, w.start) <= min(hi, w.end - minutes) for w in windows
        ):  # a lunch can start inside the window and end before closing
            out.append(venue)
    return out


def _no_lunch(scenario: Scenario, date: dt.date) -> str:
    """Why no lunch venue works on a date: each one's hours against the lunch rule."""
    lo, hi = scenario.spec.lunch.window
    hours = [
        f"{v.id} ({', '.join(str(w) for w in scenario.opening(v.id, date)) or 'closed'})"
        for v in scenario.venues.values()
        if v.lunch
    ]
    return (
        f"a {scenario.spec.lunch.minutes}-minute lunch starting between {format_clock(lo)} "
        f"and {format_clock(hi)} fits none of {', '.join(hours)}"
    )


def _limit(venues: list[Venue], route: Route, needed: int) -> int:
    """The largest group that can visit the must-visits and ``needed`` venues of the route."""
    musts = [v.max_group for v in venues if v.id in route.must_visit]
    sizes = sorted((v.max_group for v in venues), reverse=True)
    limit = min(musts) if musts else 10_000
    if len(sizes) >= needed > 0:
        limit = min(limit, sizes[needed - 1])
    return limit


def _route_day(scenario: Scenario, route: Route, date: dt.date, lunch: list[Venue]) -> _RouteDay:
    venues = route_day_venues(scenario, route, date)
    lunch_limit = max((v.max_group for v in lunch), default=0)
    problem = None
    if len(venues) < route.min_stops:
        shut = [rv.id for rv in route.venues if rv.id not in {v.id for v in venues}]
        problem = (
            f"only {len(venues)} of its {len(route.venues)} venues open on {date} "
            f"and it needs at least {route.min_stops} (closed or open too briefly for a "
            f"visit that day: {', '.join(shut)})"
        )
    elif not lunch:
        problem = f"no venue serves a group lunch on {date}: {_no_lunch(scenario, date)}"
    limit = min(_limit(venues, route, route.min_stops), lunch_limit)

    free = [v for v in venues if v.step_free]
    free_lunch = [v for v in lunch if v.step_free]
    free_problem = None
    blocking = [v.id for v in venues if v.id in route.must_visit and not v.step_free]
    if blocking:
        free_problem = f"must-visit venue {', '.join(blocking)} has no step-free access"
    elif len(free) < route.min_stops:
        free_problem = f"only {len(free)} of its venues open that day have step-free access"
    elif not free_lunch:
        free_problem = "no lunch venue with step-free access"
    free_limit = min(
        _limit(free, route, route.min_stops), max((v.max_group for v in free_lunch), default=0)
    )
    return _RouteDay(
        route=route,
        date=date,
        open_venues=tuple(venues),
        lunch_venues=tuple(lunch),
        group_limit=limit,
        step_free_ok=problem is None and free_problem is None,
        step_free_limit=free_limit,
        problem=problem,
        step_free_problem=free_problem,
    )


def _venue_slots(scenario: Scenario, venue: Venue, date: dt.date) -> int:
    """How many groups a venue can receive in a day: parallel rooms times back-to-back visits."""
    day = scenario.spec.day
    per_room = 0
    for w in scenario.opening(venue.id, date):
        span = min(w.end, day.end) - max(w.start, day.start)
        per_room += max(0, span // venue.visit_min)
    return per_room * venue.concurrent_groups


def assign(
    scenario: Scenario,
    *,
    time_limit_s: float = 5.0,
    seed: int = 0,
    cny_per_rank_step: int | None = None,
    rerun_time_limit_s: float | None = None,
) -> Assignment:
    """Assign delegates to route-days and buses; explain every delegate left out.

    ``cny_per_rank_step`` replaces the scenario's exchange rate (for the frontier).
    When the search stopped on its budget with people left out whom it might have placed,
    their reason says so and names ``rerun_time_limit_s`` (default: four times
    ``time_limit_s``), and ``metrics["budget_short"]`` counts them."""
    spec = scenario.spec
    rate = spec.cny_per_rank_step if cny_per_rank_step is None else cny_per_rank_step
    routes = scenario.running_routes
    fleet = spec.fleet
    lunch_by_date = {d: _lunch_venues(scenario, d) for d in spec.dates}
    days = {
        (r.id, d): _route_day(scenario, r, d, lunch_by_date[d])
        for d in spec.dates
        for r in routes
        if d in scenario.route_dates(r.id)
    }
    explanations = [
        Explanation(
            kind="route-day-not-run",
            route=rd.route.id,
            date=rd.date,
            reason=f"route {rd.route.id} cannot run on {rd.date}: {rd.problem}",
        )
        for rd in days.values()
        if rd.problem is not None
    ]
    runnable = [key for key, rd in days.items() if rd.problem is None]

    # A slot per runnable route-day; its buses carry at most the route-day's group limit.
    slots: list[Slot] = []
    slot_keys: list[tuple[str, dt.date]] = []
    slot_index: dict[tuple[str, dt.date], int] = {}
    date_index = {d: i for i, d in enumerate(spec.dates)}
    for key in runnable:
        rd = days[key]
        musts = [v for v in rd.open_venues if v.id in rd.route.must_visit]
        slot_index[key] = len(slots)
        slot_keys.append(key)
        # A step-free group sees only step-free venues, which may take smaller groups: when
        # a step-free delegate may ride, every bus of the route-day carries at most that.
        limit = rd.group_limit
        if rd.step_free_ok and any(
            d.step_free and key[0] in d.interests and key[1] in scenario.delegate_dates(d)
            for d in scenario.delegates
        ):
            limit = min(limit, rd.step_free_limit)
        most = min((_venue_slots(scenario, v, key[1]) for v in musts), default=99)
        own = scenario.max_buses(key[0])
        slots.append(
            Slot(
                day=date_index[key[1]],
                bus_capacity=tuple(min(b.seats, limit) for b in fleet),
                max_buses=most if own is None else min(most, own),
                min_riders=scenario.min_riders(key[0]),
            )
        )

    # Every route that must visit a venue on a date shares that venue's capacity that day.
    shared: list[SharedLimit] = []
    for date in spec.dates:
        for venue in scenario.venues.values():
            users = tuple(
                i
                for i, (rid, d) in enumerate(slot_keys)
                if d == date and venue.id in scenario.routes[rid].must_visit
            )
            if len(users) > 1:
                shared.append(SharedLimit(users, _venue_slots(scenario, venue, date)))
    pool_limits = _pool_limits(scenario, days, slot_keys)
    shared += [limit for limit, _ in pool_limits]

    route_order = {r.id: i for i, r in enumerate(routes)}
    options: list[Option] = []
    for p, delegate in enumerate(scenario.delegates):
        for rank, rid in enumerate(delegate.interests):
            if rid not in route_order:
                continue
            for date in scenario.delegate_dates(delegate):
                key = (rid, date)
                if key in slot_index and (not delegate.step_free or days[key].step_free_ok):
                    options.append(
                        Option(
                            person=p,
                            slot=slot_index[key],
                            value=RANK_VALUES[min(rank, len(RANK_VALUES) - 1)],
                            family=route_order[rid],
                            steps=rank,
                        )
                    )

    pinned = pinned_options(scenario, options, slot_keys, days)
    problem = AssignmentProblem(
        people=len(scenario.delegates),
        slots=tuple(slots),
        options=tuple(options),
        fleet=tuple(tuple(b.count for b in fleet) for _ in spec.dates),
        rides=spec.rides,
        shared_limits=tuple(shared),
        bus_cost=tuple(scenario.bus_day_cost(b.id) for b in fleet),
        step_cost=rate,
        max_steps=spec.max_rank,
        pinned=pinned,
    )
    problem = dataclasses.replace(problem, hint=greedy_hint(problem))
    solution = solver.solve_assignment(problem, time_limit_s=time_limit_s, seed=seed)
    if not solution.feasible:
        log.warning("assignment found no solution (%s)", solution.status)
    if not set(pinned) <= set(solution.chosen):
        raise InputError(
            [
                Problem(
                    scenario.source,
                    "",
                    "pins",
                    "the pinned delegates do not all fit the buses their route-days can have "
                    "(fleet, seats, min_riders, venue capacity); remove or move a pin",
                )
            ]
        )

    riders: dict[int, list[int]] = {}
    placed: Counter[int] = Counter()
    for k in solution.chosen:
        option = options[k]
        riders.setdefault(option.slot, []).append(option.person)
        placed[option.person] += 1

    groups: list[PlannedGroup] = []
    for s, (rid, date) in enumerate(slot_keys):
        people = [scenario.delegates[p] for p in sorted(riders.get(s, []))]
        if people:
            groups.extend(_split(rid, date, people, solution.buses[s], slots[s], fleet))
    groups = _number(groups)

    # counted once for all unplaced delegates (asked per delegate, these were quadratic)
    wanted = _wanted_counts(scenario)
    memo: dict[tuple[str, int], str | None] = {}  # per route-day texts, the same for everyone
    used_by_day = _buses_by_day(slots, solution.buses, len(scenario.spec.fleet))
    short = _budget_short(solution, sum(1 for p in placed if placed[p]))
    with_options = {o.person for o in options}
    rerun = _rerun_figure(4 * time_limit_s if rerun_time_limit_s is None else rerun_time_limit_s)
    unassigned = [
        Unassigned(
            delegate=d.id,
            reason=_budget_reason(short, rerun)
            if short and p in with_options
            else _why_unplaced(
                scenario,
                d,
                days,
                slot_index,
                riders,
                slots,
                solution.buses,
                pool_limits,
                wanted,
                used_by_day,
                memo,
            ),
        )
        for p, d in enumerate(scenario.delegates)
        if placed[p] == 0
    ]
    explanations += [
        Explanation(kind="delegate-unassigned", reason=f"{u.delegate}: {u.reason}")
        for u in unassigned
    ]
    ranks: Counter[int] = Counter()
    for k in solution.chosen:
        option = options[k]
        delegate = scenario.delegates[option.person]
        ranks[delegate.interests.index(slot_keys[option.slot][0]) + 1] += 1
    explanations += _too_few(scenario, slot_index, riders, options, solution.buses)
    rides = sum(ranks.values())
    metrics = {
        "assignment_status": solution.status,
        "assignment_seconds": round(solution.seconds, 3),
        "satisfaction_worst": solution.worst_value,
        "satisfaction_total": solution.total_value,
        "rides_by_interest_rank": {str(k): ranks[k] for k in sorted(ranks)},
        "share_first_or_second_choice": round((ranks[1] + ranks[2]) / rides, 4) if rides else 0,
        "rank_steps": sum(k - 1 for k in ranks.elements()),
        "delegates_placed": sum(1 for p in range(len(scenario.delegates)) if placed[p]),
        "delegates_unassigned": len(unassigned),
        **cost_metrics(scenario, groups),
        "cny_per_rank_step": rate,
    }
    metrics["objective_cny"] = metrics["cost_cny"] + rate * metrics["rank_steps"]
    if short:
        metrics["budget_short"] = {
            "delegates": sum(1 for u in unassigned if u.reason.startswith(BUDGET_REASON)),
            "more_placeable_at_most": short,
            "suggested_time_limit_s": rerun,
        }
    return Assignment(
        tuple(groups),
        tuple(unassigned),
        tuple(explanations),
        metrics,
        time_cap_hit=solution.time_cap_hit,
    )


def pinned_options(
    scenario: Scenario,
    options: Sequence[Option],
    slot_keys: Sequence[tuple[str, dt.date]],
    days: dict[tuple[str, dt.date], _RouteDay],
) -> tuple[int, ...]:
    """The options the scenario's pins of delegates force (one line per pin that cannot hold)."""
    person = {d.id: p for p, d in enumerate(scenario.delegates)}
    found: list[int] = []
    problems: list[Problem] = []
    per_delegate: Counter[str] = Counter()
    for i, pin in enumerate(scenario.spec.pins):
        if pin.delegate is None or pin.route is None or pin.date is None:
            continue  # a pinned group: kept by re-planning
        per_delegate[pin.delegate] += 1
        key = (pin.route, pin.date)
        rd = days.get(key)
        k = next(
            (
                k
                for k, o in enumerate(options)
                if o.person == person.get(pin.delegate) and slot_keys[o.slot] == key
            ),
            None,
        )
        if k is not None:
            found.append(k)
            continue
        if rd is None or rd.problem is not None:
            why = rd.problem if rd is not None and rd.problem else "it does not run that day"
        else:
            why = "its venues do not all take a step-free delegate"
        problems.append(
            Problem(
                scenario.source,
                "",
                f"pins[{i}]",
                f"{pin.delegate} cannot ride route '{pin.route}' on {pin.date}: {why}",
            )
        )
    problems.extend(
        Problem(
            scenario.source,
            "",
            "pins",
            f"{did} is pinned on {n} days but rides at most {scenario.spec.rides}",
        )
        for did, n in sorted(per_delegate.items())
        if n > scenario.spec.rides
    )
    if problems:
        raise InputError(problems)
    return tuple(sorted(found))


def cost_metrics(scenario: Scenario, groups: Sequence[PlannedGroup | Group]) -> dict[str, Any]:
    """What the buses of a plan cost: per date and in total (CNY), and how many of each type.

    A bus-day costs its type's ``cost_per_day`` (bus and driver) plus the scenario's
    ``staff_per_bus`` (guide, interpreter)."""
    by_date: Counter[str] = Counter()
    types: Counter[str] = Counter()
    for g in groups:
        by_date[g.date.isoformat()] += scenario.bus_day_cost(g.bus)
        types[g.bus] += 1
    return {
        "buses": len(groups),
        "bus_days_by_type": {bus: types[bus] for bus in sorted(types)},
        "cost_cny": sum(by_date.values()),
        "cost_cny_by_date": {date: by_date[date] for date in sorted(by_date)},
    }


def greedy_hint(problem: AssignmentProblem) -> AssignmentHint:
    """A feasible start for the solver, so that it never ends a stage empty-handed.

    Pinned options go first, then people with the fewest options; each takes their most
    valued option that still has a seat, or that can get one more bus (the roomiest left that
    day) within the fleet, the slot's bus limit and the venues' shared limits.
    """
    riders = [0] * len(problem.slots)
    buses = [[0] * len(slot.bus_capacity) for slot in problem.slots]
    left = [list(day) for day in problem.fleet]
    limits_of: dict[int, list[int]] = {}
    for i, limit in enumerate(problem.shared_limits):
        for s in limit.slots:
            limits_of.setdefault(s, []).append(i)
    shared_used = [0] * len(problem.shared_limits)
    options_of: dict[int, list[int]] = {}
    for k, option in enumerate(problem.options):
        options_of.setdefault(option.person, []).append(k)
    chosen: list[int] = []
    pinned = set(problem.pinned)
    pinned_people = {problem.options[k].person for k in pinned}
    for person in sorted(options_of, key=lambda p: (p not in pinned_people, len(options_of[p]), p)):
        days: set[int] = set()
        families: set[int] = set()
        for k in sorted(
            options_of[person], key=lambda k: (k not in pinned, -problem.options[k].value, k)
        ):
            if len(days) >= problem.rides:
                break
            option = problem.options[k]
            slot = problem.slots[option.slot]
            if slot.day in days or option.family in families:
                continue
            seats = sum(c * n for c, n in zip(slot.bus_capacity, buses[option.slot], strict=True))
            if riders[option.slot] >= seats:
                room = [
                    b for b, c in enumerate(slot.bus_capacity) if c > 0 and left[slot.day][b] > 0
                ]
                limits = limits_of.get(option.slot, [])
                if (
                    not room
                    or sum(buses[option.slot]) >= slot.max_buses
                    or any(shared_used[i] >= problem.shared_limits[i].max_buses for i in limits)
                ):
                    continue
                b = max(room, key=lambda b: (slot.bus_capacity[b], -b))
                buses[option.slot][b] += 1
                left[slot.day][b] -= 1
                for i in limits:
                    shared_used[i] += 1
            riders[option.slot] += 1
            chosen.append(k)
            days.add(slot.day)
            families.add(option.family)
    # No bus below its slot's min_riders: keep the buses the riders need (largest first),
    # and leave out the riders of a slot that cannot fill even one bus.
    for s, slot in enumerate(problem.slots):
        if riders[s] < slot.min_riders:
            chosen = [k for k in chosen if problem.options[k].slot != s]
            riders[s] = 0
        need = riders[s]
        kept = [0] * len(slot.bus_capacity)
        for b in sorted(range(len(kept)), key=lambda b: (-slot.bus_capacity[b], b)):
            while (
                buses[s][b] > kept[b]
                and need > 0
                and riders[s] >= slot.min_riders * (sum(kept) + 1)
            ):
                kept[b] += 1
                need -= slot.bus_capacity[b]
        if need > 0:  # the riders do not fit the buses that min_riders allows: leave them out
            chosen = [k for k in chosen if problem.options[k].slot != s]
            kept = [0] * len(kept)
        buses[s] = kept
        riders[s] = sum(1 for k in chosen if problem.options[k].slot == s)
    # Those left out by the repair take a free seat on a bus that runs, best option first.
    placed = {problem.options[k].person for k in chosen}
    for person in sorted(options_of, key=lambda p: (len(options_of[p]), p)):
        if person in placed:
            continue
        for k in sorted(options_of[person], key=lambda k: (-problem.options[k].value, k)):
            s = problem.options[k].slot
            seats = sum(c * n for c, n in zip(problem.slots[s].bus_capacity, buses[s], strict=True))
            if riders[s] < seats:
                riders[s] += 1
                chosen.append(k)
                placed.add(person)
                break
    return AssignmentHint(tuple(sorted(chosen)), tuple(tuple(row) for row in buses))


def _split(
    rid: str,
    date: dt.date,
    people: list[Delegate],
    buses: tuple[int, ...],
    slot: Slot,
    fleet: list[BusType],
) -> list[PlannedGroup]:
    """Split a route-day's riders over its buses: sizes as even as the buses allow, delegates
    who need step-free access together on the first bus, and each country spread over the
    buses (a delegate goes to the bus with fewest of their country)."""
    vehicles = [
        (fleet[b].id, fleet[b].seats, slot.bus_capacity[b])
        for b, n in enumerate(buses)
        for _ in range(n)
    ]
    vehicles.sort(key=lambda v: (-v[2], v[0]))
    sizes = _even_sizes(len(people), [cap for _, _, cap in vehicles])
    by_country = Counter(d.country for d in people)
    order = sorted(people, key=lambda d: (not d.step_free, -by_country[d.country], d.country, d.id))
    members: list[list[Delegate]] = [[] for _ in vehicles]
    for delegate in order:
        open_buses = [i for i in range(len(vehicles)) if len(members[i]) < sizes[i]]
        if delegate.step_free:
            open_buses = open_buses[:1]
        best = min(
            open_buses,
            key=lambda i: (
                sum(1 for m in members[i] if m.country == delegate.country),
                len(members[i]) / max(1, sizes[i]),
                i,
            ),
        )
        members[best].append(delegate)
    return [
        PlannedGroup(
            id="",
            route=rid,
            date=date,
            bus=bus_id,
            seats=seats,
            delegates=tuple(sorted(d.id for d in group)),
            step_free=any(d.step_free for d in group),
        )
        for (bus_id, seats, _), group in zip(vehicles, members, strict=True)
        if group
    ]


def _even_sizes(n: int, caps: list[int]) -> list[int]:
    """Group sizes summing to ``n``, each within its cap, as even as possible (water-filling)."""
    sizes = [0] * len(caps)
    remaining = n
    while remaining > 0:
        room = [i for i in range(len(caps)) if sizes[i] < caps[i]]
        if not room:
            raise ValueError("more riders than seats")
        smallest = min(sizes[i] for i in room)
        for i in room:
            if sizes[i] == smallest and remaining > 0:
                sizes[i] += 1
                remaining -= 1
    return sizes


def _number(groups: list[PlannedGroup]) -> list[PlannedGroup]:
    """Give groups stable ids: ``<date>-<route>-<n>``."""
    groups = sorted(
        groups, key=lambda g: (g.date, g.route, g.step_free, -len(g.delegates), g.delegates)
    )
    counts: Counter[tuple[dt.date, str]] = Counter()
    out = []
    for g in groups:
        counts[(g.date, g.route)] += 1
        gid = f"{g.date.isoformat()}-{g.route}-{counts[(g.date, g.route)]}"
        out.append(PlannedGroup(gid, g.route, g.date, g.bus, g.seats, g.delegates, g.step_free))
    return out


#: How the reason of a delegate left out for want of search time begins.
BUDGET_REASON = "time budget too short"


def _budget_short(solution: AssignmentSolution, placed: int) -> int:
    """How many more people the search might have placed had it not stopped on its budget
    (0 when the count it placed is proven the most)."""
    if solution.placed_bound is None:
        return 0
    return max(0, solution.placed_bound - placed)


def _rerun_figure(seconds: float) -> int:
    """A ``--time-limit`` to suggest: ``seconds`` rounded up to a whole figure, at most 3600."""
    return min(3600, max(2, math.ceil(seconds)))


def _budget_reason(more: int, rerun: int) -> str:
    return (
        f"{BUDGET_REASON}: rerun with --time-limit {rerun} (the assignment stopped on its "
        f"search budget while up to {more} more delegate(s) could still have been placed)"
    )


def _why_unplaced(
    scenario: Scenario,
    delegate: Delegate,
    days: dict[tuple[str, dt.date], _RouteDay],
    slot_index: dict[tuple[str, dt.date], int],
    riders: dict[int, list[int]],
    slots: list[Slot],
    buses: tuple[tuple[int, ...], ...],
    pool_limits: list[tuple[SharedLimit, str]],
    wanted: Counter[Any],
    used_by_day: dict[Any, list[int]],
    memo: dict[tuple[str, int], str | None] | None = None,
) -> str:
    """A reason a coordinator can act on, computed from the data and the solution.
    ``wanted`` is :func:`_wanted_counts`, ``used_by_day`` :func:`_buses_by_day`; ``memo``
    keeps the texts of a route-day (the same for every delegate) between calls."""
    memo = {} if memo is None else memo

    running = {r.id for r in scenario.running_routes}
    interests = [r for r in delegate.interests if r in running]
    dates = scenario.delegate_dates(delegate)
    if not interests:
        return f"none of their interests ({', '.join(delegate.interests)}) runs"
    if not dates:
        return "is available on none of the scenario's dates"
    reasons = []
    no_bus: dict[dt.date, list[str]] = {}  # dates whose whole fleet went elsewhere
    for rid in interests:
        own = scenario.route_dates(rid)
        if not set(own) & set(dates):
            shown = ", ".join(str(d) for d in own) or "none of the scenario's dates"
            reasons.append(f"{rid} runs only on {shown}")
            continue
        for date in dates:
            if (rid, date) not in days:
                continue
            rd = days[(rid, date)]
            if rd.problem is not None:
                reasons.append(f"{rid} cannot run on {date} ({rd.problem})")
                continue
            if delegate.step_free and not rd.step_free_ok:
                reasons.append(
                    f"{rid} on {date}: needs step-free access but {rd.step_free_problem}"
                )
                continue
            s = slot_index[(rid, date)]
            on_buses = sum(buses[s]) if buses else 0
            seats = (
                sum(c * n for c, n in zip(slots[s].bus_capacity, buses[s], strict=True))
                if buses
                else 0
            )
            taken = len(riders.get(s, []))
            if on_buses and taken >= seats:
                if ("pool", s) not in memo:
                    memo[("pool", s)] = _pool_taken(s, slot_index, buses, pool_limits)
                if ("full", s) not in memo:
                    memo[("full", s)] = _full(scenario, rd, s, slots, buses, taken, wanted)
                pool, full = memo[("pool", s)], memo[("full", s)]
                reasons.append(str(full) if pool is None else f"{full}; no more buses: {pool}")
            elif slots[s].max_buses == 0:
                reasons.append(
                    f"{rid} on {date}: its must-visit venue can receive no group that day"
                )
            else:
                used = used_by_day.get(slots[s].day, []) if buses else []
                total = sum(b.count for b in scenario.spec.fleet)
                if ("pool", s) not in memo:
                    memo[("pool", s)] = _pool_taken(s, slot_index, buses, pool_limits)
                if ("venue", s) not in memo:
                    memo[("venue", s)] = _must_visit_taken(scenario, rd, slot_index, buses)
                pool = memo[("pool", s)]
                taken_venue = memo[("venue", s)] or (pool and f"{rid} on {date}: {pool}")
                if used and sum(used) >= total:
                    no_bus.setdefault(date, []).append(rid)
                elif taken_venue is not None:
                    reasons.append(taken_venue)
                else:
                    could = wanted[(rid, date)]
                    least = slots[s].min_riders
                    if could < least:
                        reasons.append(
                            f"{rid} on {date} did not run: only {could} delegate(s) could "
                            f"ride it and a bus leaves with at least {least} (min_riders)"
                        )
                    else:
                        reasons.append(
                            f"{rid} on {date} did not run (too few riders to justify a bus "
                            "while others needed the seats)"
                        )
    total = sum(b.count for b in scenario.spec.fleet)
    reasons += [
        f"on {date} all {total} buses were taken by other route-days ({', '.join(rids)} got none)"
        for date, rids in sorted(no_bus.items())
    ]
    available = ", ".join(str(d) for d in dates)
    return f"available {available}; " + "; ".join(reasons)


#: The key suffix of :func:`_wanted_counts`' step-free counts.
STEP_FREE = "step-free"


def _wanted_counts(scenario: Scenario) -> Counter[Any]:
    """How many delegates list each route and are available on each date (one pass):
    ``(route, date)`` counts all of them, ``(route, date, STEP_FREE)`` those needing
    step-free access."""
    counts: Counter[Any] = Counter()
    for d in scenario.delegates:
        dates = scenario.delegate_dates(d)
        for rid in set(d.interests):
            for date in dates:
                counts[(rid, date)] += 1
                if d.step_free:
                    counts[(rid, date, STEP_FREE)] += 1
    return counts


def _buses_by_day(
    slots: list[Slot], buses: tuple[tuple[int, ...], ...], kinds: int
) -> dict[Any, list[int]]:
    """Buses of each type the solution runs on each day (one pass over the route-days)."""
    used: dict[Any, list[int]] = {}
    if not buses:
        return used
    for t, slot in enumerate(slots):
        row = used.setdefault(slot.day, [0] * kinds)
        for b in range(kinds):
            row[b] += buses[t][b]
    return used


def _too_few(
    scenario: Scenario,
    slot_index: dict[tuple[str, dt.date], int],
    riders: dict[int, list[int]],
    options: list[Option],
    buses: tuple[tuple[int, ...], ...],
) -> list[Explanation]:
    """Route-days that did not run because fewer delegates could ride them than a bus
    needs (``min_riders``), and what became of those delegates."""
    out = []
    placed_on: dict[int, int] = {}
    for s, people in riders.items():
        for p in people:
            placed_on[p] = s
    keys = {s: key for key, s in slot_index.items()}
    could_ride: dict[int, set[int]] = {}
    for o in options:
        could_ride.setdefault(o.slot, set()).add(o.person)
    for key, s in sorted(slot_index.items()):
        if buses and any(buses[s]):
            continue
        people = sorted(could_ride.get(s, ()))
        least = scenario.min_riders(key[0])
        if not people or len(people) >= least:
            continue
        elsewhere = [
            f"{scenario.delegates[p].id} on {keys[placed_on[p]][0]} ({keys[placed_on[p]][1]})"
            for p in people
            if p in placed_on
        ]
        left = [scenario.delegates[p].id for p in people if p not in placed_on]
        fate = []
        if elsewhere:
            fate.append(f"placed on another of their choices: {', '.join(elsewhere)}")
        if left:
            fate.append(f"not placed: {', '.join(left)}")
        out.append(
            Explanation(
                kind="route-day-not-run",
                route=key[0],
                date=key[1],
                reason=(
                    f"route {key[0]} did not run on {key[1]}: only {len(people)} delegate(s) "
                    f"could ride it and a bus leaves with at least {least} (min_riders); "
                    + "; ".join(fate)
                ),
            )
        )
    return out


def _pool_limits(
    scenario: Scenario,
    days: dict[tuple[str, dt.date], _RouteDay],
    slot_keys: list[tuple[str, dt.date]],
) -> list[tuple[SharedLimit, str]]:
    """Limits on buses from the visits a route-day's venues can receive in a day.

    Every bus of a route needs ``min_stops`` visits at the route's open venues, and a venue
    receives at most ``_venue_slots`` visits a day. So the buses of all route-days whose open
    venues lie within a pool ``P`` (the open venues of one route-day) are at most the visits
    of ``P`` divided by the smallest ``min_stops`` among them: a necessary condition, which
    keeps a bus from being sent out with no venue left to visit. Each limit comes with the
    words that explain it.
    """
    base = scenario.spec.base
    pools = {
        key: frozenset(v.id for v in days[key].open_venues if v.id != base) for key in slot_keys
    }
    out: list[tuple[SharedLimit, str]] = []
    seen: set[tuple[int, ...]] = set()
    for key in slot_keys:
        date, pool = key[1], pools[key]
        users = tuple(
            i for i, other in enumerate(slot_keys) if other[1] == date and pools[other] <= pool
        )
        if users in seen or not pool:
            continue
        seen.add(users)
        least = min(scenario.routes[slot_keys[i][0]].min_stops for i in users)
        visits = sum(_venue_slots(scenario, scenario.venues[v], date) for v in sorted(pool))
        words = (
            f"its venues that day ({', '.join(sorted(pool))}) can receive {visits} group "
            f"visit(s) in all and each bus needs {least} stop(s)"
        )
        out.append((SharedLimit(users, visits // least), words))
    return out


def _pool_taken(
    s: int,
    slot_index: dict[tuple[str, dt.date], int],
    buses: tuple[tuple[int, ...], ...],
    pool_limits: list[tuple[SharedLimit, str]],
) -> str | None:
    """The venue-pool limit that kept route-day ``s`` from more buses, in words; or None."""
    if not buses:
        return None
    slot_keys = {i: key for key, i in slot_index.items()}
    for limit, words in pool_limits:
        used = {slot_keys[t][0]: sum(buses[t]) for t in limit.slots if any(buses[t])}
        if s in limit.slots and sum(used.values()) >= limit.max_buses:
            by = ", ".join(f"{r} ({n} bus(es))" for r, n in sorted(used.items())) or "no route"
            return f"{words}; they went to {by}"
    return None


def _must_visit_taken(
    scenario: Scenario,
    rd: _RouteDay,
    slot_index: dict[tuple[str, dt.date], int],
    buses: tuple[tuple[int, ...], ...],
) -> str | None:
    """A must-visit venue of the route whose groups for the day are all taken by the buses
    of routes that must visit it too; None if there is none."""
    if not buses:
        return None
    for venue in rd.open_venues:
        if venue.id not in rd.route.must_visit:
            continue
        capacity = _venue_slots(scenario, venue, rd.date)
        users: dict[str, int] = {}
        for (rid, date), s in sorted(slot_index.items()):
            if date == rd.date and venue.id in scenario.routes[rid].must_visit and any(buses[s]):
                users[rid] = sum(buses[s])
        if sum(users.values()) >= capacity:
            hours = ", ".join(str(w) for w in scenario.opening(venue.id, rd.date))
            by = ", ".join(f"{rid} ({n} bus(es))" for rid, n in users.items())
            return (
                f"{rd.route.id} on {rd.date}: its must-visit {venue.id} receives at most "
                f"{capacity} group(s) that day ({hours}, {venue.visit_min}-minute visits, "
                f"{venue.concurrent_groups} at a time), all taken by {by}"
            )
    return None


def _full(
    scenario: Scenario,
    rd: _RouteDay,
    s: int,
    slots: list[Slot],
    buses: tuple[tuple[int, ...], ...],
    taken: int,
    wanted: Counter[Any],
) -> str:
    """Why a route-day that ran had no seat left: how many could ride it, what capped its
    buses (a venue taking smaller groups than the seats) and whether the day's fleet was used up."""
    rid, date, fleet = rd.route.id, rd.date, scenario.spec.fleet
    could = wanted[(rid, date)] - (0 if rd.step_free_ok else wanted[(rid, date, STEP_FREE)])
    text = (
        f"{rid} on {date} was full ({taken} seats on {sum(buses[s])} bus(es) for the "
        f"{could} delegates who could ride it)"
    )
    capped = [
        (fleet[b], cap)
        for b, (cap, n) in enumerate(zip(slots[s].bus_capacity, buses[s], strict=True))
        if n and cap < fleet[b].seats
    ]
    if capped:
        bus, cap = capped[0]
        text += f": a bus of {bus.seats} seats carries at most {cap} because {_cap_cause(rd, cap)}"
    total = sum(b.count for b in fleet)
    used = sum(sum(buses[t]) for t, other in enumerate(slots) if other.day == slots[s].day)
    if used >= total:
        text += f"; all {total} buses of that day were in use"
    return text


def _cap_cause(rd: _RouteDay, cap: int) -> str:
    """The venue (or lunch) that limits the groups of a route-day to ``cap`` people."""
    route = rd.route
    if cap == rd.step_free_limit < rd.group_limit:
        return "a delegate needs step-free access and the venues with it take smaller groups"
    musts = [v.id for v in rd.open_venues if v.id in route.must_visit and v.max_group == cap]
    if musts:
        return f"must-visit {', '.join(musts)} takes at most {cap} people"
    small = [v.id for v in rd.open_venues if v.max_group == cap]
    if small:
        return (
            f"{', '.join(small)} takes at most {cap} people and the route needs "
            f"{route.min_stops} stop(s) that day"
        )
    return f"no lunch venue open that day takes more than {cap} people"
