"""A delegate's days as an iCalendar file that common calendar apps import.

One event per leg of the day that matters to a delegate: the bus ride from the base to the
first venue, each visit and the lunch, and the ride back. Times carry the scenario's time zone
(``TZID=Asia/Shanghai``) with its ``VTIMEZONE`` block (for the years of the plan), which
icalendar does not add by itself.
UIDs name what the event is, not where it sits in the plan (scenario, date, kind of leg, venue,
delegate), so a re-plan updates the same events in a calendar app. ``DTSTAMP`` is derived from
the plan (the earliest departure in it, in UTC), so the same plan gives the same bytes.

A re-planned plan carries ``metrics.calendar`` (see :func:`calendar_revisions`): each event's
``SEQUENCE`` (raised to the plan's version minus one when the event changed, kept otherwise)
and the events a re-plan took away, written as ``STATUS:CANCELLED`` with a raised ``SEQUENCE``
so calendar apps remove them.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import NamedTuple

import icalendar
from icalendar.parser import Contentline, Parameters
from icalendar.prop import vText

from findhz.planner.metrics import CalendarRecord, CancelledEvent
from findhz.planner.models import Delegate, Group, Plan, Scenario, Stop, Venue

__all__ = [
    "calendar_revisions",
    "cancelled_events",
    "delegate_calendar",
    "event_records",
    "plan_stamp",
]

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


#: What an event's UID line reads while its bytes are shared by every rider of its bus.
_UID_MARK = b"UID:findhz-shared-event-uid\r\n"
_END = b"END:VCALENDAR\r\n"


def delegate_calendar(
    plan: Plan,
    scenario: Scenario,
    delegate: Delegate,
    groups: list[Group],
    *,
    stamp: dt.datetime | None = None,
    shared: dict[tuple[str, int, int], bytes] | None = None,
) -> bytes:
    """The ``.ics`` bytes of one delegate's groups (already sorted by date); ``stamp`` is
    :func:`plan_stamp` of the plan (pass it when writing many calendars of one plan).

    ``shared`` keeps each event's bytes between calls (pass one dict for all the calendars of
    one plan): the riders of a bus share its events but their UIDs, so an event is serialised
    once and each rider's UID line spliced in, folded as iCalendar folds it; the bytes are
    those icalendar writes for the whole calendar."""
    tz = scenario.tz()
    stamp = plan_stamp(plan) if stamp is None else stamp
    shared = {} if shared is None else shared
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{scenario.spec.name.en} · {delegate.name}")
    calendar.add("x-wr-timezone", scenario.spec.timezone)
    dates = [g.date for g in groups] or [
        dt.date.fromisoformat(e.date) for e in cancelled_events(plan, delegate.id)
    ]
    dates = dates or scenario.dates
    head = calendar.to_ical()
    assert head.endswith(_END)
    parts = [
        head[: -len(_END)],
        _timezone_bytes(scenario.spec.timezone, min(dates).year, max(dates).year),
    ]
    record = plan.metrics.calendar
    sequence = record.sequence if record is not None else {}
    for group in groups:
        for index, uid in enumerate(_uids(plan.scenario, group, delegate.id)):
            seq = sequence.get(uid, 0)
            key = (group.id, index, seq)
            if key not in shared:
                shared[key] = _event_bytes(scenario, group, index, tz, stamp, seq)
            parts.append(shared[key].replace(_UID_MARK, _uid_line(uid), 1))
    cancelled = icalendar.Calendar()
    gone_events = cancelled_events(plan, delegate.id)
    for gone in gone_events:
        event = icalendar.Event()
        event.add("uid", gone.uid)
        event.add("dtstamp", stamp)
        event.add("sequence", gone.sequence)
        event.add("dtstart", dt.datetime.fromisoformat(gone.start).astimezone(tz))
        event.add("dtend", dt.datetime.fromisoformat(gone.end).astimezone(tz))
        event.add("summary", f"Cancelled · 已取消: {_cancelled_title(gone, scenario)}")
        event.add("categories", ["FIND HZ"])
        event.add("transp", "TRANSPARENT")
        event.add("status", "CANCELLED")
        cancelled.add_component(event)
    if gone_events:
        gone_bytes: bytes = cancelled.to_ical()
        parts.append(gone_bytes[len(b"BEGIN:VCALENDAR\r\n") : -len(_END)])
    parts.append(_END)
    return b"".join(parts)


def _event_bytes(
    scenario: Scenario,
    group: Group,
    index: int,
    tz: dt.tzinfo,
    stamp: dt.datetime,
    sequence: int,
) -> bytes:
    """The bytes of event ``index`` of a group's day, its UID line ``_UID_MARK``."""
    route = scenario.routes.get(group.route)
    route_title = f"{route.title.en} · {route.title.zh}" if route else group.route
    summary, venue, begin, end, what = _events(group, scenario)[index]
    event = icalendar.Event()
    event.add("uid", _UID_MARK[len(b"UID:") : -2].decode())
    event.add("dtstamp", stamp)
    event.add("sequence", sequence)
    event.add("dtstart", begin.astimezone(tz))
    event.add("dtend", end.astimezone(tz))
    event.add("summary", summary)
    event.add("location", _location(venue))
    event.add("geo", (venue.location.lat, venue.location.lon))
    lines = [f"FIND HZ · {route_title}", f"{group.bus} · {group.id}", what]
    if venue.location.confidence == "unknown":
        lines.append("Location unknown: ask the organisers · 位置未知，请向组织方确认")
    elif venue.location.confidence != "high":
        lines.append(
            f"Location approximate ({venue.location.confidence} confidence) · 位置为近似值"
        )
    contacts = [f"{c.label.en} · {c.label.zh}: {c.phone}" for c in scenario.spec.contacts]
    event.add("description", "\n".join(line for line in lines + contacts if line))
    event.add("categories", ["FIND HZ"])
    event.add("transp", "OPAQUE")
    event.add("status", "CONFIRMED")
    data: bytes = event.to_ical()
    return data


def _uid_line(uid: str) -> bytes:
    """An event's UID content line, escaped and folded as icalendar writes it."""
    line = Contentline.from_parts("UID", Parameters(), vText(uid), sorted=True)
    data: bytes = line.to_ical()
    return data + b"\r\n"


@functools.cache
def _timezone_bytes(tzid: str, first_year: int, last_year: int) -> bytes:
    data: bytes = _timezone(tzid, first_year, last_year).to_ical()
    return data


class _Event(NamedTuple):
    summary: str
    venue: Venue
    begin: dt.datetime
    end: dt.datetime
    detail: str


class _Leg(NamedTuple):
    kind: str
    venue: str
    begin: dt.datetime
    end: dt.datetime


def _legs(group: Group) -> list[_Leg]:
    """The legs of a group's day that become events: ride out, visits and lunch, ride back."""
    legs: list[_Leg] = []
    stops = group.stops
    for position, stop in enumerate(stops):
        if stop.kind == "depart" and stop.depart is not None:
            following = stops[position + 1] if position + 1 < len(stops) else None
            until = following.arrive if following is not None else None
            end = until if until is not None and until > stop.depart else stop.depart
            legs.append(_Leg("depart", stop.venue, stop.depart, end))
        elif stop.kind in ("visit", "lunch"):
            begin = stop.start or stop.arrive
            finish = stop.end or stop.depart
            if begin is not None and finish is not None:
                legs.append(_Leg(stop.kind, stop.venue, begin, finish))
        elif stop.kind == "return" and stop.arrive is not None:
            previous: Stop | None = stops[position - 1] if position > 0 else None
            since = previous.depart if previous is not None else None
            begin = since if since is not None and since < stop.arrive else stop.arrive
            legs.append(_Leg("return", stop.venue, begin, stop.arrive))
    return legs


def _uids(scenario_id: str, group: Group, delegate_id: str) -> list[str]:
    """One UID per leg, named by what it is: the same visit keeps its UID in every version."""
    seen: dict[tuple[str, str], int] = {}
    uids = []
    for leg in _legs(group):
        key = (leg.kind, leg.venue)
        seen[key] = seen.get(key, 0) + 1
        repeat = f".{seen[key]}" if seen[key] > 1 else ""
        uids.append(
            f"{scenario_id}.{group.date.isoformat()}.{leg.kind}.{leg.venue}{repeat}"
            f".{delegate_id}@findhz"
        )
    return uids


def _events(group: Group, scenario: Scenario) -> list[_Event]:
    """The events of a group's day: ride out, visits and lunch, ride back."""
    events: list[_Event] = []
    for leg in _legs(group):
        venue = scenario.venues[leg.venue]
        name = f"{venue.name.en} · {venue.name.zh}"
        if leg.kind == "depart":
            events.append(
                _Event(f"Bus leaves {venue.name.en} · 发车", venue, leg.begin, leg.end, name)
            )
        elif leg.kind == "return":
            events.append(
                _Event(f"Bus back to {venue.name.en} · 返回", venue, leg.begin, leg.end, name)
            )
        else:
            word = "Lunch" if leg.kind == "lunch" else "Visit"
            word_zh = "午餐" if leg.kind == "lunch" else "参观"
            detail = ""
            if venue.description is not None:
                detail = f"{venue.description.en} · {venue.description.zh}"
            events.append(_Event(f"{word}: {name} · {word_zh}", venue, leg.begin, leg.end, detail))
    return events


def event_records(plan: Plan) -> dict[str, dict[str, str]]:
    """Every calendar event of a plan by UID: whose, when, where, on which bus."""
    records: dict[str, dict[str, str]] = {}
    for group in plan.groups:
        for delegate_id in group.delegates:
            uids = _uids(plan.scenario, group, delegate_id)
            for uid, leg in zip(uids, _legs(group), strict=True):
                records[uid] = {
                    "delegate": delegate_id,
                    "date": group.date.isoformat(),
                    "kind": leg.kind,
                    "venue": leg.venue,
                    "group": group.id,
                    "bus": group.bus,
                    "start": leg.begin.isoformat(),
                    "end": leg.end.isoformat(),
                }
    return records


def calendar_revisions(previous: Plan, plan: Plan, version: int) -> CalendarRecord:
    """``metrics.calendar`` of a re-planned plan of ``version``.

    ``sequence``: the SEQUENCE of every event that ever changed (the version it last changed
    in, minus one; absent means 0). ``cancelled``: the events of earlier versions that this one
    no longer has (kept in later versions, so a calendar that missed a version still drops
    them), until the same event comes back.
    """
    record = previous.metrics.calendar
    sequence: dict[str, int] = dict(record.sequence) if record is not None else {}
    cancelled = {c.uid: c for c in record.cancelled} if record is not None else {}
    old, new = event_records(previous), event_records(plan)
    raised = version - 1
    for uid, event in new.items():
        if uid in cancelled or (uid in old and old[uid] != event):
            sequence[uid] = raised
            cancelled.pop(uid, None)
    for uid in sorted(set(old) - set(new)):
        sequence[uid] = raised
        cancelled[uid] = CancelledEvent(uid=uid, **old[uid], sequence=raised)
    return CalendarRecord(
        sequence={uid: sequence[uid] for uid in sorted(sequence) if sequence[uid] > 0},
        cancelled=[cancelled[uid] for uid in sorted(cancelled)],
    )


def cancelled_events(plan: Plan, delegate_id: str) -> list[CancelledEvent]:
    """The events a re-plan took away from a delegate (``metrics.calendar.cancelled``)."""
    record = plan.metrics.calendar
    if record is None:
        return []
    return [c for c in record.cancelled if c.delegate == delegate_id]


def _cancelled_title(event: CancelledEvent, scenario: Scenario) -> str:
    venue = scenario.venues.get(event.venue)
    name = f"{venue.name.en} · {venue.name.zh}" if venue is not None else event.venue
    word = {"depart": "Bus leaves", "return": "Bus back to", "lunch": "Lunch:", "visit": "Visit:"}
    return f"{word.get(event.kind, event.kind)} {name}"


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
