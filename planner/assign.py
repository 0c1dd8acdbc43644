"""Who rides which route on which day, and on which bus.

The scenario becomes an :class:`~findhz.planner.problems.AssignmentProblem`: a *slot* per route-day
that can run (on the route's own dates), an *option* per delegate, interest and available day.
The solver chooses options and buses by one objective in a stated order: as many delegates
placed as possible; then nobody below the scenario's ``max_rank`` when it can be helped; then
the least money, the buses' cost (``cost_per_day`` plus ``staff_per_bus``) plus
``cny_per_rank_step`` for each step down a delegate's ranking; no bus leaves with fewer than
its route's ``min_riders``.

This module runs the stage: what each route-day can offer (:mod:`findhz.planner.assign_problem`),
the solver (:mod:`findhz.planner.solver`), the buses of each route-day, balanced with countries
mixed (:mod:`findhz.planner.buses`), and a reason for every delegate it could not place
(:mod:`findhz.planner.explain`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from findhz.planner import solver
from findhz.planner.assign_problem import (
    UNLIMITED_BUSES,
    greedy_hint,
    lunch_venues,
    pinned_options,
    route_day,
    route_day_venues,
    venue_pool_limits,
    venue_slots,
)
from findhz.planner.buses import PlannedGroup, number_groups, split_into_buses
from findhz.planner.errors import InputError, Problem
from findhz.planner.explain import (
    BUDGET_REASON,
    KEPT_START_REASON,
    budget_reason,
    budget_short,
    buses_by_day,
    rerun_figure,
    too_few_riders,
    wanted_counts,
    why_unplaced,
)
from findhz.planner.models import Explanation, Group, Scenario, Unassigned
from findhz.planner.problems import AssignmentProblem, Option, SharedLimit, Slot

__all__ = [
    "BUDGET_REASON",
    "KEPT_START_REASON",
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
class Assignment:
    groups: tuple[PlannedGroup, ...]
    unassigned: tuple[Unassigned, ...]
    explanations: tuple[Explanation, ...]
    metrics: dict[str, Any] = field(default_factory=dict)
    time_cap_hit: bool = False  # the solver stopped on the wall clock: the plan may not repeat


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
    lunch_by_date = {d: lunch_venues(scenario, d) for d in spec.dates}
    days = {
        (r.id, d): route_day(scenario, r, d, lunch_by_date[d])
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
        most = min((venue_slots(scenario, v, key[1]) for v in musts), default=UNLIMITED_BUSES)
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
            groups.extend(split_into_buses(rid, date, people, solution.buses[s], slots[s], fleet))
    groups = number_groups(groups)

    # counted once for all unplaced delegates (asked per delegate, these were quadratic)
    wanted = wanted_counts(scenario)
    memo: dict[tuple[str, int], str | None] = {}  # per route-day texts, the same for everyone
    used_by_day = buses_by_day(slots, solution.buses, len(scenario.spec.fleet))
    short = budget_short(solution, sum(1 for p in placed if placed[p]))
    with_options = {o.person for o in options}
    rerun = rerun_figure(4 * time_limit_s if rerun_time_limit_s is None else rerun_time_limit_s)
    unassigned = [
        Unassigned(
            delegate=d.id,
            reason=budget_reason(short, rerun, solution.placed_outcome)
            if short and p in with_options
            else why_unplaced(
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
    explanations += too_few_riders(scenario, slot_index, riders, options, solution.buses)
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
        kept = solution.placed_outcome == "kept-start"
        metrics["budget_short"] = {
            "delegates": sum(
                1 for u in unassigned if u.reason.startswith((BUDGET_REASON, KEPT_START_REASON))
            ),
            "more_placeable_at_most": short,
            # how the stage that places people ended (see AssignmentSolution.placed_outcome)
            "placed_stage": solution.placed_outcome or "stopped",
            **({} if kept else {"suggested_time_limit_s": rerun}),
        }
    return Assignment(
        tuple(groups),
        tuple(unassigned),
        tuple(explanations),
        metrics,
        time_cap_hit=solution.time_cap_hit,
    )


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
