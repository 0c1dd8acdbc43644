"""The trade-off between money and satisfaction, in view: plans from cheapest to most satisfied.

Each point is the assignment ``findhz plan`` makes at one exchange rate (``cny_per_rank_step``):
at 1 CNY money counts first (the cheapest plan that places everyone it can, with the fewest rank
steps among the equally cheap, as long as bus-days differ in price by more than the plan has
rank steps; a rate of 0 leaves the search a plateau of equally cheap plans and often stops
short of the cheapest), at
:data:`MOST_SATISFIED_RATE` a rank step outweighs any bus (the most satisfied plan), and the
rates between, the scenario's own among them, give the plans in between. Points that repeat a
plan are dropped; each keeps the command line that reproduces it.
"""

from __future__ import annotations

import shlex

from findhz.planner.assign import assign
from findhz.planner.metrics import AssignmentMetrics, FrontierPoint
from findhz.planner.models import Scenario
from findhz.planner.planning import ASSIGNMENT_SHARE

__all__ = ["FRONTIER_RATES", "MOST_SATISFIED_RATE", "frontier"]

#: A rate at which one rank step outweighs any bus-day a scenario prices (CNY).
MOST_SATISFIED_RATE = 100_000
#: The exchange rates tried (CNY per rank step), besides the scenario's own: the cheapest,
#: two between (100 and 600 CNY a step) and the most satisfied.
FRONTIER_RATES = (1, 100, 600, MOST_SATISFIED_RATE)


def frontier(
    scenario: Scenario,
    *,
    scenario_arg: str,
    time_limit_s: float,
    seed: int = 0,
) -> list[FrontierPoint]:
    """The plans from cheapest to most satisfied, at most six, with their figures.

    ``scenario_arg`` is the scenario as the user named it, for the command lines; the
    assignment of each point gets the budget ``findhz plan --time-limit`` gives it, so the
    command line reproduces the point exactly."""
    rates = sorted({*FRONTIER_RATES, scenario.spec.cny_per_rank_step})
    budget = max(1.0, time_limit_s * ASSIGNMENT_SHARE)
    points: list[FrontierPoint] = []
    seen: set[tuple[int, int, int]] = set()
    for rate in rates:
        point = _point(
            assign(scenario, time_limit_s=budget, seed=seed, cny_per_rank_step=rate).metrics,
            scenario_arg,
            time_limit_s,
            seed,
            scenario_rate=rate == scenario.spec.cny_per_rank_step,
        )
        key = (point.placed, point.cost_cny, point.rank_steps)
        if key in seen:
            continue
        seen.add(key)
        points.append(point)
    return _ordered(points)


def _point(
    metrics: AssignmentMetrics,
    scenario_arg: str,
    time_limit_s: float,
    seed: int,
    *,
    scenario_rate: bool,
) -> FrontierPoint:
    """The frontier's point of an assignment, with the command line that reproduces it."""
    ranks = metrics.rides_by_interest_rank
    rate = metrics.cny_per_rank_step
    return FrontierPoint(
        cny_per_rank_step=rate,
        buses=metrics.costs.buses,
        cost_cny=metrics.costs.cost_cny,
        rank_steps=metrics.rank_steps,
        placed=metrics.delegates_placed,
        first_choice=ranks.get(1, 0),
        second_choice=ranks.get(2, 0),
        lower_choice=sum(n for k, n in ranks.items() if k > 2),
        share_first_or_second_choice=metrics.share_first_or_second_choice,
        scenario_rate=scenario_rate,
        command=shlex.join(
            [
                "findhz",
                "plan",
                scenario_arg,
                "--cny-per-rank-step",
                str(rate),
                "--time-limit",
                f"{time_limit_s:g}",
                "--seed",
                str(seed),
            ]
        ),
    )


def _ordered(points: list[FrontierPoint]) -> list[FrontierPoint]:
    """Cheapest first; a point no cheaper and no more satisfied than another (a search that
    stopped short) is dropped, so cost rises as satisfaction rises along the list."""
    points = sorted(points, key=lambda p: (-p.placed, p.cost_cny, p.rank_steps))
    kept: list[FrontierPoint] = []
    for point in points:
        if point.placed < points[0].placed:
            continue
        if kept and point.rank_steps >= kept[-1].rank_steps:
            continue  # costs at least as much and satisfies no better
        kept.append(point)
    return kept[:6]
