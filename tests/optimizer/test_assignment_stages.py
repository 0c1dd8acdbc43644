"""The assignment's greedy start and its CP-SAT stages, on small problems built by hand.

``greedy_hint`` (``findhz.planner.assign``) must always be a feasible start, checked here by an
independent reading of the problem's rules; ``solve_assignment`` (``findhz.planner.solver``) must
settle its stages in their stated order: people placed, then rides, then nobody below the
rank floor, then money, then the fewest rank steps, buses and seats.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from findhz.planner.assign import greedy_hint
from findhz.planner.problems import AssignmentProblem, Option, SharedLimit, Slot
from findhz.planner.solver import solve_assignment


def _broken(
    problem: AssignmentProblem, chosen: tuple[int, ...], buses: tuple[tuple[int, ...], ...]
) -> list[str]:
    """Every rule of the problem that ``chosen`` and ``buses`` break (empty: feasible)."""
    out = []
    options = [problem.options[k] for k in chosen]
    per_person = Counter(o.person for o in options)
    out += [f"person {p} rides {n} times" for p, n in per_person.items() if n > problem.rides]
    days = Counter((o.person, problem.slots[o.slot].day) for o in options)
    out += [f"person {p} twice on day {d}" for (p, d), n in days.items() if n > 1]
    families = Counter((o.person, o.family) for o in options)
    out += [f"person {p} twice in family {f}" for (p, f), n in families.items() if n > 1]
    riders = Counter(o.slot for o in options)
    for s, slot in enumerate(problem.slots):
        seats = sum(c * n for c, n in zip(slot.bus_capacity, buses[s], strict=True))
        if riders[s] > seats:
            out.append(f"slot {s}: {riders[s]} riders, {seats} seats")
        if riders[s] < slot.min_riders * sum(buses[s]):
            out.append(f"slot {s}: {sum(buses[s])} buses for {riders[s]} riders")
        if sum(buses[s]) > slot.max_buses:
            out.append(f"slot {s}: more than {slot.max_buses} buses")
    for day, counts in enumerate(problem.fleet):
        for b, count in enumerate(counts):
            used = sum(buses[s][b] for s, slot in enumerate(problem.slots) if slot.day == day)
            if used > count:
                out.append(f"day {day}: {used} buses of type {b}, fleet {count}")
    for limit in problem.shared_limits:
        if sum(sum(buses[s]) for s in limit.slots) > limit.max_buses:
            out.append(f"shared limit {limit.slots} exceeded")
    out += [f"pinned option {k} not chosen" for k in problem.pinned if k not in chosen]
    return out


@st.composite
def problems(draw: st.DrawFn) -> AssignmentProblem:
    days = draw(st.integers(1, 2))
    types = draw(st.integers(1, 2))
    slots = tuple(
        Slot(
            day=draw(st.integers(0, days - 1)),
            bus_capacity=tuple(draw(st.integers(0, 5)) for _ in range(types)),
            max_buses=draw(st.integers(1, 3)),
            min_riders=draw(st.integers(1, 3)),
        )
        for _ in range(draw(st.integers(1, 4)))
    )
    people = draw(st.integers(1, 12))
    options = []
    for p in range(people):
        mine = draw(st.lists(st.integers(0, len(slots) - 1), max_size=3, unique=True))
        options += [
            Option(person=p, slot=s, value=100 - 30 * rank, family=s, steps=rank)
            for rank, s in enumerate(mine)
        ]
    shared = ()
    if len(slots) > 1 and draw(st.booleans()):
        shared = (SharedLimit(slots=(0, 1), max_buses=draw(st.integers(0, 2))),)
    return AssignmentProblem(
        people=people,
        slots=slots,
        options=tuple(options),
        fleet=tuple(tuple(draw(st.integers(0, 3)) for _ in range(types)) for _ in range(days)),
        rides=draw(st.integers(1, 2)),
        shared_limits=shared,
        bus_cost=tuple(draw(st.integers(0, 900)) for _ in range(types)),
    )


@settings(max_examples=200, deadline=None)
@given(problems())
def test_the_greedy_start_is_always_feasible(problem: AssignmentProblem) -> None:
    hint = greedy_hint(problem)
    assert _broken(problem, hint.chosen, hint.buses) == []


def _two_route_day() -> AssignmentProblem:
    """Two route-days on one day, a fleet of one 4-seat and one 2-seat bus; person 0 and 1
    like slot 0 best, persons 2 and 3 only slot 1."""
    return AssignmentProblem(
        people=4,
        slots=(
            Slot(day=0, bus_capacity=(4, 2), max_buses=2),
            Slot(day=0, bus_capacity=(4, 2), max_buses=2),
        ),
        options=(
            Option(person=0, slot=0, value=100, family=0),
            Option(person=0, slot=1, value=60, family=1, steps=1),
            Option(person=1, slot=0, value=100, family=0),
            Option(person=1, slot=1, value=60, family=1, steps=1),
            Option(person=2, slot=1, value=100, family=1),
            Option(person=3, slot=1, value=100, family=1),
        ),
        fleet=((1, 1),),
        bus_cost=(1000, 600),
    )


def test_the_greedy_start_seats_the_pinned_and_the_least_flexible_first() -> None:
    problem = dataclasses.replace(_two_route_day(), fleet=((1, 0),))  # one bus: one slot runs
    hint = greedy_hint(problem)
    # Persons 2 and 3 have one option each, so they go first and take the only bus to slot
    # 1; persons 0 and 1 follow them there.
    assert sorted(problem.options[k].person for k in hint.chosen) == [0, 1, 2, 3]
    assert {problem.options[k].slot for k in hint.chosen} == {1}
    pinned = dataclasses.replace(problem, pinned=(0,))  # person 0 pinned on slot 0
    hint = greedy_hint(pinned)
    assert 0 in hint.chosen and _broken(pinned, hint.chosen, hint.buses) == []
    assert hint.buses == ((1, 0), (0, 0))  # slot 0 got the bus: 2 and 3 are left out
    assert sorted(pinned.options[k].person for k in hint.chosen) == [0, 1]


def test_the_greedy_start_drops_a_bus_below_its_minimum_of_riders() -> None:
    problem = dataclasses.replace(
        _two_route_day(),
        slots=(
            Slot(day=0, bus_capacity=(4, 2), max_buses=2, min_riders=3),
            Slot(day=0, bus_capacity=(4, 2), max_buses=2),
        ),
    )
    hint = greedy_hint(problem)
    # Slot 0 would leave with 2 riders, fewer than its 3: its riders move to slot 1.
    assert _broken(problem, hint.chosen, hint.buses) == []
    assert {problem.options[k].slot for k in hint.chosen} == {1}
    assert len(hint.chosen) == 4


def test_the_stages_place_people_before_money() -> None:
    """Five people, buses of four seats at 10,000 CNY each: placing the fifth takes a second
    bus, and placing comes before money."""
    problem = AssignmentProblem(
        people=5,
        slots=(Slot(day=0, bus_capacity=(4,), max_buses=2),),
        options=tuple(Option(person=p, slot=0, value=100) for p in range(5)),
        fleet=((2,),),
        bus_cost=(10_000,),
    )
    solution = solve_assignment(problem, time_limit_s=1.0)
    assert len(solution.chosen) == 5
    assert (solution.buses, solution.cost) == (((2,),), 20_000)
    assert solution.status.count("/") == 2  # placed, money, steps/buses/seats


def test_money_trades_buses_against_rank_steps_at_the_exchange_rate() -> None:
    base = dataclasses.replace(_two_route_day(), fleet=((2, 1),))
    # At 0 CNY a step, one 4-seat bus takes everyone to slot 1: persons 0 and 1 step down.
    cheap = solve_assignment(dataclasses.replace(base, step_cost=0), time_limit_s=1.0)
    assert (cheap.cost, cheap.steps) == (1000, 2)
    # At 1,000 CNY a step, two steps cost more than a second bus: everyone rides first choice.
    dear = solve_assignment(dataclasses.replace(base, step_cost=1000), time_limit_s=1.0)
    assert dear.steps == 0 and dear.cost == 1600
    assert dear.worst_value == 100


def test_the_rank_floor_comes_before_money() -> None:
    """With ``max_steps`` 1, no one rides a second choice if it can be helped, even though
    money (no price on steps) prefers one bus."""
    problem = dataclasses.replace(_two_route_day(), fleet=((2, 1),), max_steps=1)
    solution = solve_assignment(problem, time_limit_s=1.0)
    assert solution.steps == 0 and solution.cost == 1600
    assert solution.status.count("/") == 3  # placed, below_rank_floor, money, steps...


def test_among_equal_money_the_fewest_steps_buses_and_seats() -> None:
    """All buses free and steps free: the last stage still picks first choices and the
    smallest bus that carries each route-day."""
    problem = dataclasses.replace(_two_route_day(), fleet=((2, 2),), bus_cost=(0, 0))
    solution = solve_assignment(problem, time_limit_s=1.0)
    assert solution.steps == 0
    assert solution.buses == ((0, 1), (0, 1))  # two riders each: a 2-seat bus each
