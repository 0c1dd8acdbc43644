"""A delegate's days as an iCalendar file that common calendar apps import.

One event per leg of the day that matters to a delegate: the bus ride from the base to the
first venue, each visit and the lunch, and the ride back. Times carry the scenario's time zone
(``TZID=Asia/Shanghai``) with its ``VTIMEZONE`` block (for the years of the plan), which
icalendar does not add by itself.
UIDs are stable (scenario, group, stop, delegate) and ``DTSTAMP`` is derived from the plan
(the earliest departure in it, in UTC), so the same plan gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import NamedTuple

import icalendar

from planner.models import Delegate, Group, Plan, Scenario, Venue

__all__ = ["delegate_calendar", "plan_stamp"]

PRODID = "-//findhz//FIND HZ visit planner//EN"


def plan_stamp(plan: Plan) -> dt.datetime:
    """A fixed DTSTAMP for every event of a plan: its earliest time, in UTC."""
    moments = [
        moment
        for group in plan.groups
        for stop in group.stops
        for moment in (stop.depart, stop.arrive, stop.start)
        if moment is not None
    ]
    if not moments:
        first = min((g.date for g in plan.groups), default=dt.date(2000, 1, 1))
        return dt.datetime(first.year, first.month, first.day, tzinfo=dt.UTC)
    return min(moments).astimezone(dt.UTC)


def delegate_calendar(
    plan: Plan, scenario: Scenario, delegate: Delegate, groups: list[Group]
) -> bytes:
    """The ``.ics`` bytes of one delegate's groups (already sorted by date)."""
    tz = scenario.tz()
    stamp = plan_stamp(plan)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{scenario.spec.name.en} · {delegate.name}")
    calendar.add("x-wr-timezone", scenario.spec.timezone)
    dates = [g.date for g in groups] or scenario.dates
    calendar.add_component(_timezone(scenario.spec.timezone, min(dates).year, max(dates).year))
    for group in groups:
        route = scenario.routes.get(group.route)
        route_title = f"{route.title.en} · {route.title.zh}" if route else group.route
        for index, (summary, venue, begin, end, what) in enumerate(_events(group, scenario)):
            event = icalendar.Event()
            event.add("uid", f"{plan.scenario}.{group.id}.{index}.{delegate.id}@findhz")
            event.add("dtstamp", stamp)
            event.add("dtstart", begin.astimezone(tz))
            event.add("dtend", end.astimezone(tz))
            event.add("summary", summary)
            event.add("location", _location(venue))
            event.add("geo", (venue.location.lat, venue.location.lon))
            lines = [f"FIND HZ · {route_title}", f"{group.bus} · {group.id}", what]
            if venue.location.confidence != "high":
                lines.append(
                    f"Location approximate ({venue.location.confidence} confidence) · 位置为近似值"
                )
            contacts = [f"{c.label.en} · {c.label.zh}: {c.phone}" for c in scenario.spec.contacts]
            event.add("description", "\n".join(line for line in lines + contacts if line))
            event.add("categories", ["FIND HZ"])
            event.add("transp", "OPAQUE")
            event.add("status", "CONFIRMED")
            calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


class _Event(NamedTuple):
    summary: str
    venue: Venue
    begin: dt.datetime
    end: dt.datetime
    detail: str


def _events(group: Group, scenario: Scenario) -> list[_Event]:
    """The events of a group's day: ride out, visits and lunch, ride back."""
    events: list[_Event] = []
    stops = group.stops
    for position, stop in enumerate(stops):
        venue = scenario.venues[stop.venue]
        name = f"{venue.name.en} · {venue.name.zh}"
        if stop.kind == "depart" and stop.depart is not None:
            following = stops[position + 1] if position + 1 < len(stops) else None
            until = following.arrive if following is not None else None
            end = until if until is not None and until > stop.depart else stop.depart
            events.append(
                _Event(f"Bus leaves {venue.name.en} · 发车", venue, stop.depart, end, name)
            )
        elif stop.kind in ("visit", "lunch"):
            begin = stop.start or stop.arrive
            finish = stop.end or stop.depart
            if begin is None or finish is None:
                continue
            word = "Lunch" if stop.kind == "lunch" else "Visit"
            word_zh = "午餐" if stop.kind == "lunch" else "参观"
            detail = ""
            if venue.description is not None:
                detail = f"{venue.description.en} · {venue.description.zh}"
            events.append(_Event(f"{word}: {name} · {word_zh}", venue, begin, finish, detail))
        elif stop.kind == "return" and stop.arrive is not None:
            previous = stops[position - 1] if position > 0 else None
            since = previous.depart if previous is not None else None
            begin = since if since is not None and since < stop.arrive else stop.arrive
            events.append(
                _Event(f"Bus back to {venue.name.en} · 返回", venue, begin, stop.arrive, name)
            )
    return events


@functools.cache
def _timezone(tzid: str, first_year: int, last_year: int) -> icalendar.Timezone:
    """The VTIMEZONE block of a zone for the years of the plan (built once: it is slow)."""
    return icalendar.Timezone.from_tzid(
        tzid, first_date=dt.date(first_year, 1, 1), last_date=dt.date(last_year + 1, 1, 1)
    )


def _location(venue: Venue) -> str:
    parts = [venue.name.en, venue.name.zh]
    parts.extend(text for text in (venue.address.zh, venue.address.en) if text)
    return ", ".join(parts)
