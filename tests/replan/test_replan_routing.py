"""Re-planning re-solves a changed day's route with stability penalties, from the published
tour, and keeps the minimal repair when that is as good."""

from __future__ import annotations

import datetime as dt

import pytest

from findhz.planner.changes import GroupLate, VenueClosed
from findhz.planner.models import Group, Plan, Scenario
from findhz.planner.replan import SHIFT_TOLERANCE_MIN, _disruption, replan
from findhz.planner.travel import build_matrix
from findhz.planner.travel.matrix import TravelMatrix
from findhz.planner.verify import verify_plan

DAY1 = dt.date(2024, 9, 28)
G1 = f"{DAY1}-gen-ai-1"


@pytest.fixture(scope="module")
def matrix(sample_scenario: Scenario) -> TravelMatrix:
    return build_matrix(sample_scenario, "offline", use_cache=False)


def _group(plan: Plan, gid: str) -> Group:
    return next(g for g in plan.groups if g.id == gid)


def test_a_late_bus_leaves_out_one_visit_rather_than_shift_every_stop(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix
) -> None:
    """An hour late before leaving: the minimal repair shifts all four stops by an hour; the
    re-solved day leaves out the first visit and keeps the others near their published
    times (fewer changes to tell, ranked ahead of the venues' worth)."""
    change = GroupLate(kind="group-late", group=G1, minutes=60)
    published = _group(sample_plan, G1)
    repaired = _group(
        replan(sample_plan, sample_scenario, matrix, [change], repair="greedy").plan, G1
    )
    result = replan(sample_plan, sample_scenario, matrix, [change])
    solved = _group(result.plan, G1)
    assert _disruption(published, solved) < _disruption(published, repaired)
    assert solved.stops[0].depart is not None and published.stops[0].depart is not None
    assert solved.stops[0].depart >= published.stops[0].depart + dt.timedelta(minutes=60)
    starts = {s.venue: s.start for s in published.stops[1:-1]}
    tolerance = dt.timedelta(minutes=SHIFT_TOLERANCE_MIN)
    kept = [s for s in solved.stops[1:-1] if s.venue in starts]
    assert len(kept) == len(published.stops) - 3  # one stop left out, none added
    for stop in kept:
        was = starts[stop.venue]
        assert stop.start is not None and was is not None and abs(stop.start - was) <= tolerance
    assert verify_plan(result.plan, result.scenario) == []
    left_out = next(v for v in starts if v not in {s.venue for s in solved.stops})
    assert any(h.venue == left_out and h.status == "cancelled" for h in result.report.hosts)
    assert {g.id for g in result.plan.groups if g != _group(sample_plan, g.id)} == {G1}


@pytest.mark.parametrize(
    ("clock", "kept"),
    [((10, 20), 1), ((10, 40), 2)],  # at zhejiang-lab; on the road to dream-town
)
def test_the_re_solve_keeps_the_stops_already_reached_and_the_one_it_drives_to(
    sample_plan: Plan,
    sample_scenario: Scenario,
    matrix: TravelMatrix,
    clock: tuple[int, int],
    kept: int,
) -> None:
    change = GroupLate(kind="group-late", group=G1, minutes=60)
    now = dt.datetime(2024, 9, 28, *clock)
    result = replan(sample_plan, sample_scenario, matrix, [change], now=now)
    published, solved = _group(sample_plan, G1), _group(result.plan, G1)
    assert solved.stops[:2] == published.stops[:2]  # reached before now
    assert [s.venue for s in solved.stops[: kept + 1]] == [
        s.venue for s in published.stops[: kept + 1]
    ]
    greedy = replan(sample_plan, sample_scenario, matrix, [change], now=now, repair="greedy")
    assert _disruption(published, solved) <= _disruption(published, _group(greedy.plan, G1))
    assert verify_plan(result.plan, result.scenario) == []
    assert verify_plan(greedy.plan, greedy.scenario) == []  # the delay is on the road


def test_a_closure_the_minimal_repair_absorbs_is_kept(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix
) -> None:
    """dream-town closes at 10:00: dropping it is the fewest changes; the re-solve agrees and
    nothing else moves."""
    change = VenueClosed.model_validate(
        {"kind": "venue-closed", "venue": "dream-town", "date": DAY1, "from": "10:00"}
    )
    greedy = replan(sample_plan, sample_scenario, matrix, [change], repair="greedy").plan
    result = replan(sample_plan, sample_scenario, matrix, [change])
    published = _group(sample_plan, G1)
    assert _disruption(published, _group(result.plan, G1)) <= _disruption(
        published, _group(greedy, G1)
    )
    assert "dream-town" not in {s.venue for s in _group(result.plan, G1).stops}
    assert [g for g in result.plan.groups if g.id != G1] == [
        g for g in sample_plan.groups if g.id != G1
    ]
    assert verify_plan(result.plan, result.scenario) == []
