"""The coordinator's tables, built once and written both as the workbook and as CSV files.

Each table is a name, its column names and rows of plain cells (text, numbers, or empty).
Times are local times of the scenario's time zone written ``HH:MM``; dates ``YYYY-MM-DD``;
durations and distances keep their units in the column name.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from findhz.planner.models import Delegate, Group, Plan, Scenario, Stop, local_clock, rides

__all__ = ["TABLE_NAMES", "Cell", "Table", "build_tables", "sorted_groups"]

Cell = str | int | float | None
TABLE_NAMES = (
    "groups",
    "stops",
    "delegates",
    "venue_load",
    "costs",
    "venues",
    "unassigned",
    "explanations",
    "changes",
)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]]


def sorted_groups(plan: Plan, scenario: Scenario) -> list[Group]:
    """Groups by date, then route in catalogue order, then id."""
    order = {route_id: i for i, route_id in enumerate(scenario.routes)}
    return sorted(plan.groups, key=lambda g: (g.date, order.get(g.route, len(order)), g.id))


def build_tables(plan: Plan, scenario: Scenario) -> list[Table]:
    """Every table of the workbook, in sheet order."""
    tz = scenario.tz()
    groups = sorted_groups(plan, scenario)
    delegates = {d.id: d for d in scenario.delegates}
    return [
        _groups(groups, scenario, tz),
        _stops(groups, scenario, tz),
        _delegates(plan, groups, delegates),
        _venue_load(groups, scenario, tz),
        _costs(groups, scenario),
        _venues(groups, scenario),
        _unassigned(plan, delegates),
        _explanations(plan),
        _changes(plan, delegates),
    ]


def _visits(group: Group) -> list[Stop]:
    return [s for s in group.stops if s.kind in ("visit", "lunch")]


def _groups(groups: list[Group], scenario: Scenario, tz: dt.tzinfo) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for g in groups:
        route = scenario.routes.get(g.route)
        departs = next((s.depart for s in g.stops if s.kind == "depart"), None)
        returns = next((s.arrive for s in g.stops if s.kind == "return"), None)
        lunch = next((s.venue for s in g.stops if s.kind == "lunch"), "")
        rows.append(
            (
                g.id,
                g.date.isoformat(),
                g.route,
                route.title.en if route else "",
                route.title.zh if route else "",
                g.bus,
                g.seats,
                len(g.delegates),
                local_clock(departs, tz),
                local_clock(returns, tz),
                sum(1 for s in g.stops if s.kind == "visit"),
                lunch,
                sum(s.travel_s or 0 for s in g.stops),
                sum(s.distance_m or 0 for s in g.stops),
                ";".join(g.delegates),
            )
        )
    return Table(
        "groups",
        (
            "group",
            "date",
            "route",
            "route_en",
            "route_zh",
            "bus",
            "seats",
            "people",
            "departs",
            "returns",
            "visits",
            "lunch_venue",
            "travel_s",
            "distance_m",
            "delegates",
        ),
        rows,
    )


def _stops(groups: list[Group], scenario: Scenario, tz: dt.tzinfo) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for g in groups:
        for order, s in enumerate(g.stops, start=1):
            venue = scenario.venues.get(s.venue)
            rows.append(
                (
                    g.id,
                    g.date.isoformat(),
                    g.route,
                    order,
                    s.kind,
                    s.venue,
                    venue.name.en if venue else "",
                    venue.name.zh if venue else "",
                    local_clock(s.arrive, tz),
                    local_clock(s.start, tz),
                    local_clock(s.end, tz),
                    local_clock(s.depart, tz),
                    s.travel_s,
                    s.distance_m,
                    len(g.delegates),
                    venue.location.lat if venue else None,
                    venue.location.lon if venue else None,
                    venue.location.confidence if venue else "",
                )
            )
    return Table(
        "stops",
        (
            "group",
            "date",
            "route",
            "order",
            "kind",
            "venue",
            "venue_en",
            "venue_zh",
            "arrive",
            "start",
            "end",
            "depart",
            "travel_s",
            "distance_m",
            "people",
            "lat",
            "lon",
            "confidence",
        ),
        rows,
    )


def _delegates(plan: Plan, groups: list[Group], delegates: dict[str, Delegate]) -> Table:
    by_delegate = rides(groups)
    reasons = {u.delegate: u.reason for u in plan.unassigned}
    rows: list[tuple[Cell, ...]] = []
    for delegate_id in sorted(set(delegates) | set(by_delegate)):
        d = delegates.get(delegate_id)
        mine = by_delegate.get(delegate_id, [])
        rows.append(
            (
                delegate_id,
                d.name if d else "",
                d.country if d else "",
                d.organisation if d else "",
                ";".join(d.languages) if d else "",
                ";".join(d.needs) if d else "",
                ";".join(d.interests) if d else "",
                len(mine),
                ";".join(g.id for g in mine),
                ";".join(g.route for g in mine),
                "assigned" if mine else "unassigned",
                reasons.get(delegate_id, ""),
            )
        )
    return Table(
        "delegates",
        (
            "delegate",
            "name",
            "country",
            "organisation",
            "languages",
            "needs",
            "interests",
            "days",
            "groups",
            "routes",
            "status",
            "reason",
        ),
        rows,
    )


def _venue_load(groups: list[Group], scenario: Scenario, tz: dt.tzinfo) -> Table:
    """Groups and people on site per venue and clock hour (a visit from start to end)."""
    load: dict[tuple[str, str, int], Counter[str]] = defaultdict(Counter)
    for g in groups:
        for s in _visits(g):
            if s.start is None or s.end is None:
                continue
            start = s.start.astimezone(tz)
            end = s.end.astimezone(tz)
            for hour in _hours(start, end):
                cell = load[(g.date.isoformat(), s.venue, hour)]
                cell["groups"] += 1
                cell["people"] += len(g.delegates)
    rows: list[tuple[Cell, ...]] = []
    for (date, venue_id, hour), cell in sorted(load.items()):
        venue = scenario.venues.get(venue_id)
        rows.append(
            (
                date,
                venue_id,
                venue.name.en if venue else "",
                f"{hour:02d}:00",
                cell["groups"],
                cell["people"],
                venue.concurrent_groups if venue else None,
                venue.max_group if venue else None,
            )
        )
    return Table(
        "venue_load",
        ("date", "venue", "venue_en", "hour", "groups", "people", "concurrent_groups", "max_group"),
        rows,
    )


def _venues(groups: list[Group], scenario: Scenario) -> Table:
    """The venues the plan uses: postal address, how sure the point is, and the research notes
    (coordinators only: the notes never reach a delegate's, host's or driver's page)."""
    used = sorted({s.venue for g in groups for s in g.stops} | {scenario.spec.base})
    rows: list[tuple[Cell, ...]] = []
    for venue_id in used:
        venue = scenario.venues.get(venue_id)
        if venue is None:
            continue
        rows.append(
            (
                venue.id,
                venue.name.en,
                venue.name.zh,
                venue.address.zh,
                venue.address.en,
                "yes" if venue.address.known and venue.address.confirmed else "no",
                venue.location.confidence,
                venue.location.source,
                venue.notes,
                venue.contact.name if venue.contact else "",
                venue.contact.phone if venue.contact else "",
            )
        )
    columns = ("venue", "name_en", "name_zh", "address_zh", "address_en", "address_confirmed")
    rest = ("confidence", "location_source", "notes", "contact_name", "contact_phone")
    return Table("venues", (*columns, *rest), rows)


def _hours(start: dt.datetime, end: dt.datetime) -> Iterable[int]:
    """The clock hours that [start, end) touches."""
    hour = start.replace(minute=0, second=0, microsecond=0)
    while hour < end:
        yield hour.hour
        hour += dt.timedelta(hours=1)


def _costs(groups: list[Group], scenario: Scenario) -> Table:
    """What the buses cost: one row per date and bus type, a row per date, and the total.

    A bus-day costs its type's ``cost_per_day`` (bus and driver) plus ``staff_per_bus``."""
    fleet = {b.id: b for b in scenario.spec.fleet}
    staff = scenario.spec.staff_per_bus
    count: Counter[tuple[dt.date, str]] = Counter((g.date, g.bus) for g in groups)
    rows: list[tuple[Cell, ...]] = []
    total_buses = total = 0
    for date in sorted({g.date for g in groups}):
        day_buses = day_cost = 0
        for bus in sorted(b for d, b in count if d == date):
            n = count[(date, bus)]
            price = fleet[bus].cost_per_day if bus in fleet else 0
            cost = n * (price + staff)
            rows.append((date.isoformat(), bus, n, price, staff, cost))
            day_buses, day_cost = day_buses + n, day_cost + cost
        rows.append((date.isoformat(), "all buses", day_buses, None, None, day_cost))
        total_buses, total = total_buses + day_buses, total + day_cost
    rows.append(("total", "all buses", total_buses, None, None, total))
    columns = ("date", "bus", "buses", "bus_cny_per_day", "staff_cny_per_bus", "cost_cny")
    return Table("costs", columns, rows)


def _unassigned(plan: Plan, delegates: dict[str, Delegate]) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for u in sorted(plan.unassigned, key=lambda u: u.delegate):
        d = delegates.get(u.delegate)
        rows.append((u.delegate, d.name if d else "", d.country if d else "", u.reason))
    return Table("unassigned", ("delegate", "name", "country", "reason"), rows)


def _explanations(plan: Plan) -> Table:
    rows: list[tuple[Cell, ...]] = [
        (e.kind, e.route or "", e.date.isoformat() if e.date else "", e.venue or "", e.reason)
        for e in plan.explanations
    ]
    return Table("explanations", ("kind", "route", "date", "venue", "reason"), rows)


def _changes(plan: Plan, delegates: dict[str, Delegate]) -> Table:
    """What a re-plan changed (``metrics.changes``), per delegate then per host visit; empty
    for a plan made from scratch."""
    report = plan.metrics.changes
    columns = (
        "version",
        "who",
        "id",
        "name",
        "date",
        "status",
        "before",
        "after",
        "shift_min",
        "reason",
    )
    if report is None:
        return Table("changes", columns, [])
    version = report.version
    rows: list[tuple[Cell, ...]] = []
    for change in report.delegates:
        d = delegates.get(change.delegate)
        rows.append(
            (
                version,
                "delegate",
                change.delegate,
                d.name if d else "",
                "",
                change.status,
                ", ".join(change.before),
                ", ".join(change.after),
                change.shift_min,
                change.reason,
            )
        )
    for host in report.hosts:
        rows.append(
            (
                version,
                "host",
                host.venue,
                "",
                host.date,
                host.status,
                f"{host.group} {host.before}".strip(),
                f"{host.group} {host.after}".strip(),
                None,
                host.reason,
            )
        )
    return Table("changes", columns, rows)
