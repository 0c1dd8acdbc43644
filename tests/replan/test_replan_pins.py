"""Re-planning honours the coordinators' pins; a pin that cannot hold is one line."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from findhz.planner.changes import BusUnavailable, DelegateDays, DelegateJoined, VenueClosed
from findhz.planner.errors import InputError
from findhz.planner.models import Delegate, Pin, Plan, Scenario
from findhz.planner.replan import replan
from findhz.planner.travel import build_matrix
from findhz.planner.travel.matrix import TravelMatrix
from findhz.planner.verify import verify_plan

DAY1 = dt.date(2024, 9, 28)
G1 = f"{DAY1}-gen-ai-1"
G2 = f"{DAY1}-biomed-1"


@pytest.fixture(scope="module")
def matrix(sample_scenario: Scenario) -> TravelMatrix:
    return build_matrix(sample_scenario, "offline", use_cache=False)


def _pinned(scenario: Scenario, *pins: dict[str, Any]) -> Scenario:
    spec = scenario.spec.model_copy(update={"pins": [Pin.model_validate(p) for p in pins]})
    return scenario.model_copy(update={"spec": spec})


def test_a_pin_added_after_publishing_moves_that_delegate_and_nobody_else(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix
) -> None:
    scenario = _pinned(sample_scenario, {"delegate": "D001", "route": "biomed", "date": DAY1})
    result = replan(sample_plan, scenario, matrix, [])
    groups = {g.id: g.delegates for g in result.plan.groups}
    assert "D001" in groups[G2] and "D001" not in groups[G1]
    assert [(d.delegate, d.status) for d in result.report.delegates] == [
        ("D001", "route-day-changed")
    ]
    assert verify_plan(result.plan, result.scenario) == []


def test_a_pinned_group_takes_no_new_rider(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix
) -> None:
    scenario = _pinned(sample_scenario, {"group": G2})
    newcomer = Delegate(id="D100", name="Synthetic Late", country="FR", interests=["biomed"])
    result = replan(
        sample_plan, scenario, matrix, [DelegateJoined(kind="delegate-joined", delegate=newcomer)]
    )
    assert {g.id: g for g in result.plan.groups}[G2] == {g.id: g for g in sample_plan.groups}[G2]
    assert "D100" in {u.delegate for u in result.plan.unassigned}


@pytest.mark.parametrize(
    "change",
    [
        BusUnavailable(kind="bus-unavailable", group=G2),
        VenueClosed.model_validate({"kind": "venue-closed", "venue": "liangzhu-lab", "date": DAY1}),
    ],
)
def test_a_change_to_a_pinned_group_is_refused_in_one_line(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix, change: Any
) -> None:
    scenario = _pinned(sample_scenario, {"group": G2})
    with pytest.raises(InputError) as caught:
        replan(sample_plan, scenario, matrix, [change])
    lines = str(caught.value).splitlines()
    assert len(lines) == 1 and lines[0].startswith("sample.yaml: pins[0]: group")
    assert "changes[0]" in lines[0]


def test_pins_that_cannot_hold_are_one_line_each(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix
) -> None:
    scenario = _pinned(
        sample_scenario,
        {"group": "2024-09-28-nowhere-1"},
        {"delegate": "D004", "route": "gen-ai", "date": DAY1},
    )
    redate = DelegateDays(kind="delegate-days", delegate="D004", available=[dt.date(2024, 9, 29)])
    with pytest.raises(InputError) as caught:
        replan(sample_plan, scenario, matrix, [redate])
    lines = str(caught.value).splitlines()
    assert len(lines) == 2
    assert "pins[0].group: group '2024-09-28-nowhere-1' is not in the published plan" in lines[0]
    assert "pins[1]: D004 is pinned on 2024-09-28" in lines[1]


@pytest.mark.parametrize("repair", ["optimise", "greedy"])
def test_a_pin_on_another_day_frees_the_ride_it_replaces(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix, repair: str
) -> None:
    """With ``rides: 1``, a delegate riding on the first day and pinned to a route of the
    second day leaves their first ride and takes a free seat of the bus that runs on the
    pinned day (no spare bus, nobody else moved)."""
    day2 = sample_scenario.spec.dates[1]
    scenario = _pinned(sample_scenario, {"delegate": "D001", "route": "gen-ai", "date": day2})
    scenario = scenario.model_copy(update={"spec": scenario.spec.model_copy(update={"rides": 1})})
    published = sample_plan.model_copy(
        update={
            "groups": [
                g.model_copy(update={"delegates": [d for d in g.delegates if d != "D001"]})
                if g.date == day2
                else g
                for g in sample_plan.groups
            ]
        }
    )
    bus = next(g for g in published.groups if g.date == day2 and g.route == "gen-ai")
    result = replan(published, scenario, matrix, [], repair=repair)  # type: ignore[arg-type]
    rides = [g.id for g in result.plan.groups if "D001" in g.delegates]
    assert rides == [bus.id]
    assert len(result.plan.groups) == len(published.groups)  # no spare bus
    assert [(d.delegate, d.status) for d in result.report.delegates] == [
        ("D001", "route-day-changed")
    ]
