"""A version's figures as the web app keeps them: one frozen record, stored as JSON.

The worker makes a :class:`VersionSummary` when it records a version and stores its JSON in
``versions.summary``; the pages read it back with ``VersionSummary.model_validate_json``. The JSON
keeps the keys and numbers the web app has always stored, so the versions of an existing data
folder load: figures added later (satisfaction by rank, money, a re-plan's change) have
defaults, and a field left None is absent from the JSON, as it was from the dictionary.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

from findhz.planner.metrics import ChangeSummary

__all__ = ["VersionSummary"]


class VersionSummary(BaseModel):
    """The figures of a version shown in the lists: people, buses, money and satisfaction."""

    model_config = ConfigDict(frozen=True)

    #: Buses (bus-days) of the plan.
    groups: int
    delegates: int
    #: Delegates on at least one bus.
    placed: int
    unassigned: int
    explanations: int
    #: The least a placed delegate's rides are worth (``findhz.planner.assign.ride_figures``);
    #: None in versions whose plan did not report it.
    satisfaction_worst: int | None = None
    satisfaction_total: int | None = None
    #: Rides by the rank of the interest they serve ("1": a first choice), in rank order;
    #: empty in versions stored before it was counted.
    rides_by_interest_rank: dict[str, int] = {}
    visits: int
    bus_hours: float
    seats: int
    #: What the buses cost (CNY); None in versions stored before money was counted.
    cost_cny: int | None = None
    #: By ISO date, in date order.
    cost_cny_by_date: dict[str, int] = {}
    #: A re-plan's change counts (its change report's summary); None for a plan.
    change: ChangeSummary | None = None

    @model_serializer(mode="wrap")
    def _absent_stays_absent(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {key: value for key, value in data.items() if value is not None}
