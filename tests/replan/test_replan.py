"""Re-planning the shared sample plan: each change kind and its expected minimal repair."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from findhz.planner.changes import (
    BusUnavailable,
    DelegateDays,
    DelegateDropped,
    DelegateJoined,
    GroupLate,
    VenueClosed,
    load_changes,
)
from findhz.planner.errors import InputError
from findhz.planner.models import Delegate, Plan, Scenario
from findhz.planner.replan import plan_digest, replan
from findhz.planner.travel import build_matrix
from findhz.planner.travel.matrix import TravelMatrix
from findhz.planner.verify import verify_plan

DAY1 = dt.date(2024, 9, 28)
G1 = f"{DAY1}-gen-ai-1"
G2 = f"{DAY1}-biomed-1"


@pytest.fixture(scope="module")
def matrix(sample_scenario: Scenario) -> TravelMatrix:
    return build_matrix(sample_scenario, "offline", use_cache=False)


def _groups(plan: Plan) -> dict[str, list[str]]:
    return {g.id: g.delegates for g in plan.groups}


def test_no_change_gives_the_same_plan_byte_for_byte(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix
) -> None:
    result = replan(sample_plan, sample_scenario, matrix, [])
    assert result.plan.model_dump_json() == sample_plan.model_dump_json()
    assert result.report.delegates == [] and result.report.hosts == []


def test_two_cancellations_move_nobody_else(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix
) -> None:
    changes = [
        DelegateDropped(kind="delegate-dropped", delegate="D002"),
        DelegateDropped(kind="delegate-dropped", delegate="D003", reason="ill"),
    ]
    result = replan(sample_plan, sample_scenario, matrix, changes)
    report = result.report
    assert report.moved == 0
    assert {d.delegate: d.status for d in report.delegates} == {
        "D002": "dropped",
        "D003": "dropped",
    }
    assert G2 not in _groups(result.plan)  # D003 rode it alone: the bus stays in the depot
    assert _groups(result.plan)[G1] == ["D001", "D004"]
    assert {h.group for h in report.hosts} == {G2}
    assert result.plan.metrics.version == 2
    assert result.plan.metrics.previous_digest == plan_digest(sample_plan)


def test_venue_closed_at_ten_changes_only_the_groups_due_there_afterwards(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix
) -> None:
    change = VenueClosed.model_validate(
        {"kind": "venue-closed", "venue": "westlake-univ", "date": DAY1, "from": "10:00"}
    )
    result = replan(sample_plan, sample_scenario, matrix, [change])
    new = {g.id: g for g in result.plan.groups}
    old = {g.id: g for g in sample_plan.groups}
    # gen-ai-1 was due at westlake-univ at 13:30: that stop goes; biomed-1 was there at 09:40.
    assert "westlake-univ" not in [s.venue for s in new[G1].stops]
    assert new[G2] == old[G2]
    assert new[f"{dt.date(2024, 9, 29)}-gen-ai-1"] == old[f"{dt.date(2024, 9, 29)}-gen-ai-1"]
    assert new[G1].stops[:4] == old[G1].stops[:4]
    assert [(h.venue, h.status) for h in result.report.hosts] == [("westlake-univ", "cancelled")]
    assert result.report.moved == 0
    assert verify_plan(result.plan, result.scenario) == []


def test_the_frozen_past_is_never_rewritten(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix
) -> None:
    change = VenueClosed.model_validate(
        {"kind": "venue-closed", "venue": "zhejiang-lab", "date": DAY1}
    )
    now = dt.datetime(2024, 9, 28, 11, 0)
    result = replan(sample_plan, sample_scenario, matrix, [change], now=now)
    assert result.plan.groups == sample_plan.groups  # the 09:30 visit already happened
    assert result.report.hosts == []


def test_late_registration_takes_a_free_seat_and_moves_nobody(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix
) -> None:
    newcomer = Delegate(id="D100", name="Synthetic Late", country="FR", interests=["biomed"])
    change = DelegateJoined(kind="delegate-joined", delegate=newcomer)
    result = replan(sample_plan, sample_scenario, matrix, [change])
    assert "D100" in _groups(result.plan)[G2]
    assert result.report.moved == 0
    assert [(d.delegate, d.status) for d in result.report.delegates] == [("D100", "joined")]
    assert verify_plan(result.plan, result.scenario) == []


def test_changed_days_move_only_that_delegate(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix
) -> None:
    change = DelegateDays(kind="delegate-days", delegate="D004", available=[DAY1])
    result = replan(sample_plan, sample_scenario, matrix, [change])
    changed = [d for d in result.report.delegates]
    assert [d.delegate for d in changed] == ["D004"]
    assert verify_plan(result.plan, result.scenario) == []


def test_every_bus_broken_leaves_delegates_unassigned_and_explained(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix
) -> None:
    # A spare bus would need four riders: no bus can run for the three displaced on day 2.
    spec = sample_scenario.spec.model_copy(update={"min_riders": 4})
    scenario = sample_scenario.model_copy(update={"spec": spec})
    changes = [BusUnavailable(kind="bus-unavailable", group=g.id) for g in sample_plan.groups]
    result = replan(sample_plan, scenario, matrix, changes)
    assert result.plan.groups == []
    reasons = {u.delegate: u.reason for u in result.plan.unassigned}
    assert set(reasons) == {"D001", "D002", "D003", "D004", "D005"}
    assert "unavailable" in reasons["D001"] and "spare bus" in reasons["D001"]
    assert verify_plan(result.plan, result.scenario) == []


def test_a_spare_bus_of_the_fleet_runs_when_no_seat_is_free(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix
) -> None:
    """Both coaches of day 1 break down: nothing is left that day. Day 2 used one of its two
    coaches: when it breaks down, the other one runs for its riders, a new group scheduled
    on its own and checked against the day (venue capacity, hours)."""
    changes = [BusUnavailable(kind="bus-unavailable", group=g.id) for g in sample_plan.groups]
    result = replan(sample_plan, sample_scenario, matrix, changes)
    day2 = f"{dt.date(2024, 9, 29)}-gen-ai-2"
    assert [(g.id, sorted(g.delegates)) for g in result.plan.groups] == [
        (day2, ["D001", "D003", "D004"])
    ]
    assert "D002" in {u.delegate for u in result.plan.unassigned}
    assert verify_plan(result.plan, result.scenario) == []
    added = [h for h in result.report.hosts if h.group == day2]
    assert added and {h.status for h in added} == {"added"}


def test_a_late_group_moves_later_and_drops_what_no_longer_fits(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix
) -> None:
    change = GroupLate(kind="group-late", group=G2, minutes=30)
    now = dt.datetime(2024, 9, 28, 10, 0)
    result = replan(sample_plan, sample_scenario, matrix, [change], now=now)
    old = {g.id: g for g in sample_plan.groups}[G2]
    new = {g.id: g for g in result.plan.groups}[G2]
    assert new.stops[:2] == old.stops[:2]  # reached before now
    was, now_at = old.stops[2].arrive, new.stops[2].arrive
    assert was is not None and now_at == was + dt.timedelta(minutes=30)
    assert {d.delegate: d.status for d in result.report.delegates} == {"D003": "shifted"}


def test_a_malformed_changes_file_is_one_line_per_problem(tmp_path: Path) -> None:
    path = tmp_path / "changes.yaml"
    path.write_text(
        "changes:\n"
        "  - kind: venue-closed\n    venue: Not A Slug\n    date: 2024-09-28\n"
        "  - kind: group-late\n    group: g\n    minutes: 0\n"
        "  - kind: storm\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_changes(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"{path.name}: line 3: changes[0]: venue:") or "line 3" in lines[0]
    assert "changes[2].kind" in lines[2]


def test_replan_command_writes_the_report_and_notices(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from findhz.cli import app

    runner = CliRunner()
    out = tmp_path / "out"
    # A one-second budget may leave a delegate out (exit 4): the published plan is all
    # this test needs.
    made = runner.invoke(app, ["plan", "--out", str(out), "--time-limit", "1", "--allow-partial"])
    assert made.exit_code == 0, made.output
    published = (out / "plan.json").read_bytes()
    same = runner.invoke(app, ["replan", str(out)])
    assert same.exit_code == 0, same.output
    assert (out / "plan.json").read_bytes() == published
    plan = Plan.model_validate_json(published)
    first = plan.groups[0]
    changes = tmp_path / "changes.yaml"
    changes.write_text(
        f"changes:\n  - kind: delegate-dropped\n    delegate: {first.delegates[0]}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["replan", str(out), "--change", str(changes)])
    assert result.exit_code == 0, result.output
    report = (out / "changes.json").read_text(encoding="utf-8")
    assert f'"delegate": "{first.delegates[0]}"' in report
    assert (out / "notices" / "delegates" / f"{first.delegates[0]}.txt").is_file()
    new = Plan.model_validate_json((out / "plan.json").read_bytes())
    assert new.metrics.version == 2
    checked = runner.invoke(app, ["verify", str(out)])
    assert checked.exit_code == 0, checked.output


def test_replan_command_refuses_a_malformed_changes_file(tmp_path: Path, sample_plan: Plan) -> None:
    import subprocess
    import sys

    changes = tmp_path / "changes.yaml"
    changes.write_text("changes:\n  - kind: group-late\n    minutes: many\n", encoding="utf-8")
    plan = tmp_path / "plan.json"
    plan.write_text(sample_plan.model_dump_json(indent=2) + "\n", encoding="utf-8")
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "findhz"),
            *("replan", str(plan), "findhz-2024", "--change", str(changes)),
            *("--out", str(tmp_path / "o")),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2, done.stderr  # the missing group and the bad minutes
    assert all("changes.yaml" in line and "Traceback" not in line for line in lines)


def test_the_benchmark_counts_moves_and_stops_like_the_report(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix
) -> None:
    from findhz.benchmarks.replan import diff_plans

    assert diff_plans(sample_plan, sample_plan) == (0, 0)
    change = VenueClosed.model_validate(
        {"kind": "venue-closed", "venue": "westlake-univ", "date": DAY1, "from": "10:00"}
    )
    result = replan(sample_plan, sample_scenario, matrix, [change])
    assert diff_plans(sample_plan, result.plan) == (0, 1)


def test_the_solver_moves_one_delegate_to_seat_a_newcomer_the_greedy_repair_leaves_out(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix
) -> None:
    """gen-ai on day 1 is full (three seats); a newcomer can only ride gen-ai that day. D001
    also chose biomed, which has seats: placing everyone comes before moving nobody, so the
    solver moves D001 (one person) and seats the newcomer; the one-by-one repair cannot."""
    groups = [g.model_copy(update={"seats": 3}) if g.id == G1 else g for g in sample_plan.groups]
    published = sample_plan.model_copy(update={"groups": groups})
    newcomer = Delegate(
        id="D100", name="Synthetic Late", country="FR", interests=["gen-ai"], available=[DAY1]
    )
    change = DelegateJoined(kind="delegate-joined", delegate=newcomer)
    greedy = replan(published, sample_scenario, matrix, [change], repair="greedy")
    assert "D100" in {u.delegate for u in greedy.plan.unassigned}
    result = replan(published, sample_scenario, matrix, [change])
    now = _groups(result.plan)
    assert sorted(now[G1]) == ["D002", "D004", "D100"] and "D001" in now[G2]
    assert result.report.moved == 1
    moved = next(d for d in result.report.delegates if d.delegate == "D001")
    assert moved.status == "route-day-changed" and "fewest people moved" in moved.reason
    # nothing wrong but the three seats this test gave a coach
    assert verify_plan(result.plan, result.scenario) == verify_plan(published, sample_scenario)


def test_a_closed_lunch_venue_moves_the_lunch_to_another_one_that_fits(
    sample_plan: Plan, sample_scenario: Scenario
) -> None:
    canteen = sample_scenario.venues["future-canteen"]
    garden = canteen.model_copy(
        update={
            "id": "garden-canteen",
            "location": canteen.location.model_copy(update={"lat": 30.2890, "lon": 120.0150}),
        }
    )
    scenario = sample_scenario.model_copy(
        update={"venues": {**sample_scenario.venues, garden.id: garden}}
    )
    matrix = build_matrix(scenario, "offline", use_cache=False)
    change = VenueClosed.model_validate(
        {"kind": "venue-closed", "venue": "future-canteen", "date": DAY1, "from": "10:00"}
    )
    result = replan(sample_plan, scenario, matrix, [change])
    lunches = {g.id: s.venue for g in result.plan.groups for s in g.stops if s.kind == "lunch"}
    assert lunches[G1] == lunches[G2] == "garden-canteen"
    assert lunches[f"{dt.date(2024, 9, 29)}-gen-ai-1"] == "future-canteen"  # another day
    statuses = {(h.group, h.venue): h.status for h in result.report.hosts}
    assert statuses[(G1, "future-canteen")] == "cancelled"
    assert statuses[(G1, "garden-canteen")] == "added"
    assert result.report.moved == 0 and result.report.notes == []
    assert verify_plan(result.plan, result.scenario) == []


def test_a_closed_lunch_venue_with_no_other_is_kept_and_noted(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix
) -> None:
    change = VenueClosed.model_validate(
        {"kind": "venue-closed", "venue": "future-canteen", "date": DAY1, "from": "10:00"}
    )
    result = replan(sample_plan, sample_scenario, matrix, [change])
    assert any("no other lunch venue" in note for note in result.report.notes)
