"""A bus that breaks down on the road: a spare bus carries its riders on from where they are,
or, with no spare bus, the rest of their day is cancelled and said so."""

from __future__ import annotations

import datetime as dt

import pytest

from findhz.planner.changes import BusUnavailable
from findhz.planner.exports.notices import change_phrase
from findhz.planner.models import Group, Plan, Scenario
from findhz.planner.replan import replan
from findhz.planner.travel import build_matrix
from findhz.planner.travel.matrix import TravelMatrix
from findhz.planner.verify import verify_plan

DAY1 = dt.date(2024, 9, 28)
G1 = f"{DAY1}-gen-ai-1"


@pytest.fixture(scope="module")
def matrix(sample_scenario: Scenario) -> TravelMatrix:
    return build_matrix(sample_scenario, "offline", use_cache=False)


def _fleet(scenario: Scenario, count: int) -> Scenario:
    fleet = [scenario.spec.fleet[0].model_copy(update={"count": count})]
    return scenario.model_copy(update={"spec": scenario.spec.model_copy(update={"fleet": fleet})})


def _group(plan: Plan, gid: str) -> Group:
    return next(g for g in plan.groups if g.id == gid)


def _broken(clock: str) -> BusUnavailable:
    return BusUnavailable.model_validate({"kind": "bus-unavailable", "group": G1, "from": clock})


@pytest.mark.parametrize("clock", ["10:00", "10:35"])  # at zhejiang-lab; driving to dream-town
def test_a_spare_bus_carries_the_riders_on_from_where_they_are(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix, clock: str
) -> None:
    scenario = _fleet(sample_scenario, 3)  # two buses run on the 28th: one is spare
    result = replan(sample_plan, scenario, matrix, [_broken(clock)])
    published, new = _group(sample_plan, G1), _group(result.plan, G1)
    assert new.delegates == published.delegates  # nobody moved to another group
    assert new.stops[:2] == published.stops[:2]  # zhejiang-lab was reached before
    moment = dt.datetime.combine(DAY1, dt.time.fromisoformat(clock), tzinfo=scenario.tz())
    first = new.stops[2]  # the spare bus drives from the base to where the riders are
    minute = moment.hour * 60 + moment.minute
    come = dt.timedelta(
        seconds=matrix.travel_s(
            "expo-hotel", published.stops[1 if clock == "10:00" else 2].venue, minute, DAY1
        )
    )
    assert first.start is not None and first.start >= moment + come
    assert verify_plan(result.plan, result.scenario) == []
    told = {d.delegate: d for d in result.report.delegates}
    assert set(told) == set(published.delegates)
    assert all("spare" in d.reason for d in told.values())
    assert [g for g in result.plan.groups if g.id != G1] == [
        g for g in sample_plan.groups if g.id != G1
    ]


def test_with_no_spare_bus_the_rest_of_the_day_is_cancelled_and_explained(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix
) -> None:
    scenario = _fleet(sample_scenario, 2)  # both buses of the 28th are running
    result = replan(sample_plan, scenario, matrix, [_broken("10:00")])
    published, new = _group(sample_plan, G1), _group(result.plan, G1)
    assert [s.venue for s in new.stops] == ["expo-hotel", "zhejiang-lab", "expo-hotel"]
    assert new.stops[:2] == published.stops[:2]
    cancelled = {h.venue for h in result.report.hosts if h.status == "cancelled"}
    assert cancelled == {s.venue for s in published.stops[2:-1]}
    assert all("no spare bus" in h.reason for h in result.report.hosts)
    riders = [d for d in result.report.delegates if d.delegate in new.delegates]
    assert riders and all("cancelled" in d.reason for d in riders)
    # They are told their day was cut short, not that their times shifted.
    assert {d.status for d in riders} == {"cut-short"}
    assert result.report.as_json()["summary"]["delegates_cut_short"] == len(riders)
    assert change_phrase("cut-short", 0).en == "the rest of your day is cancelled"
    assert verify_plan(result.plan, result.scenario) == []  # explained: no lunch that day


def test_a_day_cut_below_the_routes_minimum_of_visits_is_explained(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix
) -> None:
    published = _group(sample_plan, G1)
    # The route asks as many visits as its leanest published group makes.
    visits = min(
        sum(1 for s in g.stops if s.kind == "visit")
        for g in sample_plan.groups
        if g.route == published.route
    )
    scenario = _fleet(sample_scenario, 2)
    route = scenario.routes[published.route].model_copy(update={"min_stops": visits})
    scenario = scenario.model_copy(update={"routes": {**scenario.routes, route.id: route}})
    assert verify_plan(sample_plan, scenario) == []
    result = replan(sample_plan, scenario, matrix, [_broken("10:00")])
    new = _group(result.plan, G1)
    assert sum(1 for s in new.stops if s.kind == "visit") < visits
    assert any(e.kind == "stop-bounds" and e.group == G1 for e in result.plan.explanations)
    assert verify_plan(result.plan, result.scenario) == []


def test_a_breakdown_before_departure_still_reseats_the_riders(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix
) -> None:
    result = replan(sample_plan, sample_scenario, matrix, [_broken("08:00")])
    assert G1 not in {g.id for g in result.plan.groups}


def test_each_change_has_its_phrase_in_both_languages() -> None:
    shifted = change_phrase("shifted", 25)
    assert shifted.en == "your timetable changed (by up to 25 min)"
    assert shifted.zh == "您的行程时间有调整（最多 25 分钟）"
    statuses = ("cut-short", "bus-changed", "route-day-changed", "dropped", "joined")
    phrases = [change_phrase(status, 0) for status in statuses]
    assert all(p.en and p.zh for p in phrases)
    assert len({p.zh for p in phrases}) == len(statuses)  # each says its own change
    assert change_phrase("something new", 0).zh == "您的行程有变化"
