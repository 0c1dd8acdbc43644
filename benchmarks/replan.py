"""Re-planning after one change, against planning again from scratch.

For each bundled scenario the published plan is ``findhz plan``'s (default budget, seed 0).
For each kind of change, a change is picked from the plan by a fixed rule (the first group's
first delegate drops out, a route's first venue closes at 10:00 on its day, ...), then:

* **replan**: ``findhz.planner.replan.replan`` repairs the published plan, seating the displaced and
  new delegates with the seat solver (CP-SAT: placed, then fewest moved, then money; seconds
  measured around the call alone; the travel matrix is the published plan's);
* **greedy**: the same repair with ``repair="greedy"``: each delegate to wait takes a free seat
  on a bus of their choice, one by one (the repair before the seat solver);
* **scratch**: ``make_plan`` plans the changed scenario again with the same budget and seed,
  where the change can be said in a scenario (a delegate removed, added or re-dated, a venue
  closed by an override); a breakdown or a late bus cannot, so those rows show replan only.

Both new plans are compared with the published one by the same rule: delegates moved (on
another group, among those in both plans), stops changed (visits and lunches added, removed,
or starting more than 15 minutes earlier or later), delegates left without a seat, the
plan's cost (CNY: buses and staff) and satisfaction (the assignment's: each ride is worth
``RANK_VALUES`` of its rank in the delegate's interests, summed).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import asdict, dataclass
from typing import Any

from findhz.planner.assign import cost_metrics, ride_figures
from findhz.planner.changes import (
    BusUnavailable,
    Change,
    DelegateDays,
    DelegateDropped,
    DelegateJoined,
    GroupLate,
    VenueClosed,
)
from findhz.planner.models import Delegate, Override, Plan, Scenario, Window, local_clock
from findhz.planner.planning import make_plan
from findhz.planner.replan import SHIFT_TOLERANCE_MIN, replan
from findhz.planner.travel.matrix import TravelMatrix

__all__ = ["KINDS", "ReplanRun", "diff_plans", "figures", "run_replan"]

KINDS = (
    "delegate-dropped",
    "two-dropped",
    "delegate-joined",
    "delegate-days",
    "venue-closed",
    "bus-unavailable",
    "bus-broken-on-road",
    "group-late",
)


@dataclass(frozen=True)
class ReplanRun:
    instance: str
    kind: str
    change: str
    replan_s: float
    replan_moved: int
    replan_stops: int
    replan_unassigned: int
    replan_cost: int
    replan_satisfaction: int
    greedy_s: float
    greedy_moved: int
    greedy_stops: int
    greedy_unassigned: int
    greedy_cost: int
    greedy_satisfaction: int
    scratch_s: float | None
    scratch_moved: int | None
    scratch_stops: int | None
    scratch_unassigned: int | None
    scratch_cost: int | None
    scratch_satisfaction: int | None

    def record(self) -> dict[str, Any]:
        return {"set": "replan", "solver": "ours", **asdict(self)}


def figures(plan: Plan, scenario: Scenario) -> tuple[int, int]:
    """(cost in CNY, satisfaction) of a plan for a scenario."""
    return (
        cost_metrics(scenario, plan.groups).cost_cny,
        ride_figures(scenario, plan.groups).total,
    )


def diff_plans(old: Plan, new: Plan) -> tuple[int, int]:
    """(delegates moved, stops changed) from ``old`` to ``new``."""
    rides_old: dict[str, set[str]] = {}
    rides_new: dict[str, set[str]] = {}
    for plan, rides in ((old, rides_old), (new, rides_new)):
        for group in plan.groups:
            for did in group.delegates:
                rides.setdefault(did, set()).add(group.id)
    moved = sum(1 for d in rides_old.keys() & rides_new.keys() if rides_old[d] != rides_new[d])
    moved += sum(
        1
        for d in rides_old.keys() - rides_new.keys()
        if any(u.delegate == d for u in new.unassigned)
    )
    stops: dict[tuple[str, str, str], dt.datetime | None] = {}
    for group in old.groups:
        for stop in group.stops[1:-1]:
            stops[(group.id, stop.kind, stop.venue)] = stop.start
    changed = 0
    seen = set()
    for group in new.groups:
        for stop in group.stops[1:-1]:
            key = (group.id, stop.kind, stop.venue)
            seen.add(key)
            if key not in stops:
                changed += 1
            else:
                was = stops[key]
                if (
                    was
                    and stop.start
                    and abs((stop.start - was).total_seconds()) > (SHIFT_TOLERANCE_MIN * 60)
                ):
                    changed += 1
    changed += len(stops.keys() - seen)
    return moved, changed


def _pick(kind: str, plan: Plan, scenario: Scenario) -> tuple[list[Change], Scenario | None]:
    """The change of a kind for this plan, and the changed scenario to plan from scratch."""
    first = plan.groups[0]
    busiest = max(plan.groups, key=lambda g: (len(g.delegates), g.id))
    if kind in ("delegate-dropped", "two-dropped"):
        ids = [first.delegates[0]] if kind == "delegate-dropped" else []
        if kind == "two-dropped":
            ids = [g.delegates[0] for g in (busiest, plan.groups[-1])][:2]
        changes: list[Change] = [
            DelegateDropped(kind="delegate-dropped", delegate=d, reason="benchmark") for d in ids
        ]
        kept = tuple(d for d in scenario.delegates if d.id not in ids)
        return changes, scenario.model_copy(update={"delegates": kept})
    if kind == "delegate-joined":
        newcomer = Delegate(
            id="BENCH-NEW", name="Synthetic Newcomer", country="DE", interests=[busiest.route]
        )
        return [DelegateJoined(kind="delegate-joined", delegate=newcomer)], scenario.model_copy(
            update={"delegates": (*scenario.delegates, newcomer)}
        )
    if kind == "delegate-days":
        did = busiest.delegates[0]
        others = [d for d in scenario.dates if d != busiest.date] or scenario.dates
        change = DelegateDays(kind="delegate-days", delegate=did, available=others)
        delegates = tuple(
            d.model_copy(update={"available": others}) if d.id == did else d
            for d in scenario.delegates
        )
        return [change], scenario.model_copy(update={"delegates": delegates})
    if kind == "venue-closed":
        date = busiest.date
        visits = [s.venue for s in busiest.stops if s.kind == "visit"]
        venue = visits[len(visits) // 2]
        closed = VenueClosed.model_validate(
            {"kind": "venue-closed", "venue": venue, "date": date, "from": "10:00"}
        )
        hours = [
            Window(start=w.start, end=min(w.end, 600))
            for w in scenario.opening(venue, date)
            if w.start < 600
        ]
        spec = scenario.spec.model_copy(
            update={
                "overrides": [
                    Override(venue=venue, date=date, hours=hours),
                    *scenario.spec.overrides,
                ]
            }
        )
        return [closed], scenario.model_copy(update={"spec": spec})
    if kind == "bus-unavailable":
        return [BusUnavailable(kind="bus-unavailable", group=busiest.id)], None
    if kind == "bus-broken-on-road":  # at the busiest group's first stop, 10 min before it leaves
        stop = busiest.stops[1]
        assert stop.depart is not None
        broken_at = local_clock(stop.depart - dt.timedelta(minutes=10), scenario.tz())
        broken = BusUnavailable.model_validate(
            {"kind": "bus-unavailable", "group": busiest.id, "from": broken_at}
        )
        return [broken], None
    if kind == "group-late":
        return [GroupLate(kind="group-late", group=busiest.id, minutes=30)], None
    raise ValueError(kind)


def run_replan(
    scenario: Scenario,
    matrix: TravelMatrix,
    published: Plan,
    kind: str,
    *,
    time_limit_s: float,
) -> ReplanRun:
    changes, changed = _pick(kind, published, scenario)
    started = time.perf_counter()
    result = replan(published, scenario, matrix, changes)
    replan_s = time.perf_counter() - started
    moved, stops = diff_plans(published, result.plan)
    t0 = time.perf_counter()
    greedy = replan(published, scenario, matrix, changes, repair="greedy")
    greedy_s = time.perf_counter() - t0
    greedy_moved, greedy_stops = diff_plans(published, greedy.plan)
    scratch: tuple[float, int, int, int, int, int] | None = None
    if changed is not None:
        t0 = time.perf_counter()
        fresh, _ = make_plan(changed, matrix, time_limit_s=time_limit_s, seed=published.seed)
        seconds = time.perf_counter() - t0
        scratch = (
            seconds,
            *diff_plans(published, fresh),
            len(fresh.unassigned),
            *figures(fresh, changed),
        )
    cost, satisfaction = figures(result.plan, result.scenario)
    greedy_cost, greedy_satisfaction = figures(greedy.plan, greedy.scenario)
    return ReplanRun(
        instance=scenario.id,
        kind=kind,
        change="; ".join(c.model_dump_json(by_alias=True, exclude={"kind"}) for c in changes)[:120],
        replan_s=round(replan_s, 3),
        replan_moved=moved,
        replan_stops=stops,
        replan_unassigned=len(result.plan.unassigned),
        replan_cost=cost,
        replan_satisfaction=satisfaction,
        greedy_s=round(greedy_s, 3),
        greedy_moved=greedy_moved,
        greedy_stops=greedy_stops,
        greedy_unassigned=len(greedy.plan.unassigned),
        greedy_cost=greedy_cost,
        greedy_satisfaction=greedy_satisfaction,
        scratch_s=None if scratch is None else round(scratch[0], 2),
        scratch_moved=None if scratch is None else scratch[1],
        scratch_stops=None if scratch is None else scratch[2],
        scratch_unassigned=None if scratch is None else scratch[3],
        scratch_cost=None if scratch is None else scratch[4],
        scratch_satisfaction=None if scratch is None else scratch[5],
    )
