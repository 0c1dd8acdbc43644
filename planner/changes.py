"""On-the-day changes to a published plan: the ``CHANGES.yaml`` format and its loader.

A file holds one top-level ``changes:`` list; each item names its ``kind``:

* ``venue-closed``: ``venue`` closed on ``date`` from ``from`` (default: all day);
* ``bus-unavailable``: the bus of ``group`` cannot run from ``from`` (default: all day);
* ``group-late``: ``group`` runs ``minutes`` late from its next stop on;
* ``delegate-dropped``: ``delegate`` no longer comes (``reason`` optional);
* ``delegate-joined``: a new ``delegate`` (the fields of a row of the delegates table);
* ``delegate-days``: ``delegate`` can now come only on the dates in ``available``.

Every problem of a file is one line naming the file, the line and the field; references to
groups, venues and delegates are checked against the plan and the scenario.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import Field

from findhz.planner.errors import InputError, Problem
from findhz.planner.models import ClockTime, Delegate, DelegateId, Plan, Scenario, Slug, _Frozen

__all__ = [
    "BusUnavailable",
    "Change",
    "ChangeFile",
    "DelegateDays",
    "DelegateDropped",
    "DelegateJoined",
    "GroupLate",
    "VenueClosed",
    "check_changes",
    "load_changes",
    "with_delegate_changes",
]


class VenueClosed(_Frozen):
    """A venue closed on a date, from a time of day (00:00: the whole day)."""

    kind: Literal["venue-closed"]
    venue: Slug
    date: dt.date
    from_: ClockTime = Field(default=0, alias="from")
    reason: str = ""


class BusUnavailable(_Frozen):
    """The bus of a group cannot run from a time of day (a breakdown)."""

    kind: Literal["bus-unavailable"]
    group: str = Field(min_length=1)
    from_: ClockTime = Field(default=0, alias="from")
    reason: str = ""


class GroupLate(_Frozen):
    """A group running late: its stops not yet reached move ``minutes`` later."""

    kind: Literal["group-late"]
    group: str = Field(min_length=1)
    minutes: int = Field(ge=1, le=600)
    reason: str = ""


class DelegateDropped(_Frozen):
    """A delegate who no longer comes."""

    kind: Literal["delegate-dropped"]
    delegate: DelegateId
    reason: str = ""


class DelegateJoined(_Frozen):
    """A late registration: the delegate's fields as in a row of the delegates table."""

    kind: Literal["delegate-joined"]
    delegate: Delegate


class DelegateDays(_Frozen):
    """A delegate whose available dates changed."""

    kind: Literal["delegate-days"]
    delegate: DelegateId
    available: list[dt.date] = Field(min_length=1)


Change = VenueClosed | BusUnavailable | GroupLate | DelegateDropped | DelegateJoined | DelegateDays

#: Each ``kind`` and the model of its fields.
KINDS: dict[str, type[_Frozen]] = {
    "venue-closed": VenueClosed,
    "bus-unavailable": BusUnavailable,
    "group-late": GroupLate,
    "delegate-dropped": DelegateDropped,
    "delegate-joined": DelegateJoined,
    "delegate-days": DelegateDays,
}


class ChangeFile(_Frozen):
    """The file ``CHANGES.yaml``: on-the-day changes to a published plan, applied in order."""

    changes: list[Change] = Field(min_length=1)


def load_changes(path: str | Path) -> list[Change]:
    """Read a CHANGES file; every problem is one line (raises :class:`InputError`)."""
    from findhz.planner.loading import _display, _validate, _yaml_list

    path = Path(path)
    problems: list[Problem] = []
    found: list[Change] = []
    name = _display(path)
    for i, item, lines in _yaml_list(path, "changes", problems):
        where = f"line {lines.get((), 0)}" if lines.get(()) else ""
        if not isinstance(item, dict):
            problems.append(Problem(name, where, f"changes[{i}]", "must be a mapping of fields"))
            continue
        model = KINDS.get(str(item.get("kind")))
        if model is None:
            problems.append(
                Problem(
                    name,
                    f"line {lines.get(('kind',), lines.get((), 0))}",
                    f"changes[{i}].kind",
                    f"is '{item.get('kind')}', not one of {', '.join(KINDS)}",
                )
            )
            continue
        mine: list[Problem] = []
        parsed = _validate(model, item, name, where, f"changes[{i}]", lines, mine)
        problems.extend(mine)
        if parsed is None:
            continue
        found.append(parsed)  # type: ignore[arg-type]
    if problems:
        raise InputError(problems)
    return found


def check_changes(changes: list[Change], plan: Plan, scenario: Scenario, file: str) -> None:
    """Every group, venue and delegate a change names must exist (one line per problem)."""
    groups = {g.id for g in plan.groups}
    known = {d.id for d in scenario.delegates}
    problems: list[Problem] = []
    for i, change in enumerate(changes):
        field = f"changes[{i}]"
        if isinstance(change, VenueClosed):
            if change.venue not in scenario.venues:
                problems.append(Problem(file, "", field, f"venue '{change.venue}' is unknown"))
            if change.date not in scenario.dates:
                problems.append(
                    Problem(file, "", field, f"{change.date} is not a date of the scenario")
                )
        elif isinstance(change, BusUnavailable | GroupLate):
            if change.group not in groups:
                problems.append(
                    Problem(file, "", field, f"group '{change.group}' is not in the plan")
                )
        elif isinstance(change, DelegateDropped | DelegateDays):
            if change.delegate not in known:
                problems.append(
                    Problem(file, "", field, f"delegate '{change.delegate}' is not in the scenario")
                )
        elif change.delegate.id in known:
            problems.append(
                Problem(file, "", field, f"delegate '{change.delegate.id}' is already registered")
            )
    if problems:
        raise InputError(problems)


def with_delegate_changes(scenario: Scenario, changes: Sequence[Change]) -> Scenario:
    """The scenario with the delegates a CHANGES file adds or re-dates (the scenario of a
    re-planned plan; ``findhz verify --change`` checks against it)."""
    for change in changes:
        if isinstance(change, DelegateJoined):
            scenario = scenario.model_copy(
                update={"delegates": (*scenario.delegates, change.delegate)}
            )
        elif isinstance(change, DelegateDays):
            scenario = scenario.model_copy(
                update={
                    "delegates": tuple(
                        d.model_copy(update={"available": list(change.available)})
                        if d.id == change.delegate
                        else d
                        for d in scenario.delegates
                    )
                }
            )
    return scenario
