"""Re-check every hard constraint of a plan from ``plan.json`` and the scenario alone.

This module shares no code with the optimizer: it reads the plan as a timetable and the
scenario as the rules, and lists each violation as a sentence. ``findhz plan`` runs it
before writing anything; ``findhz verify`` runs it on any plan.

The numbers refer to the hard constraints of the design:
1 opening windows, 2 travel and arrival, 3 venue group size and concurrency, 4 seats, fleet
and the day, 5 lunch, 6 delegates' days and needs, 7 route pools, must-visits and stop
bounds, 8 every delegate placed or explained.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterator

from findhz.planner.models import Group, Plan, Scenario, Stop, local_clock, rides
from findhz.planner.naming import case_clashes, file_name_problem, map_page_names

__all__ = ["MAX_SPEED_KMH", "verify_plan"]

#: No leg may be faster than this over the straight-line distance (a sanity bound).
MAX_SPEED_KMH = 120.0


def verify_plan(plan: Plan, scenario: Scenario) -> list[str]:
    """Every violation of a hard constraint, as one sentence each; empty when the plan holds."""
    out: list[str] = []
    if plan.scenario != scenario.id:
        out.append(f"the plan is for scenario '{plan.scenario}', not '{scenario.id}'")
    ids = Counter(g.id for g in plan.groups)
    out += [f"group id '{gid}' is used {n} times" for gid, n in ids.items() if n > 1]
    out += _page_names(plan)
    cut_short = {e.group for e in plan.explanations if e.kind == "breakdown"}
    for group in plan.groups:
        out += [f"group {group.id}: {v}" for v in _group(group, scenario, group.id in cut_short)]
    out += _fleet(plan, scenario)
    out += _concurrency(plan, scenario)
    out += _delegates(plan, scenario)
    return out


def _page_names(plan: Plan) -> list[str]:
    """Every group can become a page: a safe file name, shared with no other map."""
    out = []
    for group in plan.groups:
        problem = file_name_problem(group.id)
        if problem:
            out.append(f"group id '{group.id}' {problem}")
    first: dict[str, str] = {}
    for name, shows in map_page_names(plan):
        if name not in first:
            first[name] = shows
        elif first[name] != shows:  # a repeated group id is reported above
            out.append(f"the maps of {first[name]} and {shows} would both be maps/{name}.html")
    out += [
        f"the maps of {first[a]} and {first[b]} would share a file where letter case is ignored"
        for a, b in case_clashes(first)
    ]
    return out


def _local(moment: dt.datetime, scenario: Scenario) -> dt.datetime:
    return moment.astimezone(scenario.tz())


def _clock(moment: dt.datetime, scenario: Scenario) -> str:
    """HH:MM in the scenario's time zone (the one formatter, shared with every output)."""
    return local_clock(moment, scenario.tz())


def _minute(moment: dt.datetime) -> float:
    return moment.hour * 60 + moment.minute + moment.second / 60


def _group(group: Group, scenario: Scenario, cut_short: bool = False) -> Iterator[str]:
    """What is wrong with one group; ``cut_short``: its day ended early after a breakdown
    on the road (explained), so it may have no lunch."""
    spec = scenario.spec
    if group.route not in scenario.routes:
        yield f"route '{group.route}' is not in the catalogue"
        return
    if spec.routes is not None and group.route not in spec.routes:
        yield f"route '{group.route}' does not run in this scenario"
    if group.date not in spec.dates:
        yield f"date {group.date} is not a scenario date"
    route = scenario.routes[group.route]
    size = len(group.delegates)
    if size == 0:
        yield "has no delegates"
    if size > group.seats:
        yield f"{size} delegates on a bus of {group.seats} seats (4)"
    bus = next((b for b in spec.fleet if b.id == group.bus), None)
    if bus is None:
        yield f"bus type '{group.bus}' is not in the fleet"
    elif bus.seats != group.seats:
        yield f"bus type '{group.bus}' has {bus.seats} seats, not {group.seats}"
    stops = group.stops
    if len(stops) < 2 or stops[0].kind != "depart" or stops[-1].kind != "return":
        yield "must start with a 'depart' stop and end with a 'return' stop"
        return
    for end in (stops[0], stops[-1]):
        if end.venue != spec.base:
            yield f"{end.kind} stop is at '{end.venue}', not at the base '{spec.base}'"
    yield from _timeline(group, scenario)
    for stop in stops[1:-1]:
        if stop.kind not in ("visit", "lunch"):
            yield f"stop kind '{stop.kind}' in the middle of the day"
            continue
        venue = scenario.venues.get(stop.venue)
        if venue is None:
            yield f"venue '{stop.venue}' is not in the catalogue"
            continue
        if size > venue.max_group:
            yield f"{size} people at {venue.id}, which takes at most {venue.max_group} (3)"
        if stop.kind == "visit" and route.weight(venue.id) == 0:
            yield f"visits {venue.id}, which is not among route {route.id}'s venues (7)"
        if stop.start is None or stop.end is None:
            continue  # the timeline says what the stop lacks
        yield from _inside_opening(stop, scenario, group.date)
    lunches = [s for s in stops if s.kind == "lunch"]
    if len(lunches) != 1 and not (cut_short and not lunches):
        yield f"has {len(lunches)} lunch stops instead of one (5)"
    for lunch in lunches:
        yield from _lunch(lunch, scenario)
    visits = [s for s in stops if s.kind == "visit"]
    if len({s.venue for s in visits}) != len(visits):
        yield "visits the same venue twice"


def _timeline(group: Group, scenario: Scenario) -> Iterator[str]:
    spec = scenario.spec
    stops = group.stops
    first, last = stops[0], stops[-1]
    if first.depart is None or last.arrive is None:
        yield "the depart stop needs 'depart' and the return stop 'arrive'"
        return
    start = _local(first.depart, scenario)
    back = _local(last.arrive, scenario)
    if start.date() != group.date or back.date() != group.date:
        yield f"times are not on the group's date {group.date}"
    if _minute(start) < spec.day.start:
        yield f"leaves the base at {_clock(start, scenario)}, before the day starts (4)"
    if _minute(back) > spec.day.end:
        yield f"is back at {_clock(back, scenario)}, after the day ends (4)"
    previous = first
    for stop in stops[1:]:
        yield from _leg(previous, stop, scenario)
        previous = stop


def _leg(previous: Stop, stop: Stop, scenario: Scenario) -> Iterator[str]:
    left = previous.depart
    if left is None or stop.arrive is None or stop.travel_s is None:
        yield f"stop at {stop.venue} lacks its arrival, the previous departure or travel_s"
        return
    if stop.travel_s < 0:
        yield f"negative travel time to {stop.venue}"
    if stop.arrive != left + dt.timedelta(seconds=stop.travel_s):
        yield (
            f"arrives at {stop.venue} at {_clock(stop.arrive, scenario)}, but left "
            f"{previous.venue} at {_clock(left, scenario)} with a {stop.travel_s} s leg (2)"
        )
    if stop.kind in ("visit", "lunch"):
        if stop.start is None or stop.end is None or stop.depart is None:
            yield f"stop at {stop.venue} lacks start, end or depart"
            return
        if not stop.arrive <= stop.start <= stop.end <= stop.depart:
            yield f"at {stop.venue}: arrive <= start <= end <= depart does not hold (2)"
    a = scenario.venues.get(previous.venue)
    b = scenario.venues.get(stop.venue)
    if a is not None and b is not None and a.id != b.id:
        km = _km(a.location.lat, a.location.lon, b.location.lat, b.location.lon)
        fastest = km / MAX_SPEED_KMH * 3600
        if stop.travel_s < fastest:
            yield (
                f"the leg {a.id} -> {b.id} takes {stop.travel_s} s for {km:.1f} km in a "
                f"straight line, faster than {MAX_SPEED_KMH:.0f} km/h (2)"
            )


def _inside_opening(stop: Stop, scenario: Scenario, date: dt.date) -> Iterator[str]:
    assert stop.start is not None and stop.end is not None
    start, end = _local(stop.start, scenario), _local(stop.end, scenario)
    lo, hi = _minute(start), _minute(end)
    venue = scenario.venues[stop.venue]
    windows = scenario.opening(venue.id, date)
    if not any(w.start <= lo and hi <= w.end for w in windows):
        shown = ", ".join(str(w) for w in windows) or "closed"
        yield (
            f"{stop.kind} at {venue.id} {_clock(start, scenario)}-{_clock(end, scenario)} is "
            f"not inside one opening window ({shown}) on {date} (1)"
        )
    length = hi - lo
    wanted = venue.visit_min if stop.kind == "visit" else scenario.spec.lunch.minutes
    if length < wanted:
        yield f"{stop.kind} at {venue.id} lasts {length:.0f} min, less than {wanted} min"


def _lunch(stop: Stop, scenario: Scenario) -> Iterator[str]:
    venue = scenario.venues.get(stop.venue)
    if venue is None or stop.start is None:
        return
    if not venue.lunch:
        yield f"lunch at {venue.id}, which does not serve lunch (5)"
    lo, hi = scenario.spec.lunch.window
    begin = _minute(_local(stop.start, scenario))
    if not lo <= begin <= hi:
        yield f"lunch starts at {_clock(stop.start, scenario)}, outside the lunch window (5)"


def _fleet(plan: Plan, scenario: Scenario) -> list[str]:
    used: Counter[tuple[dt.date, str]] = Counter((g.date, g.bus) for g in plan.groups)
    counts = {b.id: b.count for b in scenario.spec.fleet}
    return [
        f"{n} buses of type '{bus}' on {date}, the fleet has {counts[bus]} (4)"
        for (date, bus), n in sorted(used.items())
        if bus in counts and n > counts[bus]
    ]


def _concurrency(plan: Plan, scenario: Scenario) -> list[str]:
    """At no instant more than ``concurrent_groups`` groups at a venue (3)."""
    spans: dict[tuple[dt.date, str], list[tuple[dt.datetime, dt.datetime, str]]] = defaultdict(list)
    for group in plan.groups:
        for stop in group.stops:
            if stop.kind in ("visit", "lunch") and stop.start and stop.end:
                spans[(group.date, stop.venue)].append((stop.start, stop.end, group.id))
    out = []
    for (date, venue_id), items in sorted(spans.items()):
        venue = scenario.venues.get(venue_id)
        if venue is None:
            continue
        events = sorted(
            [(s, 1, g) for s, _, g in items] + [(e, -1, g) for _, e, g in items],
            key=lambda x: (x[0], x[1]),
        )
        present: set[str] = set()
        for moment, delta, gid in events:
            if delta > 0:
                present.add(gid)
                if len(present) > venue.concurrent_groups:
                    out.append(
                        f"{len(present)} groups at {venue_id} at "
                        f"{_clock(moment, scenario)} on {date} "
                        f"({', '.join(sorted(present))}); it receives "
                        f"{venue.concurrent_groups} at a time (3)"
                    )
            else:
                present.discard(gid)
    return out


def _delegates(plan: Plan, scenario: Scenario) -> list[str]:
    known = {d.id: d for d in scenario.delegates}
    out = []
    placed = rides(plan.groups)
    for did, groups in sorted(placed.items()):
        delegate = known.get(did)
        if delegate is None:
            out.append(f"delegate {did} is not in the scenario")
            continue
        days = Counter(g.date for g in groups)
        out += [f"delegate {did} rides {n} groups on {d} (6)" for d, n in days.items() if n > 1]
        if len(groups) > scenario.spec.rides:
            out.append(f"delegate {did} rides {len(groups)} route-days, more than allowed")
        available = set(scenario.delegate_dates(delegate))
        for g in groups:
            if g.date not in available:
                out.append(f"delegate {did} rides on {g.date}, a day they are not available (6)")
            if delegate.step_free:
                for stop in g.stops[1:-1]:
                    venue = scenario.venues.get(stop.venue)
                    if venue is not None and not venue.step_free:
                        out.append(
                            f"delegate {did} needs step-free access but group {g.id} "
                            f"stops at {venue.id}, which has none (6)"
                        )
    unassigned = Counter(u.delegate for u in plan.unassigned)
    out += [
        f"delegate {u.delegate} is listed as unassigned without a reason (8)"
        for u in plan.unassigned
        if not u.reason.strip()
    ]
    for did, n in unassigned.items():
        if did in placed:
            out.append(f"delegate {did} is both in a group and unassigned")
        if n > 1:
            out.append(f"delegate {did} is listed {n} times as unassigned")
        if did not in known:
            out.append(f"unassigned delegate {did} is not in the scenario")
    for did in known:
        if did not in placed and did not in unassigned:
            out.append(f"delegate {did} is in no group and not listed as unassigned (8)")
    # Must-visits and stop bounds (7).
    # An explanation that names its group excuses that group only; one without a group (an
    # older plan) excuses its whole route-day.
    explained = {(e.group, e.route, e.date, e.venue) for e in plan.explanations}
    bounds_explained = {
        (e.group, e.route, e.date) for e in plan.explanations if e.kind == "stop-bounds"
    }
    for group in plan.groups:
        route = scenario.routes.get(group.route)
        if route is None:
            continue
        visited = {s.venue for s in group.stops if s.kind == "visit"}
        for must in route.must_visit:
            if (
                must not in visited
                and not {
                    (group.id, group.route, group.date, must),
                    (None, group.route, group.date, must),
                }
                & explained
            ):
                out.append(
                    f"group {group.id}: must-visit {must} is not visited and not explained (7)"
                )
        n = sum(1 for s in group.stops if s.kind == "visit")
        if (
            not route.min_stops <= n <= route.max_stops
            and not {
                (group.id, group.route, group.date),
                (None, group.route, group.date),
            }
            & bounds_explained
        ):
            out.append(
                f"group {group.id}: {n} visits, outside the route's bounds "
                f"{route.min_stops}-{route.max_stops} (7)"
            )
    return out


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (haversine; a lower bound is all this check needs)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))
