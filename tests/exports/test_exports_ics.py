"""Delegate calendars: they parse back, keep Asia/Shanghai times, and are reproducible."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from findhz.planner.exports import write_exports
from findhz.planner.models import Plan, Scenario

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def exported(sample_plan: Plan, sample_scenario: Scenario, tmp_path: Path) -> Path:
    write_exports(sample_plan, sample_scenario, tmp_path)
    return tmp_path


def _events(path: Path) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    return list(calendar.walk("VEVENT"))


def test_one_calendar_per_delegate_on_a_bus(exported: Path) -> None:
    assert sorted(p.name for p in (exported / "delegates").glob("*.ics")) == [
        "D001.ics",
        "D002.ics",
        "D003.ics",
        "D004.ics",
    ]


def test_events_keep_their_times_in_shanghai(exported: Path, sample_plan: Plan) -> None:
    events = _events(exported / "delegates/D002.ics")
    group = sample_plan.groups[0]
    visits = [s for s in group.stops if s.kind in ("visit", "lunch")]
    # ride out, each visit and lunch, ride back
    assert len(events) == len(visits) + 2
    for event, stop in zip(events[1:-1], visits, strict=True):
        start = event.decoded("dtstart")
        end = event.decoded("dtend")
        assert event["dtstart"].params["TZID"] == "Asia/Shanghai"
        assert start.tzinfo is not None and start.utcoffset() == dt.timedelta(hours=8)
        assert start == stop.start and end == stop.end
        assert start.astimezone(SHANGHAI).strftime("%H:%M") == stop.start.strftime("%H:%M")
    assert events[0].decoded("dtstart") == group.stops[0].depart
    assert events[-1].decoded("dtend") == group.stops[-1].arrive


def test_calendar_carries_its_time_zone_block(exported: Path) -> None:
    calendar = icalendar.Calendar.from_ical((exported / "delegates/D001.ics").read_bytes())
    zones = list(calendar.walk("VTIMEZONE"))
    assert [z["TZID"] for z in zones] == ["Asia/Shanghai"]


def test_events_name_the_venue_and_its_coordinates(
    exported: Path, sample_scenario: Scenario
) -> None:
    events = _events(exported / "delegates/D001.ics")
    visit = next(e for e in events if "Zhejiang Lab" in str(e["summary"]))
    venue = sample_scenario.venues["zhejiang-lab"]
    assert "Zhejiang Lab" in str(visit["location"]) and "之江实验室" in str(visit["location"])
    geo = visit["geo"]
    assert (geo.latitude, geo.longitude) == (venue.location.lat, venue.location.lon)
    assert "approximate" in str(visit["description"])
    assert "+86 571 0000 0000" in str(visit["description"])


def test_uids_are_unique_and_stable(
    exported: Path, sample_plan: Plan, sample_scenario: Scenario, tmp_path: Path
) -> None:
    uids = [str(e["uid"]) for p in (exported / "delegates").glob("*.ics") for e in _events(p)]
    assert len(uids) == len(set(uids))
    again = tmp_path / "again"
    write_exports(sample_plan, sample_scenario, again)
    for path in sorted((exported / "delegates").glob("*.ics")):
        assert path.read_bytes() == (again / "delegates" / path.name).read_bytes()


def test_dtstamp_comes_from_the_plan(exported: Path, sample_plan: Plan) -> None:
    first_departure = min(
        s.depart for g in sample_plan.groups for s in g.stops if s.depart is not None
    )
    for event in _events(exported / "delegates/D003.ics"):
        assert event.decoded("dtstamp") == first_departure.astimezone(dt.UTC)


def test_shared_event_bytes_are_what_icalendar_writes(
    sample_plan: Plan, sample_scenario: Scenario
) -> None:
    # Each bus's events are serialised once and every rider's UID spliced in: the calendar
    # must read back and write out as the same bytes, also for a UID long enough to fold
    # and one with characters iCalendar escapes.
    from findhz.planner.exports.ics import delegate_calendar

    group = sample_plan.groups[0]
    base = next(d for d in sample_scenario.delegates if d.id == group.delegates[0])
    shared: dict[tuple[str, int, int], bytes] = {}
    for new_id in (base.id, "X" * 90, "Semi;colon,comma"):
        delegate = base.model_copy(update={"id": new_id})
        data = delegate_calendar(sample_plan, sample_scenario, delegate, [group], shared=shared)
        alone = delegate_calendar(sample_plan, sample_scenario, delegate, [group])
        assert data == alone
        parsed = icalendar.Calendar.from_ical(data)
        assert parsed.to_ical() == data
        uids = [str(e["uid"]) for e in parsed.walk("VEVENT")]
        assert uids and all(uid.endswith(f".{new_id}@findhz") for uid in uids)
    assert len(shared) == len(uids)  # serialised once for the three riders
