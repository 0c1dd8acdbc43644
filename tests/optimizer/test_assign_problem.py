"""Building the assignment's problem (``build_problem``): the slots, options and shared limits
a small scenario must produce, worked out by hand from its files."""

from __future__ import annotations

from pathlib import Path

import pytest

from findhz.planner.assign_problem import (
    RANK_VALUES,
    UNLIMITED_BUSES,
    BuiltProblem,
    build_problem,
)
from findhz.planner.explain import route_days_not_run
from findhz.planner.problems import Option, SharedLimit, Slot

from .factory import FRI, THU, canteen, delegate, load, route, venue

#: 09:00-17:00 inside the 08:30-18:00 day: eight back-to-back 60-minute visits.
VISITS_A_DAY = 8


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltProblem:
    """Two routes over two days: ``energy`` must visit the hall (40 at a time); ``health``
    visits a lab that takes groups of 12, has steps, and is closed on Friday."""
    folder: Path = tmp_path_factory.mktemp("problem")
    scenario = load(
        folder,
        venues=[
            venue("hall", 30.2950, 120.0000, max_group=40),
            venue("lab", 30.3000, 120.0300, max_group=12, step_free=False, closed=[FRI]),
            canteen(max_group=80),
        ],
        routes=[route("energy", ["hall"], must_visit=["hall"]), route("health", ["lab"])],
        delegates=[
            delegate("P00", ["energy", "health"]),
            delegate("P01", ["health", "energy"], needs=["step-free"]),
            delegate("P02", ["health"], available=[THU]),
        ],
        dates=(THU, FRI),
        fleet=(("coach", 40, 4),),
        settings={"min_riders": 2},
    )
    return build_problem(scenario, step_cost=7)


def test_a_slot_per_route_day_that_can_run(built: BuiltProblem) -> None:
    assert built.slot_keys == (("energy", THU), ("health", THU), ("energy", FRI))
    assert dict(built.slot_index) == {key: s for s, key in enumerate(built.slot_keys)}
    assert built.problem.slots == (
        # the must-visit hall receives one group per visit slot: its visits cap the buses
        Slot(day=0, bus_capacity=(40,), max_buses=VISITS_A_DAY, min_riders=2),
        # the lab takes groups of 12: a coach carries no more; no must-visit caps the buses
        Slot(day=0, bus_capacity=(12,), max_buses=UNLIMITED_BUSES, min_riders=2),
        Slot(day=1, bus_capacity=(40,), max_buses=VISITS_A_DAY, min_riders=2),
    )


def test_a_route_day_that_cannot_run_is_kept_with_its_reason(built: BuiltProblem) -> None:
    closed = built.days[("health", FRI)]
    assert closed.problem is not None and "only 0 of its 1 venues open" in closed.problem
    (explanation,) = route_days_not_run(built.days.values())
    assert (explanation.route, explanation.date) == ("health", FRI)


def test_an_option_per_delegate_interest_and_day(built: BuiltProblem) -> None:
    first, second = RANK_VALUES[0], RANK_VALUES[1]
    assert built.problem.options == (
        # P00: energy on both days (first choice), health on Thursday only (the lab is closed)
        Option(person=0, slot=0, value=first, family=0, steps=0),
        Option(person=0, slot=2, value=first, family=0, steps=0),
        Option(person=0, slot=1, value=second, family=1, steps=1),
        # P01 needs step-free access: the lab has steps, so only energy, their second choice
        Option(person=1, slot=0, value=second, family=0, steps=1),
        Option(person=1, slot=2, value=second, family=0, steps=1),
        # P02 is available on Thursday only
        Option(person=2, slot=1, value=first, family=1, steps=0),
    )


def test_the_rest_of_the_problem(built: BuiltProblem) -> None:
    problem = built.problem
    assert problem.people == 3
    assert problem.fleet == ((4,), (4,))
    assert problem.step_cost == 7
    assert problem.pinned == ()
    # no venue is a must-visit of two route-days: only each route-day's own venue pool limits
    assert problem.shared_limits == tuple(limit for limit, _ in built.pool_limits)
    assert problem.shared_limits == (
        SharedLimit((0,), VISITS_A_DAY),
        SharedLimit((1,), VISITS_A_DAY),
        SharedLimit((2,), VISITS_A_DAY),
    )
    # the greedy start comes with the problem: P00 and P01 on energy on Thursday; P02 alone
    # on health is fewer than its min_riders, so the start leaves them out
    assert problem.hint is not None
    assert [problem.options[k] for k in problem.hint.chosen] == [
        problem.options[0],
        problem.options[3],
    ]
