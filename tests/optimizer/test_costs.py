"""Money in the objective: bus prices decide the fleet, min_riders keeps near-empty buses at
home, a route runs only on its dates, and bad money values are one-line input errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from findhz.planner.assign import assign
from findhz.planner.errors import InputError
from findhz.planner.frontier import frontier
from findhz.planner.loading import load_scenario
from findhz.planner.planning import make_plan
from findhz.planner.travel import build_matrix
from findhz.planner.verify import verify_plan

from .factory import FRI, THU, WED, canteen, delegate, load, route, run_plan, venue, write_scenario

COUNTRIES = ["France", "Kenya", "Brazil", "India", "Japan", "Chile", "Egypt"]


def _one_route_day(tmp_path: Path, **kwargs: Any) -> dict[str, Any]:
    """70 delegates on one route whose must-visit takes 35 at a time, one group at once;
    a fleet of 2 coaches (49 seats) and 3 minibuses (19)."""
    args: dict[str, Any] = {
        "venues": [
            venue("hall", 30.2950, 120.0000, max_group=35, hours="09:00-17:00"),
            venue("lab", 30.3000, 120.0300, max_group=80, concurrent_groups=2),
            canteen(max_group=80),
        ],
        "routes": [route("energy", ["hall", "lab"], must_visit=["hall"], min_stops=2)],
        "delegates": [
            delegate(f"P{i:02d}", ["energy"], country=COUNTRIES[i % len(COUNTRIES)])
            for i in range(70)
        ],
        "fleet": (("coach-49", 49, 2), ("minibus-19", 19, 3)),
        "bus_costs": {"coach-49": 2200, "minibus-19": 1200},
        "settings": {"staff_per_bus": 1600},
    }
    args.update(kwargs)
    return args


def test_two_coaches_of_35_not_three_buses(tmp_path: Path) -> None:
    """Two coaches cost 2 x (2200 + 1600) = 7,600 CNY; any plan with three buses costs more
    (the cheapest, coach + 2 minibuses, 3,800 + 2 x 2,800 = 9,400). Both coaches carry 35
    (the must-visit's limit) and take turns at the one-group hall."""
    run = run_plan(load(tmp_path, **_one_route_day(tmp_path)), time_limit_s=2.0)
    assert verify_plan(run.plan, run.scenario) == []
    assert sorted((g.bus, len(g.delegates)) for g in run.plan.groups) == [
        ("coach-49", 35),
        ("coach-49", 35),
    ]
    assert run.plan.metrics.cost_cny == 7600
    assert run.plan.metrics.cost_cny_by_date == {THU.isoformat(): 7600}
    halls = sorted((s.start, s.end) for g in run.plan.groups for s in g.stops if s.venue == "hall")
    assert len(halls) == 2 and halls[0][1] is not None and halls[1][0] is not None
    assert halls[0][1] <= halls[1][0]  # staggered: one group at a time


def test_dear_coaches_give_minibuses(tmp_path: Path) -> None:
    """At 20,000 CNY a coach, one coach (35 of 70) and two minibuses (38 seats) cost
    21,600 + 2 x 2,800 = 27,200 against 43,200 for two coaches: the plan follows the prices."""
    scenario = load(
        tmp_path, **_one_route_day(tmp_path, bus_costs={"coach-49": 20000, "minibus-19": 1200})
    )
    result = assign(scenario, time_limit_s=2.0)
    buses = sorted(g.bus for g in result.groups)
    assert buses == ["coach-49", "minibus-19", "minibus-19"]
    assert result.metrics.costs.cost_cny == 27200
    assert sum(len(g.delegates) for g in result.groups) == 70


def test_a_route_day_below_min_riders_does_not_run(tmp_path: Path) -> None:
    """Three delegates put ``small`` first and ``big`` second; ``big`` has ten first choices.
    With min_riders 5 the ``small`` bus would leave with 3, so it stays home, the three ride
    ``big`` and the explanation says why."""
    people = [delegate(f"S{i}", ["small", "big"]) for i in range(3)]
    people += [delegate(f"B{i}", ["big"], country="Kenya") for i in range(10)]
    scenario = load(
        tmp_path,
        venues=[venue("a", 30.2950, 120.0000), venue("b", 30.3000, 120.0300), canteen()],
        routes=[route("small", ["a"]), route("big", ["b"])],
        delegates=people,
        settings={"min_riders": 5},
    )
    result = assign(scenario, time_limit_s=2.0)
    assert {g.route for g in result.groups} == {"big"}
    assert sum(len(g.delegates) for g in result.groups) == 13
    assert result.unassigned == ()
    (why,) = [e for e in result.explanations if e.route == "small"]
    assert why.kind == "route-day-not-run"
    assert "only 3 delegate(s)" in why.reason and "at least 5 (min_riders)" in why.reason
    assert "S0 on big" in why.reason


def test_a_route_override_of_min_riders_and_left_out_delegates(tmp_path: Path) -> None:
    """A route's own min_riders wins over the scenario's; a delegate with no other choice
    is left out with the reason."""
    scenario = load(
        tmp_path,
        venues=[venue("a", 30.2950, 120.0000), canteen()],
        routes=[route("solo", ["a"])],
        delegates=[delegate("D1", ["solo"]), delegate("D2", ["solo"])],
        settings={"min_riders": 1, "route_settings": {"solo": {"min_riders": 3}}},
    )
    result = assign(scenario, time_limit_s=1.0)
    assert result.groups == ()
    assert [u.delegate for u in result.unassigned] == ["D1", "D2"]
    assert "at least 3 (min_riders)" in result.unassigned[0].reason


def test_a_route_runs_only_on_its_dates_and_within_max_buses(tmp_path: Path) -> None:
    people = [delegate(f"D{i:02d}", ["fixed"], country=COUNTRIES[i % 7]) for i in range(30)]
    scenario = load(
        tmp_path,
        venues=[venue("a", 30.2950, 120.0000, concurrent_groups=4), canteen()],
        routes=[route("fixed", ["a"])],
        delegates=people,
        dates=(WED, THU, FRI),
        fleet=(("van", 10, 6),),
        settings={"route_settings": {"fixed": {"dates": [THU.isoformat()], "max_buses": 2}}},
    )
    result = assign(scenario, time_limit_s=1.0)
    assert {g.date for g in result.groups} == {THU}
    assert len(result.groups) == 2
    assert sum(len(g.delegates) for g in result.groups) == 20
    assert len(result.unassigned) == 10
    assert "fixed on" in result.unassigned[0].reason


@pytest.mark.parametrize(
    ("settings", "bus_costs", "expected"),
    [
        ({}, {"coach": -5}, "fleet[0].cost_per_day"),
        ({"staff_per_bus": -1}, None, "staff_per_bus"),
        ({"min_riders": 41}, None, "min_riders: 41 riders, but no bus of the fleet has more"),
        (
            {"route_settings": {"solo": {"dates": ["2030-01-01"]}}},
            None,
            "route_settings.solo.dates[0]: 2030-01-01 is not one of the scenario's dates",
        ),
        (
            {"route_settings": {"solo": {"min_riders": 60}}},
            None,
            "route_settings.solo.min_riders",
        ),
        ({"route_settings": {"nowhere": {"max_buses": 1}}}, None, "unknown route 'nowhere'"),
    ],
)
def test_bad_money_and_route_settings_are_one_line(
    tmp_path: Path, settings: dict[str, Any], bus_costs: dict[str, int] | None, expected: str
) -> None:
    path = write_scenario(
        tmp_path,
        venues=[venue("a", 30.2950, 120.0000), canteen()],
        routes=[route("solo", ["a"])],
        delegates=[delegate("D1", ["solo"])],
        bus_costs=bus_costs,
        settings=settings,
    )
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert expected in str(problem)
    assert "\n" not in str(problem)


def test_the_frontier_is_ordered_and_each_point_is_a_verified_plan(tmp_path: Path) -> None:
    """Five delegates put ``a`` first, fifteen ``b``; a van takes 20. One van on ``b`` is the
    cheapest plan (five delegates a step down); two vans give everyone their first choice."""
    people = [delegate(f"A{i}", ["a", "b"]) for i in range(5)]
    people += [delegate(f"B{i:02d}", ["b", "a"], country="Kenya") for i in range(15)]
    scenario = load(
        tmp_path,
        venues=[venue("va", 30.2950, 120.0000), venue("vb", 30.3000, 120.0300), canteen()],
        routes=[route("a", ["va"]), route("b", ["vb"])],
        delegates=people,
        fleet=(("van", 20, 2),),
        bus_costs={"van": 1000},
    )
    points = frontier(scenario, scenario_arg="scenario.yaml", time_limit_s=2.0)
    assert [(p.buses, p.cost_cny, p.rank_steps) for p in points] == [
        (1, 1000, 5),
        (2, 2000, 0),
    ]
    assert points[0].first_choice == 15 and points[0].second_choice == 5
    assert points[-1].first_choice == 20
    matrix = build_matrix(scenario)
    for point in points:
        assert point.command.startswith("findhz plan scenario.yaml --cny-per-rank-step ")
        plan, _ = make_plan(
            scenario, matrix, time_limit_s=2.0, cny_per_rank_step=point.cny_per_rank_step
        )
        assert verify_plan(plan, scenario) == []
        assert plan.metrics.cost_cny == point.cost_cny
        assert plan.metrics.rank_steps == point.rank_steps


def test_two_half_empty_days_become_one_bus(tmp_path: Path) -> None:
    """Eight delegates can come only on Wednesday or Thursday, eight on Thursday or Friday:
    min_riders 8 lets a bus run on two days with eight each, but one bus on Thursday carries
    all sixteen and saves a bus-day. The money stage proves it."""
    people = [delegate(f"W{i}", ["only"], available=(WED, THU)) for i in range(8)]
    people += [delegate(f"F{i}", ["only"], country="Kenya", available=(THU, FRI)) for i in range(8)]
    scenario = load(
        tmp_path,
        venues=[venue("a", 30.2950, 120.0000), canteen()],
        routes=[route("only", ["a"])],
        delegates=people,
        dates=(WED, THU, FRI),
        fleet=(("minibus-19", 19, 2),),
        bus_costs={"minibus-19": 1200},
        settings={"min_riders": 8, "staff_per_bus": 1600},
    )
    result = assign(scenario, time_limit_s=2.0)
    assert [(g.date, len(g.delegates)) for g in result.groups] == [(THU, 16)]
    assert result.metrics.costs.cost_cny == 2800
    assert result.metrics.status.split("/")[1] in {"OPTIMAL", "BOUND"}


def test_interchangeable_delegates_reach_the_proven_optimum_the_same_way(
    tmp_path: Path,
) -> None:
    """Sixty delegates in three kinds of identical choices (who is who does not change any
    term): the money stage is proven optimal and two runs give the same groups."""
    people = [delegate(f"A{i:02d}", ["a", "b", "c"], available=(WED, THU)) for i in range(20)]
    people += [delegate(f"B{i:02d}", ["b", "c"], country="Kenya") for i in range(25)]
    people += [
        delegate(f"C{i:02d}", ["c", "a"], country="Chile", available=(FRI,)) for i in range(15)
    ]
    args: dict[str, Any] = {
        "venues": [
            venue("va", 30.2950, 120.0000, concurrent_groups=3),
            venue("vb", 30.3000, 120.0300, concurrent_groups=3),
            venue("vc", 30.3050, 120.0100, concurrent_groups=3),
            canteen(max_group=80),
        ],
        "routes": [route("a", ["va"]), route("b", ["vb"]), route("c", ["vc"])],
        "delegates": people,
        "dates": (WED, THU, FRI),
        "fleet": (("coach-49", 49, 1), ("minibus-19", 19, 3)),
        "bus_costs": {"coach-49": 2200, "minibus-19": 1200},
        "settings": {"min_riders": 8, "staff_per_bus": 1600, "cny_per_rank_step": 200},
    }
    first = assign(load(tmp_path / "one", **args), time_limit_s=3.0)
    again = assign(load(tmp_path / "two", **args), time_limit_s=3.0)
    assert first.metrics.status.split("/")[1] == "OPTIMAL"
    assert first.groups == again.groups
    assert sum(len(g.delegates) for g in first.groups) == 60
