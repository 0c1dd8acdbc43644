"""What a delegate needs on the morning of a visit, worked out for the pages.

From the plan and the scenario's ``morning`` notes (``findhz.planner.models.Morning``): which bus
(a label that tells two buses of one route apart, its sign, plate and guide), where and by
when to meet it, when the day ends, and, stop by stop, the leg's duration, the delegate's
needs as the venue meets them, what to bring, and links that open the place in a phone's map
app (AMap in GCJ-02, Apple and Google Maps in WGS-84).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from findhz.maps.text import clock
from findhz.maps.words import need_name
from findhz.planner.models import (
    Bilingual,
    BusDetails,
    Delegate,
    Group,
    MeetingPoint,
    Person,
    Scenario,
    Stop,
    Venue,
)
from findhz.planner.travel.datum import wgs84_to_gcj02

__all__ = [
    "Bus",
    "Glance",
    "MapLinks",
    "StopCare",
    "bus_labels",
    "glance",
    "leg_minutes",
    "map_links",
    "stop_care",
    "venue_links",
]

_FOOD_NEEDS = ("vegetarian", "vegan", "halal", "kosher", "no-pork")
_PHOTOS = {
    "allowed": Bilingual("Photos allowed", "可以拍照"),
    "ask": Bilingual("Photos: ask the host first", "拍照前请先征得接待方同意"),
    "not-allowed": Bilingual("No photos inside", "内部禁止拍照"),
}


@dataclass(frozen=True)
class MapLinks:
    """Links that open a place in AMap, Apple Maps and Google Maps.

    ``by_name`` when the catalogue's point is too rough to send anyone to: the links search
    for the venue's name instead of dropping a pin.
    """

    amap: str
    apple: str
    google: str
    by_name: bool


def map_links(name: Bilingual, lat: float, lon: float, *, rough: bool) -> MapLinks:
    """Links for a place; AMap gets GCJ-02 (``coordinate=gaode``), the others WGS-84."""
    if rough:
        query = name.zh or name.en
        return MapLinks(
            amap="https://uri.amap.com/search?" + urlencode({"keyword": query, "city": "杭州"}),
            apple="https://maps.apple.com/?" + urlencode({"q": query}),
            google="https://www.google.com/maps/search/?"
            + urlencode({"api": "1", "query": name.en or query}),
            by_name=True,
        )
    g_lat, g_lon = wgs84_to_gcj02(lat, lon)
    amap = "https://uri.amap.com/marker?" + urlencode(
        {
            "position": f"{g_lon:.6f},{g_lat:.6f}",
            "name": name.zh or name.en,
            "coordinate": "gaode",
            "callnative": "1",
        },
        quote_via=quote,
        safe=",",
    )
    apple = "https://maps.apple.com/?" + urlencode(
        {"ll": f"{lat:.6f},{lon:.6f}", "q": name.en or name.zh}, quote_via=quote, safe=","
    )
    google = "https://www.google.com/maps/search/?" + urlencode(
        {"api": "1", "query": f"{lat:.6f},{lon:.6f}"}, quote_via=quote, safe=","
    )
    return MapLinks(amap=amap, apple=apple, google=google, by_name=False)


def venue_links(venue: Venue) -> MapLinks:
    """A venue's links; a low-confidence point is searched for by name."""
    return map_links(
        venue.name,
        venue.location.lat,
        venue.location.lon,
        rough=venue.location.confidence == "low",
    )


@dataclass(frozen=True)
class Bus:
    """A bus as delegates know it: a label, and what the coordinator filled in."""

    label: Bilingual
    sign: str
    plate: str
    guide: Person | None


def bus_labels(groups: list[Group], scenario: Scenario) -> dict[str, Bus]:
    """Each group's bus: numbered 1, 2, ... across each day in the order given (``Bus 3`` /
    ``3号车``), unless the scenario's ``morning.buses`` gives it a label; sign, plate and
    guide from there when known."""
    out: dict[str, Bus] = {}
    number: dict[dt.date, int] = {}
    for group in groups:
        number[group.date] = number.get(group.date, 0) + 1
        details = scenario.spec.morning.buses.get(group.id, BusDetails())
        label = (
            Bilingual(details.label, details.label)
            if details.label
            else Bilingual(f"Bus {number[group.date]}", f"{number[group.date]}号车")
        )
        out[group.id] = Bus(label, details.sign, details.plate, details.guide)
    return out


@dataclass(frozen=True)
class Glance:
    """A day at a glance: meet where and by when, which bus, back when."""

    meet: MeetingPoint | None
    meet_at: Venue
    meet_links: MapLinks
    be_there_by: str
    departs: str
    back: str
    back_at: Venue
    bus: Bus


def glance(group: Group, scenario: Scenario, bus: Bus) -> Glance:
    tz = scenario.tz()
    depart = next((s for s in group.stops if s.kind == "depart"), None)
    back = next((s for s in reversed(group.stops) if s.kind == "return"), None)
    base = scenario.venues[depart.venue] if depart else scenario.base
    back_at = scenario.venues[back.venue] if back else scenario.base
    margin = dt.timedelta(minutes=scenario.spec.morning.be_there_min)
    leaves = depart.depart if depart else None
    point = scenario.spec.morning.meeting_points.get(base.id)
    if point is not None and point.location is not None and point.location.confidence != "low":
        links = map_links(
            point.text,
            point.location.lat,
            point.location.lon,
            rough=False,
        )
    else:
        links = venue_links(base)
    return Glance(
        meet=point,
        meet_at=base,
        meet_links=links,
        be_there_by=clock(leaves - margin if leaves else None, tz),
        departs=clock(leaves, tz),
        back=clock(back.arrive if back else None, tz),
        back_at=back_at,
        bus=bus,
    )


def leg_minutes(stop: Stop) -> int | None:
    """The leg to this stop in whole minutes (at least 1), None for the first stop."""
    if stop.travel_s is None or stop.kind == "depart":
        return None
    return max(1, round(stop.travel_s / 60))


@dataclass(frozen=True)
class StopCare:
    """A delegate's needs at one stop: met (✓), passed on but not yet confirmed, and what to
    bring or know (ID, dress, photos)."""

    met: tuple[Bilingual, ...]
    pending: tuple[Bilingual, ...]
    notes: tuple[Bilingual, ...]


def stop_care(stop: Stop, venue: Venue, delegate: Delegate, scenario: Scenario) -> StopCare:
    met: list[Bilingual] = []
    pending: list[Bilingual] = []
    notes: list[Bilingual] = []
    if stop.kind not in ("visit", "lunch"):
        return StopCare((), (), ())
    if "step-free" in delegate.needs:
        if venue.step_free:
            met.append(Bilingual("Step-free access", "无障碍通行"))
        else:  # the planner keeps step-free delegates away from such venues
            pending.append(Bilingual("Step-free access not recorded", "未记录无障碍通行"))
    own = scenario.spec.morning.venues.get(venue.id)
    if stop.kind == "lunch":
        served = set(own.meals) if own else set()
        for need in (n for n in delegate.needs if n in _FOOD_NEEDS):
            name = need_name(need)
            meal = Bilingual(f"{name.en.capitalize()} lunch", f"{name.zh}午餐")
            (met if need in served else pending).append(meal)
        paid = scenario.spec.morning.lunch_paid
        if paid is True:
            notes.append(Bilingual("Lunch is paid by the organisers", "午餐由组委会安排"))
        elif paid is False:
            notes.append(Bilingual("Lunch: please pay at the restaurant", "午餐请自行付费"))
    if own is not None:
        if own.bring_id:
            notes.append(
                Bilingual("Bring your passport: ID is checked", "请携带护照，入场需查验证件")
            )
        if own.dress is not None:
            notes.append(own.dress)
        if own.photos is not None:
            notes.append(_PHOTOS[own.photos])
        if own.other is not None:
            notes.append(own.other)
    return StopCare(tuple(met), tuple(pending), tuple(notes))
