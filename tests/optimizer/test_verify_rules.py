"""Every rule of ``verify_plan``, each broken on its own.

Each case changes the valid hand-made plan of ``test_verify.py`` (two groups, one day), or
the scenario it is checked against, so that exactly the one rule breaks, and asserts the
exact violation list. A few rules cannot break alone (a date outside the scenario also puts
delegates on a day they cannot ride); those cases name every violation they cause.
"""

# ruff: noqa: F811 (the fixtures imported from test_verify are the tests' parameters)

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from findhz.planner.models import (
    BusType,
    DayWindow,
    Explanation,
    LunchRule,
    Plan,
    Scenario,
    Unassigned,
)
from findhz.planner.verify import verify_plan

from .factory import BASE, THU, clock
from .test_verify import (  # noqa: F401 (fixtures are used by name)
    G1,
    G2,
    _group,
    _replace_group,
    _replace_stop,
    _stop_at,
    hand_plan,
    matrix,
    scenario,
    scenario_file,
)

Case = Callable[[Plan, Scenario], tuple[Plan, Scenario]]
FRI = THU + dt.timedelta(days=1)


def _group_update(gid: str, **changes: Any) -> Case:
    def change(plan: Plan, scenario: Scenario) -> tuple[Plan, Scenario]:
        return _replace_group(plan, _group(plan, gid).model_copy(update=changes)), scenario

    return change


def _renamed(gid: str, new_id: str) -> Case:
    def change(plan: Plan, scenario: Scenario) -> tuple[Plan, Scenario]:
        groups = [g.model_copy(update={"id": new_id}) if g.id == gid else g for g in plan.groups]
        return plan.model_copy(update={"groups": groups}), scenario

    return change


def _spec(**changes: Any) -> Case:
    def change(plan: Plan, scenario: Scenario) -> tuple[Plan, Scenario]:
        spec = scenario.spec.model_copy(update=changes)
        return plan, scenario.model_copy(update={"spec": spec})

    return change


def _venue(venue_id: str, **changes: Any) -> Case:
    def change(plan: Plan, scenario: Scenario) -> tuple[Plan, Scenario]:
        venues = dict(scenario.venues)
        venues[venue_id] = venues[venue_id].model_copy(update=changes)
        return plan, scenario.model_copy(update={"venues": venues})

    return change


def _route(route_id: str, **changes: Any) -> Case:
    def change(plan: Plan, scenario: Scenario) -> tuple[Plan, Scenario]:
        routes = dict(scenario.routes)
        routes[route_id] = routes[route_id].model_copy(update=changes)
        return plan, scenario.model_copy(update={"routes": routes})

    return change


def _without_pool_venue(route_id: str, venue_id: str) -> Case:
    def change(plan: Plan, scenario: Scenario) -> tuple[Plan, Scenario]:
        route = scenario.routes[route_id]
        pool = [v for v in route.venues if v.id != venue_id]
        return _route(route_id, venues=pool)(plan, scenario)

    return change


def _delegate(delegate_id: str, **changes: Any) -> Case:
    def change(plan: Plan, scenario: Scenario) -> tuple[Plan, Scenario]:
        delegates = tuple(
            d.model_copy(update=changes) if d.id == delegate_id else d for d in scenario.delegates
        )
        return plan, scenario.model_copy(update={"delegates": delegates})

    return change


def _plan(**changes: Any) -> Case:
    def change(plan: Plan, scenario: Scenario) -> tuple[Plan, Scenario]:
        return plan.model_copy(update=changes), scenario

    return change


def _stop(gid: str, venue_id: str, **changes: Any) -> Case:
    def change(plan: Plan, scenario: Scenario) -> tuple[Plan, Scenario]:
        i, _ = _stop_at(plan, gid, venue_id)
        return _replace_stop(plan, gid, i, **changes), scenario

    return change


def _both(*cases: Case) -> Case:
    def change(plan: Plan, scenario: Scenario) -> tuple[Plan, Scenario]:
        for case in cases:
            plan, scenario = case(plan, scenario)
        return plan, scenario

    return change


def _visit_of(plan: Plan, gid: str, venue_id: str) -> tuple[dt.datetime, dt.datetime]:
    _, stop = _stop_at(plan, gid, venue_id)
    assert stop.start is not None and stop.arrive is not None
    return stop.start, stop.arrive


def _late_arrival(plan: Plan, scenario: Scenario) -> tuple[Plan, Scenario]:
    """Group 2 reaches one-room a minute after its visit starts (the leg is made slower)."""
    i, stop = _stop_at(plan, G2, "one-room")
    assert stop.start is not None and stop.arrive is not None and stop.travel_s is not None
    late = stop.start + dt.timedelta(minutes=1)
    slower = stop.travel_s + int((late - stop.arrive).total_seconds())
    return _replace_stop(plan, G2, i, arrive=late, travel_s=slower), scenario


def _short_visit(plan: Plan, scenario: Scenario) -> tuple[Plan, Scenario]:
    start, _ = _visit_of(plan, G2, "one-room")
    i, _ = _stop_at(plan, G2, "one-room")
    return _replace_stop(plan, G2, i, end=start + dt.timedelta(minutes=30)), scenario


def _next_day(plan: Plan, scenario: Scenario) -> tuple[Plan, Scenario]:
    """Group 2 a day later, all its times moved with it."""
    group = _group(plan, G2)
    day = dt.timedelta(days=1)
    stops = [
        s.model_copy(
            update={
                k: getattr(s, k) + day
                for k in ("arrive", "start", "end", "depart")
                if getattr(s, k)
            }
        )
        for s in group.stops
    ]
    return _replace_group(plan, group.model_copy(update={"date": FRI, "stops": stops})), scenario


def _first_stop_kind(kind: str) -> Case:
    def change(plan: Plan, scenario: Scenario) -> tuple[Plan, Scenario]:
        return _replace_stop(plan, G2, 0, kind=kind), scenario

    return change


def _return_at(venue_id: str) -> Case:
    def change(plan: Plan, scenario: Scenario) -> tuple[Plan, Scenario]:
        last = len(_group(plan, G2).stops) - 1
        return _replace_stop(plan, G2, last, venue=venue_id), scenario

    return change


def _must_visit_far_lab_for_beta(explanations: list[Explanation]) -> Case:
    return _both(_route("beta", must_visit=["far-lab"]), _plan(explanations=explanations))


def _why(group: str | None) -> Explanation:
    return Explanation(
        kind="must-visit-dropped", route="beta", date=THU, venue="far-lab", group=group, reason="x"
    )


U1_REASON = Unassigned(delegate="U1", reason="left out by hand for this test")


def _two_days(plan: Plan, scenario: Scenario) -> tuple[Plan, Scenario]:
    """The scenario runs on Thursday and Friday (every delegate is free on both)."""
    return _spec(dates=[THU, FRI])(plan, scenario)


def _stop_of(gid: str, index: int, **changes: Any) -> Case:
    def change(plan: Plan, scenario: Scenario) -> tuple[Plan, Scenario]:
        return _replace_stop(plan, gid, index, **changes), scenario

    return change


def _last_stop(gid: str, **changes: Any) -> Case:
    def change(plan: Plan, scenario: Scenario) -> tuple[Plan, Scenario]:
        return _replace_stop(plan, gid, len(_group(plan, gid).stops) - 1, **changes), scenario

    return change


CASES: dict[str, tuple[Case, list[str]]] = {
    "group id used twice": (_renamed(G2, G1), [f"group id '{G1}' is used 2 times"]),
    "group id not a file name": (
        _renamed(G2, "../../x"),
        [
            "group id '../../x' cannot be a file name (use letters, digits, '.', '_' and '-', "
            "starting with a letter or digit, at most 121 characters)"
        ],
    ),
    "group id a Windows device": (
        _renamed(G2, "CON"),
        [
            "group id 'CON' is a device name that Windows reserves, so its page could not be "
            "opened there"
        ],
    ),
    "group id the name of a route-day map": (
        _renamed(G1, "2024-11-14-beta"),
        [
            "the maps of route beta on 2024-11-14 and group 2024-11-14-beta would both be "
            "maps/2024-11-14-beta.html"
        ],
    ),
    "group ids differing in case only": (
        _renamed(G2, G1.upper()),
        [
            f"the maps of group {G1} and group {G1.upper()} would share a file where letter "
            "case is ignored"
        ],
    ),
    "route not in the catalogue": (
        _group_update(G2, route="gamma"),
        [f"group {G2}: route 'gamma' is not in the catalogue"],
    ),
    "route not running": (
        _spec(routes=["alpha"]),
        [f"group {G2}: route 'beta' does not run in this scenario"],
    ),
    "no delegates": (
        _both(
            _group_update(G2, delegates=[]),
            _plan(
                unassigned=[
                    U1_REASON,
                    Unassigned(delegate="B1", reason="x"),
                    Unassigned(delegate="B2", reason="x"),
                ]
            ),
        ),
        [f"group {G2}: has no delegates"],
    ),
    "bus type not in the fleet": (
        _group_update(G2, bus="limousine"),
        [f"group {G2}: bus type 'limousine' is not in the fleet"],
    ),
    "seats not those of the bus": (
        _group_update(G2, seats=5),
        [f"group {G2}: bus type 'van' has 4 seats, not 5"],
    ),
    "first stop not a departure": (
        _first_stop_kind("visit"),
        [f"group {G2}: must start with a 'depart' stop and end with a 'return' stop"],
    ),
    "return elsewhere than the base": (
        _return_at("canteen"),
        [f"group {G2}: return stop is at 'canteen', not at the base '{BASE}'"],
    ),
    "a venue not in the catalogue": (
        _stop(G2, "one-room", venue="nowhere"),
        [f"group {G2}: venue 'nowhere' is not in the catalogue"],
    ),
    "group larger than the venue takes": (
        _venue("far-lab", max_group=3),
        [f"group {G1}: 4 people at far-lab, which takes at most 3 (3)"],
    ),
    "a venue outside the route's pool": (
        _without_pool_venue("beta", "one-room"),
        [f"group {G2}: visits one-room, which is not among route beta's venues (7)"],
    ),
    "left before the day starts": (
        _spec(day=DayWindow(start="08:00", end="18:00")),
        [f"group {G1}: leaves the base at 07:45, before the day starts (4)"],
    ),
    "arrives after its visit starts": (
        _late_arrival,
        [f"group {G2}: at one-room: arrive <= start <= end <= depart does not hold (2)"],
    ),
    "a visit too short": (
        _short_visit,
        [f"group {G2}: visit at one-room lasts 30 min, less than 60 min"],
    ),
    "lunch where none is served": (
        _venue("canteen", lunch=False),
        [
            f"group {G1}: lunch at canteen, which does not serve lunch (5)",
            f"group {G2}: lunch at canteen, which does not serve lunch (5)",
        ],
    ),
    "lunch outside the window": (
        _spec(lunch=LunchRule(window=("12:00", "13:00"), minutes=60)),
        [f"group {G2}: lunch starts at 11:30, outside the lunch window (5)"],
    ),
    "more buses than the fleet": (
        _spec(fleet=[BusType(id="van", seats=4, count=1), BusType(id="car", seats=3, count=2)]),
        ["2 buses of type 'van' on 2024-11-14, the fleet has 1 (4)"],
    ),
    "a rider not in the scenario": (
        _group_update(G2, delegates=["B1", "B2", "Z9"]),
        ["delegate Z9 is not in the scenario"],
    ),
    "a rider on a day they are away": (
        _delegate("A1", available=[FRI]),
        ["delegate A1 rides on 2024-11-14, a day they are not available (6)"],
    ),
    "a step-free rider at a venue with steps": (
        _both(_delegate("A1", needs=["step-free"]), _venue("far-lab", step_free=False)),
        [f"delegate A1 needs step-free access but group {G1} stops at far-lab, which has none (6)"],
    ),
    "unassigned without a reason": (
        _plan(unassigned=[Unassigned(delegate="U1", reason="")]),
        ["delegate U1 is listed as unassigned without a reason (8)"],
    ),
    "both placed and unassigned": (
        _plan(unassigned=[U1_REASON, Unassigned(delegate="A1", reason="x")]),
        ["delegate A1 is both in a group and unassigned"],
    ),
    "unassigned twice": (
        _plan(unassigned=[U1_REASON, U1_REASON]),
        ["delegate U1 is listed 2 times as unassigned"],
    ),
    "unassigned stranger": (
        _plan(unassigned=[U1_REASON, Unassigned(delegate="Z9", reason="x")]),
        ["unassigned delegate Z9 is not in the scenario"],
    ),
    "a must-visit skipped": (
        _must_visit_far_lab_for_beta([]),
        [f"group {G2}: must-visit far-lab is not visited and not explained (7)"],
    ),
    "a must-visit excused for another group only": (
        _must_visit_far_lab_for_beta([_why("2024-11-14-beta-2")]),
        [f"group {G2}: must-visit far-lab is not visited and not explained (7)"],
    ),
    "a departure in the middle of the day": (
        _stop(G1, "one-room", kind="depart"),
        [f"group {G1}: stop kind 'depart' in the middle of the day"],
    ),
    "the same venue twice": (
        _stop(G1, "one-room", venue="far-lab"),
        [f"group {G1}: visits the same venue twice"],
    ),
    "a return without its arrival": (
        _last_stop(G2, arrive=None),
        [f"group {G2}: the depart stop needs 'depart' and the return stop 'arrive'"],
    ),
    "times on another day than the group's": (
        _both(_two_days, _group_update(G2, date=FRI)),
        [f"group {G2}: times are not on the group's date {FRI}"],
    ),
    "a leg without its travel time": (
        _stop(G2, "one-room", travel_s=None),
        [f"group {G2}: stop at one-room lacks its arrival, the previous departure or travel_s"],
    ),
    "more route-days than a delegate may ride": (
        _both(
            _two_days, _next_day, _group_update(G2, delegates=["B1", "B2", "A1"]), _spec(rides=1)
        ),
        ["delegate A1 rides 2 route-days, more than allowed"],
    ),
    "fewer visits than the route's minimum": (
        _route("beta", min_stops=2),
        [f"group {G2}: 1 visits, outside the route's bounds 2-2 (7)"],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_rule_breaks_alone(name: str, hand_plan: Plan, scenario: Scenario) -> None:
    case, expected = CASES[name]
    plan, checked = case(hand_plan, scenario)
    assert verify_plan(plan, checked) == expected


@pytest.mark.parametrize("group", [G2, None])
def test_an_explanation_excuses_its_group_or_an_older_plan_s_route_day(
    group: str | None, hand_plan: Plan, scenario: Scenario
) -> None:
    plan, checked = _must_visit_far_lab_for_beta([_why(group)])(hand_plan, scenario)
    assert verify_plan(plan, checked) == []


def test_a_group_on_a_day_outside_the_scenario(hand_plan: Plan, scenario: Scenario) -> None:
    """Its riders are then on a day they cannot ride too: both rules speak."""
    plan, checked = _next_day(hand_plan, scenario)
    assert verify_plan(plan, checked) == [
        f"group {G2}: date {FRI} is not a scenario date",
        f"delegate B1 rides on {FRI}, a day they are not available (6)",
        f"delegate B2 rides on {FRI}, a day they are not available (6)",
    ]


def test_a_late_return_and_a_teleport_free_timeline(hand_plan: Plan, scenario: Scenario) -> None:
    back = _group(hand_plan, G1).stops[-1].arrive
    assert back is not None
    end = back.hour * 60 + back.minute - 1
    plan, checked = _spec(day=DayWindow(start="07:00", end=f"{end // 60:02d}:{end % 60:02d}"))(
        hand_plan, scenario
    )
    assert verify_plan(plan, checked) == [
        f"group {G1}: is back at {clock(back)}, after the day ends (4)"
    ]


def test_a_negative_leg_is_also_faster_than_any_bus(hand_plan: Plan, scenario: Scenario) -> None:
    """A leg of -60 s (its arrival a minute before the departure, so the timeline adds up)
    breaks the speed rule too: both speak."""
    i, _ = _stop_at(hand_plan, G2, "one-room")
    left = _group(hand_plan, G2).stops[i - 1].depart
    assert left is not None
    plan = _replace_stop(hand_plan, G2, i, travel_s=-60, arrive=left - dt.timedelta(minutes=1))
    assert verify_plan(plan, scenario) == [
        f"group {G2}: negative travel time to one-room",
        f"group {G2}: the leg {BASE} -> one-room takes -60 s for 1.3 km in a straight line, "
        "faster than 120 km/h (2)",
    ]


def test_every_rule_of_the_verifier_breaks_in_a_test(hand_plan: Plan, scenario: Scenario) -> None:
    """Every line of ``planner/verify.py`` that reports a violation runs in one of the cases
    above: a rule added without its case fails here."""
    import inspect
    import sys
    from types import FrameType

    import findhz.planner.verify

    from . import test_verify as hand_tests

    source = inspect.getsourcefile(findhz.planner.verify)
    assert source is not None
    reached: set[int] = set()

    def lines(frame: FrameType, event: str, _arg: object) -> Any:
        if event == "line":
            reached.add(frame.f_lineno)
        return lines

    def calls(frame: FrameType, _event: str, _arg: object) -> Any:
        return lines if frame.f_code.co_filename == source else None

    sys.settrace(calls)
    try:
        for case, _ in CASES.values():
            verify_plan(*case(hand_plan, scenario))
        test_a_group_on_a_day_outside_the_scenario(hand_plan, scenario)
        test_a_late_return_and_a_teleport_free_timeline(hand_plan, scenario)
        test_a_negative_leg_is_also_faster_than_any_bus(hand_plan, scenario)
        for name in dir(hand_tests):  # the hand-made plan's cases in test_verify.py
            test = getattr(hand_tests, name)
            if name.startswith("test_") and list(inspect.signature(test).parameters) == [
                "hand_plan",
                "scenario",
            ]:
                test(hand_plan, scenario)
    finally:
        sys.settrace(None)
    text = inspect.getsource(findhz.planner.verify).splitlines()
    reports = [
        (n, line.strip())
        for n, line in enumerate(text, 1)
        if line.strip().startswith(("yield ", "yield(", "out.append(", "out +="))
        and not line.strip().startswith("yield from")
    ]
    assert len(reports) > 40
    assert [r for r in reports if r[0] not in reached] == []
