"""The assignment's problem: what each route-day can offer, and the solver's slots and options.

:func:`route_day` says what a route can offer on a date (open venues, lunch, the largest
group, whether a step-free delegate can ride); :func:`build_problem` turns the route-days into
the solver's :class:`~findhz.planner.problems.AssignmentProblem` (a
:class:`~findhz.planner.problems.Slot` per runnable route-day, an
:class:`~findhz.planner.problems.Option` per delegate, interest and available day, the
:class:`~findhz.planner.problems.SharedLimit` of venues several route-days need) and returns it
with the indexes that read the solver's answer back (:class:`BuiltProblem`).
:func:`greedy_hint` is the solver's feasible start. Nothing here solves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from findhz.planner.errors import InputError, Problem
from findhz.planner.models import Route, Scenario, Venue, format_clock
from findhz.planner.problems import AssignmentHint, AssignmentProblem, Option, SharedLimit, Slot

__all__ = [
    "RANK_VALUES",
    "UNLIMITED_BUSES",
    "UNLIMITED_GROUP",
    "BuiltProblem",
    "RouteDay",
    "build_problem",
    "greedy_hint",
    "lunch_venues",
    "pinned_options",
    "route_day",
    "route_day_venues",
    "venue_pool_limits",
    "venue_slots",
]

#: The group size no must-visit venue limits: more than any bus carries (the buses' seats
#: and the lunch venues cap it further).
UNLIMITED_GROUP = 10_000
#: The buses a route-day may have when no must-visit venue limits them: more than any fleet
#: of a conference day (the fleet and the venue pools cap it further).
UNLIMITED_BUSES = 99
#: How glad a delegate is to ride their 1st, 2nd, ... interest (the ratios matter); an
#: interest further down than the table is worth its last value.
RANK_VALUES = (100, 60, 35, 20, 12, 8, 5, 3)

#: A route on a date: ``(route id, date)``.
RouteDayKey = tuple[str, dt.date]


@dataclass(frozen=True)
class RouteDay:
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


@dataclass(frozen=True)
class BuiltProblem:
    """The assignment's problem and the indexes that read the solver's answer back.

    ``days`` holds every route-day of the scenario's dates (those that cannot run carry their
    ``problem``); ``slot_keys[s]`` is the route-day of ``problem.slots[s]`` and ``slot_index``
    its inverse; ``pool_limits`` are the venue-pool limits of ``problem.shared_limits`` with
    the words that explain each.
    """

    problem: AssignmentProblem
    days: Mapping[RouteDayKey, RouteDay]
    slot_keys: tuple[RouteDayKey, ...]
    slot_index: Mapping[RouteDayKey, int]
    pool_limits: tuple[tuple[SharedLimit, str], ...]


def build_problem(scenario: Scenario, *, step_cost: int) -> BuiltProblem:
    """The solver's problem for ``scenario``, with its greedy start as the hint.

    A slot per route-day that can run (on the route's own dates); an option per delegate,
    interest and available day on such a slot (a step-free delegate only where the route-day
    takes them); the venue limits route-days share; the pins. ``step_cost`` is the CNY a rank
    step weighs against money (the scenario's, or the frontier's)."""
    spec = scenario.spec
    routes = scenario.running_routes
    fleet = spec.fleet
    lunch_by_date = {d: lunch_venues(scenario, d) for d in spec.dates}
    days = {
        (r.id, d): route_day(scenario, r, d, lunch_by_date[d])
        for d in spec.dates
        for r in routes
        if d in scenario.route_dates(r.id)
    }
    slot_keys = tuple(key for key, rd in days.items() if rd.problem is None)
    slot_index = {key: s for s, key in enumerate(slot_keys)}
    date_index = {d: i for i, d in enumerate(spec.dates)}
    slots = tuple(_slot(scenario, days[key], date_index[key[1]]) for key in slot_keys)

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
                shared.append(SharedLimit(users, venue_slots(scenario, venue, date)))
    pool_limits = venue_pool_limits(scenario, days, slot_keys)
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

    problem = AssignmentProblem(
        people=len(scenario.delegates),
        slots=slots,
        options=tuple(options),
        fleet=tuple(tuple(b.count for b in fleet) for _ in spec.dates),
        rides=spec.rides,
        shared_limits=tuple(shared),
        bus_cost=tuple(scenario.bus_day_cost(b.id) for b in fleet),
        step_cost=step_cost,
        max_steps=spec.max_rank,
        pinned=pinned_options(scenario, options, slot_keys, days),
    )
    return BuiltProblem(
        problem=dataclasses.replace(problem, hint=greedy_hint(problem)),
        days=days,
        slot_keys=slot_keys,
        slot_index=slot_index,
        pool_limits=tuple(pool_limits),
    )


def _slot(scenario: Scenario, rd: RouteDay, day: int) -> Slot:
    """The slot of a runnable route-day; its buses carry at most the route-day's group limit."""
    rid, date = rd.route.id, rd.date
    musts = [v for v in rd.open_venues if v.id in rd.route.must_visit]
    # A step-free group sees only step-free venues, which may take smaller groups: when
    # a step-free delegate may ride, every bus of the route-day carries at most that.
    limit = rd.group_limit
    if rd.step_free_ok and any(
        d.step_free and rid in d.interests and date in scenario.delegate_dates(d)
        for d in scenario.delegates
    ):
        limit = min(limit, rd.step_free_limit)
    most = min((venue_slots(scenario, v, date) for v in musts), default=UNLIMITED_BUSES)
    own = scenario.max_buses(rid)
    return Slot(
        day=day,
        bus_capacity=tuple(min(b.seats, limit) for b in scenario.spec.fleet),
        max_buses=most if own is None else min(most, own),
        min_riders=scenario.min_riders(rid),
    )


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


def lunch_venues(scenario: Scenario, date: dt.date) -> list[Venue]:
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


def _group_limit(venues: list[Venue], route: Route, needed: int) -> int:
    """The largest group that can visit the must-visits and ``needed`` venues of the route."""
    musts = [v.max_group for v in venues if v.id in route.must_visit]
    sizes = sorted((v.max_group for v in venues), reverse=True)
    limit = min(musts) if musts else UNLIMITED_GROUP
    if len(sizes) >= needed > 0:
        limit = min(limit, sizes[needed - 1])
    return limit


def route_day(scenario: Scenario, route: Route, date: dt.date, lunch: list[Venue]) -> RouteDay:
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
    limit = min(_group_limit(venues, route, route.min_stops), lunch_limit)

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
        _group_limit(free, route, route.min_stops),
        max((v.max_group for v in free_lunch), default=0),
    )
    return RouteDay(
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


def venue_slots(scenario: Scenario, venue: Venue, date: dt.date) -> int:
    """How many groups a venue can receive in a day: parallel rooms times back-to-back visits."""
    day = scenario.spec.day
    per_room = 0
    for w in scenario.opening(venue.id, date):
        span = min(w.end, day.end) - max(w.start, day.start)
        per_room += max(0, span // venue.visit_min)
    return per_room * venue.concurrent_groups


def venue_pool_limits(
    scenario: Scenario,
    days: Mapping[RouteDayKey, RouteDay],
    slot_keys: Sequence[RouteDayKey],
) -> list[tuple[SharedLimit, str]]:
    """Limits on buses from the visits a route-day's venues can receive in a day.

    Every bus of a route needs ``min_stops`` visits at the route's open venues, and a venue
    receives at most ``venue_slots`` visits a day. So the buses of all route-days whose open
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
        visits = sum(venue_slots(scenario, scenario.venues[v], date) for v in sorted(pool))
        words = (
            f"its venues that day ({', '.join(sorted(pool))}) can receive {visits} group "
            f"visit(s) in all and each bus needs {least} stop(s)"
        )
        out.append((SharedLimit(users, visits // least), words))
    return out


def pinned_options(
    scenario: Scenario,
    options: Sequence[Option],
    slot_keys: Sequence[RouteDayKey],
    days: Mapping[RouteDayKey, RouteDay],
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
