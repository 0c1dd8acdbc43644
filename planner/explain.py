"""What a coordinator is told when the plan cannot do what was asked: both stages' words.

The assignment's: a route-day that cannot run at all (:func:`route_days_not_run`), why a
delegate was not placed (:func:`why_unplaced`: which route-days were full and why, which venue
capped the bus, which buses went elsewhere), a route-day that did not run for want of riders
(:func:`too_few_riders`), a search stopped by its time budget (:func:`budget_reason`). The
schedule's: a must-visit venue a group cannot use (too small, no step-free access, closed, no
room between its other stops), a bus below its route's minimum of stops, and a bus with no
timetable at all (a :class:`PlanError`). The facts come from :mod:`findhz.planner.assign`, the
day model (:mod:`findhz.planner.day_model`) and the read-back
(:mod:`findhz.planner.day_readback`); only the words are made here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from findhz.planner.assign_problem import RouteDay, venue_slots
from findhz.planner.buses import PlannedGroup
from findhz.planner.errors import PlanError
from findhz.planner.models import Delegate, Explanation, Route, Scenario, Venue, format_clock
from findhz.planner.problems import AssignmentSolution, Option, SharedLimit, Slot

__all__ = [
    "BUDGET_REASON",
    "KEPT_START_REASON",
    "STEP_FREE",
    "below_min_stops",
    "budget_reason",
    "budget_short",
    "bus_without_timetable",
    "buses_by_day",
    "must_visit_closed",
    "must_visit_missed",
    "must_visit_unfit",
    "no_opening_long_enough",
    "not_step_free",
    "rerun_figure",
    "route_days_not_run",
    "too_few_riders",
    "too_small",
    "wanted_counts",
    "why_unplaced",
]


def too_small(venue: Venue, group_id: str, size: int) -> str:
    return f"{venue.id} takes at most {venue.max_group} people; group {group_id} has {size}"


def not_step_free(venue: Venue, group_id: str) -> str:
    return f"{venue.id} has no step-free access and group {group_id} needs it"


def no_opening_long_enough(venue: Venue, date: dt.date) -> str:
    return f"{venue.id} has no opening on {date} long enough for a visit"


def _dropped(group: PlannedGroup, date: dt.date, venue: str, reason: str) -> Explanation:
    return Explanation(
        kind="must-visit-dropped",
        group=group.id,
        route=group.route,
        date=date,
        venue=venue,
        reason=reason,
    )


def must_visit_unfit(group: PlannedGroup, date: dt.date, venue: Venue, why: str) -> Explanation:
    """A must-visit that is open but cannot take this group (``why``)."""
    return _dropped(group, date, venue.id, why)


def must_visit_closed(
    group: PlannedGroup, date: dt.date, venue: str, hours: Sequence[object]
) -> Explanation:
    """A must-visit closed on ``date``, or open too briefly for a visit."""
    opening = ", ".join(str(w) for w in hours)
    return _dropped(
        group,
        date,
        venue,
        (
            f"{venue} is closed on {date}"
            if not opening
            else f"{venue} opens only {opening} on {date}, too short a visit"
        )
        + f" (group {group.id})",
    )


def must_visit_missed(
    group: PlannedGroup,
    date: dt.date,
    venue: Venue,
    hours: Sequence[object],
    others: Sequence[str],
) -> Explanation:
    """A must-visit the group's tour could not fit; ``others``: groups there that day."""
    opening = ", ".join(str(w) for w in hours)
    reason = (
        f"{venue.id} opens {opening} on {date} and receives "
        f"{venue.concurrent_groups} group(s) at a time; group {group.id} could not fit "
        "a visit between its other stops, lunch and the day's end"
    )
    if others:
        reason += f" (other groups there that day: {', '.join(others)})"
    return _dropped(group, date, venue.id, reason)


def below_min_stops(group: PlannedGroup, date: dt.date, route: Route, made: int) -> Explanation:
    """A bus that makes fewer visits than its route's minimum."""
    return Explanation(
        kind="stop-bounds",
        group=group.id,
        route=group.route,
        date=date,
        reason=(
            f"group {group.id} makes {made} visit(s), fewer than route "
            f"{route.id}'s minimum of {route.min_stops}: its venues' opening "
            "hours, the other groups already there, lunch and travel leave "
            "no room for more"
        ),
    )


def bus_without_timetable(
    group: PlannedGroup,
    date: dt.date,
    lunches: Sequence[str],
    offered: bool,
    status: str,
    day: tuple[int, int],
) -> PlanError:
    """Why a bus has no timetable even with no minimum of stops: no lunch venue takes it,
    the ones near its route (``lunches``) are full (``offered`` is false), or the day
    (``day``, minutes) is too short for lunch and the travel to it."""
    if not lunches:
        return PlanError(
            f"no lunch venue can take group {group.id} on {date} (too many people, "
            "no step-free access, or none open in the lunch window)"
        )
    if not offered:
        return PlanError(
            f"group {group.id} finds no lunch on {date}: the lunch venues near its "
            f"route ({', '.join(lunches)}) are full with other groups during the lunch "
            "window; add lunch venues, raise their concurrent_groups, or widen the lunch window"
        )
    return PlanError(
        f"group {group.id} has no timetable on {date} ({status}): the day "
        f"{format_clock(day[0])}-{format_clock(day[1])} is too short for lunch and the "
        "travel to it"
    )


# -- the assignment ------------------------------------------------------------------------


#: How the reason of a delegate left out for want of search time begins.
BUDGET_REASON = "time budget too short"
#: How it begins when the search could not improve on its greedy start at all. A longer time
#: limit may or may not help: conference-300 keeps its start at --time-limit 2 and places
#: everyone at 6, while 10,000 generated delegates did not get past CP-SAT's presolve with a
#: stage budget of 48 s either.
KEPT_START_REASON = "assignment too large to search"


def budget_short(solution: AssignmentSolution, placed: int) -> int:
    """How many more people the search might have placed had it not stopped on its budget
    (0 when the count it placed is proven the most)."""
    if solution.placed_bound is None:
        return 0
    return max(0, solution.placed_bound - placed)


#: The bounds of a suggested ``--time-limit`` (seconds): at least the shortest budget the
#: command line gives both stages something, at most an hour (a rerun longer than that is
#: not a rerun a coordinator waits for).
SHORTEST_RERUN_S = 2
LONGEST_RERUN_S = 3600


def rerun_figure(seconds: float) -> int:
    """A ``--time-limit`` to suggest: ``seconds`` rounded up to a whole figure, within
    :data:`SHORTEST_RERUN_S` and :data:`LONGEST_RERUN_S`."""
    return min(LONGEST_RERUN_S, max(SHORTEST_RERUN_S, math.ceil(seconds)))


def route_days_not_run(days: Iterable[RouteDay]) -> list[Explanation]:
    """A route-day that cannot run at all (too few venues open, no lunch), with its reason."""
    return [
        Explanation(
            kind="route-day-not-run",
            route=rd.route.id,
            date=rd.date,
            reason=f"route {rd.route.id} cannot run on {rd.date}: {rd.problem}",
        )
        for rd in days
        if rd.problem is not None
    ]


def budget_reason(more: int, rerun: int, outcome: str | None = None) -> str:
    """Why a delegate with an option is out when the placing stage did not finish:
    ``outcome`` is :attr:`AssignmentSolution.placed_outcome`."""
    if outcome == "kept-start":
        return (
            f"{KEPT_START_REASON}: the assignment solver could not search a model of this size "
            "within the time budget and kept its greedy start, so up to "
            f"{more} more delegate(s) might have been placed; rerun with --time-limit {rerun}, "
            "and if it keeps its start again, plan fewer delegates at once"
        )
    return (
        f"{BUDGET_REASON}: rerun with --time-limit {rerun} (the assignment stopped on its "
        f"search budget while up to {more} more delegate(s) could still have been placed)"
    )


def why_unplaced(
    scenario: Scenario,
    delegate: Delegate,
    days: Mapping[tuple[str, dt.date], RouteDay],
    slot_index: Mapping[tuple[str, dt.date], int],
    riders: dict[int, list[int]],
    slots: Sequence[Slot],
    buses: tuple[tuple[int, ...], ...],
    pool_limits: Sequence[tuple[SharedLimit, str]],
    wanted: Counter[Any],
    used_by_day: dict[Any, list[int]],
    memo: dict[tuple[str, int], str | None] | None = None,
) -> str:
    """A reason a coordinator can act on, computed from the data and the solution.
    ``wanted`` is :func:`wanted_counts`, ``used_by_day`` :func:`buses_by_day`; ``memo``
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


#: The key suffix of :func:`wanted_counts`' step-free counts.
STEP_FREE = "step-free"


def wanted_counts(scenario: Scenario) -> Counter[Any]:
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


def buses_by_day(
    slots: Sequence[Slot], buses: tuple[tuple[int, ...], ...], kinds: int
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


def too_few_riders(
    scenario: Scenario,
    slot_index: Mapping[tuple[str, dt.date], int],
    riders: dict[int, list[int]],
    options: Sequence[Option],
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


def _pool_taken(
    s: int,
    slot_index: Mapping[tuple[str, dt.date], int],
    buses: tuple[tuple[int, ...], ...],
    pool_limits: Sequence[tuple[SharedLimit, str]],
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
    rd: RouteDay,
    slot_index: Mapping[tuple[str, dt.date], int],
    buses: tuple[tuple[int, ...], ...],
) -> str | None:
    """A must-visit venue of the route whose groups for the day are all taken by the buses
    of routes that must visit it too; None if there is none."""
    if not buses:
        return None
    for venue in rd.open_venues:
        if venue.id not in rd.route.must_visit:
            continue
        capacity = venue_slots(scenario, venue, rd.date)
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
    rd: RouteDay,
    s: int,
    slots: Sequence[Slot],
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


def _cap_cause(rd: RouteDay, cap: int) -> str:
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
