"""A re-plan's outputs agree with its change report: calendars, workbook, index, pages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar
import pytest
from openpyxl import load_workbook

from findhz.maps import render_site
from findhz.planner.changes import DelegateDropped, GroupLate, VenueClosed
from findhz.planner.exports import write_exports
from findhz.planner.models import Plan, Scenario
from findhz.planner.replan import replan
from findhz.planner.travel import build_matrix
from findhz.planner.travel.matrix import TravelMatrix

DAY1 = dt.date(2024, 9, 28)
G1 = f"{DAY1}-gen-ai-1"


@pytest.fixture(scope="module")
def matrix(sample_scenario: Scenario) -> TravelMatrix:
    return build_matrix(sample_scenario, "offline", use_cache=False)


def _calendar(
    plan: Plan, scenario: Scenario, folder: Path, delegate: str
) -> dict[str, icalendar.Event]:
    write_exports(plan, scenario, folder)
    path = folder / "delegates" / f"{delegate}.ics"
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def _closed_at_ten(venue: str = "westlake-univ") -> VenueClosed:
    return VenueClosed.model_validate(
        {"kind": "venue-closed", "venue": venue, "date": DAY1, "from": "10:00"}
    )


def test_uids_survive_a_replan_and_only_changed_events_raise_sequence(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix, tmp_path: Path
) -> None:
    before = _calendar(sample_plan, sample_scenario, tmp_path / "v1", "D001")
    result = replan(sample_plan, sample_scenario, matrix, [_closed_at_ten()])
    after = _calendar(result.plan, result.scenario, tmp_path / "v2", "D001")
    assert all(int(e["sequence"]) == 0 for e in before.values())
    # Every event keeps its UID; the visit that was taken away is there, cancelled.
    assert set(before) <= set(after)
    cancelled = [u for u, e in after.items() if str(e["status"]) == "CANCELLED"]
    assert cancelled == [f"sample.{DAY1}.visit.westlake-univ.D001@findhz"]
    assert int(after[cancelled[0]]["sequence"]) == 1
    assert after[cancelled[0]].decoded("dtstart") == before[cancelled[0]].decoded("dtstart")
    # The day-2 events did not change: their SEQUENCE stays 0; the return leg of day 1 moved.
    day2 = [e for u, e in after.items() if f".{dt.date(2024, 9, 29)}." in u]
    assert day2 and all(int(e["sequence"]) == 0 for e in day2)
    ride_back = next(e for u, e in after.items() if f"{DAY1}.return." in u)
    old_back = before[str(ride_back["uid"])]
    assert ride_back.decoded("dtstart") != old_back.decoded("dtstart")
    assert int(ride_back["sequence"]) == 1


def test_sequence_never_goes_down_over_several_replans(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix, tmp_path: Path
) -> None:
    second = replan(sample_plan, sample_scenario, matrix, [_closed_at_ten()])
    late = GroupLate(kind="group-late", group=f"{dt.date(2024, 9, 29)}-gen-ai-1", minutes=20)
    third = replan(second.plan, second.scenario, matrix, [late])
    assert third.plan.metrics.version == 3
    v2 = _calendar(second.plan, second.scenario, tmp_path / "v2", "D001")
    v3 = _calendar(third.plan, third.scenario, tmp_path / "v3", "D001")
    for uid, event in v2.items():
        assert uid in v3  # cancelled ones stay cancelled in later versions
        assert int(v3[uid]["sequence"]) >= int(event["sequence"])
    moved = [e for u, e in v3.items() if f".{dt.date(2024, 9, 29)}.visit." in u]
    assert moved and all(int(e["sequence"]) == 2 for e in moved)


def test_a_dropped_delegate_gets_a_calendar_that_cancels_their_events(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix, tmp_path: Path
) -> None:
    change = DelegateDropped(kind="delegate-dropped", delegate="D002", reason="flight cancelled")
    result = replan(sample_plan, sample_scenario, matrix, [change])
    events = _calendar(result.plan, result.scenario, tmp_path, "D002")
    before = _calendar(sample_plan, sample_scenario, tmp_path / "v1", "D002")
    assert set(events) == set(before)
    assert {str(e["status"]) for e in events.values()} == {"CANCELLED"}


def test_the_workbook_index_and_delegate_page_show_the_changes(
    sample_plan: Plan, sample_scenario: Scenario, matrix: TravelMatrix, tmp_path: Path
) -> None:
    change = DelegateDropped(kind="delegate-dropped", delegate="D003", reason="ill")
    result = replan(sample_plan, sample_scenario, matrix, [_closed_at_ten(), change])
    write_exports(result.plan, result.scenario, tmp_path)
    render_site(result.plan, result.scenario, tmp_path)
    sheet = load_workbook(tmp_path / "workbook.xlsx")["changes"]
    rows = [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=2)]
    report = result.report
    assert len(rows) == len(report.delegates) + len(report.hosts)
    assert ("delegate", "D003", "dropped") in {(r[1], r[2], r[5]) for r in rows}
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    section = index[
        index.index('id="changes"') : index.index("</section>", index.index('id="changes"'))
    ]
    assert 'data-delegate="D003" data-status="dropped"' in section
    assert 'data-venue="westlake-univ" data-status="cancelled"' in section
    shifted = next(d.delegate for d in report.delegates if d.status == "shifted")
    page = (tmp_path / "delegates" / f"{shifted}.html").read_text(encoding="utf-8")
    assert "Changed in plan version 2" in page and "第 2 版更新" in page
    untouched = (tmp_path / "delegates" / "D005.html").read_text(encoding="utf-8")
    assert "fh-changed" not in untouched


def test_a_plan_made_from_scratch_has_an_empty_changes_table_and_no_section(
    sample_plan: Plan, sample_scenario: Scenario, tmp_path: Path
) -> None:
    write_exports(sample_plan, sample_scenario, tmp_path)
    render_site(sample_plan, sample_scenario, tmp_path)
    sheet = load_workbook(tmp_path / "workbook.xlsx")["changes"]
    assert sheet.max_row == 1
    assert 'id="changes"' not in (tmp_path / "index.html").read_text(encoding="utf-8")
