"""Forming the buses of a route-day: sizes as even as the buses allow, countries mixed.

The solver decides how many riders and buses each route-day has; :func:`split_into_buses`
decides who sits on which bus, and :func:`number_groups` names the buses
``<date>-<route>-<n>``. A :class:`PlannedGroup` is a bus before its day is scheduled.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from findhz.planner.models import BusType, Delegate
from findhz.planner.problems import Slot

__all__ = ["PlannedGroup", "even_sizes", "number_groups", "split_into_buses"]


@dataclass(frozen=True)
class PlannedGroup:
    """A bus of delegates on a route and date, before its day is scheduled."""

    id: str
    route: str
    date: dt.date
    bus: str
    seats: int
    delegates: tuple[str, ...]
    step_free: bool


def split_into_buses(
    rid: str,
    date: dt.date,
    people: list[Delegate],
    buses: tuple[int, ...],
    slot: Slot,
    fleet: list[BusType],
) -> list[PlannedGroup]:
    """Split a route-day's riders over its buses: sizes as even as the buses allow, delegates
    who need step-free access together on the first bus, and each country spread over the
    buses (a delegate goes to the bus with fewest of their country)."""
    vehicles = [
        (fleet[b].id, fleet[b].seats, slot.bus_capacity[b])
        for b, n in enumerate(buses)
        for _ in range(n)
    ]
    vehicles.sort(key=lambda v: (-v[2], v[0]))
    sizes = even_sizes(len(people), [cap for _, _, cap in vehicles])
    by_country = Counter(d.country for d in people)
    order = sorted(people, key=lambda d: (not d.step_free, -by_country[d.country], d.country, d.id))
    members: list[list[Delegate]] = [[] for _ in vehicles]
    for delegate in order:
        open_buses = [i for i in range(len(vehicles)) if len(members[i]) < sizes[i]]
        if delegate.step_free:
            open_buses = open_buses[:1]
        best = min(
            open_buses,
            key=lambda i: (
                sum(1 for m in members[i] if m.country == delegate.country),
                len(members[i]) / max(1, sizes[i]),
                i,
            ),
        )
        members[best].append(delegate)
    return [
        PlannedGroup(
            id="",
            route=rid,
            date=date,
            bus=bus_id,
            seats=seats,
            delegates=tuple(sorted(d.id for d in group)),
            step_free=any(d.step_free for d in group),
        )
        for (bus_id, seats, _), group in zip(vehicles, members, strict=True)
        if group
    ]


def even_sizes(n: int, caps: list[int]) -> list[int]:
    """Group sizes summing to ``n``, each within its cap, as even as possible (water-filling)."""
    sizes = [0] * len(caps)
    remaining = n
    while remaining > 0:
        room = [i for i in range(len(caps)) if sizes[i] < caps[i]]
        if not room:
            raise ValueError("more riders than seats")
        smallest = min(sizes[i] for i in room)
        for i in room:
            if sizes[i] == smallest and remaining > 0:
                sizes[i] += 1
                remaining -= 1
    return sizes


def number_groups(groups: list[PlannedGroup]) -> list[PlannedGroup]:
    """Give groups stable ids: ``<date>-<route>-<n>``."""
    groups = sorted(
        groups, key=lambda g: (g.date, g.route, g.step_free, -len(g.delegates), g.delegates)
    )
    counts: Counter[tuple[dt.date, str]] = Counter()
    out = []
    for g in groups:
        counts[(g.date, g.route)] += 1
        gid = f"{g.date.isoformat()}-{g.route}-{counts[(g.date, g.route)]}"
        out.append(PlannedGroup(gid, g.route, g.date, g.bus, g.seats, g.delegates, g.step_free))
    return out
