"""The planner's money targets: what a coordinator checks before signing a plan.

* ``one-route``: 70 delegates on one route whose must-visit takes 35 at a time, one group at
  once, with 2 coaches and 3 minibuses (``benchmarks/data/one-route-70``): the plan should use
  two coaches of 35 that visit the hall one after the other.
* ``default``: the bundled default scenario at its own exchange rate: buses, cost, the
  fewest riders on any bus against ``min_riders``, the share of delegates on their first or
  second choice.
* ``frontier``: the wall time ``findhz plan --frontier`` adds on the default scenario (the
  plans at the other exchange rates).
* ``exact``: the assignment at ``findhz plan``'s budget against the same model solved to
  proven optimality (a budget 20 times longer, every stage ``OPTIMAL``) on small route-days:
  the one-route case and each day of the default scenario alone, with the delegates who can
  come that day. The gap is on the objective's money term (CNY).
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from pathlib import Path
from typing import Any

from findhz.planner.assign import assign
from findhz.planner.bundled import scenario_path
from findhz.planner.frontier import frontier
from findhz.planner.loading import load_scenario
from findhz.planner.metrics import AssignmentMetrics
from findhz.planner.models import Scenario
from findhz.planner.planning import ASSIGNMENT_SHARE, make_plan
from findhz.planner.travel import build_matrix

__all__ = ["ONE_ROUTE", "exact_target", "one_route_target", "run_targets"]

ONE_ROUTE = Path(__file__).resolve().parent / "data" / "one-route-70" / "scenario.yaml"


def _record(target: str, **figures: Any) -> dict[str, Any]:
    return {"set": "planner", "kind": "target", "target": target, **figures}


def one_route_target(time_limit_s: float, seed: int) -> dict[str, Any]:
    scenario = load_scenario(ONE_ROUTE)
    plan, _ = make_plan(
        scenario,
        build_matrix(scenario, "offline", use_cache=False),
        time_limit_s=time_limit_s,
        seed=seed,
    )
    groups = sorted((g.bus, len(g.delegates)) for g in plan.groups)
    visits: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    for g in plan.groups:
        for s in g.stops:
            one_group = scenario.venues[s.venue].concurrent_groups == 1
            if s.kind == "visit" and one_group and s.start is not None and s.end is not None:
                visits.setdefault(s.venue, []).append((s.start, s.end))
    overlapping = sum(
        1 for times in visits.values() for a, b in itertools.pairwise(sorted(times)) if b[0] < a[1]
    )
    return _record(
        "one-route",
        instance=scenario.id,
        buses=" + ".join(f"{bus} {n}" for bus, n in groups),
        cost_cny=plan.metrics.cost_cny,
        one_group_visits=sum(len(t) for t in visits.values()),
        overlapping=overlapping,
        met=groups == [("coach-49", 35), ("coach-49", 35)] and overlapping == 0,
    )


def _default(scenario: Scenario, time_limit_s: float, seed: int) -> dict[str, Any]:
    plan, _ = make_plan(
        scenario,
        build_matrix(scenario, "offline", use_cache=False),
        time_limit_s=time_limit_s,
        seed=seed,
    )
    made = plan.metrics
    fewest = min((len(g.delegates) for g in plan.groups), default=0)
    below = [g.id for g in plan.groups if len(g.delegates) < scenario.min_riders(g.route)]
    return _record(
        "default",
        instance=scenario.id,
        delegates=len(scenario.delegates),
        placed=made.delegates_placed,
        buses=made.buses,
        bus_days_by_type=made.bus_days_by_type,
        cost_cny=made.cost_cny,
        rank_steps=made.rank_steps,
        share_first_or_second_choice=made.share_first_or_second_choice,
        fewest_riders=fewest,
        min_riders=scenario.spec.min_riders,
        below_min_riders=below,
        assignment_status=made.assignment_status,
        met=not below,
    )


def _frontier(scenario: Scenario, time_limit_s: float, seed: int) -> dict[str, Any]:
    started, cpu = time.perf_counter(), time.process_time()
    points = frontier(scenario, scenario_arg=scenario.id, time_limit_s=time_limit_s, seed=seed)
    seconds = time.perf_counter() - started
    return _record(
        "frontier",
        instance=scenario.id,
        seconds=round(seconds, 1),
        cpu_s=round(time.process_time() - cpu, 1),
        points=len(points),
        shown=[
            f"{p.cny_per_rank_step}: {p.buses} buses, {p.cost_cny} CNY, {p.rank_steps} steps"
            for p in points
        ],
        met=seconds < 30 and len(points) >= 4,
    )


def _restricted(scenario: Scenario, date: dt.date) -> Scenario:
    """The scenario on one date, with the delegates who can come that day (on that day)."""
    spec = scenario.spec.model_copy(update={"dates": [date]})
    delegates = tuple(
        d.model_copy(update={"available": [date]})
        for d in scenario.delegates
        if date in scenario.delegate_dates(d)
    )
    return scenario.model_copy(update={"spec": spec, "delegates": delegates})


def _money(metrics: AssignmentMetrics) -> int:
    return metrics.objective_cny


def exact_target(name: str, scenario: Scenario, time_limit_s: float, seed: int) -> dict[str, Any]:
    budget = max(1.0, time_limit_s * ASSIGNMENT_SHARE)
    started = time.perf_counter()
    ours = assign(scenario, time_limit_s=budget, seed=seed).metrics
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    exact = assign(scenario, time_limit_s=20 * budget, seed=seed).metrics
    exact_s = time.perf_counter() - started
    proven = all(s in {"OPTIMAL", "BOUND"} for s in exact.status.split("/"))
    gap = (_money(ours) - _money(exact)) / _money(exact) if _money(exact) else 0.0
    return _record(
        "exact",
        instance=name,
        delegates=len(scenario.delegates),
        ours_cny=_money(ours),
        ours_buses=ours.costs.buses,
        ours_status=ours.status,
        ours_s=round(ours_s, 1),
        exact_cny=_money(exact),
        exact_buses=exact.costs.buses,
        exact_status=exact.status,
        exact_s=round(exact_s, 1),
        proven=proven,
        gap=round(gap, 4),
        met=proven and gap <= 0,
    )


def run_targets(scenario_name: str, time_limit_s: float, seed: int = 0) -> list[dict[str, Any]]:
    """Every target's record on ``scenario_name`` (the default scenario) at ``findhz plan``'s
    budget ``time_limit_s``."""
    scenario = load_scenario(scenario_path(scenario_name))
    records = [one_route_target(time_limit_s, seed), _default(scenario, time_limit_s, seed)]
    records.append(_frontier(scenario, time_limit_s, seed))
    records.append(exact_target("one-route-70", load_scenario(ONE_ROUTE), time_limit_s, seed))
    for date in scenario.dates:
        day = _restricted(scenario, date)
        if day.delegates:
            records.append(exact_target(f"{scenario.id} {date}", day, time_limit_s, seed))
    return records
