"""Who rides which route on which day, and on which bus.

The scenario becomes an :class:`~findhz.planner.problems.AssignmentProblem`: a *slot* per route-day
that can run (on the route's own dates), an *option* per delegate, interest and available day.
The solver chooses options and buses by one objective in a stated order: as many delegates
placed as possible; then nobody below the scenario's ``max_rank`` when it can be helped; then
the least money, the buses' cost (``cost_per_day`` plus ``staff_per_bus``) plus
``cny_per_rank_step`` for each step down a delegate's ranking; no bus leaves with fewer than
its route's ``min_riders``.

This module runs the stage: the problem, built from what each route-day can offer
(:func:`findhz.planner.assign_problem.build_problem`),
the solver (:mod:`findhz.planner.solver`), the buses of each route-day, balanced with countries
mixed (:mod:`findhz.planner.buses`), and a reason for every delegate it could not place
(:mod:`findhz.planner.explain`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from findhz.planner import solver
from findhz.planner.assign_problem import (
    RANK_VALUES,
    build_problem,
    greedy_hint,
    route_day_venues,
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
    route_days_not_run,
    too_few_riders,
    wanted_counts,
    why_unplaced,
)
from findhz.planner.metrics import AssignmentMetrics, BudgetShort, Costs, Rides
from findhz.planner.models import Explanation, Group, Scenario, Unassigned

__all__ = [
    "BUDGET_REASON",
    "KEPT_START_REASON",
    "RANK_VALUES",
    "Assignment",
    "PlannedGroup",
    "assign",
    "cost_metrics",
    "greedy_hint",
    "ride_figures",
    "route_day_venues",
]

log = logging.getLogger(__name__)

#: The budget a rerun is told to try when the search stopped short of placing everyone it
#: might have: this many times this run's (a round margin chosen
#: by the project: the figure is one to try, not a promise).
RERUN_FACTOR = 4


@dataclass(frozen=True)
class Assignment:
    groups: tuple[PlannedGroup, ...]
    unassigned: tuple[Unassigned, ...]
    explanations: tuple[Explanation, ...]
    metrics: AssignmentMetrics
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
    ``time_limit_s``), and ``metrics.budget_short`` counts them."""
    rate = scenario.spec.cny_per_rank_step if cny_per_rank_step is None else cny_per_rank_step
    built = build_problem(scenario, step_cost=rate)
    problem = built.problem
    slots, options = problem.slots, problem.options
    explanations = route_days_not_run(built.days.values())
    solution = solver.solve_assignment(problem, time_limit_s=time_limit_s, seed=seed)
    if not solution.feasible:
        log.warning("assignment found no solution (%s)", solution.status)
    if not set(problem.pinned) <= set(solution.chosen):
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
    for s, (rid, date) in enumerate(built.slot_keys):
        people = [scenario.delegates[p] for p in sorted(riders.get(s, []))]
        if people:
            groups.extend(
                split_into_buses(
                    rid, date, people, solution.buses[s], slots[s], scenario.spec.fleet
                )
            )
    groups = number_groups(groups)

    # counted once for all unplaced delegates (asked per delegate, these were quadratic)
    wanted = wanted_counts(scenario)
    memo: dict[tuple[str, int], str | None] = {}  # per route-day texts, the same for everyone
    used_by_day = buses_by_day(slots, solution.buses, len(scenario.spec.fleet))
    short = budget_short(solution, sum(1 for p in placed if placed[p]))
    with_options = {o.person for o in options}
    rerun = rerun_figure(
        RERUN_FACTOR * time_limit_s if rerun_time_limit_s is None else rerun_time_limit_s
    )
    unassigned = [
        Unassigned(
            delegate=d.id,
            reason=budget_reason(short, rerun, solution.placed_outcome)
            if short and p in with_options
            else why_unplaced(
                scenario,
                d,
                built.days,
                built.slot_index,
                riders,
                slots,
                solution.buses,
                built.pool_limits,
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
    explanations += too_few_riders(scenario, built.slot_index, riders, options, solution.buses)
    costs = cost_metrics(scenario, groups)
    rides = ride_figures(scenario, groups)
    budget = None
    if short:
        budget = BudgetShort(
            delegates=sum(
                1 for u in unassigned if u.reason.startswith((BUDGET_REASON, KEPT_START_REASON))
            ),
            more_placeable_at_most=short,
            # how the stage that places people ended (see AssignmentSolution.placed_outcome)
            placed_stage=solution.placed_outcome or "stopped",
            suggested_time_limit_s=rerun,
        )
    metrics = AssignmentMetrics(
        status=solution.status,
        seconds=round(solution.seconds, 3),
        satisfaction_worst=rides.worst,
        satisfaction_total=rides.total,
        rides_by_interest_rank=rides.by_rank,
        share_first_or_second_choice=rides.share_first_or_second,
        rank_steps=rides.steps,
        delegates_placed=sum(1 for p in range(len(scenario.delegates)) if placed[p]),
        delegates_unassigned=len(unassigned),
        costs=costs,
        cny_per_rank_step=rate,
        objective_cny=costs.cost_cny + rate * rides.steps,
        budget_short=budget,
    )
    return Assignment(
        tuple(groups),
        tuple(unassigned),
        tuple(explanations),
        metrics,
        time_cap_hit=solution.time_cap_hit,
    )


def cost_metrics(scenario: Scenario, groups: Sequence[PlannedGroup | Group]) -> Costs:
    """What the buses of a plan cost: per date and in total (CNY), and how many of each type.

    A bus-day costs its type's ``cost_per_day`` (bus and driver) plus the scenario's
    ``staff_per_bus`` (guide, interpreter)."""
    by_date: Counter[str] = Counter()
    types: Counter[str] = Counter()
    for g in groups:
        by_date[g.date.isoformat()] += scenario.bus_day_cost(g.bus)
        types[g.bus] += 1
    return Costs(
        buses=len(groups),
        bus_days_by_type={bus: types[bus] for bus in sorted(types)},
        cost_cny=sum(by_date.values()),
        cost_cny_by_date={date: by_date[date] for date in sorted(by_date)},
    )


def ride_figures(scenario: Scenario, groups: Sequence[PlannedGroup | Group]) -> Rides:
    """What the rides of a plan are worth to the delegates (``RANK_VALUES`` by the rank of the
    interest each serves): the assignment's own count, read from the groups, so that a
    re-planned plan's figures are counted the same way."""
    interests = {d.id: d.interests for d in scenario.delegates}
    ranks: Counter[int] = Counter()
    worth: Counter[str] = Counter()
    for g in groups:
        for delegate_id in g.delegates:
            wanted = interests.get(delegate_id, [])
            worth[delegate_id] += 0  # placed: counted among the worst-off even at 0
            if g.route not in wanted:
                continue  # a ride a coordinator pinned off their list is worth nothing
            rank = wanted.index(g.route)
            ranks[rank + 1] += 1
            worth[delegate_id] += RANK_VALUES[min(rank, len(RANK_VALUES) - 1)]
    rides = sum(ranks.values())
    return Rides(
        worst=min(worth.values(), default=0),
        total=sum(worth.values()),
        by_rank={rank: ranks[rank] for rank in sorted(ranks)},
        share_first_or_second=round((ranks[1] + ranks[2]) / rides, 4) if rides else 0,
        steps=sum(rank - 1 for rank in ranks.elements()),
    )
