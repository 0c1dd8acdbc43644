"""Re-plan a published plan after changes, moving as few people and stops as possible.

Minimal repair: every group the changes do not touch is kept as it was, stop for stop and
minute for minute; what happened before ``now`` is never rewritten. A closed venue's stops
after the closure leave the groups due there (the bus waits at its next stop, which keeps its
time); a late group's stops move later and visits that no longer fit their opening hours are
dropped; each group whose stops a change altered then has the rest of its day re-solved by
the routing solver with stability penalties (changed stops, starts shifted more than 15 min),
kept instead of the repair when better by that ranking. A bus unavailable before it leaves:
its delegates move to buses of their choice with free seats (the seat model); a bus broken
down on the road: a spare bus of the fleet carries its riders on from their current or next
stop, or, with none free, the rest of their day is cancelled with the reason. A new or
re-dated delegate takes a free seat on a bus of their choice. Whoever cannot be placed is
listed as unassigned with the reason. With no change, the plan is returned unchanged, byte for
byte. The report says, per delegate and per host, what changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from findhz.planner import solver
from findhz.planner.assign import cost_metrics, ride_figures
from findhz.planner.buses import PlannedGroup
from findhz.planner.changes import (
    BusUnavailable,
    Change,
    DelegateDays,
    DelegateDropped,
    GroupLate,
    VenueClosed,
    with_delegate_changes,
)
from findhz.planner.errors import InputError, PlanError, Problem
from findhz.planner.exports.ics import calendar_revisions
from findhz.planner.metrics import (
    ChangeRecord,
    ChangeSummary,
    DayFigures,
    DelegateChange,
    DelegateStatus,
    HostChange,
    PlanMetrics,
)
from findhz.planner.models import (
    BusType,
    Delegate,
    Explanation,
    Group,
    Plan,
    Scenario,
    Stop,
    Unassigned,
    local_clock,
)
from findhz.planner.problems import SeatBin, SeatOption, SeatProblem
from findhz.planner.schedule import reschedule_group, schedule_day
from findhz.planner.travel.matrix import TravelMatrix
from findhz.planner.verify import verify_plan

__all__ = ["SHIFT_TOLERANCE_MIN", "ChangeReport", "ReplanResult", "plan_digest", "replan"]

#: Arrivals that move by more than this many minutes count as shifted (and are told).
SHIFT_TOLERANCE_MIN = 15


def plan_digest(plan: Plan) -> str:
    """The SHA-256 of ``plan.json`` as findhz writes it."""
    text = plan.model_dump_json(indent=2) + "\n"
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChangeReport:
    """What changed between two versions of a plan, for each delegate and each host."""

    version: int
    previous_digest: str
    now: str | None
    delegates: list[DelegateChange]
    hosts: list[HostChange]
    notes: list[str]

    @property
    def moved(self) -> int:
        """Delegates now on another bus, route or day (or taken off)."""
        return sum(d.status in ("bus-changed", "route-day-changed") for d in self.delegates)

    @property
    def stops_changed(self) -> int:
        return len(self.hosts)

    def record(self) -> ChangeRecord:
        """The report as the plan carries it (``metrics.changes``) and ``changes.json``."""
        return ChangeRecord(
            version=self.version,
            previous_digest=self.previous_digest,
            now=self.now,
            summary=ChangeSummary(
                delegates_moved=self.moved,
                delegates_shifted=sum(d.status == "shifted" for d in self.delegates),
                delegates_cut_short=sum(d.status == "cut-short" for d in self.delegates),
                delegates_dropped=sum(d.status == "dropped" for d in self.delegates),
                delegates_joined=sum(d.status == "joined" for d in self.delegates),
                stops_changed=self.stops_changed,
            ),
            delegates=list(self.delegates),
            hosts=list(self.hosts),
            notes=list(self.notes),
        )

    def as_json(self) -> dict[str, Any]:
        """:meth:`record` as JSON data (``changes.json``)."""
        return self.record().model_dump(mode="json")


@dataclass(frozen=True)
class ReplanResult:
    plan: Plan
    scenario: Scenario
    report: ChangeReport


@dataclass
class _Work:
    """The plan being repaired: groups as mutable lists, with why each thing happened."""

    scenario: Scenario
    matrix: TravelMatrix
    previous: Plan
    now: dt.datetime | None
    groups: dict[str, Group]
    unassigned: dict[str, str]
    explanations: list[Explanation]
    reasons: dict[str, str] = field(default_factory=dict)
    stop_reasons: dict[tuple[str, str], str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    broken: Counter[tuple[dt.date, str]] = field(default_factory=Counter)
    delays: dict[str, int] = field(default_factory=dict)  # minutes a group runs late
    cuts: dict[str, dt.datetime] = field(default_factory=dict)  # a group's own "now"
    replaced: set[str] = field(default_factory=set)  # a spare bus took over on the road
    cut_short: set[str] = field(default_factory=set)  # broke down, no spare: day cancelled

    def started(self, group: Group, moment: dt.datetime | None = None) -> bool:
        """Has the group left the base by ``now`` (or by ``moment``, if later)?"""
        cut = max((m for m in (self.now, moment) if m is not None), default=None)
        first = group.stops[0].depart
        return cut is not None and first is not None and first < cut

    def frozen(self, stop: Stop, moment: dt.datetime | None = None) -> bool:
        """A stop reached before ``now`` (or ``moment``) stays as it was."""
        cut = max((m for m in (self.now, moment) if m is not None), default=None)
        reached = stop.arrive or stop.depart
        return cut is not None and reached is not None and reached < cut


def replan(
    previous: Plan,
    scenario: Scenario,
    matrix: TravelMatrix,
    changes: Sequence[Change] | None = None,
    *,
    now: dt.datetime | None = None,
    repair: Literal["optimise", "greedy"] = "optimise",
) -> ReplanResult:
    """Repair ``previous`` for the edited ``scenario`` and ``changes``; stops before ``now``
    stay as they were. Returns the new plan, the scenario it is for, and the change report."""
    changes = list(changes or [])
    if now is not None and now.tzinfo is None:
        now = now.replace(tzinfo=scenario.tz())
    scenario = with_delegate_changes(scenario, changes)
    _check_pins(previous, scenario, changes, now)
    work = _Work(
        scenario=scenario,
        matrix=matrix,
        previous=previous,
        now=now,
        groups={g.id: g for g in previous.groups},
        unassigned={u.delegate: u.reason for u in previous.unassigned},
        explanations=list(previous.explanations),
    )
    known = {d.id: d for d in scenario.delegates}
    planned = {d for g in previous.groups for d in g.delegates} | set(work.unassigned)
    for did in sorted(planned - set(known)):
        _drop(work, did, "removed from the scenario")
    to_place: list[str] = [d.id for d in scenario.delegates if d.id not in planned]
    for did in to_place:
        work.reasons[did] = "registered after the plan was published"
    for pin in scenario.spec.pins:  # a delegate pinned since publishing moves to the pin
        if pin.delegate is None or pin.delegate not in known or pin.delegate in to_place:
            continue
        rides = [g for g in work.groups.values() if pin.delegate in g.delegates]
        if any(g.route == pin.route and g.date == pin.date for g in rides):
            continue
        reason = f"pinned by the coordinators to route {pin.route} on {pin.date}"
        pinned = {(p.route, p.date) for p in scenario.spec.pins if p.delegate == pin.delegate}
        for group in rides:
            if group.date == pin.date and not work.started(group):
                _set_delegates(
                    work, group.id, [d for d in group.delegates if d != pin.delegate], reason
                )
        # With every ride taken, the pin frees their latest unpinned ride not yet begun.
        left = [
            g for g in rides if g.id in work.groups and pin.delegate in work.groups[g.id].delegates
        ]
        free = [g for g in left if (g.route, g.date) not in pinned and not work.started(g)]
        if free and len(left) >= scenario.spec.rides:
            last = max(free, key=lambda g: (g.date, g.stops[0].depart or g.stops[0].start, g.id))
            _set_delegates(
                work,
                last.id,
                [d for d in work.groups[last.id].delegates if d != pin.delegate],
                reason,
            )
        work.reasons[pin.delegate] = reason
        to_place.append(pin.delegate)
    for change in changes:
        if isinstance(change, DelegateDropped):
            _drop(work, change.delegate, change.reason or "dropped out")
        elif isinstance(change, DelegateDays):
            _redate(work, known[change.delegate], to_place)
        elif isinstance(change, VenueClosed):
            _close(work, change)
        elif isinstance(change, BusUnavailable):
            _bus_down(work, change, to_place)
        elif isinstance(change, GroupLate):
            _late(work, change)
    if repair == "greedy":
        for did in to_place:
            _place(work, known[did])
    else:
        _reseat(work, to_place, previous.seed)
        _resolve_routes(work, changes, previous.seed)
    _pins_held(work, to_place)

    groups = list(work.groups.values())  # in the published order
    unassigned = [Unassigned(delegate=d, reason=r) for d, r in sorted(work.unassigned.items())]
    if (
        groups == previous.groups
        and unassigned == previous.unassigned
        and sorted(work.explanations, key=repr) == sorted(previous.explanations, key=repr)
    ):
        report = ChangeReport(
            version=previous.metrics.version or 1,
            previous_digest=previous.metrics.previous_digest or "",
            now=None if now is None else now.isoformat(),
            delegates=[],
            hosts=[],
            notes=[*work.notes, "nothing changed: the plan is the published one"],
        )
        return ReplanResult(previous, scenario, report)
    version = (previous.metrics.version or 1) + 1
    digest = plan_digest(previous)
    metrics = _refigured(previous, scenario, groups, unassigned, version).model_copy(
        update={"version": version, "previous_digest": digest}
    )
    plan = previous.model_copy(
        update={
            "groups": groups,
            "unassigned": unassigned,
            "explanations": sorted(
                work.explanations,
                key=lambda e: (
                    e.date.isoformat() if e.date else "",
                    e.kind,
                    e.route or "",
                    e.venue or "",
                    e.reason,
                ),
            ),
            "metrics": metrics,
        }
    )
    report = _report(previous, plan, work, version, digest, now)
    # The plan carries its change report and its calendar revisions, so that every output
    # (workbook, index, delegate pages, .ics) can say what changed from plan.json alone.
    metrics = metrics.model_copy(
        update={
            "changes": report.record(),
            "calendar": calendar_revisions(previous, plan, version),
        }
    )
    plan = plan.model_copy(update={"metrics": metrics})
    plan = Plan.model_validate_json(plan.model_dump_json())  # a plain, re-read copy
    return ReplanResult(plan, scenario, report)


def _refigured(
    previous: Plan,
    scenario: Scenario,
    groups: Sequence[Group],
    unassigned: Sequence[Unassigned],
    version: int,
) -> PlanMetrics:
    """The re-plan's figures, counted again from its groups as a new plan counts them: money,
    satisfaction, people, and each day's totals; the figures of how the published plan was
    searched (the assignment's status, its budget) stay as they were. A day whose buses
    changed loses its certificate (see ``DayFigures.replanned_in``); the frontier, drawn for
    the published plan, is left out."""
    old = previous.metrics
    costs = cost_metrics(scenario, groups)
    rides = ride_figures(scenario, groups)
    days: dict[str, DayFigures] = {}
    for date in sorted({*(old.days or {}), *(g.date.isoformat() for g in groups)}):
        todays = [g for g in groups if g.date.isoformat() == date]
        published = [g for g in previous.groups if g.date.isoformat() == date]
        figures = (old.days or {}).get(date, DayFigures())
        if todays != published:
            figures = figures.model_copy(
                update={
                    **dict.fromkeys(("objective", "prize", "bound", "gap"), None),
                    **dict.fromkeys(("proven_optimal", "from_bound", "bound_status"), None),
                    **_day_totals(todays),
                    "replanned_in": version,
                }
            )
        days[date] = figures
    rate = old.cny_per_rank_step
    totals = _day_totals(groups)
    return old.model_copy(
        update={
            "satisfaction_worst": rides.worst,
            "satisfaction_total": rides.total,
            "rides_by_interest_rank": {str(rank): n for rank, n in rides.by_rank.items()},
            "share_first_or_second_choice": rides.share_first_or_second,
            "rank_steps": rides.steps,
            "delegates_placed": len({d for g in groups for d in g.delegates}),
            "delegates_unassigned": len(unassigned),
            "buses": costs.buses,
            "bus_days_by_type": costs.bus_days_by_type,
            "cost_cny": costs.cost_cny,
            "cost_cny_by_date": costs.cost_cny_by_date,
            "objective_cny": None if rate is None else costs.cost_cny + rate * rides.steps,
            "groups": totals["groups"],
            "visits": totals["visits"],
            "bus_time_s": totals["bus_s"],
            "drive_time_s": totals["drive_s"],
            "days": days,
            "frontier": None,
        }
    )


def _day_totals(groups: Sequence[Group]) -> dict[str, int]:
    """The totals a day's figures carry, counted from its groups' stops: buses, visits, time
    on the road from departure to return (``bus_s``) and time driving (``drive_s``)."""
    bus_s = 0
    for g in groups:
        depart, back = g.stops[0].depart, g.stops[-1].arrive
        if depart is not None and back is not None:
            bus_s += int((back - depart).total_seconds())
    return {
        "groups": len(groups),
        "visits": sum(1 for g in groups for s in g.stops if s.kind == "visit"),
        "bus_s": bus_s,
        "drive_s": sum(s.travel_s or 0 for g in groups for s in g.stops),
    }


# ---------------------------------------------------------------------------------------------
# The repairs


def _check_pins(
    previous: Plan, scenario: Scenario, changes: Sequence[Change], now: dt.datetime | None
) -> None:
    """A pinned group must be in the published plan, and no change may alter it; a pinned
    delegate's days must keep the pinned date (one line per pin that cannot hold)."""
    groups = {g.id: g for g in previous.groups}
    fixed: dict[str, int] = {}
    problems: list[Problem] = []
    for i, pin in enumerate(scenario.spec.pins):
        if pin.group is None:
            continue
        if pin.group not in groups:
            problems.append(
                Problem(
                    scenario.source,
                    "",
                    f"pins[{i}].group",
                    f"group '{pin.group}' is not in the published plan",
                )
            )
        else:
            fixed[pin.group] = i
    cut = now
    for c, change in enumerate(changes):
        hit: list[str] = []
        if isinstance(change, BusUnavailable | GroupLate) and change.group in fixed:
            hit = [change.group]
        elif isinstance(change, VenueClosed):
            closing = _at(change.date, change.from_, scenario)
            hit = [
                gid
                for gid in fixed
                if groups[gid].date == change.date
                and any(
                    s.venue == change.venue
                    and s.start is not None
                    and s.start >= closing
                    and (cut is None or (s.arrive or s.start) >= cut)
                    for s in groups[gid].stops[1:-1]
                )
            ]
        elif isinstance(change, DelegateDays):
            problems.extend(
                Problem(
                    scenario.source,
                    "",
                    f"pins[{i}]",
                    f"{pin.delegate} is pinned on {pin.date}, but changes[{c}] leaves them "
                    f"only {', '.join(d.isoformat() for d in change.available)}",
                )
                for i, pin in enumerate(scenario.spec.pins)
                if pin.delegate == change.delegate
                and pin.date is not None
                and pin.date not in change.available
            )
        problems.extend(
            Problem(
                scenario.source,
                "",
                f"pins[{fixed[gid]}]",
                f"group '{gid}' is pinned, but changes[{c}] ({change.kind}) would alter it; "
                "remove the pin to let findhz re-plan it",
            )
            for gid in hit
        )
    if problems:
        raise InputError(problems)


def _pins_held(work: _Work, placed: list[str]) -> None:
    """Every delegate pin holds after the repair, or the re-plan stops with one line each."""
    problems = []
    for i, pin in enumerate(work.scenario.spec.pins):
        if pin.delegate is None or pin.delegate not in placed:
            continue
        if not any(
            pin.delegate in g.delegates and g.route == pin.route and g.date == pin.date
            for g in work.groups.values()
        ):
            problems.append(
                Problem(
                    work.scenario.source,
                    "",
                    f"pins[{i}]",
                    f"{pin.delegate} is pinned to route {pin.route} on {pin.date}, but no bus of "
                    "it that day has a free seat",
                )
            )
    if problems:
        raise InputError(problems)


def _drop(work: _Work, did: str, reason: str) -> None:
    work.reasons[did] = reason
    work.unassigned.pop(did, None)
    for gid, group in list(work.groups.items()):
        if did in group.delegates and not work.started(group):
            _set_delegates(work, gid, [d for d in group.delegates if d != did], reason)
    still_known = any(d.id == did for d in work.scenario.delegates)
    riding = any(did in g.delegates for g in work.groups.values())
    if still_known and not riding:  # a delegate of the scenario is always accounted for
        work.unassigned[did] = f"dropped out: {reason}"


def _set_delegates(work: _Work, gid: str, delegates: list[str], reason: str) -> None:
    group = work.groups[gid]
    if delegates:
        work.groups[gid] = group.model_copy(update={"delegates": delegates})
        return
    del work.groups[gid]  # nobody left: the bus stays in the depot
    for stop in group.stops[1:-1]:
        work.stop_reasons[(gid, stop.venue)] = f"no delegate left on the bus ({reason})"
    work.explanations = [e for e in work.explanations if e.group != gid]


def _redate(work: _Work, delegate: Delegate, to_place: list[str]) -> None:
    new = set(work.scenario.delegate_dates(delegate))
    for gid, group in list(work.groups.items()):
        if delegate.id in group.delegates and group.date not in new and not work.started(group):
            _set_delegates(
                work, gid, [d for d in group.delegates if d != delegate.id], "changed days"
            )
            work.reasons[delegate.id] = "changed the days they can come"
            if delegate.id not in to_place:
                to_place.append(delegate.id)


def _at(date: dt.date, minute: int, scenario: Scenario) -> dt.datetime:
    return dt.datetime.combine(date, dt.time(0), tzinfo=scenario.tz()) + dt.timedelta(
        minutes=minute
    )


def _minute(moment: dt.datetime, scenario: Scenario) -> int:
    local = moment.astimezone(scenario.tz())
    return local.hour * 60 + local.minute


def _close(work: _Work, change: VenueClosed) -> None:
    closing = _at(change.date, change.from_, work.scenario)
    reason = change.reason or (
        f"{change.venue} closed from {local_clock(closing, work.scenario.tz())} on {change.date}"
    )
    for gid, group in sorted(work.groups.items()):
        if group.date != change.date:
            continue
        stops = list(group.stops)
        for k in range(len(stops) - 2, 0, -1):
            stop = stops[k]
            if stop.venue != change.venue or stop.start is None or stop.start < closing:
                continue
            if work.frozen(stop):
                continue
            if stop.kind == "lunch":
                moved = _move_lunch(work, group, stops, k, change.venue)
                if moved is None:
                    work.notes.append(
                        f"group {gid}: lunch at {change.venue} kept: no other lunch venue is "
                        "open, has room and fits the day; arrange another lunch venue"
                    )
                    continue
                stops = moved
                work.stop_reasons[(gid, stop.venue)] = reason
                work.stop_reasons[(gid, stops[k].venue)] = f"lunch moved here: {reason}"
                continue
            del stops[k]
            work.stop_reasons[(gid, stop.venue)] = reason
            stops = _retime(work, group.date, stops, k)
            work.explanations.append(
                Explanation(
                    kind="venue-closed",
                    route=group.route,
                    date=group.date,
                    venue=change.venue,
                    group=gid,
                    reason=reason,
                )
            )
            _bounds_explained(work, group, stops, reason)
        work.groups[gid] = group.model_copy(update={"stops": stops})


def _move_lunch(
    work: _Work, group: Group, stops: list[Stop], k: int, closed: str
) -> list[Stop] | None:
    """The group's stops with lunch ``k`` at another lunch venue: the one that keeps the rest
    of the day closest to the published times, open and with room for the group, whose day
    then still passes every check; None when there is none."""
    scenario = work.scenario
    best: tuple[int, str, list[Stop]] | None = None
    for venue in sorted(scenario.venues.values(), key=lambda v: v.id):
        if not venue.lunch or venue.id == closed or venue.max_group < len(group.delegates):
            continue
        if (
            group.delegates
            and any(d.step_free for d in scenario.delegates if d.id in group.delegates)
            and not venue.step_free
        ):
            continue
        trial = _retime(
            work,
            group.date,
            [*stops[:k], stops[k].model_copy(update={"venue": venue.id}), *stops[k + 1 :]],
            k,
        )
        if not all(_fits(work, group.date, s) for s in trial[k:-1]):
            continue
        moved = group.model_copy(update={"stops": trial})
        others = [g for g in work.groups.values() if g.id != group.id]
        plan = work.previous.model_copy(update={"groups": [*others, moved]})
        if any(group.id in line for line in verify_plan(plan, scenario)):
            continue
        back, was = trial[-1].arrive, stops[-1].arrive
        shift = int(abs((back - was).total_seconds())) if back and was else 0
        if best is None or (shift, venue.id) < best[:2]:
            best = (shift, venue.id, trial)
    return None if best is None else best[2]


def _bounds_explained(work: _Work, group: Group, stops: list[Stop], reason: str) -> None:
    route = work.scenario.routes[group.route]
    n = sum(1 for s in stops if s.kind == "visit")
    if not route.min_stops <= n <= route.max_stops:
        work.explanations.append(
            Explanation(
                kind="stop-bounds",
                route=group.route,
                date=group.date,
                group=group.id,
                reason=f"{n} visits after a change: {reason}",
            )
        )


def _retime(work: _Work, date: dt.date, stops: list[Stop], k: int) -> list[Stop]:
    """Re-time stops ``k`` onward after the stop before ``k`` changed: each leg from the
    travel matrix; a stop keeps its published start when the bus is there in time."""
    out = stops[:k]
    for stop in stops[k:]:
        before = out[-1]
        assert before.depart is not None
        minute = _minute(before.depart, work.scenario)
        travel = work.matrix.travel_s(before.venue, stop.venue, minute, date)
        distance = work.matrix.distance_m(before.venue, stop.venue, minute, date)
        arrive = before.depart + dt.timedelta(seconds=travel)
        if stop.kind == "return":
            out.append(
                stop.model_copy(
                    update={"arrive": arrive, "travel_s": travel, "distance_m": distance}
                )
            )
            continue
        assert stop.start is not None and stop.end is not None and stop.depart is not None
        late = max(dt.timedelta(0), arrive - stop.start)
        out.append(
            stop.model_copy(
                update={
                    "arrive": arrive,
                    "start": stop.start + late,
                    "end": stop.end + late,
                    "depart": stop.depart + late,
                    "travel_s": travel,
                    "distance_m": distance,
                }
            )
        )
    return out


def _fits(work: _Work, date: dt.date, stop: Stop) -> bool:
    assert stop.start is not None and stop.end is not None
    lo, hi = _minute(stop.start, work.scenario), _minute(stop.end, work.scenario)
    if stop.end.date() != stop.start.date():
        return False
    if stop.kind == "lunch":
        a, b = work.scenario.spec.lunch.window
        if not a <= lo <= b:
            return False
    return any(w.start <= lo and hi <= w.end for w in work.scenario.opening(stop.venue, date))


def _late(work: _Work, change: GroupLate) -> None:
    reason = change.reason or f"running {change.minutes} min late"
    _delay(work, change.group, change.minutes, reason)


def _delay(
    work: _Work, gid: str, minutes: int, reason: str, moment: dt.datetime | None = None
) -> None:
    """The group's stops not reached by ``now`` (or ``moment``) move ``minutes`` later; visits
    that no longer fit their hours leave."""
    group = work.groups[gid]
    delay = dt.timedelta(minutes=minutes)
    stops = list(group.stops)
    first = next((k for k, s in enumerate(stops) if not work.frozen(s, moment)), None)
    if first is None:
        work.notes.append(f"group {group.id} is already back; its delay changes nothing")
        return
    work.delays[gid] = work.delays.get(gid, 0) + minutes
    if moment is not None:
        work.cuts[gid] = moment
    for k in range(first, len(stops)):
        stop = stops[k]
        update = {
            name: getattr(stop, name) + delay
            for name in ("arrive", "start", "end", "depart")
            if getattr(stop, name) is not None
        }
        if k == first and k > 0 and stop.travel_s is not None:
            # The bus has left (or is at) a stop already reached: the delay is on this leg.
            update["travel_s"] = stop.travel_s + minutes * 60
        stops[k] = stop.model_copy(update=update)
    # Visits that no longer fit their opening hours are dropped, from the last one back.
    k = len(stops) - 2
    while k >= max(first, 1):
        stop = stops[k]
        if stop.kind == "visit" and not _fits(work, group.date, stop):
            del stops[k]
            work.stop_reasons[(group.id, stop.venue)] = f"{reason}: no longer fits its hours"
            stops = _retime(work, group.date, stops, k)
            work.explanations.append(
                Explanation(
                    kind="late",
                    route=group.route,
                    date=group.date,
                    venue=stop.venue,
                    group=group.id,
                    reason=f"{reason}; {stop.venue} would have closed",
                )
            )
        k -= 1
    if stops[0].depart is not None and first == 0:  # it had not left: it leaves later
        pass
    _bounds_explained(work, group, stops, reason)
    for stop in stops[1:-1]:
        if not _fits(work, group.date, stop):
            work.notes.append(
                f"group {group.id}: {stop.kind} at {stop.venue} no longer fits its hours "
                "after the delay; call the host"
            )
    work.groups[group.id] = group.model_copy(update={"stops": stops})


def _disruption(published: Group, group: Group) -> int:
    """Changed stops (a published stop left out; a stop added or reached from another place
    than published) plus stops starting more than SHIFT_TOLERANCE_MIN from their published
    start: the re-plan's stability measure of a group's day, as the routing objective has it."""
    was = [(s.kind, s.venue) for s in published.stops[1:-1]]
    now = [(s.kind, s.venue) for s in group.stops[1:-1]]
    before_was = dict(zip(was, [None, *was[:-1]], strict=True))
    starts = {(s.kind, s.venue): s.start for s in published.stops[1:-1]}
    changed = sum(1 for key in was if key not in now)
    changed += sum(
        1
        for key, before in zip(now, [None, *now[:-1]], strict=True)
        if key not in before_was or before_was[key] != before
    )
    tolerance = dt.timedelta(minutes=SHIFT_TOLERANCE_MIN)
    shifted = sum(
        1
        for s in group.stops[1:-1]
        if (start := starts.get((s.kind, s.venue))) is not None
        and s.start is not None
        and abs(s.start - start) > tolerance
    )
    return changed + shifted


def _day_value(work: _Work, group: Group) -> tuple[int, int]:
    """(the venues' worth to the riders, bus seconds): ranked after stability."""
    route = work.scenario.routes[group.route]
    worth = sum(route.weight(s.venue) for s in group.stops[1:-1] if s.kind == "visit")
    depart, back = group.stops[0].depart, group.stops[-1].arrive
    span = int((back - depart).total_seconds()) if depart and back else 0
    return worth, span


def _resolve_routes(work: _Work, changes: Sequence[Change], seed: int) -> None:
    """Each group whose stops a change altered (a closure, a delay) has the rest of its day
    re-solved by the routing solver with stability penalties, from its published tour; the
    re-solved day replaces the minimal repair when it is better by stability first (changed
    stops plus stops shifted more than 15 min), then the venues' worth, then bus time, and
    the day still passes every check. The frozen past and pinned groups stay as they are."""
    published = {g.id: g for g in work.previous.groups}
    fixed = {p.group for p in work.scenario.spec.pins if p.group is not None}
    late = work.delays
    for gid in sorted(work.groups):
        group = work.groups[gid]
        old = published.get(gid)
        if old is None or gid in fixed or group.stops == old.stops or len(group.stops) < 3:
            continue
        midnight = _at(group.date, 0, work.scenario)
        closed = {
            c.venue: c.from_ * 60
            for c in changes
            if isinstance(c, VenueClosed) and c.date == group.date
        }
        inner = group.stops[1:-1]
        cut = work.cuts.get(gid)
        frozen = sum(1 for s in inner if work.frozen(s, cut))
        here = group.stops[frozen]  # the base or the last stop reached
        moment = max((m for m in (work.now, cut) if m is not None), default=None)
        if moment is not None and here.depart is not None and here.depart < moment:
            frozen = min(frozen + 1, len(inner))  # on the road: the stop it drives to stays
        if frozen >= len(inner):
            continue
        here = group.stops[frozen]  # the base, or the last stop the bus keeps
        ready = 0
        if (frozen or gid in late) and here.depart is not None:
            ready = int((here.depart - midnight).total_seconds())
            if gid in late and here == old.stops[frozen]:  # the delay comes after it
                ready += late[gid] * 60
        if work.now is not None and work.now.astimezone(work.scenario.tz()).date() == group.date:
            ready = max(ready, int((work.now - midnight).total_seconds()))
        others = [g for g in work.groups.values() if g.date == group.date and g.id != gid]
        try:
            made = reschedule_group(
                work.scenario,
                work.matrix,
                group,
                old,
                others=others,
                frozen=frozen,
                ready=ready,
                closed=closed,
                budget_s=RESOLVE_BUDGET_S,
                seed=seed,
            )
        except PlanError:
            made = None
        if made is None:
            continue
        kept_key = (
            _disruption(old, group),
            -_day_value(work, group)[0],
            _day_value(work, group)[1],
        )
        made_key = (_disruption(old, made), -_day_value(work, made)[0], _day_value(work, made)[1])
        if made_key >= kept_key:
            continue
        kept = (work.explanations, dict(work.stop_reasons))
        _take_resolved(work, old, made)
        trial = work.previous.model_copy(
            update={"groups": [*others, made], "explanations": work.explanations}
        )
        if any(gid in line for line in verify_plan(trial, work.scenario)):
            work.explanations, work.stop_reasons = kept  # the repair stays
            work.groups[gid] = group


def _take_resolved(work: _Work, old: Group, made: Group) -> None:
    """Put the re-solved day in place of the minimal repair, with reasons for its stops."""
    gid = made.id
    why = "; ".join(sorted({r for (g, _), r in work.stop_reasons.items() if g == gid}))
    because = f"the day re-planned with the fewest changes ({why or 'a change'})"
    venues = {s.venue for s in made.stops[1:-1]}
    published = {s.venue for s in old.stops[1:-1]}
    for venue in venues - published:
        work.stop_reasons[(gid, venue)] = f"added: {because}"
    for venue in published - venues:
        work.stop_reasons.setdefault((gid, venue), because)
    # The repair's explanations of this group give way to the re-solved day's.
    work.explanations = [
        e
        for e in work.explanations
        if not (e.group == gid and (e.kind == "stop-bounds" or e.venue in venues))
    ]
    for stop in old.stops[1:-1]:
        if (
            stop.kind == "visit"
            and stop.venue not in venues
            and not any(e.group == gid and e.venue == stop.venue for e in work.explanations)
        ):
            work.explanations.append(
                Explanation(
                    kind="replanned",
                    route=made.route,
                    date=made.date,
                    venue=stop.venue,
                    group=gid,
                    reason=f"{stop.venue} left out: {because}",
                )
            )
    _bounds_explained(work, made, list(made.stops), because)
    work.groups[gid] = made


def _bus_down(work: _Work, change: BusUnavailable, to_place: list[str]) -> None:
    group = work.groups[change.group]
    moment = _at(group.date, change.from_, work.scenario)
    if work.started(group, moment) and change.from_ > 0:
        _carry_on(work, group, moment, change.reason)
        return
    reason = change.reason or f"bus of group {group.id} unavailable"
    del work.groups[group.id]
    work.broken[(group.date, group.bus)] += 1
    for stop in group.stops[1:-1]:
        work.stop_reasons[(group.id, stop.venue)] = reason
    work.explanations = [e for e in work.explanations if e.group != group.id]
    for did in group.delegates:
        work.reasons[did] = reason
        if did not in to_place:
            to_place.append(did)


def _replacement(work: _Work, group: Group) -> BusType | None:
    """A spare bus of the fleet that day with a seat for each rider: the cheapest, then the
    smallest; None when the fleet has none left."""
    used = Counter((g.date, g.bus) for g in work.groups.values()) + work.broken
    free = [
        bus
        for bus in work.scenario.spec.fleet
        if bus.count > used[(group.date, bus.id)] and bus.seats >= len(group.delegates)
    ]
    return min(
        free,
        key=lambda b: (work.scenario.bus_day_cost(b.id), b.seats, b.id),
        default=None,
    )


def _carry_on(work: _Work, group: Group, moment: dt.datetime, why: str) -> None:
    """The bus of a group on the road breaks down at ``moment``: a spare bus of the fleet
    drives from the base to the stop the riders are at (or were driving to) and carries them
    on from there, the rest of the day later by as long as it takes to come; with no spare
    bus, the rest of their day is cancelled and the coordinators bring them back."""
    scenario, gid = work.scenario, group.id
    reason = why or f"the bus of group {gid} broke down at {local_clock(moment, scenario.tz())}"
    stops = list(group.stops)
    k = next(
        (i for i, s in enumerate(stops) if i > 0 and (s.depart is None or s.depart > moment)),
        len(stops) - 1,
    )
    here = stops[k]
    at_stop = here.arrive is not None and here.arrive <= moment
    if at_stop and k == len(stops) - 1:
        work.notes.append(
            f"group {gid} is back at the base by {local_clock(moment, scenario.tz())}: "
            "nothing changes"
        )
        return
    back = k == len(stops) - 1 and not at_stop
    where = f"the road back to {here.venue}" if back else here.venue
    bus = _replacement(work, group)
    work.broken[(group.date, group.bus)] += 1
    if bus is not None:
        leg = work.matrix.travel_s(
            scenario.spec.base, here.venue, _minute(moment, scenario), group.date
        )
        reach = moment + dt.timedelta(seconds=leg)
        due = here.depart if at_stop and here.depart is not None else here.arrive
        assert due is not None
        late = max(0, math.ceil((reach - due).total_seconds() / 60))
        work.groups[gid] = group.model_copy(update={"bus": bus.id, "seats": bus.seats})
        work.replaced.add(gid)
        told = f"{reason}: a spare {bus.id} from the base takes them on from {where}"
        if late:
            told += f", {late} min later"
            _delay(work, gid, late, told, moment)
        for did in group.delegates:
            work.reasons[did] = told
        work.notes.append(f"group {gid}: {told}")
        return
    keep = k + 1 if at_stop and k < len(stops) - 1 else k
    cancelled = stops[keep:-1]
    told = (
        f"{reason}, and no spare bus of the fleet is free that day: the rest of their day "
        f"is cancelled; the coordinators bring them back from {where}"
    )
    work.cuts[gid] = moment
    if cancelled:
        left = _retime(work, group.date, [*stops[:keep], stops[-1]], keep)
        work.groups[gid] = group.model_copy(update={"stops": left})
        work.cut_short.add(gid)
        _bounds_explained(work, group, left, told)  # fewer visits than the route asks
    for stop in cancelled:
        work.stop_reasons[(gid, stop.venue)] = told
        if stop.kind == "visit":
            work.explanations.append(
                Explanation(
                    kind="breakdown",
                    route=group.route,
                    date=group.date,
                    venue=stop.venue,
                    group=gid,
                    reason=told,
                )
            )
    if any(s.kind == "lunch" for s in cancelled):
        work.explanations.append(
            Explanation(
                kind="breakdown", route=group.route, date=group.date, group=gid, reason=told
            )
        )
    for did in group.delegates:
        work.reasons[did] = told
    work.notes.append(f"group {gid}: {told}")


def _reseat(
    work: _Work,
    to_place: list[str],
    seed: int,
    *,
    new_buses: bool = True,
    refused: frozenset[tuple[str, dt.date, int]] = frozenset(),
) -> None:
    """Seat the displaced, re-dated and new delegates by the seat solver (CP-SAT): as many
    placed as possible, then the fewest people moved off their published bus, then the least
    money (a spare bus of the fleet may run, scheduled on its own, when no seat is free)."""
    scenario = work.scenario
    known = {d.id: d for d in scenario.delegates}
    waiting = [did for did in dict.fromkeys(to_place) if did in known]
    if not waiting:
        return
    fixed = {p.group for p in scenario.spec.pins if p.group is not None}
    days = sorted({d for did in waiting for d in scenario.delegate_dates(known[did])})
    today = work.now.astimezone(scenario.tz()).date() if work.now is not None else None
    day_of = {d: i for i, d in enumerate(days)}
    family = {rid: i for i, rid in enumerate(scenario.routes)}
    fleet = scenario.spec.fleet
    movable = [
        g
        for g in work.groups.values()
        if g.date in day_of and g.id not in fixed and not work.started(g)
    ]
    bins: list[SeatBin] = []
    where: list[tuple[str, dt.date, str | None, int | None]] = []  # route, date, group, type
    for group in movable:
        caps = [scenario.venues[s.venue].max_group for s in group.stops[1:-1]]
        bins.append(SeatBin(day=day_of[group.date], capacity=min([group.seats, *caps])))
        where.append((group.route, group.date, group.id, None))
    route_days = sorted({(g.route, g.date) for g in work.groups.values() if g.date in day_of})
    route_days += sorted(
        {(g.route, g.date) for g in work.previous.groups if g.date in day_of} - set(route_days)
    )
    if new_buses:  # a spare bus on a route-day of the plan, on a day not yet begun
        for rid, date in route_days:
            if today is not None and date <= today:
                continue
            musts = [scenario.venues[v].max_group for v in scenario.routes[rid].must_visit]
            for t, bus in enumerate(fleet):
                if (rid, date, t) in refused:  # tried: it cannot be timed around the others
                    continue
                bins.append(
                    SeatBin(
                        day=day_of[date],
                        capacity=min([bus.seats, *musts]),
                        new_type=t,
                        cost=scenario.bus_day_cost(bus.id),
                        min_riders=scenario.min_riders(rid),
                    )
                )
                where.append((rid, date, None, t))
    used = Counter((g.date, g.bus) for g in work.groups.values()) + work.broken
    spare = tuple(tuple(max(0, bus.count - used[(date, bus.id)]) for bus in fleet) for date in days)
    waiting_set = set(waiting)
    # Who may move: the riders of the buses the waiting delegates could take (each of them
    # may then take any seat of their own choices); everyone else keeps their seat.
    reachable = {
        (rid, date)
        for did in waiting
        for rid in known[did].interests
        for date in scenario.delegate_dates(known[did])
    }
    riders = {did for g in movable if (g.route, g.date) in reachable for did in g.delegates}
    people = sorted(riders | set(waiting), key=lambda d: (d not in riders, d))
    in_problem = set(people)
    for b, spot in enumerate(where):  # seats of those who stay put are not on offer
        if spot[2] is not None:
            staying = sum(1 for d in work.groups[spot[2]].delegates if d not in in_problem)
            bins[b] = dataclasses.replace(bins[b], capacity=max(0, bins[b].capacity - staying))
    options: list[SeatOption] = []
    previous: list[int] = []
    rides: list[int] = []
    movable_ids = {g.id for g in movable}
    for p, did in enumerate(people):
        delegate = known[did]
        kept = [g for g in work.groups.values() if did in g.delegates and g.id not in movable_ids]
        busy_days = {g.date for g in kept}
        busy_routes = {g.route for g in kept}
        allowed = max(0, scenario.spec.rides - len(kept))
        if did not in waiting_set:
            # A re-plan adds no ride to a delegate it did not affect, and takes none away
            # (even where the published plan gives them more than ``rides``).
            allowed = sum(1 for g in movable if did in g.delegates)
        rides.append(allowed)
        pins = {pin.date: pin.route for pin in scenario.spec.pins if pin.delegate == did}
        dates = set(scenario.delegate_dates(delegate))
        if len(set(pins) - busy_days) >= allowed:  # their pins take every ride left
            dates &= set(pins)
        for rank, rid in enumerate(delegate.interests):
            if rid not in family:
                continue
            for b, (bin_route, date, gid, _) in enumerate(where):
                if bin_route != rid or date not in dates or date in busy_days:
                    continue
                riding = gid is not None and did in work.groups[gid].delegates
                if rid in busy_routes and not riding:  # one ride per route, as published
                    continue
                if date in pins and pins[date] != rid:
                    continue
                if delegate.step_free and not _step_free(scenario, rid, gid, work):
                    continue
                if riding:
                    previous.append(len(options))
                options.append(SeatOption(person=p, bin=b, steps=rank, family=family[rid]))
    start = _one_by_one(options, previous, bins, rides, people, waiting_set)
    problem = SeatProblem(
        start=start,
        people=len(people),
        bins=tuple(bins),
        options=tuple(options),
        rides=tuple(rides),
        spare=spare,
        previous=tuple(previous),
        step_cost=scenario.spec.cny_per_rank_step,
    )
    solution = solver.solve_seats(problem, time_limit_s=0.5, seed=seed)
    if not solution.feasible:
        work.notes.append(f"the seat solver found no answer ({solution.status})")
        for did in waiting:
            _place(work, known[did])
        return
    members: dict[int, list[str]] = {}
    for k in solution.chosen:
        option = options[k]
        members.setdefault(option.bin, []).append(people[option.person])
    seated: dict[str, list[str]] = {}
    for b, spot in enumerate(where):
        gid = spot[2]
        if gid is not None:
            now_on = members.get(b, [])
            old = work.groups[gid].delegates
            seated[gid] = [d for d in old if d in now_on or d not in in_problem] + [
                d for d in now_on if d not in old
            ]
    fresh: list[Group] = []
    for b in solution.opened:
        rid, date, _, kind = where[b]
        assert kind is not None
        made = _new_bus(work, rid, date, fleet[kind], members.get(b, []), seed, seated, fresh)
        if made is None:
            # It cannot be timed around the other buses: seat again without that spare bus
            # (after a few refusals, without any spare bus).
            more = refused | {(rid, date, kind)}
            _reseat(work, to_place, seed, new_buses=len(more) < _SPARE_TRIES, refused=more)
            return
        fresh.append(made)
    for gid, riders_now in seated.items():
        group = work.groups[gid]
        for did in group.delegates:
            if did not in riders_now and did not in waiting_set:
                work.reasons[did] = (
                    "moved to another bus so that a displaced or new delegate could ride "
                    "(the fewest people moved)"
                )
        if riders_now != group.delegates:
            _set_delegates(work, gid, riders_now, "its riders were re-seated")
    for group in fresh:
        work.groups[group.id] = group
        for stop in group.stops[1:-1]:
            work.stop_reasons[(group.id, stop.venue)] = (
                "a spare bus of the fleet now runs: no bus of their choice had a free seat"
            )
    placed = {d for g in work.groups.values() for d in g.delegates}
    for did in waiting:
        if did in placed:
            work.unassigned.pop(did, None)
            continue
        if any(did in g.delegates for g in work.groups.values()):
            continue
        why = work.reasons.get(did, "")
        work.unassigned[did] = (
            "no bus of a route they chose has a free seat on a day they can come, and no "
            "spare bus of the fleet can run for them (fleet, min_riders, venue capacity)"
            + (f" after the change ({why})" if why else "")
        )


_SPARE_TRIES = 3
#: The routing work of re-solving one group's day (seconds on a 2-core machine; a work
#: limit, so the answer repeats).
RESOLVE_BUDGET_S = 0.3  # spare buses refused by their check before the seat model runs without any


def _one_by_one(
    options: list[SeatOption],
    previous: list[int],
    bins: list[SeatBin],
    rides: list[int],
    people: list[str],
    waiting: set[str],
) -> tuple[int, ...]:
    """The published seats plus, for each waiting delegate in turn, their best free seat on
    a bus that runs (the start of the seat solver, which it never does worse than)."""
    chosen = list(previous)
    used = Counter(options[k].bin for k in chosen)
    taken = {(options[k].person, bins[options[k].bin].day) for k in chosen}
    families = {(options[k].person, options[k].family) for k in chosen}
    count = Counter(options[k].person for k in chosen)
    for k, option in enumerate(options):  # options are in each person's rank order
        p, b = option.person, option.bin
        if people[p] not in waiting or bins[b].new_type is not None:
            continue
        if count[p] >= rides[p] or (p, bins[b].day) in taken or (p, option.family) in families:
            continue
        if used[b] >= bins[b].capacity:
            continue
        chosen.append(k)
        used[b] += 1
        taken.add((p, bins[b].day))
        families.add((p, option.family))
        count[p] += 1
    return tuple(sorted(chosen))


def _step_free(scenario: Scenario, route: str, gid: str | None, work: _Work) -> bool:
    """Can a delegate who needs step-free access ride this bus (or a new one of the route)?"""
    if gid is not None:
        return all(scenario.venues[s.venue].step_free for s in work.groups[gid].stops[1:-1])
    return all(scenario.venues[v].step_free for v in scenario.routes[route].must_visit)


def _new_bus(
    work: _Work,
    route: str,
    date: dt.date,
    bus: BusType,
    riders: list[str],
    seed: int,
    seated: dict[str, list[str]],
    also: list[Group],
) -> Group | None:
    """A spare bus for ``riders``, its day scheduled on its own; None when it cannot be timed
    around the other buses of the day (venue capacity) or breaks another rule."""
    known = {d.id: d for d in work.scenario.delegates}
    taken = {g.id for g in work.previous.groups} | set(work.groups) | {g.id for g in also}
    n = 1
    while f"{date.isoformat()}-{route}-{n}" in taken:
        n += 1
    gid = f"{date.isoformat()}-{route}-{n}"
    planned = PlannedGroup(
        id=gid,
        route=route,
        date=date,
        bus=bus.id,
        seats=bus.seats,
        delegates=tuple(riders),
        step_free=any(known[d].step_free for d in riders),
    )
    try:
        day = schedule_day(work.scenario, work.matrix, date, [planned], budget_s=0.5, seed=seed)
    except PlanError:
        return None
    if len(day.groups) != 1:
        return None
    group = day.groups[0]
    others = [
        g.model_copy(update={"delegates": seated.get(g.id, g.delegates)})
        for g in work.groups.values()
        if seated.get(g.id, g.delegates)
    ]
    trial = work.previous.model_copy(update={"groups": [*others, *also, group]})
    if any(gid in line for line in verify_plan(trial, work.scenario)):
        return None
    return group


def _place(work: _Work, delegate: Delegate) -> None:
    """A free seat on a bus of the delegate's choice (most free seats first), or unassigned."""
    scenario = work.scenario
    dates = set(scenario.delegate_dates(delegate))
    riding = [g for g in work.groups.values() if delegate.id in g.delegates]
    if len(riding) >= scenario.spec.rides:
        return
    busy = {g.date for g in riding}
    pins = {p.date: p.route for p in scenario.spec.pins if p.delegate == delegate.id}
    if len(set(pins) - busy) >= scenario.spec.rides - len(riding):  # pins take every ride
        dates &= set(pins)
    fixed = {p.group for p in scenario.spec.pins if p.group is not None}
    # Pinned days first: a pinned delegate takes a seat on their pinned route that day.
    order = [r for r in delegate.interests if r in pins.values()] + [
        r for r in delegate.interests if r not in pins.values()
    ]
    for route in order:
        options = []
        for group in work.groups.values():
            if group.route != route or group.date not in dates or group.date in busy:
                continue
            if group.date in pins and pins[group.date] != route:
                continue
            if group.id in fixed or work.started(group) or len(group.delegates) >= group.seats:
                continue
            venues = [scenario.venues[s.venue] for s in group.stops[1:-1]]
            if any(v.max_group <= len(group.delegates) for v in venues):
                continue
            if delegate.step_free and not all(v.step_free for v in venues):
                continue
            options.append((-(group.seats - len(group.delegates)), group.date, group.id))
        if options:
            _, _, gid = min(options)
            work.groups[gid] = work.groups[gid].model_copy(
                update={"delegates": [*work.groups[gid].delegates, delegate.id]}
            )
            work.unassigned.pop(delegate.id, None)
            return
    if riding:  # they keep the route-days they have
        return
    why = work.reasons.get(delegate.id, "")
    work.unassigned[delegate.id] = (
        "no bus of a route they chose has a free seat on a day they can come"
        + (f" after the change ({why})" if why else "")
        + "; a new bus would be needed"
    )


# ---------------------------------------------------------------------------------------------
# The report


def _rides(plan: Plan) -> dict[str, list[Group]]:
    rides: dict[str, list[Group]] = {}
    for group in plan.groups:
        for did in group.delegates:
            rides.setdefault(did, []).append(group)
    return rides


def _shift_min(old: Group, new: Group) -> int:
    before = {(s.kind, s.venue): s.arrive for s in old.stops[1:] if s.arrive}
    shifts = [
        abs(int((s.arrive - was).total_seconds() // 60))
        for s in new.stops[1:]
        if s.arrive and (was := before.get((s.kind, s.venue))) is not None
    ]
    changed = {(s.kind, s.venue) for s in old.stops} != {(s.kind, s.venue) for s in new.stops}
    return max(shifts, default=0) if not changed else max(max(shifts, default=0), 1)


def _report(
    previous: Plan,
    plan: Plan,
    work: _Work,
    version: int,
    digest: str,
    now: dt.datetime | None,
) -> ChangeReport:
    old, new = _rides(previous), _rides(plan)
    old_groups = {g.id: g for g in previous.groups}
    new_groups = {g.id: g for g in plan.groups}
    unassigned = {u.delegate: u.reason for u in plan.unassigned}
    people: list[DelegateChange] = []
    for did in sorted(set(old) | set(new) | set(unassigned) | set(work.reasons)):
        before = sorted(g.id for g in old.get(did, []))
        after = sorted(g.id for g in new.get(did, []))
        reason = work.reasons.get(did, "")
        status: DelegateStatus
        shift = 0
        if before and not after:
            status, reason = "dropped", reason or unassigned.get(did, "")
        elif after and not before:
            status = "joined"
        elif not before and not after:
            continue
        elif before != after:
            same_day = {(g.route, g.date) for g in old[did]} == {
                (g.route, g.date) for g in new[did]
            }
            status = "bus-changed" if same_day else "route-day-changed"
        elif all(old_groups[g].stops == new_groups[g].stops for g in after):
            if all(
                old_groups[g].bus == new_groups[g].bus and g not in work.replaced for g in after
            ):
                continue
            status = "bus-changed"  # a spare bus took over on the road, on time
        else:
            shift = max(_shift_min(old_groups[g], new_groups[g]) for g in after)
            status = "cut-short" if work.cut_short.intersection(after) else "shifted"
            if not reason:
                reason = (
                    "; ".join(
                        sorted({r for (gid, _), r in work.stop_reasons.items() if gid in after})
                    )
                    or "the day's timetable changed"
                )
        people.append(
            DelegateChange(
                delegate=did,
                status=status,
                before=before,
                after=after,
                shift_min=shift,
                reason=reason,
            )
        )
    hosts: list[HostChange] = []
    tz = work.scenario.tz()
    for gid in sorted(set(old_groups) | set(new_groups)):
        was = {s.venue: s for s in old_groups[gid].stops[1:-1]} if gid in old_groups else {}
        is_ = {s.venue: s for s in new_groups[gid].stops[1:-1]} if gid in new_groups else {}
        date = (old_groups.get(gid) or new_groups[gid]).date.isoformat()
        for venue in sorted(set(was) | set(is_)):
            a, b = was.get(venue), is_.get(venue)
            reason = work.stop_reasons.get((gid, venue), "")
            if a is not None and b is None:
                hosts.append(_host(venue, date, gid, "cancelled", _span(a, tz), "", reason))
            elif b is not None and a is None:
                hosts.append(_host(venue, date, gid, "added", "", _span(b, tz), reason))
            elif a is not None and b is not None and a.start != b.start:
                moved = abs((b.start - a.start).total_seconds()) / 60 if a.start and b.start else 0
                if moved > SHIFT_TOLERANCE_MIN or a.start is None:
                    hosts.append(
                        _host(venue, date, gid, "shifted", _span(a, tz), _span(b, tz), reason)
                    )
    return ChangeReport(
        version=version,
        previous_digest=digest,
        now=None if now is None else now.isoformat(),
        delegates=people,
        hosts=hosts,
        notes=list(work.notes),
    )


def _host(
    venue: str,
    date: str,
    group: str,
    status: Literal["cancelled", "added", "shifted"],
    before: str,
    after: str,
    reason: str,
) -> HostChange:
    return HostChange(
        venue=venue,
        date=date,
        group=group,
        status=status,
        before=before,
        after=after,
        reason=reason,
    )


def _span(stop: Stop, tz: dt.tzinfo) -> str:
    if stop.start is None or stop.end is None:
        return ""
    return f"{local_clock(stop.start, tz)}-{local_clock(stop.end, tz)}"
