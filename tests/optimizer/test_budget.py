"""A short ``--time-limit`` bounds the work, not only the wall clock.

A day whose budget cannot pay each bus's search in every order is built ``lean`` (fewer
orders, each bus offered its best venues, every leg at its slowest band: still a plan that
verifies, and still the same plan on every run); a day begun after the planning's CPU-time
cap is built ``constructive`` and reported as capped. When the assignment stops on its
budget with people left out, their reason says the budget, not the data, and ``findhz
plan`` exits 4 unless ``--allow-partial``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from findhz.cli import BUDGET_SHORT_EXIT, app
from findhz.planner import planning, schedule, solver
from findhz.planner.assign import BUDGET_REASON, KEPT_START_REASON, assign
from findhz.planner.metrics import BudgetShort
from findhz.planner.problems import AssignmentProblem, AssignmentSolution
from findhz.planner.verify import verify_plan

from .factory import canteen, delegate, load, route, run_plan, venue, write_scenario

COUNTRIES = ["France", "Kenya", "Brazil", "India", "Japan", "Chile", "Egypt"]


def _busy_day() -> dict[str, Any]:
    """Eight routes over twelve venues, 8 x 12 delegates, small buses: many buses a day."""
    labs = [
        venue(f"lab-{i}", 30.28 + 0.004 * (i % 4), 120.00 + 0.006 * (i // 4), concurrent_groups=3)
        for i in range(12)
    ]
    routes = [
        route(f"r{r}", [f"lab-{(r + k) % 12}" for k in range(6)], min_stops=2) for r in range(8)
    ]
    people = [
        delegate(f"P{r}{i:02d}", [f"r{r}"], country=COUNTRIES[i % len(COUNTRIES)])
        for r in range(8)
        for i in range(12)
    ]
    return {
        "venues": [*labs, canteen(concurrent_groups=20, max_group=200)],
        "routes": routes,
        "delegates": people,
        "fleet": (("van", 12, 10),),
    }


def test_the_mode_follows_the_budget_and_the_buses() -> None:
    assert schedule._mode(budget_s=1.0, buses=3, deadline=None) == "full"
    assert schedule._mode(budget_s=1.0, buses=40, deadline=None) == "lean"
    assert schedule._mode(budget_s=1.0, buses=3, deadline=0.0) == "constructive"
    assert schedule._lean_orders(10.0, 40) == 4
    assert schedule._lean_orders(2.0, 10) == 4
    assert schedule._lean_orders(1.0, 10) == 2
    assert schedule._lean_orders(1.0, 1000) == 1  # never zero: every day is built


def test_a_lean_day_verifies_and_repeats(tmp_path: Path) -> None:
    # Eight buses on one day: a budget of one second does not pay 4 orders x 2 rounds each.
    scenario = load(tmp_path, **_busy_day())
    first = run_plan(scenario, time_limit_s=1.0)
    day = next(iter((first.plan.metrics.days or {}).values()))
    assert day.build == "lean"
    assert (day.bound_status or "").startswith("not certified: budget")
    assert len(first.plan.groups) == 8
    assert verify_plan(first.plan, scenario) == []
    assert not first.report.time_cap_hit  # the work budget decided, not a clock
    again = run_plan(scenario, time_limit_s=1.0)
    assert again.plan.model_dump_json() == first.plan.model_dump_json()


def test_days_past_the_cap_are_built_constructively_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(planning, "CAP_SLACK_S", -1e9)  # the cap has passed before any day
    scenario = load(tmp_path, **_busy_day())
    run = run_plan(scenario, time_limit_s=1.0)
    day = next(iter((run.plan.metrics.days or {}).values()))
    assert day.build == "constructive"
    assert "CPU-time cap" in (day.bound_status or "")
    assert run.report.time_cap_hit
    assert run.report.capped_days == [d.isoformat() for d in scenario.dates]
    assert run.report.as_json()["plan_may_differ_between_runs"] is True
    assert verify_plan(run.plan, scenario) == []
    placed = sorted(p for g in run.plan.groups for p in g.delegates)
    assert placed == sorted(d.id for d in scenario.delegates)


def _stopped_early(monkeypatch: pytest.MonkeyPatch, outcome: str = "stopped") -> None:
    """The assignment search stops on its budget having placed nobody, its bound saying
    everyone with an option might have been (what a budget far too short does at scale);
    ``outcome`` is how its placing stage ended."""
    real = solver.solve_assignment

    def short(problem: AssignmentProblem, **kwargs: Any) -> AssignmentSolution:
        answer = real(problem, **kwargs)
        people = len({o.person for o in problem.options})
        return dataclasses.replace(
            answer,
            chosen=(),
            buses=tuple((0,) * len(s.bus_capacity) for s in problem.slots),
            placed_bound=people,
            placed_outcome=outcome,
        )

    monkeypatch.setattr(solver, "solve_assignment", short)


def _small(tmp_path: Path) -> Path:
    return write_scenario(
        tmp_path / "scenario",
        venues=[
            venue("lab", 30.2950, 120.0000),
            venue("shut", 30.2900, 120.0100, days=["mon"]),  # closed on the scenario's Thursday
            canteen(),
        ],
        routes=[route("energy", ["lab"]), route("closed", ["shut"])],
        delegates=[
            *(delegate(f"P{i:02d}", ["energy"]) for i in range(6)),
            delegate("Q01", ["closed"]),
        ],
    )


def test_people_the_budget_kept_out_are_told_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stopped_early(monkeypatch)
    from findhz.planner.loading import load_scenario

    scenario = load_scenario(_small(tmp_path))
    result = assign(scenario, time_limit_s=1.0, rerun_time_limit_s=7.5)
    reasons = {u.delegate: u.reason for u in result.unassigned}
    assert reasons["P00"].startswith(f"{BUDGET_REASON}: rerun with --time-limit 8 ")
    assert "up to 6 more delegate(s)" in reasons["P00"]
    assert BUDGET_REASON not in reasons["Q01"]  # no interest runs: the data kept them out
    assert result.metrics.budget_short == BudgetShort(
        delegates=6, more_placeable_at_most=6, placed_stage="stopped", suggested_time_limit_s=8
    )


def test_a_search_that_kept_its_start_sends_nobody_on_a_longer_rerun(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The placing stage ended without improving on the greedy start (what 10,000 generated
    # delegates do at any limit, and conference-300 at --time-limit 2): the reason says so,
    # offers a longer --time-limit, then planning fewer delegates at once.
    _stopped_early(monkeypatch, "kept-start")
    from findhz.planner.loading import load_scenario

    scenario = load_scenario(_small(tmp_path))
    result = assign(scenario, time_limit_s=1.0, rerun_time_limit_s=7.5)
    reasons = {u.delegate: u.reason for u in result.unassigned}
    assert reasons["P00"].startswith(f"{KEPT_START_REASON}: ")
    assert "kept its greedy start" in reasons["P00"]
    assert "up to 6 more delegate(s)" in reasons["P00"]
    assert "rerun with --time-limit 8" in reasons["P00"]
    assert "plan fewer delegates at once" in reasons["P00"]
    assert BUDGET_REASON not in reasons["P00"]
    assert KEPT_START_REASON not in reasons["Q01"]  # the data kept them out
    assert result.metrics.budget_short == BudgetShort(
        delegates=6, more_placeable_at_most=6, placed_stage="kept-start", suggested_time_limit_s=8
    )


def test_plan_exits_4_when_the_search_kept_its_start_and_names_the_way_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stopped_early(monkeypatch, "kept-start")
    scenario = _small(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["plan", str(scenario), "--out", str(out)])
    assert result.exit_code == BUDGET_SHORT_EXIT, result.output
    assert "could not search a model of this size" in result.output
    assert "rerun with --time-limit" in result.output
    assert "plan fewer delegates at once" in result.output
    assert "--allow-partial" in result.output
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    short = plan["metrics"]["budget_short"]
    assert short["placed_stage"] == "kept-start" and short["suggested_time_limit_s"] > 0
    again = CliRunner().invoke(app, ["plan", str(scenario), "--out", str(out), "--allow-partial"])
    assert again.exit_code == 0, again.output


@pytest.mark.parametrize(
    ("status", "placed", "start", "outcome"),
    [
        ("FEASIBLE", 12, 10, "stopped"),  # searched past its start: more time may help
        ("FEASIBLE", 10, 10, "kept-start"),  # found nothing beyond the start
        ("UNKNOWN", None, 10, "kept-start"),  # e.g. stopped after presolve
        ("FEASIBLE", 3, None, "stopped"),  # no start given: any solution was searched for
        ("UNKNOWN", None, None, "kept-start"),
    ],
)
def test_the_placing_stage_outcome_follows_what_the_solver_reported(
    status: str, placed: int | None, start: int | None, outcome: str
) -> None:
    assert solver.placed_stage_outcome(status, placed, start) == outcome


def test_a_proven_assignment_blames_no_budget(tmp_path: Path) -> None:
    from findhz.planner.loading import load_scenario

    scenario = load_scenario(_small(tmp_path))
    result = assign(scenario, time_limit_s=1.0)
    assert result.metrics.budget_short is None
    assert [u.delegate for u in result.unassigned] == ["Q01"]


def test_plan_exits_4_when_the_budget_kept_people_out_but_writes_the_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stopped_early(monkeypatch)
    scenario = _small(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["plan", str(scenario), "--out", str(out)])
    assert result.exit_code == BUDGET_SHORT_EXIT == 4, result.output
    assert "the time budget, not the data, kept 6 delegate(s) out" in result.output
    assert "--allow-partial" in result.output
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["metrics"]["budget_short"]["delegates"] == 6

    again = CliRunner().invoke(app, ["plan", str(scenario), "--out", str(out), "--allow-partial"])
    assert again.exit_code == 0, again.output
    assert "warning: the time budget, not the data" in again.output


def test_a_day_searches_only_the_buses_its_share_of_the_cap_pays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The days' share of the cap, predicted from the sizes, pays 3 bus searches: the first 3
    # buses of the order are searched, the other 5 take their first solution; the plan
    # verifies, repeats, and says what the budget skipped.
    monkeypatch.setattr(planning, "days_allowance", lambda *_: 3.5 * schedule.LEAN_BUS_S)
    scenario = load(tmp_path, **_busy_day())
    first = run_plan(scenario, time_limit_s=1.0)
    day = next(iter((first.plan.metrics.days or {}).values()))
    assert day.build == "lean"
    assert day.buses_searched == 3
    assert "paid a search for 3 of them" in (day.bound_status or "")
    assert len(first.plan.groups) == 8
    assert verify_plan(first.plan, scenario) == []
    assert not first.report.time_cap_hit  # the prediction decided, not a clock
    again = run_plan(scenario, time_limit_s=1.0)
    assert again.plan.model_dump_json() == first.plan.model_dump_json()


def test_plan_says_how_many_buses_the_time_limit_searched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(planning, "days_allowance", lambda *_: 3.5 * schedule.LEAN_BUS_S)
    scenario = write_scenario(tmp_path / "scenario", **_busy_day())
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["plan", str(scenario), "--out", str(out), "--time-limit", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "note: the time limit paid a route search for 3 of the 8 buses of" in result.output
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["days_allowance_cpu_s"] == pytest.approx(3.5 * schedule.LEAN_BUS_S, abs=1e-3)


def test_the_days_share_what_the_assignment_is_predicted_to_leave() -> None:
    cap = planning.CAP_FACTOR * 1.0 + planning.CAP_SLACK_S
    small = planning.days_allowance(cap, 1.0, 100)
    large = planning.days_allowance(cap, 1.0, 10_000)
    assert 0 < large < small < planning.DAYS_CAP_SHARE * cap
    assert planning.days_allowance(cap, 1.0, 10**7) == 0.0  # never negative
    assert schedule.lean_searches(None) is None
    assert schedule.lean_searches(0.0) == 0
    assert schedule.lean_searches(10 * schedule.LEAN_BUS_S + 1e-9) == 10


def test_the_placed_bound_never_exceeds_the_weeks_seats() -> None:
    # Ten people, one day, one route-day whose buses carry 4 (of 6 seats) and which may have
    # 2 buses, a fleet of 3: at most 8 can be placed, whatever CP-SAT's bound says.
    from findhz.planner.problems import Option, Slot

    problem = AssignmentProblem(
        people=10,
        slots=(Slot(day=0, bus_capacity=(4,), max_buses=2),),
        options=tuple(Option(person=p, slot=0, value=100) for p in range(10)),
        fleet=((3,),),
    )
    assert solver.placed_ceiling(problem) == 8
    wide = dataclasses.replace(
        problem, slots=(Slot(day=0, bus_capacity=(4,), max_buses=9),), fleet=((1,),)
    )
    assert solver.placed_ceiling(wide) == 4  # the fleet caps it
    few = dataclasses.replace(problem, options=problem.options[:3])
    assert solver.placed_ceiling(few) == 3  # only three people have an option
