"""Plain problem and solution types that the solver module (``findhz.planner.solver``) speaks.

The planner builds a :class:`RoutingProblem` for each day from the scenario; the benchmarks
build one from an orienteering or Solomon instance. Both go through the same solver code.

Units are whatever the builder chose, as long as they are integers: the planner uses seconds
after midnight for times and seconds or metres for costs; the benchmarks scale Euclidean
distances by a power of ten. Node indices cover depots and visits alike: ``travel[i][j]`` is
the time from node ``i`` to node ``j`` (service at ``i`` excluded), ``cost[i][j]`` the arc cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from findhz.planner.metrics import RoutingStats

__all__ = [
    "AssignmentHint",
    "AssignmentProblem",
    "AssignmentSolution",
    "Choice",
    "Option",
    "PrizeBound",
    "Resource",
    "RoutingProblem",
    "RoutingSolution",
    "SeatBin",
    "SeatOption",
    "SeatProblem",
    "SeatSolution",
    "SharedLimit",
    "Slot",
    "Stability",
    "Tour",
    "Vehicle",
    "Visit",
    "collected_prize",
]

IntMatrix = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Visit:
    """A node that a vehicle may (or must) serve.

    ``windows`` are the allowed *start of service* times, sorted and disjoint, inclusive.
    A visit with ``required=False`` may be dropped at the cost of its ``prize``.
    ``vehicles`` restricts which vehicles may serve it (``None``: any).
    ``resource`` names a :class:`Resource` whose capacity bounds how many vehicles are in
    service at visits of that resource at the same instant.
    ``counts_as_stop`` says whether it counts towards a vehicle's ``min_stops``/``max_stops``.
    """

    node: int
    service: int
    windows: tuple[tuple[int, int], ...]
    prize: int = 0
    required: bool = False
    vehicles: tuple[int, ...] | None = None
    resource: int | None = None
    demand: int = 0
    counts_as_stop: bool = True


@dataclass(frozen=True)
class Vehicle:
    """A vehicle (a bus, a tour) from its start node to its end node inside a time window.

    ``span_cost`` is charged per time unit between leaving the start and reaching the end
    (waiting included): the planner's bus time.
    """

    start_node: int
    end_node: int
    earliest_start: int
    latest_end: int
    capacity: int | None = None
    fixed_cost: int = 0
    min_stops: int = 0
    max_stops: int | None = None
    must_be_used: bool = False
    span_cost: int = 0


@dataclass(frozen=True)
class Resource:
    """Something visits share, e.g. a venue's reception room: at most ``capacity`` at once."""

    name: str
    capacity: int


@dataclass(frozen=True)
class Choice:
    """Exactly one of ``visits`` is served (``penalty=None``), or at most one with a penalty
    for serving none. The lunch stop of a bus is a mandatory choice among lunch venues."""

    visits: tuple[int, ...]
    penalty: int | None = None


@dataclass(frozen=True)
class Stability:
    """Penalties that keep a re-solved day close to its published tours (re-planning).

    ``tours`` are the published visit indices per vehicle and ``starts`` their published
    service starts. A published visit left out costs ``stop_penalty`` (on top of its prize);
    a visit reached from another place than published (added or reordered) costs
    ``stop_penalty``; a published visit that starts more than ``tolerance`` seconds away
    from its published start costs ``shift_penalty`` per second beyond it (OR-Tools' soft
    cumul bounds). Weights far above the costs and prizes rank stability first.
    """

    tours: tuple[tuple[int, ...], ...]
    starts: tuple[tuple[int, ...], ...]
    stop_penalty: int
    shift_penalty: int
    tolerance: int = 15 * 60


@dataclass(frozen=True)
class RoutingProblem:
    """Vehicles serving visits under time windows, capacities and shared resources.

    The objective is to minimise the sum of arc costs (``cost``), vehicle fixed costs, and
    the prizes of the optional visits that are dropped.
    ``initial_tours`` (visit indices per vehicle) seeds the search; ``fixed_prefixes`` pins
    the first visits of vehicles (for re-planning a day already under way).
    """

    travel: IntMatrix
    cost: IntMatrix
    visits: tuple[Visit, ...]
    vehicles: tuple[Vehicle, ...]
    resources: tuple[Resource, ...] = ()
    choices: tuple[Choice, ...] = ()
    horizon: int = 24 * 3600
    initial_tours: tuple[tuple[int, ...], ...] | None = None
    fixed_prefixes: tuple[tuple[int, ...], ...] | None = None
    stability: Stability | None = None


@dataclass(frozen=True)
class Tour:
    """What one vehicle does: visit indices in order with their service start times."""

    vehicle: int
    visits: tuple[int, ...]
    starts: tuple[int, ...]
    depart: int
    back: int


@dataclass(frozen=True)
class RoutingSolution:
    """The solver's answer as plain data. ``feasible`` is False when no solution was found."""

    feasible: bool
    tours: tuple[Tour, ...]
    objective: int
    dropped: tuple[int, ...]
    status: str
    seconds: float
    #: The search's counts (branches, workers, iterations...), for reports.
    stats: RoutingStats = field(default_factory=RoutingStats)

    @property
    def time_cap_hit(self) -> bool:
        """Whether a wall-clock cap, not the work budget, ended the search (then the answer
        may differ between runs)."""
        return self.stats.time_cap_hit

    @classmethod
    def none_found(
        cls, problem: RoutingProblem, status: str, seconds: float, stats: RoutingStats
    ) -> RoutingSolution:
        """No feasible answer: no tours, every visit dropped."""
        return cls(
            feasible=False,
            tours=(),
            objective=0,
            dropped=tuple(range(len(problem.visits))),
            status=status,
            seconds=seconds,
            stats=stats,
        )


@dataclass(frozen=True)
class PrizeBound:
    """An upper bound on the prize any solution of a routing problem can collect.

    ``bound`` is never below what a feasible solution collects (:func:`collected_prize`);
    ``best`` is the best prize the bounding model itself reached (a relaxation's value);
    ``proven`` says the relaxation was solved to optimality (``bound == best``), and
    ``status`` is the solver's word for each part. ``tours`` (visit indices per vehicle, in
    order) is the relaxation's best answer and ``starts`` its times per vehicle (the
    departure, then each visit's start): a timetable only where the relaxation is tight.
    """

    bound: int
    best: int
    proven: bool
    status: str
    tours: tuple[tuple[int, ...], ...] = ()
    starts: tuple[tuple[int, ...], ...] = ()


def collected_prize(problem: RoutingProblem, tours: tuple[Tour, ...]) -> int:
    """The prize ``tours`` collect: the prizes of the visits served, plus the penalty of
    each choice with a penalty that is served (the penalty it avoids)."""
    served = {k for tour in tours for k in tour.visits}
    total = sum(problem.visits[k].prize for k in served)
    for choice in problem.choices:
        if choice.penalty is not None and served.intersection(choice.visits):
            total += choice.penalty
    return total


# ---------------------------------------------------------------------------------------------
# Assignment: people to slots (route-days), slots to buses.


@dataclass(frozen=True)
class Slot:
    """Something people can be put in on a day, served by buses (a route on a date).

    ``bus_capacity[b]`` is how many people one bus of fleet type ``b`` can carry on this
    slot (its seats, or less when a venue takes smaller groups); ``max_buses`` caps the
    number of buses (e.g. how many groups a must-visit venue can receive that day);
    ``min_riders`` is the fewest people a bus of this slot leaves with.
    """

    day: int
    bus_capacity: tuple[int, ...]
    max_buses: int
    min_riders: int = 1


@dataclass(frozen=True)
class Option:
    """Person ``person`` may ride slot ``slot``; ``value`` is how glad they would be and
    ``steps`` how far down their ranking it is (0 for a first choice)."""

    person: int
    slot: int
    value: int
    family: int = 0
    steps: int = 0


@dataclass(frozen=True)
class SharedLimit:
    """At most ``max_buses`` buses in total over ``slots`` (a venue's slots on a day)."""

    slots: tuple[int, ...]
    max_buses: int


@dataclass(frozen=True)
class AssignmentProblem:
    """Choose options (at most ``rides`` per person, one per day, one per ``family``) and
    buses per slot, within the fleet of each day (``fleet[day][b]`` buses of type ``b``).

    The objective, in order (see ``findhz.planner.solver.solve_assignment``): as many people
    placed as possible, then as many rides; then as few rides as possible ``max_steps`` or
    more steps down a ranking (when set); then the least *money*: the buses' cost
    (``bus_cost[b]`` per bus of type ``b``) plus ``step_cost`` per rank step of every ride;
    then, among equals, the fewest rank steps, buses and seats.

    ``pinned`` options must be chosen (the coordinator's pins).
    """

    people: int
    slots: tuple[Slot, ...]
    options: tuple[Option, ...]
    fleet: tuple[tuple[int, ...], ...]
    rides: int = 1
    shared_limits: tuple[SharedLimit, ...] = ()
    bus_cost: tuple[int, ...] = ()
    step_cost: int = 0
    max_steps: int | None = None
    hint: AssignmentHint | None = None
    pinned: tuple[int, ...] = ()


@dataclass(frozen=True)
class AssignmentHint:
    """A feasible starting point: chosen option indices and buses per slot and type."""

    chosen: tuple[int, ...]
    buses: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class AssignmentSolution:
    """Chosen option indices and buses per slot and type; ``status`` as the solver said."""

    feasible: bool
    chosen: tuple[int, ...]
    buses: tuple[tuple[int, ...], ...]
    worst_value: int
    total_value: int
    status: str
    seconds: float
    cost: int = 0
    steps: int = 0
    time_cap_hit: bool = False  # a stage stopped on the wall-clock cap: may not repeat
    #: Set when the stage that places people stopped on its budget: at most this many
    #: people could be placed (the solver's bound), so the rest may be out for want of time.
    placed_bound: int | None = None
    #: With ``placed_bound``: how the stage that places people ended. ``"stopped"``: it
    #: searched and improved on its start when its budget ran out (a longer budget may place
    #: more); ``"kept-start"``: it ended without a solution better than its start (CP-SAT
    #: said UNKNOWN, or found nothing beyond the greedy start), so the start was kept.
    placed_outcome: str | None = None


@dataclass(frozen=True)
class SeatBin:
    """A bus re-planning may seat people on: a published one (``capacity`` seats for the
    people of the problem) or, with ``new_type`` set, a spare bus of that fleet type that
    runs only if chosen, at ``cost``, with at least ``min_riders``."""

    day: int
    capacity: int
    new_type: int | None = None
    cost: int = 0
    min_riders: int = 1


@dataclass(frozen=True)
class SeatOption:
    """Person ``person`` may ride bin ``bin``; ``steps`` down their ranking; ``family`` is
    the route (one ride per route)."""

    person: int
    bin: int
    steps: int
    family: int


@dataclass(frozen=True)
class SeatProblem:
    """Re-seat people on buses after a change, moving as few as possible.

    Each person rides at most ``rides[p]`` bins, one per day and per family; a bin holds at
    most its capacity; a new bin runs only if opened, with at least its ``min_riders``, and at
    most ``spare[day][type]`` new bins of a type run on a day. ``previous`` are the options of
    the published plan; ``start`` a feasible start (default: ``previous``), which the answer
    is never worse than. The objective, in order: as many people placed, then as many rides;
    then the fewest previous options left (people *moved*); then the least money (new buses'
    cost plus ``step_cost`` per rank step); then the fewest rank steps.
    """

    people: int
    bins: tuple[SeatBin, ...]
    options: tuple[SeatOption, ...]
    rides: tuple[int, ...]
    spare: tuple[tuple[int, ...], ...]
    previous: tuple[int, ...] = ()
    step_cost: int = 0
    start: tuple[int, ...] = ()


@dataclass(frozen=True)
class SeatSolution:
    """Chosen option indices, opened new bins, the objective's terms and the solver's word
    (``status``: each stage's, ``placed:OPTIMAL/rides:...``)."""

    feasible: bool
    chosen: tuple[int, ...]
    opened: tuple[int, ...]
    placed: int
    moved: int
    money: int
    status: str
    seconds: float
