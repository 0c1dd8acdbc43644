"""The figures each stage hands on, as named, typed fields instead of dictionaries.

Two kinds:

* Statistics that stay inside a run are frozen dataclasses: :class:`RoutingStats` (what a
  routing search counted), :class:`Costs` (what the buses of a plan cost) and
  :class:`AssignmentMetrics` (the assignment's figures).
* What ``plan.json`` carries under ``metrics`` is frozen pydantic models, so a plan file
  loads into them: :class:`PlanMetrics` with :class:`DayFigures` per date,
  :class:`WorkBudget`, :class:`BudgetShort`, :class:`FrontierPoint` per point of
  ``findhz plan --frontier``, and a re-plan's :class:`ChangeRecord` and
  :class:`CalendarRecord`.

The plan.json models write exactly the keys, key order and numbers findhz has always written:
a field left ``None`` is absent from the file (plans written before a figure existed load,
and stay without it), and keys findhz does not know are kept (``extra="allow"``), written
after the known ones, so a round trip loses nothing. This module imports no solver.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

__all__ = [
    "AssignmentMetrics",
    "BudgetShort",
    "CalendarRecord",
    "CancelledEvent",
    "ChangeRecord",
    "ChangeSummary",
    "Costs",
    "DayFigures",
    "DelegateChange",
    "DelegateStatus",
    "FrontierPoint",
    "HostChange",
    "PlanMetrics",
    "Rides",
    "RoutingStats",
    "TravelBand",
    "TravelFallback",
    "TravelInfo",
    "WorkBudget",
]


# ---------------------------------------------------------------------------------------------
# Inside a run


@dataclass(frozen=True)
class RoutingStats:
    """What a routing search counted, for reports (``RoutingSolution.stats``).

    ``seconds`` is wall-clock time: machine-dependent, never part of a plan. Counts a search
    does not keep stay 0 (``branches`` and ``failures`` are OR-Tools', ``iterations``
    PyVRP's); a limit of None means the search had none.
    """

    seconds: float = 0.0
    #: A wall-clock cap, not the work budget, ended the search: the answer may differ
    #: between runs.
    time_cap_hit: bool = False
    branches: int = 0
    failures: int = 0
    iterations: int = 0
    work_limit: int | None = None
    solution_limit: int | None = None
    #: Searches started again from another permutation after the first ran out of moves.
    restarts: int = 0
    #: Processes of the portfolio, and the index of the configuration whose answer was kept.
    workers: int = 1
    winner_config: int = 0


@dataclass(frozen=True)
class Costs:
    """What the buses of a plan cost (CNY) and how many of each type ran (bus-days)."""

    buses: int
    bus_days_by_type: dict[str, int]
    cost_cny: int
    #: By ISO date, in date order.
    cost_cny_by_date: dict[str, int]


@dataclass(frozen=True)
class Rides:
    """How well a plan's rides serve the delegates' interests, as the assignment counts it:
    a ride on a delegate's first interest is worth ``RANK_VALUES[0]``, and so on."""

    #: The least a placed delegate's rides are worth (0 when nobody rides).
    worst: int
    total: int
    #: Rides by the rank of the interest they serve (1: a first choice), in rank order.
    by_rank: dict[int, int]
    #: A share rounded to 4 places; 0 when nobody rides.
    share_first_or_second: float
    #: How far below their first interest the rides are, summed (a first choice is 0).
    steps: int


@dataclass(frozen=True)
class AssignmentMetrics:
    """The assignment's figures (see :func:`findhz.planner.assign.assign`); the plan writes
    them at the head of ``metrics`` (:meth:`PlanMetrics.from_assignment`)."""

    #: The CP-SAT stages' statuses, joined by ``/``.
    status: str
    #: Wall-clock seconds of the solve: machine-dependent, kept out of ``plan.json``.
    seconds: float
    satisfaction_worst: int
    satisfaction_total: int
    #: Rides by the rank of the interest they serve (1: a first choice), in rank order.
    rides_by_interest_rank: dict[int, int]
    #: A share rounded to 4 places; 0 when nobody rides.
    share_first_or_second_choice: float
    rank_steps: int
    delegates_placed: int
    delegates_unassigned: int
    costs: Costs
    cny_per_rank_step: int
    #: ``cost_cny`` plus ``cny_per_rank_step`` per rank step: what the money stage minimised.
    objective_cny: int
    #: Set when the time budget, not the data, may have kept people out.
    budget_short: BudgetShort | None = None


# ---------------------------------------------------------------------------------------------
# What plan.json carries


class _Figures(BaseModel):
    """A record of ``plan.json``: frozen; unknown keys kept and written after the known ones;
    a field left None is absent from the file (unless named in ``writes_null``)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    #: Fields written as ``null`` when None, rather than left out.
    writes_null: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _absent_stays_absent(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        extra = self.model_extra or {}
        return {
            key: value
            for key, value in data.items()
            if value is not None or key in extra or key in self.writes_null
        }


class BudgetShort(_Figures):
    """``metrics.budget_short``: the time budget, not the data, may have kept people out."""

    #: Delegates whose reason names the budget.
    delegates: int
    more_placeable_at_most: int
    #: How the placing stage ended (``AssignmentSolution.placed_outcome``; ``stopped``
    #: when it had no answer); absent in plans written before it was reported.
    placed_stage: str | None = None
    #: The ``--time-limit`` to rerun with (absent in plans written when a kept start named none).
    suggested_time_limit_s: int | None = None


class DayFigures(_Figures):
    """``metrics.days[date]``: the figures of one scheduled day (see
    ``findhz.planner.day_readback.DayMetrics.plan_json``). The quality certificate (``prize``
    to ``proven_optimal``) is there when the day was certified; ``buses_searched`` when a
    lean day searched fewer buses than it has; ``build`` when the budget was short."""

    groups: int | None = None
    status: str | None = None
    objective: int | None = None
    retime_rounds: int | None = None
    bus_s: int | None = None
    drive_s: int | None = None
    visits: int | None = None
    nodes: int | None = None
    prize: int | None = None
    bound: int | None = None
    gap: float | None = None
    proven_optimal: bool | None = None
    buses_searched: int | None = None
    bound_status: str | None = None
    from_bound: bool | None = None
    work_branches: int | None = None
    build: str | None = None
    #: The version of a re-plan that changed the day's buses: the certificate above was the
    #: published day's and is gone (a repair keeps the plan close, it does not search for the
    #: best day), the totals are the repaired day's.
    replanned_in: int | None = None


class WorkBudget(_Figures):
    """``metrics.work_budget``: the seconds the work budgets were derived from. (The first
    plans named the assignment's ``assignment_deterministic_s``: kept as an unknown key.)"""

    assignment_budget_s: float | None = None
    routing_budget_s_per_day: float | None = None


class FrontierPoint(_Figures):
    """One plan of ``findhz plan --frontier`` (``metrics.frontier``): the assignment at one
    exchange rate, its figures and the command line that reproduces it."""

    cny_per_rank_step: int
    buses: int
    cost_cny: int
    rank_steps: int
    placed: int
    first_choice: int
    second_choice: int
    lower_choice: int
    share_first_or_second_choice: float | int
    #: The point is the plan at the scenario's own rate.
    scenario_rate: bool
    command: str


DelegateStatus = Literal[
    "unchanged", "shifted", "cut-short", "bus-changed", "route-day-changed", "dropped", "joined"
]


class DelegateChange(_Figures):
    """What a re-plan changed for one delegate: groups (``date route bus``) before and
    after, and how many minutes their arrivals moved."""

    delegate: str
    status: DelegateStatus
    before: list[str]
    after: list[str]
    shift_min: int
    reason: str


class HostChange(_Figures):
    """What a re-plan changed at one venue for one group: the visit's span before and after
    (``HH:MM-HH:MM``; empty when there is none)."""

    venue: str
    date: str
    group: str
    status: Literal["cancelled", "added", "shifted"]
    before: str
    after: str
    reason: str


class ChangeSummary(_Figures):
    """The counts of a change report."""

    delegates_moved: int
    delegates_shifted: int
    #: Absent in re-plans written before a cut-short day was told apart.
    delegates_cut_short: int | None = None
    delegates_dropped: int
    delegates_joined: int
    stops_changed: int


class ChangeRecord(_Figures):
    """``metrics.changes``: what a re-plan changed (``findhz.planner.replan.ChangeReport``
    as written, also ``changes.json``)."""

    writes_null: ClassVar[frozenset[str]] = frozenset({"now"})

    version: int
    previous_digest: str
    #: The local moment before which nothing was rewritten; null when none was given.
    now: str | None
    summary: ChangeSummary
    delegates: list[DelegateChange]
    hosts: list[HostChange]
    notes: list[str]


class CancelledEvent(_Figures):
    """A calendar event an earlier version had and this one has not (see
    ``findhz.planner.exports.ics.calendar_revisions``)."""

    uid: str
    delegate: str
    date: str
    kind: str
    venue: str
    group: str
    bus: str
    #: ISO moments with their offset, as the event was.
    start: str
    end: str
    sequence: int


class CalendarRecord(_Figures):
    """``metrics.calendar`` of a re-planned plan: each changed event's SEQUENCE by UID
    (absent: 0) and the events taken away."""

    sequence: dict[str, int]
    cancelled: list[CancelledEvent]


class PlanMetrics(_Figures):
    """``plan.json``'s ``metrics``: the assignment's figures, the days', the budget; then
    what ``--frontier`` and a re-plan add.

    Every figure may be absent (None): plans written by earlier versions of findhz load and
    are written back as they were. Keys findhz does not know are kept (``extra="allow"``)
    and written after the known ones; the known ones keep the order below.
    """

    assignment_status: str | None = None
    satisfaction_worst: int | None = None
    satisfaction_total: int | None = None
    #: By rank as text (``"1"``: a first choice), in rank order.
    rides_by_interest_rank: dict[str, int] | None = None
    share_first_or_second_choice: float | int | None = None
    rank_steps: int | None = None
    delegates_placed: int | None = None
    delegates_unassigned: int | None = None
    buses: int | None = None
    bus_days_by_type: dict[str, int] | None = None
    cost_cny: int | None = None
    cost_cny_by_date: dict[str, int] | None = None
    cny_per_rank_step: int | None = None
    objective_cny: int | None = None
    budget_short: BudgetShort | None = None
    groups: int | None = None
    visits: int | None = None
    bus_time_s: int | None = None
    drive_time_s: int | None = None
    #: By ISO date, in date order.
    days: dict[str, DayFigures] | None = None
    work_budget: WorkBudget | None = None
    #: Where the machine-dependent timings are (``run.json``).
    wall_clock: str | None = None
    frontier: list[FrontierPoint] | None = None
    #: A re-plan's version (the first plan is version 1, written without it), the digest of
    #: the plan it repaired, what it changed and its calendar revisions.
    version: int | None = None
    previous_digest: str | None = None
    changes: ChangeRecord | None = None
    calendar: CalendarRecord | None = None

    @classmethod
    def from_assignment(
        cls,
        a: AssignmentMetrics,
        *,
        groups: int,
        visits: int,
        bus_time_s: int,
        drive_time_s: int,
        days: dict[str, DayFigures],
        work_budget: WorkBudget,
        wall_clock: str,
    ) -> PlanMetrics:
        """A new plan's figures: the assignment's at the head, then the plan's own."""
        c = a.costs
        return cls(
            assignment_status=a.status,
            satisfaction_worst=a.satisfaction_worst,
            satisfaction_total=a.satisfaction_total,
            rides_by_interest_rank={str(k): n for k, n in a.rides_by_interest_rank.items()},
            share_first_or_second_choice=a.share_first_or_second_choice,
            rank_steps=a.rank_steps,
            delegates_placed=a.delegates_placed,
            delegates_unassigned=a.delegates_unassigned,
            buses=c.buses,
            bus_days_by_type=dict(c.bus_days_by_type),
            cost_cny=c.cost_cny,
            cost_cny_by_date=dict(c.cost_cny_by_date),
            cny_per_rank_step=a.cny_per_rank_step,
            objective_cny=a.objective_cny,
            budget_short=a.budget_short,
            groups=groups,
            visits=visits,
            bus_time_s=bus_time_s,
            drive_time_s=drive_time_s,
            days=days,
            work_budget=work_budget,
            wall_clock=wall_clock,
        )

    def scalars(self) -> list[tuple[str, str | int | float]]:
        """Every plain figure (text or number, not a flag) under its ``plan.json`` key, in
        the file's order, unknown keys included: for tables that list them all."""
        return [
            (key, value)
            for key, value in self.model_dump(mode="json").items()
            if isinstance(value, str | int | float) and not isinstance(value, bool)
        ]


# ---------------------------------------------------------------------------------------------
# What plan.json says of its travel times


class TravelBand(_Figures):
    """A band of the day whose legs share one travel time (``HH:MM`` to ``HH:MM``); on a
    weekend the band named in ``weekend`` applies instead, when there is one."""

    name: str
    start: str
    end: str
    weekend: str | None = None


class TravelFallback(_Figures):
    """Legs the routing service could not give, filled in by the offline model, and why
    (written with the keys ``from`` and ``to``)."""

    origins: list[str]
    destinations: list[str]
    bands: list[str]
    reason: str

    @model_validator(mode="before")
    @classmethod
    def _from_file(cls, value: Any) -> Any:
        if isinstance(value, dict) and ("from" in value or "to" in value):
            value = dict(value)
            value["origins"] = value.pop("from", None)
            value["destinations"] = value.pop("to", None)
        return value

    @model_serializer(mode="wrap")
    def _to_file(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        renamed = {"origins": "from", "destinations": "to"}
        return {renamed.get(key, key): value for key, value in data.items()}


class TravelInfo(_Figures):
    """``plan.json``'s ``travel``: where the travel times came from. Every field but the
    provider may be absent (plans written by earlier versions); unknown keys are kept."""

    provider: str
    #: Venues in the matrix (only those the scenario uses).
    venues: int | None = None
    #: Whether the times include boarding and alighting.
    includes_overheads: bool | None = None
    bands: list[TravelBand] | None = None
    #: The offline model's constants (detours, speeds by band, boarding minutes).
    model: dict[str, Any] | None = None
    #: The routing service asked (its kind and address, never a key), and how many requests.
    service: dict[str, Any] | None = None
    requests: int | None = None
    #: Band-legs by where their time came from (``offline``, ``osrm``, ``offline-fallback``...).
    legs: dict[str, int] | None = None
    cached_legs: int | None = None
    fallback: list[TravelFallback] | None = None
    notes: list[str] | None = None
