"""The benchmark harness on a few committed instances with short, deterministic budgets.

These prove that the readers, adapters, checks, runners and report agree with each other
and with the reference scoring; they assert correctness, never timings.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from findhz.benchmarks.adapters import (
    check_optw,
    check_solomon,
    optw_matrix,
    optw_problem,
    solomon_problem,
)
from findhz.benchmarks.cli import app
from findhz.benchmarks.instances import (
    DATA,
    read_optw,
    read_optw_optima,
    read_solomon,
    read_solomon_bks,
)
from findhz.benchmarks.report import render_report
from findhz.benchmarks.runners import solve_ours

TOPTW = DATA / "toptw"
SOLOMON = DATA / "solomon"
WORK = 3_000


def test_optw_reader_and_truncated_distances() -> None:
    c101 = read_optw(TOPTW / "c101.txt")
    assert len(c101.x) == 101
    assert c101.tmax == 1236
    assert c101.decimals == 1
    assert c101.score[1] == 10 and c101.ready[1] == 912 and c101.due[1] == 967
    pr01 = read_optw(TOPTW / "pr01.txt")
    assert pr01.decimals == 2
    assert len(pr01.x) == 49
    # c101 vertices 0 (40, 50) and 1 (45, 68): sqrt(349) = 18.681... truncated to 18.6
    assert optw_matrix(c101)[0, 1] == 186
    # an exact integer distance stays exact: vertices 0 and 2 (45, 70) are sqrt(425) apart,
    # vertices 2 (45, 70) and 1 (45, 68) exactly 2 apart
    assert optw_matrix(c101)[2, 1] == 20


def test_optw_check_scores_and_rejects() -> None:
    c101 = read_optw(TOPTW / "c101.txt")
    # vertex 5 opens at 15 and closes at 67: reachable first
    check = check_optw(c101, [[5]])
    assert check.feasible and check.score == c101.score[5]
    assert not check_optw(c101, [[5, 5]]).feasible
    # vertex 1 closes at 967 after 90 minutes at vertex 5 starting by 67: feasible;
    # vertex 5 after vertex 1 is too late
    assert not check_optw(c101, [[1, 5]]).feasible


def test_ours_on_optw_is_feasible_and_scored_like_the_reference() -> None:
    instance = read_optw(TOPTW / "c101.txt")
    optimum = read_optw_optima()[("c101", 1)]
    problem = optw_problem(instance, 1)
    run = solve_ours(problem, time_limit_s=60.0, seed=0, work_limit=WORK)
    assert run.solver_feasible and not run.time_cap_hit
    routes = [[problem.visits[k].node for k in tour] for tour in run.tours]
    check = check_optw(instance, routes)
    assert check.feasible, check.reason
    assert 0.8 * optimum <= check.score <= optimum
    # the same work budget gives the same tours
    again = solve_ours(problem, time_limit_s=60.0, seed=0, work_limit=WORK)
    assert again.tours == run.tours


def test_ours_on_solomon_serves_everyone_within_the_rules() -> None:
    instance = read_solomon(SOLOMON / "C101.txt")
    assert instance.vehicles == 25 and instance.capacity == 200
    problem = solomon_problem(instance)
    run = solve_ours(problem, time_limit_s=60.0, seed=0, work_limit=WORK)
    check = check_solomon(instance, [[problem.visits[k].node for k in t] for t in run.tours])
    assert check.feasible, check.reason
    best = read_solomon_bks(DATA / "solomon_bks_distance_only.csv")["C101"]
    assert best.distance - 0.01 <= check.distance <= best.distance * 1.25
    assert check.vehicles >= best.vehicles


def test_pyvrp_side_by_side_on_the_same_problem() -> None:
    from findhz.benchmarks.runners import solve_pyvrp

    instance = read_optw(TOPTW / "pr01.txt")
    problem = optw_problem(instance, 2)
    run = solve_pyvrp(problem, time_limit_s=0.5, seed=1)
    check = check_optw(instance, [[problem.visits[k].node for k in t] for t in run.tours])
    assert check.feasible, check.reason
    assert check.score > 0


def test_command_writes_records_and_report(tmp_path: Path) -> None:
    records_file = tmp_path / "records.json"
    report = tmp_path / "BENCHMARKS.md"
    result = CliRunner().invoke(
        app,
        [
            "optw",
            "--data",
            str(TOPTW),
            "--instances",
            "r101",
            "--tours",
            "1,2",
            "--time-limit",
            "60",
            "--work-limit",
            str(WORK),
            "--json",
            str(records_file),
            "--results",
            str(tmp_path / "results"),
            "--report",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    records = json.loads(records_file.read_text())
    assert [(r["instance"], r["tours"], r["solver"]) for r in records] == [
        ("r101", 1, "ours"),
        ("r101", 2, "ours"),
    ]
    for record in records:
        assert set(record) >= {"set", "instance", "tours", "seed", "solver", "score", "seconds"}
        assert record["feasible"] is True
    assert records[1]["score"] >= records[0]["score"]
    text = report.read_text()
    assert "| r101 | 198 |" in text
    assert "### m = 2 tours" in text


def test_report_gap_and_ratio_from_records(tmp_path: Path) -> None:
    records = [
        {"set": "optw", "instance": "c101", "tours": 1, "seed": s, "solver": solver,
         "score": score, "seconds": 5.0, "feasible": True}
        for s, solver, score in [(0, "ours", 304), (1, "ours", 320), (2, "ours", 310),
                                 (0, "pyvrp", 320)]
    ]  # fmt: skip
    (tmp_path / "optw.json").write_text(
        json.dumps({"set": "optw", "command": "findhz bench optw", "records": records})
    )
    text = render_report(tmp_path)
    # median 310 of the optimum 320: gap 3.125 %, ratio 310 / 320
    assert "| c101 | 320 | 310 [304–320] | 3.12 % | 320 | 0.9688 |" in text
    assert "at the optimum: 0 of 1" in text


def test_generated_week_loads_and_repeats(tmp_path: Path) -> None:
    from findhz.benchmarks.scale import generate_week
    from findhz.planner.loading import load_scenario

    first = generate_week(tmp_path / "a", delegates=40, venues=30, seed=7)
    second = generate_week(tmp_path / "b", delegates=40, venues=30, seed=7)
    for name in ("venues.yaml", "themes.yaml", "delegates.csv", "scenario.yaml"):
        assert (first.parent / name).read_bytes() == (second.parent / name).read_bytes()
    scenario = load_scenario(first)
    assert len(scenario.delegates) == 40
    assert len(scenario.venues) == 31  # the clones and the base
    assert len(scenario.spec.dates) == 5
    assert sum(bus.count for bus in scenario.spec.fleet) == 50


@pytest.mark.slow
def test_scale_command_plans_a_small_week(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "scale",
            "--data",
            str(tmp_path / "weeks"),
            "--sizes",
            "30x20",
            "--time-limit",
            "1",
            "--results",
            str(tmp_path / "results"),
            "--report",
            str(tmp_path / "BENCHMARKS.md"),
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads((tmp_path / "results" / "scale.json").read_text())
    (record,) = payload["records"]
    assert record["feasible"], record["message"]
    assert record["groups"] > 0 and record["peak_mib"] > 0
    assert "| 30 | 20 | 5 | 50 |" in (tmp_path / "BENCHMARKS.md").read_text()


@pytest.mark.slow
def test_budget_command_measures_a_small_week(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "budget",
            "--data",
            str(tmp_path / "weeks"),
            "--sizes",
            "30x20",
            "--limits",
            "1",
            "--results",
            str(tmp_path / "results"),
            "--report",
            str(tmp_path / "BENCHMARKS.md"),
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads((tmp_path / "results" / "budget.json").read_text())
    (record,) = payload["records"]
    assert record["exit_code"] == 0, record["message"]
    assert record["placed"] > 0 and record["peak_mib"] > 0
    assert 1 <= sum(record["builds"].values()) <= 5  # one build per day with buses
    assert record["planned_s"] is not None and record["written_s"] is not None
    assert record["command_bound_s"] == pytest.approx(4 * 1 + 10 + 10 + 0.008 * 30, abs=0.05)
    assert record["buses"] > 0
    report = (tmp_path / "BENCHMARKS.md").read_text()
    assert "## Budget: does `--time-limit` bound `findhz plan`?" in report
    assert "| 30 | 1 |" in report


@pytest.mark.slow
def test_money_targets_on_the_one_route_day_and_their_report(tmp_path: Path) -> None:
    """The one-route target and its optimality check, run for real on the committed case,
    and the report's money section built from the records (no timings asserted)."""
    from findhz.benchmarks.targets import ONE_ROUTE, exact_target, one_route_target
    from findhz.planner.loading import load_scenario

    one = one_route_target(6.0, 0)
    assert one["buses"] == "coach-49 35 + coach-49 35" and one["overlapping"] == 0
    assert one["met"] and one["one_group_visits"] == 2
    exact = exact_target("one-route-70", load_scenario(ONE_ROUTE), 2.0, 0)
    assert exact["proven"] and exact["gap"] == 0 and exact["ours_cny"] == 7600
    (tmp_path / "planner-targets.json").write_text(
        json.dumps({"set": "planner", "command": "findhz bench planner", "records": [one, exact]})
    )
    text = render_report(tmp_path)
    assert "### Money targets" in text
    assert "coach-49 35 + coach-49 35, 7600 CNY" in text
    assert "| one-route-70 | 70 | 7600 | 2 |" in text
