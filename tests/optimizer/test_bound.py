"""The prize bound (CP-SAT relaxation of a routing problem) on small constructed cases:
never below what a solution collects, equal to the true optimum where it says proven."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from findhz.planner.problems import (
    Choice,
    Resource,
    RoutingProblem,
    Tour,
    Vehicle,
    Visit,
    collected_prize,
)
from findhz.planner.solver import bound_prize, solve_routing


def _line(n: int, step: int) -> np.ndarray:
    """Nodes 0..n-1 on a line, ``step`` apart."""
    pos = np.arange(n, dtype=np.int64) * step
    return np.abs(pos[:, None] - pos[None, :])


def _best_by_enumeration(problem: RoutingProblem) -> int:
    """The best prize of a one-vehicle problem, by trying every order of every subset."""
    (vehicle,) = problem.vehicles
    best = -1
    ks = range(len(problem.visits))
    for size in range(len(problem.visits) + 1):
        for order in itertools.permutations(ks, size):
            if vehicle.max_stops is not None and size > vehicle.max_stops:
                continue
            if any(
                problem.visits[k].required and k not in order
                for k in ks
                if not any(k in c.visits for c in problem.choices)
            ):
                continue
            if any(
                c.penalty is None and sum(k in order for k in c.visits) != 1
                for c in problem.choices
            ):
                continue
            node, ready, ok = vehicle.start_node, vehicle.earliest_start, True
            for k in order:
                visit = problem.visits[k]
                arrive = ready + int(problem.travel[node, visit.node])
                start = next((max(a, arrive) for a, b in visit.windows if arrive <= b), None)
                if start is None:
                    ok = False
                    break
                node, ready = visit.node, start + visit.service
            if ok and ready + int(problem.travel[node, vehicle.end_node]) <= vehicle.latest_end:
                tours = (Tour(0, tuple(order), (), 0, 0),)
                best = max(best, collected_prize(problem, tours))
    return best


def _random_problem(seed: int) -> RoutingProblem:
    rng = np.random.default_rng(seed)
    n = 6
    xy = rng.integers(0, 100, size=(n + 1, 2))
    travel = np.ceil(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(
        np.int64
    )
    visits = []
    for k in range(n):
        a = int(rng.integers(0, 150))
        windows = ((a, a + int(rng.integers(20, 80))),)
        if k % 3 == 0:  # a second window later in the day
            windows = (*windows, (windows[0][1] + 40, windows[0][1] + 120))
        visits.append(
            Visit(
                node=k + 1,
                service=int(rng.integers(5, 30)),
                windows=windows,
                prize=int(rng.integers(1, 10)),
            )
        )
    return RoutingProblem(
        travel=travel,
        cost=travel,
        visits=tuple(visits),
        vehicles=(Vehicle(0, 0, 0, 260, max_stops=4),),
    )


@pytest.mark.parametrize("seed", range(6))
def test_the_bound_is_the_optimum_on_small_one_vehicle_problems(seed: int) -> None:
    problem = _random_problem(seed)
    optimum = _best_by_enumeration(problem)
    result = bound_prize(problem, work_s=5.0, seed=0)
    assert result.proven
    assert result.bound == result.best == optimum
    solution = solve_routing(problem, time_limit_s=20.0, work_limit=20_000)
    assert solution.feasible
    assert collected_prize(problem, solution.tours) <= result.bound


def test_a_time_budget_for_two_of_four_venues() -> None:
    # Depot at 0, venues 100 apart on a line, 30 s each, 500 s in all.
    travel = _line(5, 100)
    prizes = (1, 5, 9, 20)
    problem = RoutingProblem(
        travel=travel,
        cost=travel,
        visits=tuple(
            Visit(node=k + 1, service=30, windows=((0, 1000),), prize=p)
            for k, p in enumerate(prizes)
        ),
        vehicles=(Vehicle(0, 0, 0, 500),),
    )
    # Reaching venue 2 (node 2, 200 away) and back takes 400 s + service: venues 1 and 2
    # fit (400 + 60 = 460 <= 500), venue 3 does not (600 > 500).
    result = bound_prize(problem, work_s=5.0)
    assert result.proven
    assert result.bound == 1 + 5 == _best_by_enumeration(problem)


def test_lunch_choice_and_windows_are_kept() -> None:
    # Two lunch places (a mandatory choice); the near one is open only early, so the far
    # one must be used, which leaves time for one venue only.
    travel = np.array(
        [[0, 10, 100, 10, 10], [10, 0, 100, 10, 10], [100, 100, 0, 100, 100],
         [10, 10, 100, 0, 10], [10, 10, 100, 10, 0]],
        dtype=np.int64,
    )  # fmt: skip
    problem = RoutingProblem(
        travel=travel,
        cost=travel,
        visits=(
            Visit(node=1, service=10, windows=((0, 5),), counts_as_stop=False),  # near lunch
            Visit(node=2, service=10, windows=((100, 300),), counts_as_stop=False),  # far
            Visit(node=3, service=50, windows=((0, 400),), prize=7),
            Visit(node=4, service=50, windows=((0, 400),), prize=8),
        ),
        vehicles=(Vehicle(0, 0, 0, 280),),
        choices=(Choice((0, 1)),),
    )
    result = bound_prize(problem, work_s=5.0)
    assert result.proven
    assert result.bound == _best_by_enumeration(problem) == 8


def test_venue_capacity_closes_the_gap_the_buses_alone_leave() -> None:
    # Two buses want the same capacity-one venue at the only time it is open: one of them
    # gets it. Each bus alone could collect its visit (5 + 6); with the venue's capacity
    # across the buses the bound is the plan's 6, proven.
    travel = _line(2, 10)
    problem = RoutingProblem(
        travel=travel,
        cost=np.zeros_like(travel),
        visits=(
            Visit(node=1, service=100, windows=((10, 20),), prize=5, vehicles=(0,), resource=0),
            Visit(node=1, service=100, windows=((10, 20),), prize=6, vehicles=(1,), resource=0),
        ),
        vehicles=(Vehicle(0, 0, 0, 1000), Vehicle(0, 0, 0, 1000)),
        resources=(Resource("venue", 1),),
    )
    solution = solve_routing(problem, time_limit_s=20.0, work_limit=20_000)
    value = collected_prize(problem, solution.tours)
    assert value == 6
    result = bound_prize(problem, work_s=5.0, hint=solution.tours)
    assert result.bound == value
    assert result.proven
    assert result.status == "alone: optimal 2; with shared resources: optimal 1"


def test_the_bound_is_reproducible() -> None:
    problem = _random_problem(3)
    assert bound_prize(problem, work_s=1.0, seed=4) == bound_prize(problem, work_s=1.0, seed=4)


def test_travel_that_depends_on_the_departure_time() -> None:
    # Out of the depot before t=50 the road is slow (100 s), from t=50 fast (10 s). Venue A
    # (window up to 70) is reachable by leaving at 50; venue B (window up to 40) only with
    # fast travel before 40, which the slow period forbids. Static fastest travel lets both
    # count; the timed bound keeps A only.
    fast = np.array([[0, 10, 10], [10, 0, 10], [10, 10, 0]], dtype=np.int64)
    slow = fast * 10
    problem = RoutingProblem(
        travel=fast,
        cost=fast,
        visits=(
            Visit(node=1, service=10, windows=((0, 70),), prize=3),
            Visit(node=2, service=10, windows=((0, 40),), prize=5),
        ),
        vehicles=(Vehicle(0, 0, 0, 300),),
    )
    assert bound_prize(problem, work_s=5.0).bound == 8
    timed = bound_prize(problem, work_s=5.0, timed_travel=((0, 50, slow), (50, 400, fast)))
    assert timed.proven
    assert timed.bound == 3
    assert timed.tours == ((0,),)
    # Periods that leave a departure uncovered fall back to the static (fastest) travel.
    loose = bound_prize(problem, work_s=5.0, timed_travel=((0, 50, slow), (60, 400, fast)))
    assert loose.bound == 8
