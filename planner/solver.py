"""The one module that speaks to OR-Tools.

:func:`solve_routing` turns a :class:`~findhz.planner.problems.RoutingProblem` into an OR-Tools
routing model, searches it, and hands back a :class:`~findhz.planner.problems.RoutingSolution` made
of plain data. The model:

* a time dimension whose transit is travel plus the service time at the origin, with slack
  (waiting), each visit's cumul restricted to its allowed start windows (gaps removed from
  the cumul variable's domain), and each vehicle's start and end inside its own window;
* optional visits as single-node disjunctions whose penalty is the prize; mandatory
  choices as multi-node disjunctions without penalty (exactly one served);
* a stop-count dimension for ``min_stops``/``max_stops`` and a load dimension when any
  vehicle has a capacity; vehicle fixed costs; allowed vehicles per visit;
* shared resources (a venue that takes ``capacity`` groups at once): an optional interval
  variable per visit on its start cumul (performed = the visit's active variable) under a
  disjunctive (capacity 1) or cumulative constraint. Those cumul variables are handed to the
  solution finalizer, otherwise the times it returns may overlap.

Determinism: the search stops after a fixed amount of work (``work_limit``, the number of
branches of the underlying CP search, which counts every neighbour tried). ``time_limit_s``
is only a safety cap; ``stats.time_cap_hit`` says whether it was hit, in which case
the result may depend on the machine's load. ``seed`` permutes the internal order of the
visits, which changes the search path but never the model. With ``workers > 1`` several
configurations run in parallel processes, each with the same fixed budget, and the best
objective wins (ties: the lowest configuration index).
"""

from __future__ import annotations

import itertools
import logging
import math
import multiprocessing
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_ils_pb2
from ortools.sat.python import cp_model
from ortools.util import optional_boolean_pb2

from findhz.planner import interrupt, pyvrp_search
from findhz.planner.metrics import RoutingStats
from findhz.planner.problems import (
    AssignmentHint,
    AssignmentProblem,
    AssignmentSolution,
    PrizeBound,
    RoutingProblem,
    RoutingSolution,
    SeatProblem,
    SeatSolution,
    Tour,
    collected_prize,
)

__all__ = [
    "SearchConfig",
    "bound_prize",
    "default_configs",
    "placed_ceiling",
    "placed_stage_outcome",
    "solve_assignment",
    "solve_routing",
    "solve_seats",
]

_log = logging.getLogger(__name__)

_STATUS_NAMES: dict[int, str] = {
    value.number: name.removeprefix("ROUTING_").lower()
    for name, value in routing_enums_pb2.RoutingSearchStatus.DESCRIPTOR.enum_values_by_name.items()
}

# Restarts after a search that ended early stop after this many in a row bring nothing.
_MAX_STALE_RESTARTS = 8

#: The assignment's stages stop on CP-SAT's deterministic time (the same answer on any
#: machine); the wall clock stops a stage only past this multiple of its work, plus 5 s.
#: At 4x, a machine running other jobs (load 12 on 2 cores) reached the cap and the plan
#: changed between two runs of the same inputs; 20x keeps the cap for runaway cases only.
ASSIGNMENT_WALL_CAP_FACTOR = 20
ASSIGNMENT_WALL_CAP_EXTRA_S = 5.0
#: How often a thread waiting on CP-SAT looks for a signal (a wait ends as soon as the search does).
_SIGNAL_POLL_S = 0.1

#: Work budgets are counted in OR-Tools search branches (about 100,000 a second on a bus's
#: day); one iteration of PyVRP's iterated local search on a bus's day took 0.2-0.35 ms on
#: this project's 2-core machine, so 50 branches buy one iteration: about the same time,
#: whichever engine runs.
BRANCHES_PER_ILS_ITERATION = 50
MIN_ILS_ITERATIONS = 200
#: Late-acceptance history of PyVRP's search for the first and the second worker: 100 did
#: better than PyVRP's default of 300 on the orienteering set; the second worker keeps 300.
ILS_HISTORY = (100, 300)
#: Independent starts the first worker's PyVRP search races before continuing from the best:
#: on the orienteering set (5 s, 3 seeds, one core) 4 starts reached the optimum on 2 more of
#: 35 instances than one start, with a lower mean gap (benchmarks/BENCHMARKS.md). The
#: planner's bus-by-bus build keeps one start (planner/schedule.py): its days are small
#: enough for CP-SAT to prove them optimal, and a race reached the same objectives there.
RACE_STARTS = 4

_FSS = routing_enums_pb2.FirstSolutionStrategy
_LSM = routing_enums_pb2.LocalSearchMetaheuristic


@dataclass(frozen=True)
class SearchConfig:
    """One way of searching: a first-solution strategy, a metaheuristic, extra operators.

    ``metaheuristic`` is ``"gls"``, ``"tabu"``, ``"sa"``, ``"greedy"`` or ``"ils"`` (OR-Tools'
    iterated local search with ruin and recreate). ``engine="pyvrp"`` searches with PyVRP's
    iterated local search instead (:mod:`findhz.planner.pyvrp_search`; ``history_length`` is its
    late-acceptance history, ``starts`` the independent starts it races before continuing
    from the best), on problems PyVRP models; the OR-Tools fields are then unused.
    """

    name: str
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "gls"
    prize_operators: bool = True
    gls_lambda: float = 0.1
    ruin_size: int = 10
    automatic_temperatures: bool = True
    insertion_lns: bool = True
    close_nodes_lns: int = 0
    engine: str = "ortools"
    history_length: int = 100
    starts: int = 1


def default_configs(problem: RoutingProblem) -> tuple[SearchConfig, ...]:
    """The portfolio, best first: the first entry is what a single worker runs.

    Measured on the benchmark sets (benchmarks/BENCHMARKS.md): where PyVRP models the
    problem, its iterated local search is far ahead of every OR-Tools search we tried, so it
    comes first, with a second acceptance history for a second worker. Otherwise (shared
    resources, pinned prefixes): with optional visits (prizes), tabu search beats guided
    local search and iterated local search by far, and the close-nodes insertion LNS
    operators help it most (from an insertion heuristic on Solomon-based instances, from an
    empty solution on the larger Cordeau-based ones); with every visit required, guided
    local search from parallel cheapest insertion is best.
    """
    has_optional = any(not v.required for v in problem.visits) or bool(problem.choices)
    if has_optional:
        ortools: tuple[SearchConfig, ...] = (
            SearchConfig(
                "insertion-tabu", "PARALLEL_CHEAPEST_INSERTION", "tabu", False, close_nodes_lns=10
            ),
            SearchConfig("empty-tabu", "ALL_UNPERFORMED", "tabu", False, close_nodes_lns=10),
            SearchConfig("insertion-tabu-plain", "PARALLEL_CHEAPEST_INSERTION", "tabu", False),
        )
    else:
        ortools = (
            SearchConfig("insertion-gls", "PARALLEL_CHEAPEST_INSERTION", "gls", False),
            SearchConfig("savings-gls", "SAVINGS", "gls", False),
            SearchConfig("insertion-tabu", "PARALLEL_CHEAPEST_INSERTION", "tabu", False),
        )
    if pyvrp_search.unsupported(problem) is not None:
        return ortools
    return (
        SearchConfig(
            "pyvrp-race", engine="pyvrp", history_length=ILS_HISTORY[0], starts=RACE_STARTS
        ),
        SearchConfig("pyvrp-ils-long", engine="pyvrp", history_length=ILS_HISTORY[1]),
        *ortools,
    )


def solve_routing(
    problem: RoutingProblem,
    *,
    time_limit_s: float,
    seed: int = 0,
    work_limit: int | None = None,
    solution_limit: int | None = None,
    workers: int = 1,
    configs: Sequence[SearchConfig] | None = None,
) -> RoutingSolution:
    """Solve ``problem``; stop after ``work_limit`` branches of the search or
    ``solution_limit`` accepted solutions (both deterministic), or after ``time_limit_s``
    seconds of wall time, whichever comes first.

    Leave both work limits at ``None`` to search by wall time alone (not reproducible; the
    benchmarks use it to compare with other solvers at equal time). ``solution_limit`` alone
    is not a safe budget: a metaheuristic that finds no acceptable neighbour keeps searching
    without producing solutions, so pass ``work_limit`` whenever the result must repeat.
    """
    _validate(problem)
    portfolio = tuple(configs) if configs is not None else default_configs(problem)
    if not portfolio:
        raise ValueError("solve_routing needs at least one search configuration")
    workers = max(1, min(workers, len(portfolio)))
    started = time.perf_counter()
    deadline = time.time() + time_limit_s
    if workers == 1:
        best = _solve_one(problem, portfolio[0], deadline, seed, work_limit, solution_limit)
        winner = 0
        if not best.feasible and portfolio[0].engine == "pyvrp":
            # PyVRP found nothing the planner may keep: the first OR-Tools search takes over.
            fallback = next((i for i, c in enumerate(portfolio) if c.engine != "pyvrp"), None)
            if fallback is not None:
                best = _solve_one(
                    problem, portfolio[fallback], deadline, seed, work_limit, solution_limit
                )
                winner = fallback
    else:
        jobs = portfolio[:workers]
        # fork is cheap and safe while this process runs no other thread; spawn otherwise.
        method = "fork" if _can_fork() else "spawn"
        context = multiprocessing.get_context(method)
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [
                pool.submit(_solve_one, problem, config, deadline, seed, work_limit, solution_limit)
                for config in jobs
            ]
            results = [future.result() for future in futures]
        winner = min(
            range(len(results)),
            key=lambda i: (not results[i].feasible, results[i].objective, i),
        )
        best = results[winner]
    stats = replace(best.stats, workers=workers, winner_config=winner)
    return RoutingSolution(
        feasible=best.feasible,
        tours=best.tours,
        objective=best.objective,
        dropped=best.dropped,
        status=best.status,
        seconds=time.perf_counter() - started,
        stats=stats,
    )


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _solve_cp_sat(solver: cp_model.CpSolver, model: cp_model.CpModel) -> Any:
    """CP-SAT's ``solve``, stopped within a moment by Ctrl-C or SIGTERM.

    CP-SAT holds the calling thread until its budget is spent, and Python takes a signal only
    between its own steps: a Ctrl-C in a stage of a long run waited for that stage's whole
    budget. So the search runs in a thread of its own while this one waits where a signal can
    reach it; on one, the search is told to stop, and the interrupt goes on up once it has.
    The wait is on an event, not on ``Thread.join``: Python 3.11's join, interrupted, can mark
    a thread still running as finished, and the process then ends under a live search."""
    answer: list[Any] = []
    failure: list[BaseException] = []
    done = threading.Event()

    def search() -> None:
        try:
            answer.append(solver.solve(model))
        except BaseException as error:  # handed to the waiting thread, which raises it
            failure.append(error)
        finally:
            done.set()

    threading.Thread(target=search, name="findhz-cp-sat", daemon=True).start()
    try:
        while not done.wait(_SIGNAL_POLL_S):
            pass
    except BaseException:
        solver.stop_search()
        done.wait()
        raise
    if failure:
        raise failure[0]
    interrupt.check()  # a Ctrl-C that CP-SAT itself took: raise it again
    return answer[0]


def _validate(problem: RoutingProblem) -> None:
    n = len(problem.travel)
    if problem.travel.shape != (n, n) or problem.cost.shape != (n, n):
        raise ValueError("travel and cost must be square matrices of the same size")
    if not problem.vehicles:
        raise ValueError("a routing problem needs at least one vehicle")
    for k, visit in enumerate(problem.visits):
        if not 0 <= visit.node < n:
            raise ValueError(f"visit {k}: node {visit.node} outside the matrix")
        for a, b in visit.windows:
            if a > b:
                raise ValueError(f"visit {k}: window ({a}, {b}) ends before it starts")
        for (_, b), (c, _) in zip(visit.windows, visit.windows[1:], strict=False):
            if c <= b:
                raise ValueError(f"visit {k}: windows must be sorted and disjoint")
        if visit.resource is not None and not 0 <= visit.resource < len(problem.resources):
            raise ValueError(f"visit {k}: unknown resource {visit.resource}")
        if visit.vehicles is not None:
            for v in visit.vehicles:
                if not 0 <= v < len(problem.vehicles):
                    raise ValueError(f"visit {k}: unknown vehicle {v}")
    seen: set[int] = set()
    for c, choice in enumerate(problem.choices):
        for k in choice.visits:
            if not 0 <= k < len(problem.visits):
                raise ValueError(f"choice {c}: unknown visit {k}")
            if k in seen:
                raise ValueError(f"choice {c}: visit {k} belongs to two choices")
            seen.add(k)
    for v, vehicle in enumerate(problem.vehicles):
        for node in (vehicle.start_node, vehicle.end_node):
            if not 0 <= node < n:
                raise ValueError(f"vehicle {v}: node {node} outside the matrix")
        if vehicle.earliest_start > vehicle.latest_end:
            raise ValueError(f"vehicle {v}: latest end before earliest start")
    for name, tours in (
        ("initial_tours", problem.initial_tours),
        ("fixed_prefixes", problem.fixed_prefixes),
    ):
        if tours is None:
            continue
        if len(tours) != len(problem.vehicles):
            raise ValueError(f"{name} needs one entry per vehicle")
        flat = [k for tour in tours for k in tour]
        if len(flat) != len(set(flat)) or any(not 0 <= k < len(problem.visits) for k in flat):
            raise ValueError(f"{name} must name distinct existing visits")
    stability = problem.stability
    if stability is not None:
        if len(stability.tours) != len(problem.vehicles) or [len(t) for t in stability.tours] != [
            len(t) for t in stability.starts
        ]:
            raise ValueError("stability needs one published tour, with its starts, per vehicle")
        flat = [k for tour in stability.tours for k in tour]
        if len(flat) != len(set(flat)) or any(not 0 <= k < len(problem.visits) for k in flat):
            raise ValueError("stability's tours must name distinct existing visits")


class _Model:
    """The OR-Tools model of one problem, with the map between visits and routing nodes.

    Routing nodes: first the distinct depot nodes of the vehicles (sorted), then one node per
    visit in an order permuted by the seed.
    """

    def __init__(self, problem: RoutingProblem, seed: int) -> None:
        self.problem = problem
        depots = sorted(
            {v.start_node for v in problem.vehicles} | {v.end_node for v in problem.vehicles}
        )
        self.depot_of_node = {node: i for i, node in enumerate(depots)}
        order = list(range(len(problem.visits)))
        if seed:
            np.random.default_rng(seed).shuffle(order)
        # routing node of visit k = len(depots) + position of k in `order`
        self.visit_order = order
        self.node_of_visit = [0] * len(order)
        for position, k in enumerate(order):
            self.node_of_visit[k] = len(depots) + position
        matrix_nodes = np.array(depots + [problem.visits[k].node for k in order], dtype=np.int64)
        service = np.zeros(len(matrix_nodes), dtype=np.int64)
        service[len(depots) :] = [problem.visits[k].service for k in order]
        self.n_depots = len(depots)

        travel = problem.travel[np.ix_(matrix_nodes, matrix_nodes)] + service[:, None]
        cost = problem.cost[np.ix_(matrix_nodes, matrix_nodes)]
        self.manager = pywrapcp.RoutingIndexManager(
            len(matrix_nodes),
            len(problem.vehicles),
            [self.depot_of_node[v.start_node] for v in problem.vehicles],
            [self.depot_of_node[v.end_node] for v in problem.vehicles],
        )
        self.routing = pywrapcp.RoutingModel(self.manager)
        routing = self.routing
        solver = routing.solver()

        stability = problem.stability
        if stability is None:
            cost_cb = routing.RegisterTransitMatrix(cost.tolist())
            routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)
        else:
            # Re-planning: an arc into a visit that the published tour of the vehicle does
            # not have (the visit was added or reordered) costs a changed stop.
            for v, published in enumerate(stability.tours):
                penalised = cost.copy()
                penalised[:, len(depots) :] += stability.stop_penalty
                # Serving another visit of a choice (e.g. another lunch venue) than the
                # published one also leaves the published visit out.
                for choice in problem.choices:
                    if set(choice.visits) & set(published):
                        for k in set(choice.visits) - set(published):
                            penalised[:, self.node_of_visit[k]] += stability.stop_penalty
                start = self.depot_of_node[problem.vehicles[v].start_node]
                before = start
                for k in published:
                    node = self.node_of_visit[k]
                    penalised[before, node] -= stability.stop_penalty
                    before = node
                evaluator = routing.RegisterTransitMatrix(penalised.tolist())
                routing.SetArcCostEvaluatorOfVehicle(evaluator, v)
        for v, vehicle in enumerate(problem.vehicles):
            if vehicle.fixed_cost:
                routing.SetFixedCostOfVehicle(int(vehicle.fixed_cost), v)

        # Time.
        horizon = max(
            [problem.horizon]
            + [v.latest_end for v in problem.vehicles]
            + [w[1] + visit.service for visit in problem.visits for w in visit.windows]
        )
        time_cb = routing.RegisterTransitMatrix(travel.tolist())
        routing.AddDimension(time_cb, horizon, horizon, False, "time")
        self.time = routing.GetDimensionOrDie("time")
        for v, vehicle in enumerate(problem.vehicles):
            if vehicle.span_cost:
                self.time.SetSpanCostCoefficientForVehicle(int(vehicle.span_cost), v)
            self.time.CumulVar(routing.Start(v)).SetRange(
                vehicle.earliest_start, vehicle.latest_end
            )
            self.time.CumulVar(routing.End(v)).SetRange(vehicle.earliest_start, vehicle.latest_end)
        for k, visit in enumerate(problem.visits):
            index = self.index_of_visit(k)
            if not visit.windows:
                routing.ActiveVar(index).SetValue(0)
                continue
            cumul = self.time.CumulVar(index)
            cumul.SetRange(visit.windows[0][0], visit.windows[-1][1])
            for (_, b), (c, _) in zip(visit.windows, visit.windows[1:], strict=False):
                if c > b + 1:
                    cumul.RemoveInterval(b + 1, c - 1)

        # Which visits are optional, which are chosen among.
        in_choice: set[int] = set()
        for choice in problem.choices:
            indices = [self.index_of_visit(k) for k in choice.visits]
            in_choice.update(choice.visits)
            if choice.penalty is None:
                routing.AddDisjunction(indices)
            else:
                routing.AddDisjunction(indices, int(choice.penalty), 1)
        kept = {k for tour in stability.tours for k in tour} if stability is not None else set()
        keep_penalty = stability.stop_penalty if stability is not None else 0
        for k, visit in enumerate(problem.visits):
            if k not in in_choice and not visit.required:
                dropped = int(visit.prize) + (keep_penalty if k in kept else 0)
                routing.AddDisjunction([self.index_of_visit(k)], dropped)
            if visit.vehicles is not None:
                # SetAllowedVehiclesForIndex takes an absl::Span the Python wrapper cannot build;
                # restricting the vehicle variable is the same constraint (-1: not served).
                index = self.index_of_visit(k)
                if visit.vehicles:
                    routing.VehicleVar(index).SetValues([*visit.vehicles, -1])
                else:
                    routing.ActiveVar(index).SetValue(0)

        # Stop counts.
        self.stops: pywrapcp.RoutingDimension | None = None
        if any(v.min_stops > 0 or v.max_stops is not None for v in problem.vehicles):
            counts = [0] * self.n_depots + [int(problem.visits[k].counts_as_stop) for k in order]
            count_cb = routing.RegisterUnaryTransitVector(counts)
            big = len(problem.visits) + 1
            routing.AddDimensionWithVehicleCapacity(
                count_cb,
                0,
                [big if v.max_stops is None else v.max_stops for v in problem.vehicles],
                True,
                "stops",
            )
            self.stops = routing.GetDimensionOrDie("stops")
            for v, vehicle in enumerate(problem.vehicles):
                if vehicle.min_stops > 0:
                    end_count = self.stops.CumulVar(routing.End(v))
                    if vehicle.must_be_used:
                        end_count.SetMin(vehicle.min_stops)
                    else:
                        used = routing.ActiveVehicleVar(v)
                        solver.Add(end_count >= vehicle.min_stops * used)

        # Load.
        if any(v.capacity is not None for v in problem.vehicles):
            demands = [0] * self.n_depots + [int(problem.visits[k].demand) for k in order]
            demand_cb = routing.RegisterUnaryTransitVector(demands)
            big_load = sum(max(0, d) for d in demands) + 1
            routing.AddDimensionWithVehicleCapacity(
                demand_cb,
                0,
                [big_load if v.capacity is None else v.capacity for v in problem.vehicles],
                True,
                "load",
            )

        for v, vehicle in enumerate(problem.vehicles):
            if vehicle.must_be_used:
                routing.NextVar(routing.Start(v)).RemoveValue(routing.End(v))

        # Re-planning: each published visit kept near its published start.
        if stability is not None:
            for published, starts in zip(stability.tours, stability.starts, strict=True):
                for k, start in zip(published, starts, strict=True):
                    index = self.index_of_visit(k)
                    self.time.SetCumulVarSoftUpperBound(
                        index, start + stability.tolerance, stability.shift_penalty
                    )
                    self.time.SetCumulVarSoftLowerBound(
                        index, max(0, start - stability.tolerance), stability.shift_penalty
                    )

        # Re-planning: pinned prefixes.
        if problem.fixed_prefixes is not None:
            for v, prefix in enumerate(problem.fixed_prefixes):
                previous = routing.Start(v)
                for k in prefix:
                    index = self.index_of_visit(k)
                    routing.NextVar(previous).SetValue(index)
                    routing.VehicleVar(index).SetValue(v)
                    previous = index

        # Shared resources: visits of one resource never overlap beyond its capacity.
        self.resource_cumuls: list[pywrapcp.IntVar] = []
        for r, resource in enumerate(problem.resources):
            members = [k for k, visit in enumerate(problem.visits) if visit.resource == r]
            if len(members) <= resource.capacity:
                continue
            intervals = []
            for k in members:
                index = self.index_of_visit(k)
                cumul = self.time.CumulVar(index)
                intervals.append(
                    solver.FixedDurationIntervalVar(
                        cumul, int(problem.visits[k].service), routing.ActiveVar(index), f"r{r}v{k}"
                    )
                )
            if resource.capacity == 1:
                solver.Add(solver.DisjunctiveConstraint(intervals, f"resource{r}"))
            else:
                solver.Add(
                    solver.Cumulative(
                        intervals, [1] * len(intervals), resource.capacity, f"resource{r}"
                    )
                )
        # Finalizer: visits as early as possible (in visit order, deterministic), then each
        # vehicle leaves as late as its first visit allows and comes back as early as it can.
        for k in range(len(problem.visits)):
            routing.AddVariableMinimizedByFinalizer(self.time.CumulVar(self.index_of_visit(k)))
        for v in range(len(problem.vehicles)):
            routing.AddVariableMaximizedByFinalizer(self.time.CumulVar(routing.Start(v)))
            routing.AddVariableMinimizedByFinalizer(self.time.CumulVar(routing.End(v)))

    def index_of_visit(self, k: int) -> int:
        index: int = self.manager.NodeToIndex(self.node_of_visit[k])
        return index

    def visit_of_index(self, index: int) -> int:
        node: int = self.manager.IndexToNode(index)
        return self.visit_order[node - self.n_depots]


def _search_parameters(
    config: SearchConfig, time_limit_s: float, solution_limit: int | None
) -> pywrapcp.DefaultRoutingSearchParameters:
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(_FSS, config.first_solution)
    meta = config.metaheuristic
    if meta == "ils":
        params.use_iterated_local_search = True
        params.local_search_metaheuristic = _LSM.GREEDY_DESCENT
        ils = params.iterated_local_search_parameters
        ruin = ils.ruin_recreate_parameters
        sisr = ruin.ruin_strategies.add().sisr
        sisr.max_removed_sequence_size = config.ruin_size
        sisr.avg_num_removed_visits = config.ruin_size
        sisr.bypass_factor = 0.01
        ruin.ruin_strategies.add().random_walk.num_removed_visits = config.ruin_size
        ruin.ruin_composition_strategy = routing_ils_pb2.RuinCompositionStrategy.RUN_ONE_RANDOMLY
        annealing = ils.reference_solution_acceptance_strategy.simulated_annealing
        annealing.automatic_temperatures = config.automatic_temperatures
    else:
        params.local_search_metaheuristic = {
            "gls": _LSM.GUIDED_LOCAL_SEARCH,
            "tabu": _LSM.TABU_SEARCH,
            "generic_tabu": _LSM.GENERIC_TABU_SEARCH,
            "sa": _LSM.SIMULATED_ANNEALING,
            "greedy": _LSM.GREEDY_DESCENT,
        }[meta]
    params.guided_local_search_lambda_coefficient = config.gls_lambda
    if config.prize_operators:
        ops = params.local_search_operators
        ops.use_extended_swap_active = optional_boolean_pb2.BOOL_TRUE
        ops.use_relocate_and_make_active = optional_boolean_pb2.BOOL_TRUE
        ops.use_exchange_and_make_active = optional_boolean_pb2.BOOL_TRUE
    if config.close_nodes_lns:
        ops = params.local_search_operators
        ops.use_global_cheapest_insertion_close_nodes_lns = optional_boolean_pb2.BOOL_TRUE
        ops.use_local_cheapest_insertion_close_nodes_lns = optional_boolean_pb2.BOOL_TRUE
        params.heuristic_close_nodes_lns_num_nodes = config.close_nodes_lns
    if not config.insertion_lns:
        ops = params.local_search_operators
        for name in (
            "use_global_cheapest_insertion_path_lns",
            "use_local_cheapest_insertion_path_lns",
            "use_relocate_path_global_cheapest_insertion_insert_unperformed",
            "use_global_cheapest_insertion_visit_types_lns",
            "use_local_cheapest_insertion_visit_types_lns",
        ):
            setattr(ops, name, optional_boolean_pb2.BOOL_FALSE)
    # CP-based LNS operators run under their own wall-clock limit: keep them off.
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    if solution_limit is not None:
        params.solution_limit = solution_limit
    return params


def _solve_one(
    problem: RoutingProblem,
    config: SearchConfig,
    deadline: float,
    seed: int,
    work_limit: int | None,
    solution_limit: int | None,
) -> RoutingSolution:
    """Search with ``config``; when a search ends before its budget is spent (the
    metaheuristic ran out of moves), restart from another permutation of the visits with
    what is left, and keep the best (ties: the earliest). Restarts depend only on the work
    spent, so a fixed ``work_limit`` keeps the result reproducible."""
    if config.engine == "pyvrp":
        return _solve_pyvrp(problem, config, deadline, seed, work_limit)
    started = time.perf_counter()
    best: RoutingSolution | None = None
    remaining = work_limit
    restarts = 0
    stale = 0  # restarts in a row that found nothing better
    branches = 0
    while True:
        result = _search_once(
            problem, config, deadline, seed + restarts * 1_000_003, remaining, solution_limit,
            use_initial=restarts == 0,
        )  # fmt: skip
        branches += result.stats.branches
        if best is None or (not best.feasible, best.objective) > (
            not result.feasible,
            result.objective,
        ):
            best = result
            stale = 0
        else:
            stale += 1
        if (
            result.stats.time_cap_hit
            or solution_limit is not None
            or not result.feasible
            or stale >= _MAX_STALE_RESTARTS
        ):
            break
        if remaining is not None:
            remaining -= result.stats.branches
            if remaining < max(1000, work_limit // 20 if work_limit else 0):
                break
        elif time.time() >= deadline - 0.05:
            break
        restarts += 1
    stats = replace(
        best.stats,
        restarts=restarts,
        branches=branches,
        seconds=time.perf_counter() - started,
        time_cap_hit=(work_limit is None and solution_limit is None) or result.stats.time_cap_hit,
    )
    return replace(best, stats=stats, seconds=stats.seconds)


def _solve_pyvrp(
    problem: RoutingProblem,
    config: SearchConfig,
    deadline: float,
    seed: int,
    work_limit: int | None,
) -> RoutingSolution:
    """PyVRP's search on ``problem``; not feasible (status ``"pyvrp-unsupported"``) when
    PyVRP does not model the problem, so that :func:`solve_routing` falls back."""
    if pyvrp_search.unsupported(problem) is not None:
        return RoutingSolution.none_found(problem, "pyvrp-unsupported", 0.0, RoutingStats())
    iterations = None
    if work_limit is not None:
        iterations = max(MIN_ILS_ITERATIONS, work_limit // BRANCHES_PER_ILS_ITERATION)
    return pyvrp_search.solve_with_pyvrp(
        problem,
        time_limit_s=max(0.01, deadline - time.time()),
        seed=seed,
        iterations=iterations,
        history_length=config.history_length,
        starts=config.starts,
    )


def _search_once(
    problem: RoutingProblem,
    config: SearchConfig,
    deadline: float,
    seed: int,
    work_limit: int | None,
    solution_limit: int | None,
    *,
    use_initial: bool = True,
) -> RoutingSolution:
    """One search; ``deadline`` (``time.time()``) is the wall-clock safety cap."""
    started = time.perf_counter()
    model = _Model(problem, seed)
    routing = model.routing
    search_limit_s = max(0.01, deadline - time.time())
    params = _search_parameters(config, search_limit_s, solution_limit)
    if work_limit is not None:
        routing.AddSearchMonitor(routing.solver().BranchesLimit(work_limit))
    routing.CloseModelWithParameters(params)
    initial = None
    if problem.initial_tours is not None and use_initial:
        routes = [[model.index_of_visit(k) for k in tour] for tour in problem.initial_tours]
        initial = routing.ReadAssignmentFromRoutes(routes, True)
        if initial is None:
            _log.info("the initial tours are infeasible; searching from scratch")
    if initial is not None:
        assignment = routing.SolveFromAssignmentWithParameters(initial, params)
    else:
        assignment = routing.SolveWithParameters(params)
    seconds = time.perf_counter() - started
    status = _STATUS_NAMES.get(routing.status(), str(routing.status()))
    if status == "invalid":
        raise ValueError(f"OR-Tools rejected the model or the parameters of {config.name!r}")
    solver = routing.solver()
    stats = RoutingStats(
        seconds=seconds,
        branches=int(solver.Branches()),
        failures=int(solver.Failures()),
        work_limit=work_limit,
        solution_limit=solution_limit,
        # The wall-clock cap decided when the search stopped: not reproducible.
        time_cap_hit=time.time() >= deadline - 0.02 * search_limit_s,
    )
    if assignment is None:
        return RoutingSolution.none_found(problem, status, seconds, stats)
    tours = []
    served: set[int] = set()
    for v in range(len(problem.vehicles)):
        index = routing.Start(v)
        depart = assignment.Value(model.time.CumulVar(index))
        visits: list[int] = []
        starts: list[int] = []
        index = assignment.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            k = model.visit_of_index(index)
            visits.append(k)
            starts.append(assignment.Value(model.time.CumulVar(index)))
            index = assignment.Value(routing.NextVar(index))
        back = assignment.Value(model.time.CumulVar(index))
        served.update(visits)
        tours.append(
            Tour(vehicle=v, visits=tuple(visits), starts=tuple(starts), depart=depart, back=back)
        )
    satisfied = set(served)
    for choice in problem.choices:
        if served.intersection(choice.visits):
            satisfied.update(choice.visits)
    dropped = tuple(k for k in range(len(problem.visits)) if k not in satisfied)
    return RoutingSolution(
        feasible=True,
        tours=tuple(tours),
        objective=int(assignment.ObjectiveValue()),
        dropped=dropped,
        status=status,
        seconds=seconds,
        stats=stats,
    )


# --- Prize bound (CP-SAT) ---
# A relaxation of a routing problem solved exactly where it is small: every vehicle's tour as
# a circuit over the visits it may serve, with time windows, stop and load limits, but
# without shared resources, pinned prefixes or minimum stops (so the bound holds for every
# solution, including those the planner keeps with a relaxed minimum). Vehicles that share
# no visit or choice are solved apart: a day of buses is as many small models.


def bound_prize(
    problem: RoutingProblem,
    *,
    work_s: float,
    seed: int = 0,
    hint: Sequence[Tour] | None = None,
    timed_travel: Sequence[TimedTravel] = (),
) -> PrizeBound:
    """An upper bound on :func:`~findhz.planner.problems.collected_prize` over every solution of
    ``problem`` (its travel times taken as lower bounds of the true ones), with CP-SAT.

    ``timed_travel``: travel that depends on the departure time, as ``(from, until,
    matrix)`` periods (``from <= departure < until``); a leg then takes the matrix of the
    period its departure (the end of service at its origin) falls in, exactly as a
    timetable re-timed with those matrices does, and ``problem.travel`` must be no longer
    than any of them (it prunes). Departures outside every period use ``problem.travel``.

    ``work_s`` is CP-SAT's deterministic time (one worker, so the same problem and seed give
    the same bound). First every vehicle on its own (shared resources relaxed); when that
    bound is above the ``hint`` (a known solution's tours, which also helps the search) and
    the problem has shared resources, the vehicles that share one are solved together with
    the resources' capacity, and the smaller of the two bounds is kept.
    """
    _validate(problem)
    shared = any(v.resource is not None for v in problem.visits) and bool(problem.resources)
    tours = {t.vehicle: t for t in hint} if hint is not None else {}
    first = _bound_pass(problem, work_s / 2 if shared else work_s, seed, tours, False, timed_travel)
    known = collected_prize(problem, tuple(tours.values())) if hint is not None else None
    if not shared or (known is not None and known >= first.bound):
        return first
    second = _bound_pass(problem, work_s / 2, seed, tours, True, timed_travel)
    status = f"alone: {first.status}; with shared resources: {second.status}"
    # Both bounds hold; the timetable of the second keeps the resources' capacity.
    bound = min(first.bound, second.bound)
    return replace(second, bound=bound, proven=bound == second.best, status=status)


def _bound_pass(
    problem: RoutingProblem,
    work_s: float,
    seed: int,
    hint: dict[int, Tour],
    resources: bool,
    timed_travel: Sequence[TimedTravel],
) -> PrizeBound:
    parts = _bound_parts(problem, resources)
    bound = best = 0
    proven = True
    statuses: list[str] = []
    tours: list[tuple[int, ...]] = [()] * len(problem.vehicles)
    starts: list[tuple[int, ...]] = [()] * len(problem.vehicles)
    for vehicles, visits, choices in parts:
        part = _bound_part(
            problem,
            vehicles,
            visits,
            choices,
            work_s / len(parts),
            seed,
            hint,
            resources,
            timed_travel,
        )
        bound += part.bound
        best += part.best
        proven = proven and part.proven
        statuses.append(part.status)
        for v in vehicles:
            if part.tours:
                tours[v], starts[v] = part.tours[v], part.starts[v]
    counts = {s: statuses.count(s) for s in sorted(set(statuses))}
    status = ", ".join(f"{s.lower()} {n}" for s, n in counts.items())
    return PrizeBound(bound, best, proven, status, tuple(tours), tuple(starts))


#: Travel of the departures in ``[from, until)``: ``(from, until, matrix)``.
TimedTravel = tuple[int, int, "np.ndarray[Any, Any]"]


def _periods(
    model: cp_model.CpModel,
    timed_travel: Sequence[TimedTravel],
    leave: Any,
    lo: int,
    hi: int,
) -> list[tuple[tuple[cp_model.IntVar, ...], Any]]:
    """For a departure ``leave`` (a CP-SAT expression within ``[lo, hi]``): one
    (literal, matrix) per period it may fall in, the literal true in the period it does."""
    out: list[tuple[tuple[cp_model.IntVar, ...], Any]] = []
    covered = lo
    for start, until, matrix in sorted(timed_travel, key=lambda p: p[0]):
        if until <= lo or start > hi:
            continue
        if start <= covered:
            covered = max(covered, until)
        z = model.new_bool_var("")
        model.add(leave >= start).only_enforce_if(z)
        model.add(leave <= until - 1).only_enforce_if(z)
        out.append(((z,), matrix))
    if out and covered > hi:
        model.add_exactly_one(z for (z,), _ in out)
        return out
    # Some departures fall in no period: leave them free (the caller's ``problem.travel``
    # then applies to every leg of this node, a weaker but still valid bound).
    return []


def _bound_parts(
    problem: RoutingProblem, resources: bool
) -> list[tuple[list[int], list[int], list[int]]]:
    """Vehicles linked by a visit they may all serve, by a choice, or (``resources``) by a
    shared resource, with their visits and choices: (vehicles, visits, choices) per part,
    in vehicle order."""
    n = len(problem.vehicles)
    parent = list(range(n))

    def root(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    def join(group: Sequence[int]) -> None:
        for v in group[1:]:
            a, b = root(group[0]), root(v)
            if a != b:
                parent[max(a, b)] = min(a, b)

    def allowed(k: int) -> tuple[int, ...]:
        vehicles = problem.visits[k].vehicles
        return tuple(range(n)) if vehicles is None else vehicles

    for k in range(len(problem.visits)):
        join(allowed(k))
    for choice in problem.choices:
        join(sorted({v for k in choice.visits for v in allowed(k)}))
    if resources:
        for r in range(len(problem.resources)):
            join(
                sorted(
                    {v for k, x in enumerate(problem.visits) if x.resource == r for v in allowed(k)}
                )
            )
    parts: dict[int, tuple[list[int], list[int], list[int]]] = {}
    for v in range(n):
        parts.setdefault(root(v), ([], [], []))[0].append(v)
    for k in range(len(problem.visits)):
        vehicles = allowed(k)
        if vehicles:
            parts[root(vehicles[0])][1].append(k)
    for c, choice in enumerate(problem.choices):
        members = sorted({v for k in choice.visits for v in allowed(k)})
        if members:
            parts[root(members[0])][2].append(c)
    return [parts[r] for r in sorted(parts)]


def _bound_part(
    problem: RoutingProblem,
    vehicles: list[int],
    visits: list[int],
    choices: list[int],
    work_s: float,
    seed: int,
    hint: dict[int, Tour],
    resources: bool,
    timed_travel: Sequence[TimedTravel],
) -> PrizeBound:
    """The exact relaxation of one part (see the section's comment); with ``resources``,
    visits of a shared resource never overlap beyond its capacity."""
    travel = problem.travel
    model = cp_model.CpModel()
    in_choice = {k: c for c in choices for k in problem.choices[c].visits}
    served_by: dict[int, list[cp_model.IntVar]] = {k: [] for k in visits}
    hinted_arcs: set[tuple[int, int, int]] = set()  # (vehicle, from visit | -1, to | -1)
    hinted_visits: set[tuple[int, int]] = set()
    uses: dict[int, list[cp_model.IntervalVar]] = {}
    plans: dict[int, list[tuple[int, cp_model.IntVar, cp_model.IntVar]]] = {}
    departs: dict[int, cp_model.IntVar] = {}
    for v, tour in hint.items():
        path = [-1, *tour.visits, -1]
        hinted_arcs.update((v, a, b) for a, b in itertools.pairwise(path))
        hinted_visits.update((v, k) for k in tour.visits)
    for v in vehicles:
        vehicle = problem.vehicles[v]
        start = model.new_int_var(vehicle.earliest_start, vehicle.latest_end, f"start{v}")
        end = model.new_int_var(vehicle.earliest_start, vehicle.latest_end, f"end{v}")
        model.add(end >= start + int(travel[vehicle.start_node, vehicle.end_node]))
        mine: list[int] = []
        for k in visits:
            visit = problem.visits[k]
            if (visit.vehicles is not None and v not in visit.vehicles) or not visit.windows:
                continue
            out = vehicle.earliest_start + int(travel[vehicle.start_node, visit.node])
            back = int(travel[visit.node, vehicle.end_node]) + visit.service
            if out > visit.windows[-1][1] or visit.windows[0][0] + back > vehicle.latest_end:
                continue  # no tour of this vehicle can serve it
            mine.append(k)
        serve = {k: model.new_bool_var(f"x{v}_{k}") for k in mine}
        begin = {
            k: model.new_int_var_from_domain(
                cp_model.Domain.from_intervals([list(w) for w in problem.visits[k].windows]),
                f"t{v}_{k}",
            )
            for k in mine
        }
        plans[v] = [(k, serve[k], begin[k]) for k in mine]
        departs[v] = start
        for k in mine:
            r = problem.visits[k].resource
            if resources and r is not None:
                service = problem.visits[k].service
                interval = model.new_optional_fixed_size_interval_var(
                    begin[k], service, serve[k], f"i{v}_{k}"
                )
                uses.setdefault(r, []).append(interval)
        # Per circuit node, the travel matrices its departure may use: with timed travel,
        # one per period its departure can fall in (a literal picks it), else one.
        leaving = [_periods(model, timed_travel, start, vehicle.earliest_start, vehicle.latest_end)]
        for k in mine:
            visit = problem.visits[k]
            leave = begin[k] + visit.service
            lo, hi = visit.windows[0][0] + visit.service, visit.windows[-1][1] + visit.service
            leaving.append(_periods(model, timed_travel, leave, lo, hi))
        leaving = [periods or [((), travel)] for periods in leaving]
        arcs: list[tuple[int, int, cp_model.LiteralT]] = []
        used = model.new_bool_var(f"used{v}")
        arcs.append((0, 0, ~used))
        if vehicle.must_be_used:
            model.add(used == 1)
        for i, k in enumerate(mine, start=1):
            visit = problem.visits[k]
            served_by[k].append(serve[k])
            arcs.append((i, i, ~serve[k]))
            first = model.new_bool_var("")
            arcs.append((0, i, first))
            for z, matrix in leaving[0]:
                model.add(
                    begin[k] >= start + int(matrix[vehicle.start_node, visit.node])
                ).only_enforce_if([first, *z])
            last = model.new_bool_var("")
            arcs.append((i, 0, last))
            for z, matrix in leaving[i]:
                model.add(
                    end >= begin[k] + visit.service + int(matrix[visit.node, vehicle.end_node])
                ).only_enforce_if([last, *z])
            model.add_hint(serve[k], (v, k) in hinted_visits)
            model.add_hint(first, (v, -1, k) in hinted_arcs)
            model.add_hint(last, (v, k, -1) in hinted_arcs)
            for j, m in enumerate(mine, start=1):
                if j == i:
                    continue
                other = problem.visits[m]
                gap = visit.service + int(travel[visit.node, other.node])
                if visit.windows[0][0] + gap > other.windows[-1][1]:
                    continue  # m can never follow k
                arc = model.new_bool_var("")
                arcs.append((i, j, arc))
                for z, matrix in leaving[i]:
                    model.add(
                        begin[m] >= begin[k] + visit.service + int(matrix[visit.node, other.node])
                    ).only_enforce_if([arc, *z])
                model.add_hint(arc, (v, k, m) in hinted_arcs)
        model.add_circuit(arcs)
        model.add_hint(used, v in hint and bool(hint[v].visits))
        for k in mine:
            model.add_implication(serve[k], used)
        if vehicle.max_stops is not None:
            model.add(
                sum(serve[k] for k in mine if problem.visits[k].counts_as_stop) <= vehicle.max_stops
            )
        if vehicle.capacity is not None:
            model.add(sum(problem.visits[k].demand * serve[k] for k in mine) <= vehicle.capacity)
    for r, intervals in sorted(uses.items()):
        capacity = problem.resources[r].capacity
        if len(intervals) <= capacity:
            continue
        if capacity == 1:
            model.add_no_overlap(intervals)
        else:
            model.add_cumulative(intervals, [1] * len(intervals), capacity)
    objective: list[Any] = []
    for k in visits:
        served = sum(served_by[k])
        model.add(served <= 1)
        if problem.visits[k].required and k not in in_choice:
            model.add(served == 1)
        objective.append(problem.visits[k].prize * served)
    for c in choices:
        choice = problem.choices[c]
        served = sum(sum(served_by[k]) for k in choice.visits if k in served_by)
        if choice.penalty is None:
            model.add(served == 1)
        else:
            model.add(served <= 1)
            objective.append(choice.penalty * served)
    model.maximize(sum(objective))
    solver = cp_model.CpSolver()
    solver.parameters.catch_sigint_signal = False  # Ctrl-C stays Python's: cleanup runs
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = max(0.05, work_s)
    solver.parameters.max_time_in_seconds = 20 * max(0.05, work_s) + 5  # a safety cap only
    status = _solve_cp_sat(solver, model)
    name = solver.status_name(status)
    total = sum(problem.visits[k].prize for k in visits) + sum(
        problem.choices[c].penalty or 0 for c in choices
    )
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        value = round(solver.objective_value)
        bound = value
        if status != cp_model.OPTIMAL:
            bound = min(total, math.floor(solver.best_objective_bound + 1e-6))
        proven = status == cp_model.OPTIMAL
        tours: list[tuple[int, ...]] = [()] * len(problem.vehicles)
        starts: list[tuple[int, ...]] = [()] * len(problem.vehicles)
        for v, entries in plans.items():
            order = sorted((solver.value(b), k) for k, x, b in entries if solver.boolean_value(x))
            tours[v] = tuple(k for _, k in order)
            starts[v] = (solver.value(departs[v]), *(t for t, _ in order))
        return PrizeBound(bound, value, proven, name, tuple(tours), tuple(starts))
    if status == cp_model.INFEASIBLE:
        # Nothing serves this part's mandatory visits: no solution exists to bound.
        return PrizeBound(bound=0, best=0, proven=True, status=name)
    return PrizeBound(bound=total, best=0, proven=False, status=name)


# --- Assignment (CP-SAT) ---
# People to slots (route-days) and buses to slots, one objective in a stated order, each term
# named (see _assignment_terms): as many people placed as possible, then as many rides, then
# as few rides below the coordinator's rank floor, then the least money (the buses' cost plus
# the scenario's price of each rank step), then ties broken by fewer rank steps, buses, seats.
# Interleaved search and a deterministic time budget, so the same problem and seed give the
# same answer on a busy or idle machine.


@dataclass(frozen=True)
class _Term:
    """One stage of the lexicographic objective: a named expression, its sense, and a bound
    the stage cannot beat (when the start already reaches it, the stage needs no search)."""

    name: str
    expr: Any
    maximize: bool
    bound: int | None


def solve_assignment(
    problem: AssignmentProblem, *, time_limit_s: float = 10.0, seed: int = 0
) -> AssignmentSolution:
    """Solve an :class:`~findhz.planner.problems.AssignmentProblem` with CP-SAT, stage by stage."""
    started = time.perf_counter()
    model = cp_model.CpModel()
    chosen = [model.new_bool_var(f"option_{k}") for k in range(len(problem.options))]
    buses = [
        [
            model.new_int_var(0, min(problem.fleet[slot.day][b], slot.max_buses), f"bus_{s}_{b}")
            for b in range(len(slot.bus_capacity))
        ]
        for s, slot in enumerate(problem.slots)
    ]

    by_person: dict[int, list[int]] = {}
    by_person_day: dict[tuple[int, int], list[int]] = {}
    by_person_family: dict[tuple[int, int], list[int]] = {}
    by_slot: dict[int, list[int]] = {}
    for k, option in enumerate(problem.options):
        day = problem.slots[option.slot].day
        by_person.setdefault(option.person, []).append(k)
        by_person_day.setdefault((option.person, day), []).append(k)
        by_person_family.setdefault((option.person, option.family), []).append(k)
        by_slot.setdefault(option.slot, []).append(k)
    for ks in by_person.values():
        model.add(sum(chosen[k] for k in ks) <= problem.rides)
    for ks in [*by_person_day.values(), *by_person_family.values()]:
        model.add_at_most_one(chosen[k] for k in ks)
    for s, slot in enumerate(problem.slots):
        riders = sum(chosen[k] for k in by_slot.get(s, []))
        seats = sum(c * y for c, y in zip(slot.bus_capacity, buses[s], strict=True))
        model.add(riders <= seats)
        model.add(riders >= slot.min_riders * sum(buses[s]))  # no bus leaves near-empty
        model.add(sum(buses[s]) <= slot.max_buses)
    for day, counts in enumerate(problem.fleet):
        for b, count in enumerate(counts):
            model.add(
                sum(buses[s][b] for s, sl in enumerate(problem.slots) if sl.day == day) <= count
            )
    for limit in problem.shared_limits:
        model.add(sum(sum(buses[s]) for s in limit.slots) <= limit.max_buses)
    for k in problem.pinned:
        model.add(chosen[k] == 1)
    twins = _interchangeable(problem)
    lists = _person_options(problem)
    for members in twins:
        # People with the same options (and the same pins and published places) are
        # interchangeable: the first takes an option no later in the list than the next.
        for a, b in itertools.pairwise(members):
            model.add(_position(lists[a], chosen) <= _position(lists[b], chosen))

    values = {
        p: sum(problem.options[k].value * chosen[k] for k in ks) for p, ks in by_person.items()
    }
    placed = {p: model.new_bool_var(f"placed_{p}") for p in by_person}
    for p, ks in by_person.items():
        model.add(placed[p] <= sum(chosen[k] for k in ks))
    terms = _assignment_terms(problem, model, chosen, buses, placed, by_person)
    cost = _bus_cost(problem, buses)
    steps = cp_model.LinearExpr.weighted_sum(chosen, [o.steps for o in problem.options])

    answer: AssignmentSolution | None = None
    reached: list[int] | None = None
    if problem.hint is not None:
        problem = replace(problem, hint=_canonical(problem, problem.hint, twins))
        assert problem.hint is not None
        picked = set(problem.hint.chosen)
        for k, var in enumerate(chosen):
            model.add_hint(var, k in picked)
        for row, hint_row in zip(buses, problem.hint.buses, strict=True):
            for y, hint_value in zip(row, hint_row, strict=True):
                model.add_hint(y, hint_value)
        reached = _hint_terms(problem, problem.hint)
        answer = _hint_solution(problem, problem.hint)

    solver = cp_model.CpSolver()
    solver.parameters.catch_sigint_signal = False  # Ctrl-C stays Python's: cleanup runs
    solver.parameters.random_seed = seed
    solver.parameters.linearization_level = 2
    solver.parameters.num_workers = 2
    solver.parameters.interleave_search = True
    statuses = []
    cap_hit = False
    settled = reached is not None
    placed_bound: int | None = None
    placed_outcome: str | None = None
    spent = 0.0  # the shares of the budget the stages so far were given
    for stage, term in enumerate(terms):
        bound = term.bound
        if settled and bound is not None and reached is not None and reached[stage] == bound:
            model.add(term.expr >= bound if term.maximize else term.expr <= bound)
            statuses.append("BOUND")
            continue
        settled = False  # later stages must search from here on
        if term.name == "money" and problem.hint is not None and answer is not None:
            # The greedy start gives each their best option: when it is worth less money than
            # the plan so far (a high exchange rate), the search starts from it instead.
            start = _hint_solution(problem, problem.hint)
            if _money(problem, start) < _money(problem, answer) and _hint_terms(
                problem, problem.hint
            )[0] >= len({problem.options[k].person for k in answer.chosen}):
                model.clear_hints()  # type: ignore[no-untyped-call]
                picked = set(problem.hint.chosen)
                for k, var in enumerate(chosen):
                    model.add_hint(var, k in picked)
                for row, hint_row in zip(buses, problem.hint.buses, strict=True):
                    for y, hint_value in zip(row, hint_row, strict=True):
                        model.add_hint(y, hint_value)
        # The money stage is where the trade-off is searched: it gets what the other stages
        # do not use (the stages before it that were settled without a search use nothing).
        share = _SHARES.get(term.name, 0.125)
        if term.name == "money":
            share = 1.0 - spent - sum(_SHARES.get(t.name, 0.125) for t in terms[stage + 1 :])
        spent += share
        work_s = max(0.25, time_limit_s * share)
        solver.parameters.max_deterministic_time = work_s
        # A safety cap only: generous, so that a busy machine still stops on the work.
        cap_s = ASSIGNMENT_WALL_CAP_FACTOR * work_s + ASSIGNMENT_WALL_CAP_EXTRA_S
        solver.parameters.max_time_in_seconds = cap_s
        if term.maximize:
            model.maximize(term.expr)
        else:
            model.minimize(term.expr)
        status = _solve_cp_sat(solver, model)
        statuses.append(solver.status_name(status))
        cap_hit = cap_hit or solver.wall_time >= 0.99 * cap_s
        if term.name == "placed" and status in (cp_model.FEASIBLE, cp_model.UNKNOWN):
            # Stopped on its budget: how many could be placed is known only up to a bound.
            # CP-SAT's bound is one only when it found a solution (UNKNOWN may report 0);
            # the seats of the week bound it either way.
            placed_bound = placed_ceiling(problem)
            best = solver.best_objective_bound
            if status == cp_model.FEASIBLE and math.isfinite(best):
                placed_bound = min(placed_bound, int(best))
            placed_outcome = placed_stage_outcome(
                solver.status_name(status),
                round(solver.objective_value) if status == cp_model.FEASIBLE else None,
                None if reached is None else reached[0],
            )
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break  # keep the answer of the stage before, if any
        answer = AssignmentSolution(
            feasible=True,
            chosen=tuple(k for k, var in enumerate(chosen) if solver.boolean_value(var)),
            buses=tuple(tuple(int(solver.value(y)) for y in row) for row in buses),
            worst_value=0,
            total_value=int(sum(solver.value(v) for v in values.values())),
            status="",
            seconds=0.0,
            cost=int(solver.value(cost)),
            steps=int(solver.value(steps)),
        )
        # Keep what this stage reached while the next stage works, and start from it.
        got = round(solver.objective_value)
        model.add(term.expr >= got if term.maximize else term.expr <= got)
        model.clear_hints()  # type: ignore[no-untyped-call]
        for var in chosen:
            model.add_hint(var, solver.boolean_value(var))
        for row in buses:
            for y in row:
                model.add_hint(y, solver.value(y))

    if answer is None:
        return AssignmentSolution(
            feasible=False,
            chosen=(),
            buses=(),
            worst_value=0,
            total_value=0,
            status="/".join(statuses),
            seconds=time.perf_counter() - started,
            time_cap_hit=cap_hit,
            placed_bound=placed_bound,
            placed_outcome=placed_outcome,
        )
    got_values: dict[int, int] = {}
    for k in answer.chosen:
        option = problem.options[k]
        got_values[option.person] = got_values.get(option.person, 0) + option.value
    return replace(
        answer,
        worst_value=min(got_values.values(), default=0),
        status="/".join(statuses),
        seconds=time.perf_counter() - started,
        time_cap_hit=cap_hit,
        placed_bound=placed_bound,
        placed_outcome=placed_outcome,
    )


def placed_stage_outcome(status: str, placed: int | None, start: int | None) -> str:
    """How a placing stage that did not prove its optimum ended, from what CP-SAT reported
    (deterministic under a deterministic budget): ``"stopped"`` when it found a solution
    placing more than its start (``start``: the hint's count, None without one), so it was
    searching when the budget ran out; ``"kept-start"`` when it ended UNKNOWN or found no
    solution beyond its start (at 10,000 generated delegates it stops after presolve)."""
    if status != "FEASIBLE" or placed is None:
        return "kept-start"
    return "stopped" if start is None or placed > start else "kept-start"


def placed_ceiling(problem: AssignmentProblem) -> int:
    """A true upper bound on how many people any solution places, from the data alone:
    the people with an option, and the seats of the week (each placed person takes a seat
    on some day; a day's seats are bounded by its fleet at the largest capacity a route-day
    allows each bus type, and by the buses its route-days may have)."""
    people = len({o.person for o in problem.options})
    seats = 0
    for day, counts in enumerate(problem.fleet):
        todays = [slot for slot in problem.slots if slot.day == day]
        if not todays:
            continue
        by_fleet = sum(
            count * max(slot.bus_capacity[b] for slot in todays) for b, count in enumerate(counts)
        )
        by_slots = sum(slot.max_buses * max(slot.bus_capacity, default=0) for slot in todays)
        seats += min(by_fleet, by_slots)
    return min(people, seats)


#: The share of the assignment's budget each stage gets; money gets the rest.
_SHARES = {"placed": 0.25, "steps_buses_seats": 0.125}


def _person_options(problem: AssignmentProblem) -> dict[int, list[int]]:
    """Each person's option indices, in the order of their slots."""
    by_person: dict[int, list[int]] = {}
    for k, option in enumerate(problem.options):
        by_person.setdefault(option.person, []).append(k)
    return {p: sorted(ks, key=lambda k: problem.options[k].slot) for p, ks in by_person.items()}


def _interchangeable(problem: AssignmentProblem) -> list[list[int]]:
    """Classes (two people or more) of people who could swap places without changing any
    term: the same slots at the same value, family and steps, and the same pins. Only with
    one ride each, where a person's place is one option."""
    if problem.rides != 1:
        return []
    pinned = set(problem.pinned)
    classes: dict[tuple[tuple[int, ...], ...], list[int]] = {}
    for p, ks in _person_options(problem).items():
        key = tuple(
            (o.slot, o.value, o.family, o.steps, int(k in pinned))
            for k, o in ((k, problem.options[k]) for k in ks)
        )
        classes.setdefault(key, []).append(p)
    return [sorted(people) for people in classes.values() if len(people) > 1]


def _position(ks: list[int], chosen: list[Any]) -> Any:
    """Which of a person's options ``ks`` is chosen, as its place in the list (the list's
    length when none is)."""
    picked = sum(chosen[k] for k in ks)
    return sum(j * chosen[k] for j, k in enumerate(ks)) + len(ks) * (1 - picked)


def _canonical(
    problem: AssignmentProblem, hint: AssignmentHint, twins: list[list[int]]
) -> AssignmentHint:
    """The hint with interchangeable people's places sorted as the model orders them (the
    same plan up to who is who, so it stays a valid start)."""
    if not twins:
        return hint
    lists = _person_options(problem)
    picked = set(hint.chosen)
    for members in twins:
        places = sorted(
            next((j for j, k in enumerate(lists[p]) if k in picked), len(lists[p])) for p in members
        )
        for p in members:
            picked -= set(lists[p])
        for p, j in zip(members, places, strict=True):
            if j < len(lists[p]):
                picked.add(lists[p][j])
    return replace(hint, chosen=tuple(sorted(picked)))


def _money(problem: AssignmentProblem, solution: AssignmentSolution) -> int:
    """The money term at a solution: its buses' cost plus the price of its rank steps."""
    return solution.cost + problem.step_cost * solution.steps


def _bus_cost(problem: AssignmentProblem, buses: list[list[Any]]) -> Any:
    """The money the buses cost: ``bus_cost[b]`` per bus of type ``b`` (0 when not given)."""
    return sum(
        (problem.bus_cost[b] if b < len(problem.bus_cost) else 0) * y
        for row in buses
        for b, y in enumerate(row)
    )


def _assignment_terms(
    problem: AssignmentProblem,
    model: cp_model.CpModel,
    chosen: list[Any],
    buses: list[list[Any]],
    placed: dict[int, Any],
    by_person: dict[int, list[int]],
) -> list[_Term]:
    """The objective's terms, most important first. A later term (re-planning's stability,
    say) goes into this list at its place in the order; every term has a name for the report."""
    options = problem.options
    rides = cp_model.LinearExpr.sum(chosen)
    most_rides = sum(
        min(problem.rides, len({problem.slots[options[k].slot].day for k in ks}))
        for ks in by_person.values()
    )
    terms = [_Term("placed", cp_model.LinearExpr.sum(list(placed.values())), True, len(by_person))]
    if problem.rides > 1:  # with one ride each, rides are the people placed
        terms.append(_Term("rides", rides, True, most_rides))
    if problem.max_steps is not None:
        low = [chosen[k] for k, o in enumerate(options) if o.steps >= problem.max_steps]
        terms.append(_Term("below_rank_floor", cp_model.LinearExpr.sum(low), False, 0))
    steps = cp_model.LinearExpr.weighted_sum(chosen, [o.steps for o in options])
    money = _bus_cost(problem, buses) + problem.step_cost * steps
    terms.append(_Term("money", money, False, None))
    # Fewest rank steps, then fewest buses, then fewest seats: one bus outweighs every seat
    # and one step outweighs every bus and seat of the plan.
    seats = max((c for slot in problem.slots for c in slot.bus_capacity), default=0) + 1
    tie = sum(
        (seats + c) * y
        for slot, row in zip(problem.slots, buses, strict=True)
        for c, y in zip(slot.bus_capacity, row, strict=True)
    )
    step_weight = 2 * seats * sum(sum(day) for day in problem.fleet) + 1
    terms.append(_Term("steps_buses_seats", step_weight * steps + tie, False, None))
    return terms


def _hint_terms(problem: AssignmentProblem, hint: AssignmentHint) -> list[int]:
    """The first terms of the objective (placed, rides, below the floor) at a hint."""
    people = {problem.options[k].person for k in hint.chosen}
    low = (
        sum(1 for k in hint.chosen if problem.options[k].steps >= problem.max_steps)
        if problem.max_steps is not None
        else 0
    )
    return [len(people), *([len(hint.chosen)] if problem.rides > 1 else []), low]


def _hint_solution(problem: AssignmentProblem, hint: AssignmentHint) -> AssignmentSolution:
    """A hint as a solution, kept when no stage finds better."""
    cost = sum(
        (problem.bus_cost[b] if b < len(problem.bus_cost) else 0) * n
        for row in hint.buses
        for b, n in enumerate(row)
    )
    return AssignmentSolution(
        feasible=True,
        chosen=hint.chosen,
        buses=hint.buses,
        worst_value=0,
        total_value=sum(problem.options[k].value for k in hint.chosen),
        status="",
        seconds=0.0,
        cost=cost,
        steps=sum(problem.options[k].steps for k in hint.chosen),
    )


# --- Re-seating after a change (CP-SAT) ---
# Stability as a term of the objective: people placed, rides, people moved off their
# published bus (one weighted stage), then money (new buses, rank steps), then rank steps,
# stage by stage like the assignment. The published seats are the first hint: the search
# starts from the plan.


def solve_seats(problem: SeatProblem, *, time_limit_s: float = 2.0, seed: int = 0) -> SeatSolution:
    """Solve a :class:`~findhz.planner.problems.SeatProblem` with CP-SAT, stage by stage."""
    started = time.perf_counter()
    model = cp_model.CpModel()
    chosen = [model.new_bool_var(f"seat_{k}") for k in range(len(problem.options))]
    opened = {
        b: model.new_bool_var(f"open_{b}")
        for b, bin_ in enumerate(problem.bins)
        if bin_.new_type is not None
    }
    by_person: dict[int, list[int]] = {}
    by_bin: dict[int, list[int]] = {}
    at_most_one: dict[tuple[str, int, int], list[int]] = {}
    for k, option in enumerate(problem.options):
        by_person.setdefault(option.person, []).append(k)
        by_bin.setdefault(option.bin, []).append(k)
        day = problem.bins[option.bin].day
        at_most_one.setdefault(("day", option.person, day), []).append(k)
        at_most_one.setdefault(("family", option.person, option.family), []).append(k)
    for p, ks in by_person.items():
        model.add(sum(chosen[k] for k in ks) <= problem.rides[p])
    # A published plan that has someone ride a route twice stays valid: that person's
    # family is not limited (the re-plan does not undo what it did not break).
    previous = set(problem.previous)
    for key, ks in at_most_one.items():
        if key[0] == "family" and sum(k in previous for k in ks) > 1:
            continue
        model.add_at_most_one(chosen[k] for k in ks)
    for b, bin_ in enumerate(problem.bins):
        riders = cp_model.LinearExpr.sum([chosen[k] for k in by_bin.get(b, [])])
        if b in opened:
            model.add(riders <= bin_.capacity * opened[b])
            model.add(riders >= bin_.min_riders * opened[b])
        else:
            model.add(riders <= bin_.capacity)
    for day, counts in enumerate(problem.spare):
        for kind, count in enumerate(counts):
            spare = [v for b, v in opened.items() if problem.bins[b].day == day
                     and problem.bins[b].new_type == kind]  # fmt: skip
            if spare:
                model.add(cp_model.LinearExpr.sum(spare) <= count)
    placed = [model.new_bool_var(f"placed_{p}") for p in sorted(by_person)]
    for var, p in zip(placed, sorted(by_person), strict=True):
        model.add(var <= cp_model.LinearExpr.sum([chosen[k] for k in by_person[p]]))
    steps = cp_model.LinearExpr.weighted_sum(chosen, [o.steps for o in problem.options])
    new_cost = cp_model.LinearExpr.weighted_sum(
        list(opened.values()), [problem.bins[b].cost for b in opened]
    )
    money = new_cost + problem.step_cost * steps
    # A spare bus needs a driver and staff even where the fleet states no price: among
    # answers of equal money, the fewest spare buses.
    buses = cp_model.LinearExpr.sum(list(opened.values()))
    money_then_buses = (len(opened) + 1) * money + buses
    moved = len(problem.previous) - cp_model.LinearExpr.sum([chosen[k] for k in problem.previous])
    # People placed, rides and people kept are one stage, each weighted to outrank all that
    # follows it (one search keeps the published seats in view while it places people).
    keep_weight = 1
    ride_weight = len(problem.previous) + 1
    place_weight = ride_weight * (sum(problem.rides) + 1)
    stable = (
        place_weight * cp_model.LinearExpr.sum(placed)
        + ride_weight * cp_model.LinearExpr.sum(chosen)
        - keep_weight * moved
    )
    terms: list[tuple[str, Any, bool]] = [
        ("placed_rides_moved", stable, True),
        ("money", money_then_buses, False),
        ("steps", steps, False),
    ]
    # The start (the published seats, plus seats found one by one for those waiting): a
    # complete, feasible hint, and the answer the search must beat or keep.
    begin = set(problem.start or problem.previous)
    seated_before = {problem.options[k].person for k in begin}
    for k, var in enumerate(chosen):
        model.add_hint(var, k in begin)
    for var in opened.values():
        model.add_hint(var, False)
    for var, p in zip(placed, sorted(by_person), strict=True):
        model.add_hint(var, p in seated_before)
    published = place_weight * len(seated_before) + ride_weight * len(begin) - len(previous - begin)
    start_answer = SeatSolution(
        feasible=True,
        chosen=tuple(sorted(begin)),
        opened=(),
        placed=len(seated_before),
        moved=len(previous - begin),
        money=problem.step_cost * sum(problem.options[k].steps for k in begin),
        status="",
        seconds=0.0,
    )
    solver = cp_model.CpSolver()
    solver.parameters.catch_sigint_signal = False
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = 2
    solver.parameters.interleave_search = True
    solver.parameters.max_time_in_seconds = 4 * time_limit_s + 5  # a safety cap only
    statuses: list[str] = []
    answer: SeatSolution | None = None
    for stage, (name, expr, maximize) in enumerate(terms):
        # The stability stage is where the search is: it gets most of the budget.
        share = 0.6 if stage == 0 else 0.2
        solver.parameters.max_deterministic_time = max(0.1, time_limit_s * share)
        if maximize:
            model.maximize(expr)
        else:
            model.minimize(expr)
        status = _solve_cp_sat(solver, model)
        statuses.append(f"{name}:{solver.status_name(status)}")
        if stage == 0 and (
            status not in (cp_model.OPTIMAL, cp_model.FEASIBLE)
            or round(solver.objective_value) < published
        ):
            # The search ran out before it matched the start: keep the start.
            statuses[-1] += "(start kept)"
            model.add(stable >= published)
            answer = start_answer
            continue
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        picked = tuple(k for k, var in enumerate(chosen) if solver.boolean_value(var))
        answer = SeatSolution(
            feasible=True,
            chosen=picked,
            opened=tuple(b for b, var in opened.items() if solver.boolean_value(var)),
            placed=len({problem.options[k].person for k in picked}),
            moved=len(previous - set(picked)),
            money=int(solver.value(money)),
            status="",
            seconds=0.0,
        )
        got = round(solver.objective_value)
        model.add(expr >= got if maximize else expr <= got)
        model.clear_hints()  # type: ignore[no-untyped-call]
        for var in chosen:
            model.add_hint(var, solver.boolean_value(var))
        for var in opened.values():
            model.add_hint(var, solver.boolean_value(var))
        for var in placed:
            model.add_hint(var, solver.boolean_value(var))
    seconds = time.perf_counter() - started
    if answer is None:
        return SeatSolution(False, (), (), 0, 0, 0, "/".join(statuses), seconds)
    return replace(answer, status="/".join(statuses), seconds=seconds)
