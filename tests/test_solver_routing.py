"""Tiny hand-made routing problems whose answers can be worked out on paper."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from findhz.planner.problems import (
    Choice,
    Resource,
    RoutingProblem,
    RoutingSolution,
    Stability,
    Vehicle,
    Visit,
)
from findhz.planner.solver import SearchConfig, solve_routing

DAY = (0, 10_000)
BUDGET = 20_000
#: Enough for two processes to diverge if anything in them were not deterministic.
PORTFOLIO_BUDGET = 3_000


def _matrix(n: int, value: int = 10) -> np.ndarray:
    m = np.full((n, n), value, dtype=np.int64)
    np.fill_diagonal(m, 0)
    return m


def _solve(problem: RoutingProblem, **kwargs: object) -> RoutingSolution:
    solution = solve_routing(problem, time_limit_s=20.0, work_limit=BUDGET, **kwargs)  # type: ignore[arg-type]
    assert solution.feasible, solution.status
    return solution


def _check_windows(problem: RoutingProblem, solution: RoutingSolution) -> None:
    """Every served visit starts inside one of its windows and after the travel from before."""
    for tour in solution.tours:
        vehicle = problem.vehicles[tour.vehicle]
        assert vehicle.earliest_start <= tour.depart <= tour.back <= vehicle.latest_end
        node, ready = vehicle.start_node, tour.depart
        for k, start in zip(tour.visits, tour.starts, strict=True):
            visit = problem.visits[k]
            assert any(a <= start <= b for a, b in visit.windows)
            assert start >= ready + problem.travel[node, visit.node]
            node, ready = visit.node, start + visit.service
        assert tour.back >= ready + problem.travel[node, vehicle.end_node]


def test_two_vehicles_take_turns_at_a_capacity_one_resource() -> None:
    # Node 0 is the depot, node 1 the venue. Each vehicle must visit the venue (its own visit)
    # for 100 s; both would arrive at 10, so one of them has to wait for the other.
    problem = RoutingProblem(
        travel=_matrix(2),
        cost=_matrix(2),
        visits=(
            Visit(
                node=1, service=100, windows=((0, 1000),), required=True, vehicles=(0,), resource=0
            ),
            Visit(
                node=1, service=100, windows=((0, 1000),), required=True, vehicles=(1,), resource=0
            ),
        ),
        vehicles=(Vehicle(0, 0, *DAY), Vehicle(0, 0, *DAY)),
        resources=(Resource("venue", 1),),
    )
    solution = _solve(problem)
    _check_windows(problem, solution)
    starts = sorted(s for tour in solution.tours for s in tour.starts)
    assert len(starts) == 2
    assert starts[1] >= starts[0] + 100, starts
    assert starts[0] == 10  # the finalizer gives the earliest times, not just any times


def test_capacity_two_lets_both_in_at_once() -> None:
    problem = RoutingProblem(
        travel=_matrix(2),
        cost=_matrix(2),
        visits=(
            Visit(
                node=1, service=100, windows=((0, 1000),), required=True, vehicles=(0,), resource=0
            ),
            Visit(
                node=1, service=100, windows=((0, 1000),), required=True, vehicles=(1,), resource=0
            ),
        ),
        vehicles=(Vehicle(0, 0, *DAY), Vehicle(0, 0, *DAY)),
        resources=(Resource("venue", 2),),
    )
    solution = _solve(problem)
    assert sorted(s for tour in solution.tours for s in tour.starts) == [10, 10]


def test_three_vehicles_at_a_capacity_two_resource() -> None:
    visits = tuple(
        Visit(node=1, service=50, windows=((0, 1000),), required=True, vehicles=(v,), resource=0)
        for v in range(3)
    )
    problem = RoutingProblem(
        travel=_matrix(2),
        cost=_matrix(2),
        visits=visits,
        vehicles=tuple(Vehicle(0, 0, *DAY) for _ in range(3)),
        resources=(Resource("venue", 2),),
    )
    solution = _solve(problem)
    _check_windows(problem, solution)
    intervals = [(s, s + 50) for tour in solution.tours for s in tour.starts]
    for t in range(0, 1100):
        assert sum(a <= t < b for a, b in intervals) <= 2


def test_a_window_forces_the_order() -> None:
    # Visit 0 (node 1) can only start late, visit 1 (node 2) only early: the one vehicle must
    # do 1 then 0, even though 0 then 1 would be as short.
    travel = _matrix(3)
    problem = RoutingProblem(
        travel=travel,
        cost=travel,
        visits=(
            Visit(node=1, service=30, windows=((500, 600),), required=True),
            Visit(node=2, service=30, windows=((0, 100),), required=True),
        ),
        vehicles=(Vehicle(0, 0, *DAY),),
    )
    solution = _solve(problem)
    _check_windows(problem, solution)
    assert solution.tours[0].visits == (1, 0)
    assert solution.tours[0].starts == (10, 500)


def test_several_windows_per_visit_are_respected() -> None:
    # The visit may start in [0, 5] (too early to reach) or [200, 300]: it starts at 200.
    problem = RoutingProblem(
        travel=_matrix(2),
        cost=_matrix(2),
        visits=(Visit(node=1, service=10, windows=((0, 5), (200, 300)), required=True),),
        vehicles=(Vehicle(0, 0, *DAY),),
    )
    solution = _solve(problem)
    assert solution.tours[0].starts == (200,)


def test_a_mandatory_choice_serves_exactly_one() -> None:
    # Two lunch venues; the nearer one (node 1) is chosen, never both, never neither.
    travel = np.array([[0, 10, 40], [10, 0, 40], [40, 40, 0]], dtype=np.int64)
    problem = RoutingProblem(
        travel=travel,
        cost=travel,
        visits=(
            Visit(node=1, service=60, windows=((0, 1000),)),
            Visit(node=2, service=60, windows=((0, 1000),)),
        ),
        vehicles=(Vehicle(0, 0, *DAY),),
        choices=(Choice(visits=(0, 1)),),
    )
    solution = _solve(problem)
    assert solution.tours[0].visits == (0,)
    assert solution.dropped == ()


def test_optional_visits_are_dropped_when_the_prize_is_too_small() -> None:
    travel = _matrix(3, 100)
    problem = RoutingProblem(
        travel=travel,
        cost=travel,
        visits=(
            Visit(node=1, service=0, windows=((0, 1000),), prize=1000),
            Visit(node=2, service=0, windows=((0, 1000),), prize=50),
        ),
        vehicles=(Vehicle(0, 0, *DAY),),
    )
    solution = _solve(problem)
    assert solution.tours[0].visits == (0,)
    assert solution.dropped == (1,)
    assert solution.objective == 200 + 50


def test_min_and_max_stops() -> None:
    # Four optional visits worth little: a vehicle that is used must make at least 2 stops;
    # one with max 1 may make only one.
    travel = _matrix(5)
    visits = tuple(Visit(node=i, service=0, windows=((0, 1000),), prize=15) for i in range(1, 5))
    problem = RoutingProblem(
        travel=travel,
        cost=travel,
        visits=visits,
        vehicles=(
            Vehicle(0, 0, *DAY, min_stops=2, must_be_used=True),
            Vehicle(0, 0, *DAY, max_stops=1),
        ),
    )
    solution = _solve(problem)
    assert len(solution.tours[0].visits) >= 2
    assert len(solution.tours[1].visits) <= 1


def test_max_stops_caps_a_lucrative_tour() -> None:
    travel = _matrix(5)
    visits = tuple(Visit(node=i, service=0, windows=((0, 1000),), prize=1000) for i in range(1, 5))
    problem = RoutingProblem(
        travel=travel, cost=travel, visits=visits, vehicles=(Vehicle(0, 0, *DAY, max_stops=3),)
    )
    solution = _solve(problem)
    assert len(solution.tours[0].visits) == 3
    assert len(solution.dropped) == 1


def test_unused_vehicle_with_min_stops_stays_home() -> None:
    travel = _matrix(2)
    problem = RoutingProblem(
        travel=travel,
        cost=travel,
        visits=(Visit(node=1, service=0, windows=((0, 1000),), prize=5),),
        vehicles=(Vehicle(0, 0, *DAY, min_stops=2),),
    )
    solution = _solve(problem)
    assert solution.tours[0].visits == ()


def test_capacity_and_fixed_costs() -> None:
    # Three visits of demand 2; vehicles hold 4: two vehicles are needed; the cheap ones win.
    travel = _matrix(4)
    visits = tuple(
        Visit(node=i, service=0, windows=((0, 1000),), required=True, demand=2) for i in (1, 2, 3)
    )
    vehicles = (
        Vehicle(0, 0, *DAY, capacity=4, fixed_cost=1000),
        Vehicle(0, 0, *DAY, capacity=4, fixed_cost=1),
        Vehicle(0, 0, *DAY, capacity=4, fixed_cost=2),
    )
    problem = RoutingProblem(travel=travel, cost=travel, visits=visits, vehicles=vehicles)
    solution = _solve(problem)
    loads = [2 * len(t.visits) for t in solution.tours]
    assert max(loads) <= 4
    assert solution.tours[0].visits == ()
    assert solution.objective == 30 + 20 + 1 + 2


def test_allowed_vehicles() -> None:
    travel = _matrix(3)
    problem = RoutingProblem(
        travel=travel,
        cost=travel,
        visits=(
            Visit(node=1, service=0, windows=((0, 1000),), required=True, vehicles=(1,)),
            Visit(node=2, service=0, windows=((0, 1000),), required=True, vehicles=(1,)),
        ),
        vehicles=(Vehicle(0, 0, *DAY), Vehicle(0, 0, *DAY)),
    )
    solution = _solve(problem)
    assert solution.tours[0].visits == ()
    assert sorted(solution.tours[1].visits) == [0, 1]


def test_fixed_prefix_is_kept_and_initial_tours_are_used() -> None:
    travel = _matrix(4)
    visits = tuple(Visit(node=i, service=0, windows=((0, 1000),), required=True) for i in (1, 2, 3))
    base = RoutingProblem(
        travel=travel, cost=travel, visits=visits, vehicles=(Vehicle(0, 0, *DAY),) * 2
    )
    pinned = RoutingProblem(
        travel=travel,
        cost=travel,
        visits=visits,
        vehicles=(Vehicle(0, 0, *DAY),) * 2,
        fixed_prefixes=((2,), (0,)),
        initial_tours=((2, 1), (0,)),
    )
    assert _solve(base).objective == 40
    solution = _solve(pinned)
    assert solution.tours[0].visits[0] == 2
    assert solution.tours[1].visits[0] == 0


def test_same_inputs_same_answer_and_seed_changes_only_the_path() -> None:
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 100, size=(16, 2))
    travel = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(
        np.int64
    )
    visits = tuple(
        Visit(node=i, service=5, windows=((0, 400),), prize=int(rng.integers(10, 60)))
        for i in range(1, 16)
    )
    problem = RoutingProblem(
        travel=travel, cost=travel, visits=visits, vehicles=(Vehicle(0, 0, 0, 300),) * 2
    )
    first = solve_routing(problem, time_limit_s=30.0, work_limit=BUDGET, seed=1)
    second = solve_routing(problem, time_limit_s=30.0, work_limit=BUDGET, seed=1)
    assert first.tours == second.tours
    assert first.objective == second.objective
    assert first.stats.time_cap_hit is False
    assert first.time_cap_hit is False
    _check_windows(problem, first)


@pytest.mark.slow
def test_portfolio_of_two_processes_is_deterministic() -> None:
    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 100, size=(21, 2))
    travel = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(
        np.int64
    )
    visits = tuple(
        Visit(node=i, service=5, windows=((0, 500),), prize=int(rng.integers(10, 60)))
        for i in range(1, 21)
    )
    problem = RoutingProblem(
        travel=travel, cost=travel, visits=visits, vehicles=(Vehicle(0, 0, 0, 300),) * 2
    )
    configs = (SearchConfig("a", metaheuristic="gls"), SearchConfig("b", metaheuristic="tabu"))
    runs = [
        solve_routing(
            problem, time_limit_s=60.0, work_limit=PORTFOLIO_BUDGET, workers=2, configs=configs
        )
        for _ in range(2)
    ]
    assert runs[0].tours == runs[1].tours
    assert runs[0].stats.workers == 2


def _line_problem(stability: Stability | None) -> RoutingProblem:
    # Depot 0 and venues 1, 2, 3 on a line, 100 s apart: the published order 3, 1, 2 drives
    # 800 s, the shortest days 600 s.
    travel = np.array([[abs(i - j) * 100 for j in range(4)] for i in range(4)], dtype=np.int64)
    return RoutingProblem(
        travel=travel,
        cost=travel,
        visits=tuple(
            Visit(node=n, service=10, windows=((0, 5000),), prize=1000) for n in (1, 2, 3)
        ),
        vehicles=(Vehicle(0, 0, *DAY),),
        initial_tours=((2, 0, 1),),
        stability=stability,
    )


def test_stability_keeps_the_published_order_and_times_ahead_of_travel() -> None:
    resolve = [SearchConfig("resolve", "PATH_CHEAPEST_ARC", "gls", prize_operators=False)]
    free = _solve(_line_problem(None), configs=resolve)
    assert free.tours[0].visits in ((0, 1, 2), (0, 2, 1))  # without: a shortest order (600 s)
    published = Stability(
        tours=((2, 0, 1),), starts=((2000, 2400, 2600),), stop_penalty=10**6,
        shift_penalty=10**3, tolerance=60,
    )  # fmt: skip
    kept = _solve(_line_problem(published), configs=resolve)
    assert kept.tours[0].visits == (2, 0, 1)  # the published order, though longer
    for start, was in zip(kept.tours[0].starts, (2000, 2400, 2600), strict=True):
        assert abs(start - was) <= 60  # each start kept near its published one


def test_stability_counts_a_dropped_published_visit_ahead_of_its_prize() -> None:
    # Visit 2 (venue 3) is far out of the way: its prize alone does not pay the detour, but
    # it was published, so the re-solve keeps it.
    problem = _line_problem(None)
    cheap = tuple(dataclasses.replace(v, prize=1) for v in problem.visits)
    resolve = [SearchConfig("resolve", "PATH_CHEAPEST_ARC", "gls", prize_operators=False)]
    dropped = _solve(
        dataclasses.replace(problem, visits=cheap, initial_tours=None), configs=resolve
    )
    assert dropped.tours[0].visits == () or 2 not in dropped.tours[0].visits
    published = Stability(
        tours=((0, 1, 2),), starts=((100, 210, 320),), stop_penalty=10**6, shift_penalty=10
    )
    kept = _solve(
        dataclasses.replace(problem, visits=cheap, initial_tours=None, stability=published),
        configs=resolve,
    )
    assert kept.tours[0].visits == (0, 1, 2)


def test_the_time_cap_flag_is_the_statistics_own() -> None:
    """``RoutingSolution.time_cap_hit`` reads the searches' typed flag: not hit unless a
    search said so."""
    from findhz.planner.metrics import RoutingStats
    from findhz.planner.problems import RoutingSolution

    def answer(stats: RoutingStats) -> RoutingSolution:
        return RoutingSolution(True, (), 0, (), "x", 0.0, stats)

    assert RoutingSolution(True, (), 0, (), "x", 0.0).time_cap_hit is False
    assert answer(RoutingStats(branches=9)).time_cap_hit is False
    assert answer(RoutingStats(time_cap_hit=True, branches=9)).time_cap_hit is True
