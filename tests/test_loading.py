"""Unit tests of ``findhz.planner.loading``: what loads, and where each problem is said to be."""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from findhz.planner.bundled import bundled_routes
from findhz.planner.errors import InputError, Problem
from findhz.planner.loading import load_catalogue, load_delegates, load_routes, load_scenario
from findhz.planner.models import Scenario

DATA = Path(__file__).parent / "data"
VALID = DATA / "valid"
SCENARIOS = bundled_routes() / "scenarios"
HEADER = "id,name,country,organisation,field,interests,languages,available,needs\n"


@pytest.fixture
def case(tmp_path: Path) -> Path:
    """A writable copy of the small valid scenario; returns its folder."""
    folder = tmp_path / "case"
    shutil.copytree(VALID, folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _problems(path: Path) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    return caught.value.problems


def _line_of(path: Path, fragment: str) -> str:
    """``"line N"`` of the first line of ``path`` that contains ``fragment``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return f"line {next(i for i, text in enumerate(lines, 1) if fragment in text)}"


# ---------------------------------------------------------------------------------------------
# What loads


def test_the_small_valid_scenario_loads() -> None:
    scenario = load_scenario(VALID / "scenario.yaml")
    assert isinstance(scenario, Scenario)
    assert scenario.id == "small"
    assert list(scenario.venues) == ["expo-hotel", "lab-a", "lab-b", "park-c"]
    assert list(scenario.routes) == ["ai-route", "bio-route"]
    assert [d.id for d in scenario.delegates] == ["D001", "D002", "D003"]
    assert scenario.base.id == "expo-hotel"
    assert scenario.dates == [dt.date(2024, 9, 27), dt.date(2024, 9, 28)]
    assert scenario.spec.day.start == 8 * 60 + 30
    assert scenario.spec.lunch.window == (11 * 60 + 30, 13 * 60)
    assert scenario.opening("lab-b", dt.date(2024, 9, 27)) == []
    assert [str(w) for w in scenario.opening("lab-a", dt.date(2024, 9, 28))] == ["09:00-17:30"]
    d002 = scenario.delegates[1]
    assert d002.name == "李明"
    assert d002.available == [dt.date(2024, 9, 28)]
    assert d002.step_free
    assert scenario.delegates[2].available == [dt.date(2024, 9, 27), dt.date(2024, 9, 28)]


@pytest.mark.parametrize("name", ["findhz-2024", "conference-300"])
def test_the_bundled_scenarios_load(name: str) -> None:
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    assert len(scenario.venues) > 60
    assert len(scenario.routes) == 11
    assert len(scenario.delegates) in {152, 300}


@pytest.mark.parametrize("name", ["findhz-2024", "conference-300"])
def test_delegates_from_xlsx_equal_delegates_from_csv(name: str) -> None:
    from_csv = load_delegates(SCENARIOS / f"{name}-delegates.csv")
    from_xlsx = load_delegates(SCENARIOS / f"{name}-delegates.xlsx")
    assert len(from_csv) in {152, 300}
    assert from_xlsx == from_csv


def test_dates_from_xlsx_cells_and_the_sheet_named_delegates() -> None:
    """valid/delegates.xlsx: a README sheet first, real date cells, an extra column."""
    from_xlsx = load_delegates(VALID / "delegates.xlsx")
    assert from_xlsx == load_delegates(VALID / "delegates.csv")
    assert from_xlsx[1].available == [dt.date(2024, 9, 28)]


def test_a_scenario_reading_the_xlsx_loads_the_same_delegates(case: Path) -> None:
    _edit(case / "scenario.yaml", "delegates: delegates.csv", "delegates: delegates.xlsx")
    via_xlsx = load_scenario(case / "scenario.yaml")
    assert via_xlsx.delegates == load_scenario(VALID / "scenario.yaml").delegates


def test_unknown_extra_columns_are_ignored(tmp_path: Path) -> None:
    table = tmp_path / "delegates.csv"
    table.write_text(
        "id,name,shirt size,country,interests,note,\n"
        "D001,Alice Martin,M,France,ai-route,synthetic,\n",
        encoding="utf-8",
    )
    (delegate,) = load_delegates(table)
    assert (delegate.id, delegate.name, delegate.country) == ("D001", "Alice Martin", "France")
    assert delegate.interests == ["ai-route"]


def test_semicolon_lists_with_spaces_fullwidth_semicolons_and_empty_parts(
    tmp_path: Path,
) -> None:
    table = tmp_path / "delegates.csv"
    table.write_text(
        HEADER + "D001,A,France,,,ai-route ; bio-route;,en；fr,2024-09-27; 2024-09-28,"
        "step-free;;halal\n",
        encoding="utf-8",
    )
    (delegate,) = load_delegates(table)
    assert delegate.interests == ["ai-route", "bio-route"]
    assert delegate.languages == ["en", "fr"]
    assert delegate.available == [dt.date(2024, 9, 27), dt.date(2024, 9, 28)]
    assert delegate.needs == ["step-free", "halal"]


def test_bom_prefixed_csv_with_windows_line_ends(tmp_path: Path) -> None:
    table = tmp_path / "delegates.csv"
    body = HEADER + "D001,Alice Martin,France,,,ai-route,en,,\n"
    table.write_bytes(b"\xef\xbb\xbf" + body.replace("\n", "\r\n").encode("utf-8"))
    (delegate,) = load_delegates(table)
    assert delegate.id == "D001"


def test_capitalised_headers_and_blank_rows(tmp_path: Path) -> None:
    table = tmp_path / "delegates.csv"
    table.write_text(
        "ID, Name ,Country,Interests\n\nD001,A,France,ai-route\n,,,\nD002,B,Peru,ai-route\n",
        encoding="utf-8",
    )
    assert [d.id for d in load_delegates(table)] == ["D001", "D002"]


def test_unquoted_times_read_as_yaml_numbers_are_the_same_minutes(case: Path) -> None:
    _edit(
        case / "scenario.yaml",
        'day: {start: "08:30", end: "18:00"}',
        "day: {start: 8:30, end: 18:00}",
    )
    assert load_scenario(case / "scenario.yaml").spec.day == (
        load_scenario(VALID / "scenario.yaml").spec.day
    )


def test_yaml_anchors_and_merge_keys_are_followed(case: Path) -> None:
    venues = case / "venues.yaml"
    _edit(venues, '      fri: ["07:00-20:00"]', '      fri: &long ["07:00-20:00"]')
    _edit(venues, '      sat: ["07:00-20:00"]', "      sat: *long")
    scenario = load_scenario(case / "scenario.yaml")
    assert [str(w) for w in scenario.venues["expo-hotel"].hours["sat"]] == ["07:00-20:00"]


def test_load_catalogue_and_load_routes_on_the_bundled_files() -> None:
    venues = load_catalogue(bundled_routes() / "venues.yaml")
    routes = load_routes(bundled_routes() / "themes.yaml")
    assert "hiec" in venues
    assert len(routes) == 11
    assert all(v.id in venues for r in routes.values() for v in r.venues)


# ---------------------------------------------------------------------------------------------
# Where problems are said to be


def test_line_numbers_point_at_the_field(case: Path) -> None:
    venues, themes, scenario = case / "venues.yaml", case / "themes.yaml", case / "scenario.yaml"
    _edit(venues, "visit_min: 45", "visit_min: 2")
    _edit(venues, '"09:00-11:30", "13:30-17:30"', '"09:00-11:30", "17:30-13:30"')
    _edit(themes, "{id: park-c, weight: 5}", "{id: park-c, weight: 50}")
    _edit(scenario, "date: 2024-09-27, hours: []", "date: 2024-10-27, hours: []")
    found = {(p.file, p.where, p.field) for p in _problems(scenario)}
    assert found == {
        (str(venues), _line_of(venues, "visit_min: 2"), "venue lab-b: visit_min"),
        (str(venues), _line_of(venues, "17:30-13:30"), "venue lab-a: hours.fri[1]"),
        (str(themes), _line_of(themes, "weight: 50"), "route bio-route: venues[1].weight"),
        (str(scenario), _line_of(scenario, "2024-10-27"), "overrides[1].date"),
    }


def test_a_broken_scenario_still_has_its_other_files_checked(case: Path) -> None:
    scenario, venues = case / "scenario.yaml", case / "venues.yaml"
    _edit(scenario, "timezone: Asia/Shanghai", "timezone: Mars/Olympus")
    _edit(venues, "kind: park", "kind: museum")
    _edit(case / "delegates.csv", "D003,", "D001,")
    assert [str(p) for p in _problems(scenario)] == [
        f"{case / 'delegates.csv'}: line 4: delegate D001: duplicate id (first at line 2)",
        f"{scenario}: {_line_of(scenario, 'Mars')}: timezone: 'Mars/Olympus' is not a known "
        "time zone",
        f"{venues}: {_line_of(venues, 'museum')}: venue park-c: kind: must be "
        "'research_platform', 'university', 'park', 'enterprise', 'conference_venue', 'hotel' "
        "or 'restaurant' (got 'museum')",
    ]


def test_a_missing_field_points_at_its_record(case: Path) -> None:
    venues = case / "venues.yaml"
    _edit(venues, "    district: Xihu\n", "")
    (problem,) = _problems(case / "scenario.yaml")
    assert (problem.where, problem.field) == (
        _line_of(venues, "- id: lab-b"),
        "venue lab-b: district",
    )
    assert problem.message == "is required"


def test_csv_problems_name_the_line_where_the_record_starts(tmp_path: Path) -> None:
    table = tmp_path / "delegates.csv"
    table.write_text(
        HEADER + 'D001,"Alice\nMartin",France,,,ai-route,,,\nD/2,B,Peru,,,ai-route,,,\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load_delegates(table)
    (problem,) = caught.value.problems
    assert (problem.where, problem.field) == ("line 4", "delegate D/2: id")


def test_a_row_with_more_cells_than_columns_says_to_quote_commas(tmp_path: Path) -> None:
    table = tmp_path / "delegates.csv"
    table.write_text(HEADER + "D001,Martin, Alice,France,,,ai-route,,,\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_delegates(table)
    (problem,) = caught.value.problems
    assert problem.where == "line 2"
    assert "double quotes" in problem.message


def test_every_problem_of_every_file_is_reported_once(case: Path) -> None:
    _edit(case / "venues.yaml", "kind: park", "kind: museum")  # park-c is invalid...
    _edit(case / "delegates.csv", ",step-free", ",wheelchair")
    _edit(case / "scenario.yaml", "base: expo-hotel", "base: grand-hotel")
    problems = _problems(case / "scenario.yaml")
    # ...and bio-route, which names park-c, is not blamed for it.
    assert [(Path(p.file).name, p.field) for p in problems] == [
        ("delegates.csv", "delegate D002: needs[0]"),
        ("scenario.yaml", "base"),
        ("venues.yaml", "venue park-c: kind"),
    ]


def test_the_error_prints_one_line_per_problem(case: Path) -> None:
    _edit(case / "delegates.csv", "Alice Martin,France", '"Alice\nMartin",')
    _edit(case / "scenario.yaml", "fleet:", '"bus\\nes": 3\nfleet:')
    with pytest.raises(InputError) as caught:
        load_scenario(case / "scenario.yaml")
    text = str(caught.value)
    assert len(text.splitlines()) == len(caught.value.problems) == 2
    assert "bus\\nes: is not a known field" in text


@pytest.mark.parametrize(
    "load", [load_scenario, load_catalogue, load_routes, load_delegates], ids=lambda f: f.__name__
)
def test_each_loader_reports_a_missing_file(load: object, tmp_path: Path) -> None:
    assert callable(load)
    with pytest.raises(InputError, match="file not found"):
        load(tmp_path / "nothing.csv")


def test_a_path_that_cannot_exist_is_an_input_error(case: Path) -> None:
    _edit(case / "scenario.yaml", "delegates: delegates.csv", 'delegates: "dele\\0gates.csv"')
    (problem,) = _problems(case / "scenario.yaml")
    assert str(problem).endswith(
        "delegates: contains the control character U+0000, "
        "which no page, workbook or calendar can hold; remove it"
    )


def test_a_duplicate_id_names_the_first_one(case: Path) -> None:
    _edit(case / "delegates.csv", "D003,", "D001,")
    (problem,) = _problems(case / "scenario.yaml")
    assert str(problem).endswith("line 4: delegate D001: duplicate id (first at line 2)")


# ---------------------------------------------------------------------------------------------
# The xlsx fixtures are reproducible


def _make_xlsx() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_xlsx", DATA / "bad" / "make_xlsx.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_xlsx_fixtures_are_what_make_xlsx_writes() -> None:
    fixtures = _make_xlsx().fixtures()
    assert len(fixtures) >= 5
    for relative, content in fixtures.items():
        assert (DATA / relative).read_bytes() == content, relative


# ---------------------------------------------------------------------------------------------
# The morning's notes

MORNING = """
morning:
  be_there_min: 20
  meeting_points:
    expo-hotel:
      text: {en: "Lobby, east door", zh: "大堂东门"}
      location: {lat: 30.23, lon: 120.258, confidence: medium, source: "test"}
  organiser:
    name: {en: "Visits desk", zh: "参访服务台"}
    hotline: "+86 571 0000 0000"
    wechat: visits-desk
  buses:
    2024-09-28-ai-route-1: {sign: "FIND HZ 1", plate: "浙A·00000",
                            guide: {name: "Wang Fang", phone: "138 0000 0000"}}
  venues:
    lab-a: {bring_id: true, photos: ask, dress: {en: "Closed shoes", zh: "请穿不露脚趾的鞋"}}
    expo-hotel: {meals: [halal, vegetarian]}
  lunch_paid: false
"""


def test_the_mornings_notes_load(case: Path) -> None:
    scenario = case / "scenario.yaml"
    scenario.write_text(scenario.read_text(encoding="utf-8") + MORNING, encoding="utf-8")
    morning = load_scenario(scenario).spec.morning
    assert morning.be_there_min == 20
    assert morning.meeting_points["expo-hotel"].text.zh == "大堂东门"
    assert morning.organiser is not None and morning.organiser.wechat == "visits-desk"
    bus = morning.buses["2024-09-28-ai-route-1"]
    assert bus.guide is not None and bus.guide.phone == "138 0000 0000"
    assert morning.venues["lab-a"].bring_id and morning.venues["expo-hotel"].meals == [
        "halal",
        "vegetarian",
    ]
    assert morning.lunch_paid is False


def test_a_morning_phone_number_must_be_digits(case: Path) -> None:
    scenario = case / "scenario.yaml"
    bad = MORNING.replace('hotline: "+86 571 0000 0000"', 'hotline: "call us"')
    scenario.write_text(scenario.read_text(encoding="utf-8") + bad, encoding="utf-8")
    problems = _problems(scenario)
    assert [(p.where, p.field) for p in problems] == [
        (_line_of(scenario, "hotline"), "morning.organiser.hotline")
    ]


def test_the_mornings_cross_checks(case: Path) -> None:
    scenario = case / "scenario.yaml"
    bad = MORNING.replace("    expo-hotel:\n      text", "    lab-a:\n      text").replace(
        "    lab-a: {bring_id", "    lab-zz: {bring_id"
    )
    scenario.write_text(scenario.read_text(encoding="utf-8") + bad, encoding="utf-8")
    found = {(p.where, p.field, p.message) for p in _problems(scenario)}
    assert found == {
        (
            _line_of(scenario, "    lab-a:"),
            "morning.meeting_points.lab-a",
            "'lab-a' is not the scenario's base 'expo-hotel': buses leave only from the base",
        ),
        (_line_of(scenario, "lab-zz"), "morning.venues.lab-zz", "unknown venue 'lab-zz'"),
    }
