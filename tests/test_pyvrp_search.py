"""PyVRP as the routing engine: how the planner's problems translate, what goes to OR-Tools,
and that a work budget gives the same answer every time. Answers worked out on paper."""

from __future__ import annotations

import numpy as np

from findhz.planner import pyvrp_search
from findhz.planner.problems import (
    Choice,
    Resource,
    RoutingProblem,
    RoutingSolution,
    Vehicle,
    Visit,
)
from findhz.planner.solver import default_configs, solve_routing

DAY = (0, 10_000)


def _matrix(n: int, value: int = 10) -> np.ndarray:
    m = np.full((n, n), value, dtype=np.int64)
    np.fill_diagonal(m, 0)
    return m


def _pyvrp(problem: RoutingProblem, iterations: int = 300) -> RoutingSolution:
    return pyvrp_search.solve_with_pyvrp(problem, time_limit_s=30.0, seed=0, iterations=iterations)


def test_a_visit_with_two_windows_is_served_once_in_the_one_it_can_reach() -> None:
    # The first window closes before the bus can arrive (travel 50): it must take the second.
    travel = _matrix(2, 50)
    problem = RoutingProblem(
        travel=travel,
        cost=travel,
        visits=(Visit(node=1, service=30, windows=((0, 20), (300, 400)), required=True),),
        vehicles=(Vehicle(0, 0, *DAY),),
    )
    solution = _pyvrp(problem)
    assert solution.feasible
    (tour,) = solution.tours
    assert tour.visits == (0,)
    assert tour.starts == (300,)
    assert (tour.depart, tour.back) == (250, 380)  # leaves as late as the visit allows


def test_a_lunch_choice_serves_exactly_one_the_nearest() -> None:
    # Two lunch places: node 1 is 10 away, node 2 is 100 away; one must be served.
    travel = _matrix(3)
    travel[0, 2] = travel[2, 0] = 100
    problem = RoutingProblem(
        travel=travel,
        cost=travel,
        visits=(
            Visit(node=1, service=60, windows=((0, 5000),)),
            Visit(node=2, service=60, windows=((0, 5000),)),
        ),
        vehicles=(Vehicle(0, 0, *DAY),),
        choices=(Choice((0, 1)),),
    )
    solution = _pyvrp(problem)
    assert solution.feasible
    assert solution.tours[0].visits == (0,)
    assert solution.dropped == ()  # the choice is satisfied, so neither counts as dropped
    assert solution.objective == 20  # there and back


def test_max_stops_keeps_the_two_best_prizes_and_the_objective_counts_the_rest() -> None:
    travel = _matrix(4)
    problem = RoutingProblem(
        travel=travel,
        cost=travel,
        visits=(
            Visit(node=1, service=10, windows=(DAY,), prize=1000),
            Visit(node=2, service=10, windows=(DAY,), prize=3000),
            Visit(node=3, service=10, windows=(DAY,), prize=2000),
        ),
        vehicles=(Vehicle(0, 0, *DAY, max_stops=2),),
    )
    solution = _pyvrp(problem)
    assert sorted(solution.tours[0].visits) == [1, 2]
    assert solution.dropped == (0,)
    assert solution.objective == 30 + 1000  # three legs of 10 and the dropped prize


def test_a_tour_short_of_its_minimum_stops_goes_to_or_tools() -> None:
    # Only one visit pays; the minimum of two stops needs the worthless one too. PyVRP has
    # no minimum of stops, so its tour (one stop) is refused and OR-Tools finds the answer.
    travel = _matrix(3)
    problem = RoutingProblem(
        travel=travel,
        cost=travel,
        visits=(
            Visit(node=1, service=10, windows=(DAY,), prize=1000),
            Visit(node=2, service=10, windows=(DAY,), prize=1),
        ),
        vehicles=(Vehicle(0, 0, *DAY, min_stops=2),),
    )
    alone = _pyvrp(problem)
    assert not alone.feasible
    solution = solve_routing(problem, time_limit_s=30.0, work_limit=20_000)
    assert solution.feasible
    assert solution.status != "pyvrp"
    assert sorted(solution.tours[0].visits) == [0, 1]


def test_what_pyvrp_does_not_model_is_named_and_searched_by_or_tools() -> None:
    travel = _matrix(2)
    shared = RoutingProblem(
        travel=travel,
        cost=travel,
        visits=(
            Visit(node=1, service=100, windows=(DAY,), required=True, vehicles=(0,), resource=0),
            Visit(node=1, service=100, windows=(DAY,), required=True, vehicles=(1,), resource=0),
        ),
        vehicles=(Vehicle(0, 0, *DAY), Vehicle(0, 0, *DAY)),
        resources=(Resource("venue", 1),),
    )
    assert pyvrp_search.unsupported(shared) == "visits restricted to some vehicles"
    assert all(config.engine == "ortools" for config in default_configs(shared))
    plain = RoutingProblem(
        travel=travel,
        cost=travel,
        visits=(Visit(node=1, service=100, windows=(DAY,), required=True),),
        vehicles=(Vehicle(0, 0, *DAY),),
    )
    assert pyvrp_search.unsupported(plain) is None
    assert default_configs(plain)[0].engine == "pyvrp"
    pinned = RoutingProblem(
        travel=travel,
        cost=travel,
        visits=plain.visits,
        vehicles=plain.vehicles,
        fixed_prefixes=((0,),),
    )
    assert pyvrp_search.unsupported(pinned) == "pinned prefixes"


def _scattered(n: int, seed: int) -> RoutingProblem:
    """``n - 1`` optional visits scattered on a square, two buses too short to serve all."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 1000, size=(n, 2))
    travel = np.rint(np.hypot(*(points[:, None, :] - points[None, :, :]).T)).astype(np.int64)
    return RoutingProblem(
        travel=travel,
        cost=travel,
        visits=tuple(
            Visit(node=i, service=30, windows=((0, 20_000),), prize=int(rng.integers(500, 3000)))
            for i in range(1, n)
        ),
        vehicles=(Vehicle(0, 0, 0, 6000), Vehicle(0, 0, 0, 6000)),
    )


def test_the_same_iterations_and_seed_give_the_same_tours() -> None:
    problem = _scattered(25, 7)
    first, second = _pyvrp(problem, 500), _pyvrp(problem, 500)
    assert first.feasible
    assert first.tours == second.tours
    assert first.objective == second.objective
    assert first.stats.time_cap_hit is False
    assert first.stats.iterations == 500


def test_a_race_spends_its_budget_repeats_and_keeps_its_best_start() -> None:
    problem = _scattered(40, 11)

    def race() -> RoutingSolution:
        return pyvrp_search.solve_with_pyvrp(
            problem, time_limit_s=30.0, seed=3, iterations=500, starts=2
        )

    first, second = race(), race()
    assert first.feasible
    assert (first.tours, first.objective) == (second.tours, second.objective)
    assert first.stats.iterations == 500
    assert first.stats.time_cap_hit is False
    # The race continues from the better of its two starts (seeds 6 and 7, 100 iterations
    # each), so it ends no worse than either of them alone.
    starts = [
        pyvrp_search.solve_with_pyvrp(problem, time_limit_s=30.0, seed=s, iterations=100)
        for s in (6, 7)
    ]
    assert all(start.feasible for start in starts)
    assert first.objective <= min(start.objective for start in starts)


def test_initial_tours_are_a_valid_start() -> None:
    travel = _matrix(3)
    problem = RoutingProblem(
        travel=travel,
        cost=travel,
        visits=(
            Visit(node=1, service=10, windows=(DAY,), prize=1000),
            Visit(node=2, service=10, windows=(DAY,), prize=1000),
        ),
        vehicles=(Vehicle(0, 0, *DAY),),
        initial_tours=((1,),),
    )
    solution = _pyvrp(problem, 50)
    assert solution.feasible
    assert sorted(solution.tours[0].visits) == [0, 1]
