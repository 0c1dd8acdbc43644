"""The coordinator's workbook and CSV files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from findhz.planner.exports import TABLE_NAMES, build_tables, write_exports
from findhz.planner.models import Plan, Scenario


@pytest.fixture
def exported(sample_plan: Plan, sample_scenario: Scenario, tmp_path: Path) -> Path:
    write_exports(sample_plan, sample_scenario, tmp_path)
    return tmp_path


def _sheet(path: Path, name: str) -> list[dict[str, object]]:
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book[name].iter_rows(values_only=True))
    book.close()
    header = [str(cell) for cell in rows[0]]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_write_exports_returns_what_it_wrote(
    sample_plan: Plan, sample_scenario: Scenario, tmp_path: Path
) -> None:
    paths = write_exports(sample_plan, sample_scenario, tmp_path)
    assert paths == sorted(paths)
    assert {p.relative_to(tmp_path).as_posix() for p in paths} >= {
        "workbook.xlsx",
        *(f"csv/{name}.csv" for name in TABLE_NAMES),
    }


def test_workbook_has_every_sheet(exported: Path) -> None:
    book = openpyxl.load_workbook(exported / "workbook.xlsx", read_only=True)
    assert book.sheetnames == list(TABLE_NAMES)
    book.close()


def test_groups_and_stops_match_the_plan(exported: Path, sample_plan: Plan) -> None:
    groups = _sheet(exported / "workbook.xlsx", "groups")
    assert [g["group"] for g in groups] == [
        "2024-09-28-gen-ai-1",
        "2024-09-28-biomed-1",
        "2024-09-29-gen-ai-1",
    ]
    assert groups[0]["people"] == 3 and groups[0]["departs"] == "08:30"
    assert groups[0]["returns"] == "15:30" and groups[0]["lunch_venue"] == "future-canteen"
    stops = _sheet(exported / "workbook.xlsx", "stops")
    assert len(stops) == sum(len(g.stops) for g in sample_plan.groups)
    lab = next(s for s in stops if s["venue"] == "zhejiang-lab")
    assert (lab["arrive"], lab["start"], lab["end"]) == ("09:25", "09:30", "10:30")
    assert lab["confidence"] == "low"


def test_venue_load_by_hour(exported: Path) -> None:
    load = _sheet(exported / "workbook.xlsx", "venue_load")
    canteen_noon = [
        r
        for r in load
        if r["venue"] == "future-canteen" and r["date"] == "2024-09-28" and r["hour"] == "12:00"
    ]
    assert len(canteen_noon) == 1
    assert canteen_noon[0]["groups"] == 2 and canteen_noon[0]["people"] == 4


def test_unassigned_with_reasons(exported: Path) -> None:
    rows = _sheet(exported / "workbook.xlsx", "unassigned")
    assert rows == [
        {
            "delegate": "D005",
            "name": "Hans Müller",
            "country": "Germany",
            "reason": "no biomed group runs on 2024-09-29",
        }
    ]
    delegates = {r["delegate"]: r for r in _sheet(exported / "workbook.xlsx", "delegates")}
    assert delegates["D005"]["status"] == "unassigned"
    assert delegates["D001"]["days"] == 2


def test_csv_holds_the_same_rows(
    exported: Path, sample_plan: Plan, sample_scenario: Scenario
) -> None:
    for table in build_tables(sample_plan, sample_scenario):
        path = exported / "csv" / f"{table.name}.csv"
        header = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        assert tuple(header) == table.columns
        assert len(_csv(path)) == len(table.rows)
    names = [r["name"] for r in _csv(exported / "csv/delegates.csv")]
    assert "李明" in names


def test_formula_like_names_stay_text(
    sample_plan: Plan, sample_scenario: Scenario, tmp_path: Path
) -> None:
    evil = sample_scenario.delegates[0].model_copy(update={"name": '=HYPERLINK("x")'})
    scenario = sample_scenario.model_copy(
        update={"delegates": (evil, *sample_scenario.delegates[1:])}
    )
    write_exports(sample_plan, scenario, tmp_path)
    book = openpyxl.load_workbook(tmp_path / "workbook.xlsx")
    cell = next(c for c in book["delegates"]["B"] if c.value == '=HYPERLINK("x")')
    assert cell.data_type == "s"
    rows = _csv(tmp_path / "csv/delegates.csv")
    assert rows[0]["name"] == '\'=HYPERLINK("x")'


def test_same_plan_same_bytes(sample_plan: Plan, sample_scenario: Scenario, tmp_path: Path) -> None:
    write_exports(sample_plan, sample_scenario, tmp_path / "a")
    write_exports(sample_plan, sample_scenario, tmp_path / "b")
    for path in sorted((tmp_path / "a").rglob("*.*")):
        twin = tmp_path / "b" / path.relative_to(tmp_path / "a")
        assert path.read_bytes() == twin.read_bytes(), path


def test_public_surface() -> None:
    import findhz.planner.exports

    assert findhz.planner.exports.__all__ == [
        "TABLE_NAMES",
        "Table",
        "atomic_output_dir",
        "build_tables",
        "delegate_calendar",
        "write_exports",
    ]


def test_a_plan_with_no_groups_still_exports(
    sample_plan: Plan, sample_scenario: Scenario, tmp_path: Path
) -> None:
    empty = sample_plan.model_copy(update={"groups": []})
    paths = write_exports(empty, sample_scenario, tmp_path)
    assert not list((tmp_path / "delegates").glob("*.ics"))
    assert tmp_path / "workbook.xlsx" in paths
    assert _sheet(tmp_path / "workbook.xlsx", "groups") == []


def test_costs_per_date_and_in_total(
    sample_plan: Plan, sample_scenario: Scenario, tmp_path: Path
) -> None:
    """Each bus-day costs its type's cost_per_day plus staff_per_bus: 2,000 + 500 here."""
    fleet = [b.model_copy(update={"cost_per_day": 2000}) for b in sample_scenario.spec.fleet]
    spec = sample_scenario.spec.model_copy(update={"fleet": fleet, "staff_per_bus": 500})
    write_exports(sample_plan, sample_scenario.model_copy(update={"spec": spec}), tmp_path)
    rows = _sheet(tmp_path / "workbook.xlsx", "costs")
    assert [(r["date"], r["bus"], r["buses"], r["cost_cny"]) for r in rows] == [
        ("2024-09-28", "coach-49", 2, 5000),
        ("2024-09-28", "all buses", 2, 5000),
        ("2024-09-29", "coach-49", 1, 2500),
        ("2024-09-29", "all buses", 1, 2500),
        ("total", "all buses", 3, 7500),
    ]
