"""plan.json's ``metrics`` as typed models: the same bytes as before, older plans load."""

from __future__ import annotations

import json

import pytest

from findhz.planner.assign import cost_metrics, ride_figures
from findhz.planner.changes import BusUnavailable, DelegateDropped, VenueClosed
from findhz.planner.metrics import BudgetShort, ChangeRecord, PlanMetrics
from findhz.planner.models import Plan, Scenario
from findhz.planner.planning import make_plan
from findhz.planner.replan import plan_digest, replan
from findhz.planner.travel import build_matrix
from findhz.planner.travel.matrix import TravelMatrix

#: The keys a new plan's metrics start with, in the order plan.json has always written them.
HEAD = [
    "assignment_status",
    "satisfaction_worst",
    "satisfaction_total",
    "rides_by_interest_rank",
    "share_first_or_second_choice",
    "rank_steps",
    "delegates_placed",
    "delegates_unassigned",
    "buses",
    "bus_days_by_type",
    "cost_cny",
    "cost_cny_by_date",
    "cny_per_rank_step",
    "objective_cny",
]
TAIL = ["groups", "visits", "bus_time_s", "drive_time_s", "days", "work_budget", "wall_clock"]


def _text(plan: Plan) -> str:
    return plan.model_dump_json(indent=2) + "\n"


def _json(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@pytest.fixture(scope="module")
def matrix(sample_scenario: Scenario) -> TravelMatrix:
    return build_matrix(sample_scenario, "offline", use_cache=False)


@pytest.fixture(scope="module")
def made(sample_scenario: Scenario, matrix: TravelMatrix) -> Plan:
    plan, _ = make_plan(sample_scenario, matrix, time_limit_s=1.0)
    return plan


def test_a_new_plan_writes_its_figures_in_order_and_loads_back_byte_for_byte(made: Plan) -> None:
    text = _text(made)
    data = json.loads(text)
    assert list(data["metrics"]) == HEAD + TAIL  # nothing optional: no budget_short, no nulls
    day = next(iter(data["metrics"]["days"].values()))
    assert list(day)[:2] == ["groups", "status"] and None not in day.values()
    assert text == _json(data)  # the figures are plain JSON numbers, as json writes them
    assert _text(Plan.model_validate_json(text)) == text


def test_a_re_plan_appends_version_digest_changes_and_calendar(
    made: Plan, sample_scenario: Scenario, matrix: TravelMatrix
) -> None:
    route = next(g for g in made.groups if any(s.kind == "visit" for s in g.stops))
    venue = next(s.venue for s in route.stops if s.kind == "visit")
    closed = VenueClosed.model_validate(
        {"kind": "venue-closed", "venue": venue, "date": route.date.isoformat()}
    )
    second = replan(made, sample_scenario, matrix, [closed])
    metrics = second.plan.metrics
    assert metrics.version == 2
    assert metrics.previous_digest == plan_digest(made)
    assert metrics.changes == second.report.record()
    assert metrics.calendar is not None
    text = _text(second.plan)
    keys = list(json.loads(text)["metrics"])
    assert keys == HEAD + TAIL + ["version", "previous_digest", "changes", "calendar"]
    assert _text(Plan.model_validate_json(text)) == text
    # a re-plan of the re-plan keeps every key where it was
    rider = second.plan.groups[0].delegates[0]
    dropped = DelegateDropped(kind="delegate-dropped", delegate=rider)
    third = replan(second.plan, second.scenario, matrix, [dropped])
    assert third.plan.metrics.version == 3
    assert list(json.loads(_text(third.plan))["metrics"]) == keys


def test_an_older_plan_loads_and_is_written_back_as_it_was(made: Plan) -> None:
    """A plan written before some figures existed (no costs, no certificate, no work budget)
    and with a key this version does not know: it loads, the missing figures are None, and
    it is written back byte for byte."""
    data = json.loads(_text(made))
    metrics = data["metrics"]
    for key in ("cost_cny_by_date", "rank_steps", "objective_cny", "work_budget"):
        del metrics[key]
    for day in metrics["days"].values():
        for key in ("prize", "bound", "gap", "proven_optimal", "from_bound", "bound_status"):
            day.pop(key, None)
    metrics["assignment_seconds"] = 0.25  # unknown to this version: kept, written last
    old = _json(data)
    plan = Plan.model_validate_json(old)
    assert plan.metrics.cost_cny_by_date is None and plan.metrics.work_budget is None
    assert plan.metrics.budget_short is None and plan.metrics.version is None
    assert all(d.bound is None for d in (plan.metrics.days or {}).values())
    assert (plan.metrics.model_extra or {}) == {"assignment_seconds": 0.25}
    assert _text(plan) == old


def test_the_first_plans_work_budget_loads_with_its_own_key_kept() -> None:
    old = {"assignment_deterministic_s": 0.39999999999999997, "routing_budget_s_per_day": 1.6}
    metrics = PlanMetrics.model_validate({"work_budget": old})
    assert metrics.work_budget is not None
    assert metrics.work_budget.assignment_budget_s is None
    assert metrics.work_budget.routing_budget_s_per_day == 1.6
    assert metrics.model_dump()["work_budget"] == old  # nothing lost (the known key first)


def test_an_older_change_report_without_cut_short_days_loads() -> None:
    record = {
        "version": 2,
        "previous_digest": "sha256:00",
        "now": None,
        "summary": {
            "delegates_moved": 1,
            "delegates_shifted": 0,
            "delegates_dropped": 0,
            "delegates_joined": 0,
            "stops_changed": 2,
        },
        "delegates": [],
        "hosts": [],
        "notes": [],
    }
    loaded = ChangeRecord.model_validate(record)
    assert loaded.summary.delegates_cut_short is None
    assert loaded.model_dump(mode="json") == record  # "now": null stays; no count invented


def test_absent_figures_stay_absent_and_numbers_keep_their_kind() -> None:
    short = BudgetShort(delegates=6, more_placeable_at_most=6, placed_stage="kept-start")
    assert json.loads(PlanMetrics(budget_short=short).model_dump_json()) == {
        "budget_short": {"delegates": 6, "more_placeable_at_most": 6, "placed_stage": "kept-start"}
    }
    assert PlanMetrics().model_dump_json() == "{}"
    text = (
        '{"share_first_or_second_choice":0,"days":{"2024-09-28":{"groups":1,"gap":0.0}},'
        '"work_budget":{"assignment_budget_s":2.4000000000000004,"routing_budget_s_per_day":1.0}}'
    )
    assert PlanMetrics.model_validate_json(text).model_dump_json() == text


def test_a_re_plan_counts_its_figures_again_and_uncertifies_only_the_days_it_changed(
    sample_scenario: Scenario, matrix: TravelMatrix
) -> None:
    spec = sample_scenario.spec.model_copy(update={"staff_per_bus": 500})  # buses cost money
    scenario = sample_scenario.model_copy(update={"spec": spec})
    made, _ = make_plan(scenario, matrix, time_limit_s=1.0)
    first, *rest = made.groups
    assert rest, "the sample plans buses on more than one day"
    assert all(day.proven_optimal for day in (made.metrics.days or {}).values())

    # Everyone on the first bus drops out: that bus no longer runs.
    dropped = [DelegateDropped(kind="delegate-dropped", delegate=d) for d in first.delegates]
    plan = replan(made, scenario, matrix, dropped).plan
    metrics = plan.metrics
    costs = cost_metrics(scenario, plan.groups)
    rides = ride_figures(scenario, plan.groups)
    assert metrics.cost_cny == costs.cost_cny < (made.metrics.cost_cny or 0)
    assert metrics.cost_cny_by_date == costs.cost_cny_by_date
    assert metrics.buses == len(plan.groups) < len(made.groups)
    assert metrics.satisfaction_total == rides.total < (made.metrics.satisfaction_total or 0)
    assert metrics.rank_steps == rides.steps
    assert metrics.delegates_placed == len({d for g in plan.groups for d in g.delegates})
    assert metrics.delegates_unassigned == len(plan.unassigned)
    assert metrics.objective_cny == costs.cost_cny + (metrics.cny_per_rank_step or 0) * rides.steps
    changed = (metrics.days or {})[first.date.isoformat()]
    assert changed.replanned_in == 2
    assert changed.bound is None and changed.gap is None and changed.proven_optimal is None
    assert changed.groups == sum(1 for g in plan.groups if g.date == first.date)

    # A bus breaks down and a spare one takes its riders: the other days keep their certificate.
    broken = BusUnavailable(kind="bus-unavailable", group=first.id)
    spared = replan(made, scenario, matrix, [broken]).plan
    for date, day in (spared.metrics.days or {}).items():
        if date == first.date.isoformat():
            assert day.replanned_in == 2 and day.bound is None
        else:
            assert day == (made.metrics.days or {})[date]


def test_the_travel_section_is_read_by_attribute_and_written_back_as_it_was(made: Plan) -> None:
    data = json.loads(_text(made))
    travel = data["travel"]
    assert list(travel) == [
        *("provider", "venues", "includes_overheads", "bands", "model"),
        *("legs", "cached_legs", "fallback", "notes"),
    ]  # offline: no service, no requests
    assert made.travel.legs == {"offline": sum(made.travel.legs.values())}
    assert [band.name for band in made.travel.bands or []] == [b["name"] for b in travel["bands"]]
    # a section an older version wrote: a key dropped, one this version does not know
    del travel["notes"]
    travel["from_an_older_version"] = 1
    text = _json(data)
    assert _text(Plan.model_validate_json(text)) == text
