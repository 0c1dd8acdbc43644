"""Small scenarios built in Python, written as real files and loaded by the real loader.

A test describes venues, routes, delegates and the day in a few lines; :func:`write_scenario`
writes ``venues.yaml``, ``themes.yaml``, ``scenario.yaml`` and ``delegates.csv`` into a folder
and :func:`load` reads them back with :func:`findhz.planner.loading.load_scenario`, so every
test goes through the same validation as a coordinator's files. :func:`run_plan` builds the offline
travel matrix and plans. :func:`timed_group` writes a group's timetable by hand (arrivals
computed from the same matrix), for verification tests that need a plan with known slack.

Coordinates are around Future Sci-Tech City in Hangzhou's Yuhang district (WGS-84).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from findhz.planner.loading import load_scenario
from findhz.planner.models import Group, Plan, Scenario, Stop, parse_clock
from findhz.planner.planning import RunReport, make_plan
from findhz.planner.travel import TravelMatrix, build_matrix

__all__ = [
    "ALL_DAYS",
    "BASE",
    "FRI",
    "SAT",
    "THU",
    "WED",
    "Clock",
    "PlanRun",
    "at",
    "canteen",
    "clock",
    "delegate",
    "load",
    "route",
    "run_plan",
    "timed_group",
    "venue",
    "write_scenario",
]

ALL_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Three ordinary weekdays of 2024 (no public holiday): Wednesday to Friday 13-15 November.
WED = dt.date(2024, 11, 13)
THU = dt.date(2024, 11, 14)
FRI = dt.date(2024, 11, 15)
SAT = dt.date(2024, 11, 16)
#: The base every bus leaves from and returns to: a hotel in Future Sci-Tech City.
BASE = "base-hotel"
BASE_POINT = (30.2870, 120.0100)

Clock = str  # "HH:MM"


def venue(
    id: str,
    lat: float,
    lon: float,
    *,
    hours: str | Sequence[str] = "09:00-17:00",
    days: Iterable[str] = ALL_DAYS,
    visit_min: int = 60,
    max_group: int = 40,
    concurrent_groups: int = 1,
    lunch: bool = False,
    step_free: bool = True,
    closed: Iterable[dt.date] = (),
    kind: str | None = None,
) -> dict[str, Any]:
    """A venue record as written in ``venues.yaml``; the same hours on each of ``days``."""
    windows = [hours] if isinstance(hours, str) else list(hours)
    return {
        "id": id,
        "name": {"en": id.replace("-", " ").title(), "zh": "测试场馆"},
        "kind": kind or ("restaurant" if lunch else "research_platform"),
        "district": "Yuhang",
        "address": "Wenyi West Road, Hangzhou",
        "location": {"lat": lat, "lon": lon, "confidence": "high", "source": "test scenario"},
        "visit_min": visit_min,
        "max_group": max_group,
        "concurrent_groups": concurrent_groups,
        "hours": {day: list(windows) for day in days},
        "closed": [d.isoformat() for d in closed],
        "languages": ["zh", "en"],
        "lunch": lunch,
        "step_free": step_free,
    }


def canteen(id: str = "canteen", **overrides: Any) -> dict[str, Any]:
    """A lunch venue near the base, open 10:00-14:00, receiving four groups at once."""
    kwargs: dict[str, Any] = {"hours": "10:00-14:00", "lunch": True, "concurrent_groups": 4}
    kwargs.update(overrides)
    return venue(id, 30.2800, 120.0200, **kwargs)


def base_venue(**overrides: Any) -> dict[str, Any]:
    """The hotel the buses start from (open all day, not a lunch venue unless asked)."""
    kwargs: dict[str, Any] = {"hours": "06:00-23:00", "kind": "hotel", "max_group": 200}
    kwargs.update(overrides)
    return venue(BASE, *BASE_POINT, **kwargs)


def route(
    id: str,
    venues: Mapping[str, int] | Sequence[str],
    *,
    must_visit: Sequence[str] = (),
    min_stops: int = 1,
    max_stops: int = 4,
) -> dict[str, Any]:
    """A route record as written in ``themes.yaml``; venue weights default to 5."""
    weights = dict(venues) if isinstance(venues, Mapping) else dict.fromkeys(venues, 5)
    return {
        "id": id,
        "title": {"en": id.replace("-", " ").title(), "zh": "测试路线"},
        "industries": ["test"],
        "color": "#1f77b4",
        "venues": [{"id": v, "weight": w} for v, w in weights.items()],
        "must_visit": list(must_visit),
        "min_stops": min_stops,
        "max_stops": max_stops,
    }


def delegate(
    id: str,
    interests: Sequence[str],
    *,
    country: str = "France",
    available: Iterable[dt.date] = (),
    needs: Iterable[str] = (),
    name: str | None = None,
) -> dict[str, str]:
    """A row of ``delegates.csv``."""
    return {
        "id": id,
        "name": name or f"Delegate {id}",
        "country": country,
        "organisation": "Test University",
        "field": "testing",
        "interests": ";".join(interests),
        "languages": "en",
        "available": ";".join(d.isoformat() for d in available),
        "needs": ";".join(needs),
    }


def write_scenario(
    folder: Path,
    *,
    venues: Sequence[Mapping[str, Any]],
    routes: Sequence[Mapping[str, Any]],
    delegates: Sequence[Mapping[str, str]],
    dates: Sequence[dt.date] = (THU,),
    fleet: Sequence[tuple[str, int, int]] = (("coach", 40, 4),),
    day: tuple[Clock, Clock] = ("08:30", "18:00"),
    lunch: tuple[Clock, Clock, int] = ("11:30", "13:00", 60),
    overrides: Sequence[Mapping[str, Any]] = (),
    rides: int = 1,
    scenario_id: str = "test-scenario",
    base: Mapping[str, Any] | None = None,
    bus_costs: Mapping[str, int] | None = None,
    settings: Mapping[str, Any] | None = None,
) -> Path:
    """Write the four files of a scenario into ``folder``; return the scenario file.

    The base (``BASE``) is added to the venues unless one with that id is given;
    ``fleet`` is ``(bus type, seats, count per day)``; ``bus_costs`` gives a type its
    ``cost_per_day`` and ``settings`` adds scenario keys (``min_riders``, ``route_settings``...).
    """
    folder.mkdir(parents=True, exist_ok=True)
    all_venues = list(venues)
    if not any(v["id"] == BASE for v in all_venues):
        all_venues.insert(0, dict(base) if base is not None else base_venue())
    _dump(folder / "venues.yaml", {"venues": all_venues})
    _dump(folder / "themes.yaml", {"routes": list(routes)})
    spec = {
        "id": scenario_id,
        "name": {"en": "Test scenario", "zh": "测试情景"},
        "timezone": "Asia/Shanghai",
        "dates": [d.isoformat() for d in dates],
        "base": BASE,
        "day": {"start": day[0], "end": day[1]},
        "lunch": {"window": [lunch[0], lunch[1]], "minutes": lunch[2]},
        "fleet": [
            {
                "id": b,
                "seats": s,
                "count": n,
                **({"cost_per_day": bus_costs[b]} if b in (bus_costs or {}) else {}),
            }
            for b, s, n in fleet
        ],
        "rides": rides,
        "delegates": "delegates.csv",
        "catalogue": "venues.yaml",
        "themes": "themes.yaml",
        "overrides": [
            {**o, "date": o["date"].isoformat()} if isinstance(o["date"], dt.date) else dict(o)
            for o in overrides
        ],
        "synthetic": True,
        **(settings or {}),
    }
    _dump(folder / "scenario.yaml", spec)
    columns = ["id", "name", "country", "organisation", "field", "interests", "languages"]
    columns += ["available", "needs"]
    with (folder / "delegates.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(delegates)
    return folder / "scenario.yaml"


def _dump(path: Path, data: Any) -> None:
    path.write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None),
        encoding="utf-8",
    )


def load(folder: Path, **kwargs: Any) -> Scenario:
    """Write a scenario into ``folder`` (see :func:`write_scenario`) and load it."""
    return load_scenario(write_scenario(folder, **kwargs))


@dataclass
class PlanRun:
    """A planned scenario with its matrix and the run's report."""

    scenario: Scenario
    matrix: TravelMatrix
    plan: Plan
    report: RunReport
    extra: dict[str, Any] = field(default_factory=dict)

    def groups_of(self, route_id: str) -> list[Group]:
        return [g for g in self.plan.groups if g.route == route_id]

    def group_of(self, delegate_id: str) -> Group:
        return next(g for g in self.plan.groups if delegate_id in g.delegates)

    def reason_of(self, delegate_id: str) -> str:
        return next(u.reason for u in self.plan.unassigned if u.delegate == delegate_id)


def run_plan(scenario: Scenario, *, time_limit_s: float = 1.0, seed: int = 0) -> PlanRun:
    """Plan ``scenario`` with the offline travel model (no network)."""
    matrix = build_matrix(scenario)
    plan, report = make_plan(scenario, matrix, time_limit_s=time_limit_s, seed=seed)
    return PlanRun(scenario, matrix, plan, report)


# ---------------------------------------------------------------------------------------------
# Times


def clock(moment: dt.datetime | None) -> str:
    """The local ``"HH:MM"`` of a plan time (plan times carry the +08:00 offset)."""
    assert moment is not None
    return f"{moment.hour:02d}:{moment.minute:02d}"


def at(date: dt.date, hhmm: Clock, scenario: Scenario) -> dt.datetime:
    """A local time on ``date`` in the scenario's time zone."""
    minutes = parse_clock(hhmm)
    midnight = dt.datetime.combine(date, dt.time(0), tzinfo=scenario.tz())
    return midnight + dt.timedelta(minutes=minutes)


def timed_group(
    scenario: Scenario,
    matrix: TravelMatrix,
    *,
    id: str,
    route: str,
    date: dt.date,
    bus: str,
    seats: int,
    delegates: Sequence[str],
    depart: Clock,
    stops: Sequence[tuple[str, str, Clock, Clock]],
) -> Group:
    """A group's timetable written by hand: ``stops`` are ``(kind, venue, start, end)``.

    Each leg takes the matrix time at the band of its departure, so ``arrive = depart +
    travel_s`` holds; a stop whose arrival is later than its start is a mistake in the test.
    """
    base = scenario.spec.base
    out = [Stop(kind="depart", venue=base, depart=at(date, depart, scenario))]
    previous, leave = base, parse_clock(depart)
    for kind, venue_id, start, end in stops:
        travel = matrix.travel_s(previous, venue_id, leave, date)
        arrive = at(date, depart, scenario) + dt.timedelta(
            minutes=leave - parse_clock(depart), seconds=travel
        )
        begin = at(date, start, scenario)
        if arrive > begin:
            raise ValueError(f"{id}: arrives at {venue_id} at {clock(arrive)}, after {start}")
        out.append(
            Stop(
                kind=kind,
                venue=venue_id,
                arrive=arrive,
                start=begin,
                end=at(date, end, scenario),
                depart=at(date, end, scenario),
                travel_s=travel,
                distance_m=matrix.distance_m(previous, venue_id, leave, date),
            )
        )
        previous, leave = venue_id, parse_clock(end)
    travel = matrix.travel_s(previous, base, leave, date)
    last_depart = out[-1].depart
    assert last_depart is not None
    out.append(
        Stop(
            kind="return",
            venue=base,
            arrive=last_depart + dt.timedelta(seconds=travel),
            travel_s=travel,
            distance_m=matrix.distance_m(previous, base, leave, date),
        )
    )
    return Group(
        id=id,
        route=route,
        date=date,
        bus=bus,
        seats=seats,
        delegates=list(delegates),
        stops=out,
    )
