"""The seat model of re-planning: placed first, then the fewest moved, then money."""

from __future__ import annotations

from findhz.planner.problems import SeatBin, SeatOption, SeatProblem
from findhz.planner.solver import solve_seats


def test_one_person_moves_so_that_a_newcomer_gets_a_seat() -> None:
    # Person 0 sits on bus 0 (one seat) and also chose bus 1; newcomer 1 can only take bus 0.
    problem = SeatProblem(
        people=2,
        bins=(SeatBin(day=0, capacity=1), SeatBin(day=0, capacity=1)),
        options=(
            SeatOption(person=0, bin=0, steps=0, family=0),
            SeatOption(person=0, bin=1, steps=1, family=1),
            SeatOption(person=1, bin=0, steps=0, family=0),
        ),
        rides=(1, 1),
        spare=((0,),),
        previous=(0,),
    )
    solution = solve_seats(problem, time_limit_s=0.5)
    assert solution.feasible and set(solution.chosen) == {1, 2}
    assert (solution.placed, solution.moved) == (2, 1)


def test_nobody_moves_when_a_spare_bus_can_run_instead_of_leaving_someone_out() -> None:
    # Bus 0 is full with person 0; newcomer 1 fits only a spare bus, which costs money: placing
    # comes first, so the spare bus runs, and person 0 stays where they were.
    problem = SeatProblem(
        people=2,
        bins=(SeatBin(day=0, capacity=1), SeatBin(day=0, capacity=40, new_type=0, cost=3800)),
        options=(
            SeatOption(person=0, bin=0, steps=0, family=0),
            SeatOption(person=0, bin=1, steps=0, family=0),
            SeatOption(person=1, bin=0, steps=0, family=0),
            SeatOption(person=1, bin=1, steps=0, family=0),
        ),
        rides=(1, 1),
        spare=((1,),),
        previous=(0,),
    )
    solution = solve_seats(problem, time_limit_s=0.5)
    assert set(solution.chosen) == {0, 3} and solution.opened == (1,)
    assert (solution.placed, solution.moved, solution.money) == (2, 0, 3800)


def test_a_spare_bus_needs_its_minimum_riders_and_a_bus_left_in_the_fleet() -> None:
    bins = (SeatBin(day=0, capacity=40, new_type=0, cost=3800, min_riders=2),)
    options = (SeatOption(person=0, bin=0, steps=0, family=0),)
    lonely = SeatProblem(people=1, bins=bins, options=options, rides=(1,), spare=((1,),))
    assert solve_seats(lonely, time_limit_s=0.5).placed == 0
    two = SeatProblem(
        people=2,
        bins=bins,
        options=(*options, SeatOption(person=1, bin=0, steps=0, family=0)),
        rides=(1, 1),
        spare=((0,),),
    )
    assert solve_seats(two, time_limit_s=0.5).placed == 0  # no bus of that type left
