"""``verify_plan`` and ``findhz verify``: a valid plan, then one thing broken at a time.

The valid plan is written by hand (``timed_group``: arrivals from the offline matrix) with
slack around every stop, so that each break changes exactly one hard constraint and the
check must report exactly that one violation. The same breaks that do not need slack are
also applied to a plan the optimizer made.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from findhz.cli import app
from findhz.planner.models import Group, Plan, Scenario, Stop, TravelInfo, Unassigned
from findhz.planner.travel import TravelMatrix, build_matrix
from findhz.planner.verify import verify_plan

from .factory import (
    BASE,
    THU,
    at,
    canteen,
    clock,
    delegate,
    route,
    run_plan,
    timed_group,
    venue,
    write_scenario,
)

G1 = "2024-11-14-alpha-1"
G2 = "2024-11-14-beta-1"


def _files(folder: Path) -> Path:
    """A day with two routes sharing ``one-room`` (one group at a time); ``far-lab`` is
    about 5 km from the base. Two kinds of bus; a delegate may ride two route-days."""
    return write_scenario(
        folder,
        venues=[
            venue("far-lab", 30.3300, 120.0300),
            venue("one-room", 30.2950, 120.0000),
            canteen(),
        ],
        routes=[
            route("alpha", ["far-lab", "one-room"], max_stops=2),
            route("beta", ["one-room"], max_stops=2),
        ],
        fleet=[("van", 4, 2), ("car", 3, 2)],
        day=("07:30", "18:00"),
        rides=2,
        delegates=[delegate(f"A{i}", ["alpha"]) for i in range(1, 5)]
        + [
            delegate("B1", ["beta"], country="Kenya"),
            delegate("B2", ["beta"]),
            delegate("U1", ["beta"]),
        ],
    )


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _files(tmp_path_factory.mktemp("verify"))


@pytest.fixture(scope="module")
def scenario(scenario_file: Path) -> Scenario:
    from findhz.planner.loading import load_scenario

    return load_scenario(scenario_file)


@pytest.fixture(scope="module")
def matrix(scenario: Scenario) -> TravelMatrix:
    return build_matrix(scenario)


@pytest.fixture(scope="module")
def hand_plan(scenario: Scenario, matrix: TravelMatrix) -> Plan:
    """Group 1 leaves at 07:45, reaches ``far-lab`` around 08:17 and waits for 09:00;
    it reaches ``one-room`` around 10:29 and waits for 10:45, after group 2 has left at 10:30.
    Group 2 visits ``one-room`` 09:30-10:30 and waits for lunch at 11:30."""
    g1 = timed_group(
        scenario,
        matrix,
        id=G1,
        route="alpha",
        date=THU,
        bus="van",
        seats=4,
        delegates=["A1", "A2", "A3", "A4"],
        depart="07:45",
        stops=[
            ("visit", "far-lab", "09:00", "10:00"),
            ("visit", "one-room", "10:45", "11:45"),
            ("lunch", "canteen", "12:15", "13:15"),
        ],
    )
    g2 = timed_group(
        scenario,
        matrix,
        id=G2,
        route="beta",
        date=THU,
        bus="van",
        seats=4,
        delegates=["B1", "B2"],
        depart="08:30",
        stops=[
            ("visit", "one-room", "09:30", "10:30"),
            ("lunch", "canteen", "11:30", "12:30"),
        ],
    )
    return Plan(
        scenario=scenario.id,
        timezone=scenario.spec.timezone,
        travel=TravelInfo(provider="offline"),
        groups=[g1, g2],
        unassigned=[Unassigned(delegate="U1", reason="left out by hand for this test")],
    )


# ---------------------------------------------------------------------------------------------
# Breaking one thing at a time


def _group(plan: Plan, gid: str) -> Group:
    return next(g for g in plan.groups if g.id == gid)


def _replace_group(plan: Plan, group: Group) -> Plan:
    return plan.model_copy(
        update={"groups": [group if g.id == group.id else g for g in plan.groups]}
    )


def _replace_stop(plan: Plan, gid: str, index: int, **changes: object) -> Plan:
    group = _group(plan, gid)
    stops = list(group.stops)
    stops[index] = stops[index].model_copy(update=changes)
    return _replace_group(plan, group.model_copy(update={"stops": stops}))


def _stop_at(plan: Plan, gid: str, venue_id: str) -> tuple[int, Stop]:
    group = _group(plan, gid)
    return next((i, s) for i, s in enumerate(group.stops) if s.venue == venue_id)


def test_the_hand_made_plan_is_valid(hand_plan: Plan, scenario: Scenario) -> None:
    assert verify_plan(hand_plan, scenario) == []


def test_a_visit_outside_its_window(hand_plan: Plan, scenario: Scenario) -> None:
    """``far-lab`` opens at 09:00; the visit is moved to 08:30-09:30 (the bus is there)."""
    i, stop = _stop_at(hand_plan, G1, "far-lab")
    assert stop.arrive is not None and clock(stop.arrive) <= "08:30"
    broken = _replace_stop(
        hand_plan,
        G1,
        i,
        start=at(THU, "08:30", scenario),
        end=at(THU, "09:30", scenario),
    )
    assert verify_plan(broken, scenario) == [
        f"group {G1}: visit at far-lab 08:30-09:30 is not inside one opening window "
        "(09:00-17:00) on 2024-11-14 (1)"
    ]


def test_two_groups_at_a_one_group_venue(hand_plan: Plan, scenario: Scenario) -> None:
    """Group 1 starts its ``one-room`` visit as it arrives, before group 2 has left."""
    i, stop = _stop_at(hand_plan, G1, "one-room")
    assert stop.arrive is not None and clock(stop.arrive) < "10:30"
    broken = _replace_stop(hand_plan, G1, i, start=stop.arrive)
    assert verify_plan(broken, scenario) == [
        f"2 groups at one-room at {clock(stop.arrive)} on 2024-11-14 ({G1}, {G2}); "
        "it receives 1 at a time (3)"
    ]


def _without_lunch(plan: Plan, gid: str) -> Plan:
    """Remove a group's lunch stop; the next leg absorbs the time (it stays consistent)."""
    group = _group(plan, gid)
    stops = list(group.stops)
    k = next(i for i, s in enumerate(stops) if s.kind == "lunch")
    before, after = stops[k - 1], stops[k + 1]
    assert before.depart is not None and after.arrive is not None
    stops[k + 1] = after.model_copy(
        update={"travel_s": int((after.arrive - before.depart).total_seconds())}
    )
    del stops[k]
    return _replace_group(plan, group.model_copy(update={"stops": stops}))


def _on_smaller_bus(plan: Plan, gid: str) -> Plan:
    return _replace_group(plan, _group(plan, gid).model_copy(update={"bus": "car", "seats": 3}))


def _ride_twice(plan: Plan, gid: str, other: str) -> Plan:
    rider = _group(plan, gid).delegates[0]
    group = _group(plan, other)
    return _replace_group(
        plan, group.model_copy(update={"delegates": sorted([*group.delegates, rider])})
    )


def _drop_rider(plan: Plan, gid: str) -> Plan:
    group = _group(plan, gid)
    return _replace_group(plan, group.model_copy(update={"delegates": group.delegates[:-1]}))


def _early_arrival(plan: Plan, gid: str) -> Plan:
    """The first stop's arrival is five minutes earlier than departure + travel_s (still
    before the visit starts, so only the leg is wrong)."""
    stop = _group(plan, gid).stops[1]
    assert stop.arrive is not None
    return _replace_stop(plan, gid, 1, arrive=stop.arrive - dt.timedelta(minutes=5))


def test_no_lunch(hand_plan: Plan, scenario: Scenario) -> None:
    assert verify_plan(_without_lunch(hand_plan, G2), scenario) == [
        f"group {G2}: has 0 lunch stops instead of one (5)"
    ]


def test_more_delegates_than_seats(hand_plan: Plan, scenario: Scenario) -> None:
    assert verify_plan(_on_smaller_bus(hand_plan, G1), scenario) == [
        f"group {G1}: 4 delegates on a bus of 3 seats (4)"
    ]


def test_a_delegate_on_two_groups_the_same_day(hand_plan: Plan, scenario: Scenario) -> None:
    assert verify_plan(_ride_twice(hand_plan, G1, G2), scenario) == [
        "delegate A1 rides 2 groups on 2024-11-14 (6)"
    ]


def test_a_delegate_dropped_entirely(hand_plan: Plan, scenario: Scenario) -> None:
    assert verify_plan(_drop_rider(hand_plan, G1), scenario) == [
        "delegate A4 is in no group and not listed as unassigned (8)"
    ]


def test_an_arrival_inconsistent_with_the_leg(hand_plan: Plan, scenario: Scenario) -> None:
    stop = _group(hand_plan, G1).stops[1]
    early = stop.arrive - dt.timedelta(minutes=5) if stop.arrive else None
    assert verify_plan(_early_arrival(hand_plan, G1), scenario) == [
        f"group {G1}: arrives at far-lab at {clock(early)}, but left {BASE} at 07:45 with a "
        f"{stop.travel_s} s leg (2)"
    ]


def test_a_teleporting_leg(hand_plan: Plan, scenario: Scenario) -> None:
    """The 5 km leg to ``far-lab`` claimed to take one minute (arrival moved to match)."""
    depart = _group(hand_plan, G1).stops[0].depart
    assert depart is not None
    broken = _replace_stop(hand_plan, G1, 1, travel_s=60, arrive=depart + dt.timedelta(seconds=60))
    (violation,) = verify_plan(broken, scenario)
    assert violation.startswith(f"group {G1}: the leg {BASE} -> far-lab takes 60 s for 5.")
    assert violation.endswith("km in a straight line, faster than 120 km/h (2)")


def test_a_plan_for_another_scenario(hand_plan: Plan, scenario: Scenario) -> None:
    broken = hand_plan.model_copy(update={"scenario": "elsewhere"})
    assert verify_plan(broken, scenario) == [
        f"the plan is for scenario 'elsewhere', not '{scenario.id}'"
    ]


# ---------------------------------------------------------------------------------------------
# The same breaks on a plan the optimizer made


@pytest.fixture(scope="module")
def solver_plan(scenario: Scenario) -> Plan:
    plan = run_plan(scenario).plan
    assert verify_plan(plan, scenario) == []
    return plan


Break = Callable[[Plan, str], Plan]


@pytest.mark.parametrize(
    ("name", "break_it", "expected"),
    [
        ("no lunch", _without_lunch, "group {g}: has 0 lunch stops instead of one (5)"),
        ("dropped", _drop_rider, "delegate {last} is in no group and not listed as unassigned (8)"),
        ("smaller bus", _on_smaller_bus, "group {g}: 4 delegates on a bus of 3 seats (4)"),
    ],
)
def test_breaking_a_solver_plan(
    solver_plan: Plan, scenario: Scenario, name: str, break_it: Break, expected: str
) -> None:
    (group,) = [g for g in solver_plan.groups if g.route == "alpha"]
    assert len(group.delegates) == 4, name
    assert verify_plan(break_it(solver_plan, group.id), scenario) == [
        expected.format(g=group.id, last=group.delegates[-1])
    ]


def test_a_early_arrival_on_a_solver_plan(solver_plan: Plan, scenario: Scenario) -> None:
    for group in solver_plan.groups:
        (violation,) = verify_plan(_early_arrival(solver_plan, group.id), scenario)
        assert violation.startswith(f"group {group.id}: arrives at {group.stops[1].venue} at ")
        assert violation.endswith(f"with a {group.stops[1].travel_s} s leg (2)")


# ---------------------------------------------------------------------------------------------
# The command line


def test_findhz_plan_then_verify(tmp_path: Path) -> None:
    """``findhz plan`` writes a plan that ``findhz verify`` accepts (exit 0); the same plan
    with a delegate removed from its group is refused (exit 1) naming the violation."""
    scenario_file = _files(tmp_path / "scenario")
    runner = CliRunner()
    out = tmp_path / "out"
    made = runner.invoke(app, ["plan", str(scenario_file), "--out", str(out), "--time-limit", "1"])
    assert made.exit_code == 0, made.output
    plan_file = out / "plan.json"
    plan = Plan.model_validate_json(plan_file.read_bytes())
    assert plan.scenario == "test-scenario"

    good = runner.invoke(app, ["verify", str(plan_file), str(scenario_file)])
    assert good.exit_code == 0, good.output
    assert f"{len(plan.groups)} groups, 0 violations" in good.stdout

    group = next(g for g in plan.groups if len(g.delegates) > 1)
    broken = _drop_rider(plan, group.id)
    bad_file = tmp_path / "broken.json"
    bad_file.write_text(broken.model_dump_json(indent=2), encoding="utf-8")
    bad = runner.invoke(app, ["verify", str(bad_file), str(scenario_file)])
    assert bad.exit_code == 1
    dropped = group.delegates[-1]
    assert (
        f"violation: delegate {dropped} is in no group and not listed as unassigned (8)"
        in bad.stderr
    )
    assert "breaks 1 hard constraint(s)" in bad.stderr


def test_findhz_verify_reads_a_folder_and_rejects_a_broken_file(
    tmp_path: Path, hand_plan: Plan, scenario_file: Path
) -> None:
    """``verify`` takes the output folder too; an unreadable plan is an input error (2)."""
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "plan.json").write_text(hand_plan.model_dump_json(), encoding="utf-8")
    runner = CliRunner()
    ok = runner.invoke(app, ["verify", str(folder), str(scenario_file)])
    assert ok.exit_code == 0, ok.output

    data = json.loads(hand_plan.model_dump_json())
    del data["groups"][0]["stops"]
    (folder / "plan.json").write_text(json.dumps(data), encoding="utf-8")
    bad = runner.invoke(app, ["verify", str(folder), str(scenario_file)])
    assert bad.exit_code == 2
    assert "groups.0.stops" in bad.stderr


def test_findhz_verify_lists_every_violation(
    tmp_path: Path, hand_plan: Plan, scenario_file: Path
) -> None:
    broken = _on_smaller_bus(_without_lunch(hand_plan, G2), G1)
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(broken.model_dump_json(), encoding="utf-8")
    result = CliRunner().invoke(app, ["verify", str(plan_file), str(scenario_file)])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("violation: ")]
    assert lines == [
        f"violation: group {G1}: 4 delegates on a bus of 3 seats (4)",
        f"violation: group {G2}: has 0 lunch stops instead of one (5)",
    ]


def test_the_factory_files_pass_findhz_validate(tmp_path: Path) -> None:
    """The files the factory writes are what a coordinator would write: ``validate`` agrees."""
    scenario_file = write_scenario(
        tmp_path,
        venues=[venue("lab", 30.3, 120.03), canteen()],
        routes=[route("alpha", ["lab"])],
        delegates=[delegate("A1", ["alpha"]), delegate("A2", ["alpha"], country="Chile")],
        fleet=[("van", 4, 1)],
    )
    result = CliRunner().invoke(app, ["validate", str(scenario_file)])
    assert result.exit_code == 0, result.output
    assert "3 venues, 1 routes running, 2 delegates from 2 countries" in result.stdout


def test_a_stop_without_times_is_reported_not_a_crash(hand_plan: Plan, scenario: Scenario) -> None:
    """A ``plan.json`` edited by hand may lose a field: the check names it and goes on."""
    i, _ = _stop_at(hand_plan, G1, "far-lab")
    broken = _replace_stop(hand_plan, G1, i, start=None)
    assert verify_plan(broken, scenario) == [
        f"group {G1}: stop at far-lab lacks start, end or depart"
    ]


def test_an_unassigned_delegate_needs_a_reason(hand_plan: Plan, scenario: Scenario) -> None:
    broken = hand_plan.model_copy(update={"unassigned": [Unassigned(delegate="U1", reason=" ")]})
    assert verify_plan(broken, scenario) == [
        "delegate U1 is listed as unassigned without a reason (8)"
    ]


def test_times_in_another_offset_mean_the_same(hand_plan: Plan, scenario: Scenario) -> None:
    """``plan.json`` times carry their offset: the same instants written in UTC still hold,
    and a visit moved by the offset's eight hours does not."""
    utc = dt.UTC

    def shifted(stop: Stop, hours: int) -> Stop:
        update = {
            name: getattr(stop, name).astimezone(utc) + dt.timedelta(hours=hours)
            for name in ("arrive", "start", "end", "depart")
            if getattr(stop, name) is not None
        }
        return stop.model_copy(update=update)

    def moved(hours: int) -> Plan:
        return hand_plan.model_copy(
            update={
                "groups": [
                    g.model_copy(update={"stops": [shifted(s, hours) for s in g.stops]})
                    for g in hand_plan.groups
                ]
            }
        )

    assert clock(moved(0).groups[0].stops[0].depart) == "23:45"  # 07:45 in Hangzhou
    assert verify_plan(moved(0), scenario) == []
    assert verify_plan(moved(8), scenario) != []


def test_findhz_verify_needs_the_scenario_of_an_unbundled_plan(
    tmp_path: Path, hand_plan: Plan
) -> None:
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(hand_plan.model_dump_json(), encoding="utf-8")
    result = CliRunner().invoke(app, ["verify", str(plan_file)])
    assert result.exit_code == 2
    text = re.sub(r"[\s│╭╮╰╯─]+", " ", result.stderr)  # the usage error is drawn in a box
    assert "the plan is for scenario 'test-scenario', which is not bundled" in text
