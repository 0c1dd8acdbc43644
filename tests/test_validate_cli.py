# ruff: noqa: E501  (the expected lines are kept whole, as a coordinator reads them)
"""``findhz validate`` on malformed input: the exact lines on stderr, exit code 2, no traceback.

Each folder under ``tests/data/bad/`` is a small scenario (a copy of ``tests/data/valid/``)
with the defect its name says; the table below holds every line ``findhz validate`` must
print for it. The command runs inside the case folder on ``scenario.yaml``, so the paths in
the messages are the relative ones a coordinator sees, the same on every machine.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from findhz.cli import app

DATA = Path(__file__).parent / "data"
BAD = DATA / "bad"

EXPECTED: dict[str, list[str]] = {
    "bad-slug-id": [
        "themes.yaml: line 8: route ai-route: venues[1].id: 'Lab_B' is not a valid id (use lowercase letters, digits and single hyphens)",
        "themes.yaml: line 17: route bio-route: venues[0].id: 'Lab_B' is not a valid id (use lowercase letters, digits and single hyphens)",
        "venues.yaml: line 25: venue Lab_B: id: 'Lab_B' is not a valid id (use lowercase letters, digits and single hyphens)",
    ],
    "base-not-a-venue": [
        "scenario.yaml: line 5: base: 'grand-hotel' is not a venue of the catalogue",
    ],
    "catalogue-file-missing": [
        "catalogue.yaml: file not found",
    ],
    "color-not-hex": [
        "themes.yaml: line 15: route bio-route: color: 'blue' is not a colour (write it as #rrggbb, e.g. #1f77b4)",
    ],
    "date-in-year-9999": [
        "scenario.yaml: line 4: dates: 9999-12-31 is outside the years findhz plans (2000 to 2099)",
    ],
    "day-ends-before-start": [
        "scenario.yaml: line 6: day.end: the day ends before it starts",
    ],
    "fleet-count-too-large": [
        "scenario.yaml: line 10: fleet[1].count: must be at most 500 (got 100000000)",
    ],
    "delegate-id-windows-device": [
        "delegates.csv: line 4: delegate NUL: id is a device name that Windows reserves, so "
        "its page could not be opened there",
    ],
    "delegate-ids-differ-in-case": [
        "delegates.csv: line 4: delegate d001: differs from D001 (at line 2) only in letter "
        "case; make them differ",
    ],
    "delegate-date-not-a-date": [
        "delegates.csv: line 4: delegate D003: available[1]: must be a date YYYY-MM-DD (got '28/09/2024')",
    ],
    "delegate-date-outside-scenario": [
        "delegates.csv: line 4: delegate D003: available: 2024-10-28 is not one of the scenario's dates",
    ],
    "delegate-id-with-slash": [
        "delegates.csv: line 3: delegate D/002: id: 'D/002' is not a valid delegate id (use letters, digits and single hyphens)",
    ],
    "delegate-interest-listed-twice": [
        "delegates.csv: line 2: delegate D001: interests: route 'ai-route' is listed 2 times; list each route once, best first",
    ],
    "delegate-interest-unknown-route": [
        "delegates.csv: line 2: delegate D001: interests: unknown route 'ocean-route'",
    ],
    "delegate-missing-name": [
        "delegates.csv: line 4: delegate D003: name: must not be empty",
    ],
    "delegate-no-running-route": [
        "delegates.csv: line 3: delegate D002: interests: none of these routes runs in this scenario",
    ],
    "delegates-empty-file": [
        "delegates.csv: file is empty",
    ],
    "delegates-file-missing": [
        "registrations.csv: file not found",
    ],
    "delegates-gbk-encoding": [
        "delegates.csv: line 3: is not UTF-8 text (byte 0xc0); save the file as UTF-8 (in Excel: CSV UTF-8)",
    ],
    "delegates-header-only": [
        "delegates.csv: has a header but no delegates",
    ],
    "delegates-missing-column": [
        "delegates.csv: line 1: missing column(s) country (the header has id, name, organisation, field, interests, languages, available, needs)",
    ],
    "delegates-unquoted-comma": [
        "delegates.csv: line 2: has 10 cells but the header has 9 columns (put text that contains commas in double quotes)",
    ],
    "delegates-wrong-extension": [
        "delegates.txt: the delegates table must be a .csv or an .xlsx file",
    ],
    "duplicate-delegate-id": [
        "delegates.csv: line 4: delegate D001: duplicate id (first at line 2)",
    ],
    "duplicate-route-id": [
        "themes.yaml: line 12: route ai-route: duplicate id (first at line 2)",
    ],
    "duplicate-venue-id": [
        "venues.yaml: line 44: venue lab-a: duplicate id (first at line 14)",
    ],
    "fleet-all-zero": [
        "scenario.yaml: line 8: fleet: no bus runs: every count is 0",
    ],
    "fleet-duplicate-bus": [
        "scenario.yaml: line 10: fleet[1].id: bus type 'coach-49' is listed twice",
    ],
    "hours-not-a-window": [
        "venues.yaml: line 33: venue lab-b: hours.fri[0]: '9 to 5' is not a window HH:MM-HH:MM",
    ],
    "lunch-outside-day": [
        "scenario.yaml: line 7: lunch.window: lunch must fit inside the day (start no earlier than day.start, end no later than day.end)",
    ],
    "lunch-window-reversed": [
        "scenario.yaml: line 7: lunch.window: the lunch window ends before it starts",
    ],
    "max-group-not-a-number": [
        "venues.yaml: line 31: venue lab-b: max_group: must be a whole number (got 'twenty')",
    ],
    "min-stops-above-max": [
        "themes.yaml: line 11: route ai-route: max_stops: 2 is below min_stops 3",
    ],
    "must-visit-not-in-pool": [
        "themes.yaml: line 9: route ai-route: must_visit[0]: 'park-c' is not among the route's venues",
    ],
    "need-not-known": [
        "delegates.csv: line 3: delegate D002: needs[0]: must be 'step-free', 'vegetarian', 'vegan', 'halal', 'kosher', 'no-pork' or 'interpreter' (got 'wheelchair')",
    ],
    "no-lunch-venue": [
        "scenario.yaml: line 13: catalogue: no venue of the catalogue serves lunch (lunch: true)",
    ],
    "override-date-outside": [
        "scenario.yaml: line 17: overrides[1].date: 2024-10-27 is not one of the scenario's dates",
    ],
    "override-twice": [
        "scenario.yaml: line 18: overrides[2]: 'lab-b' on 2024-09-27 is already overridden by overrides[1]; keep one line per venue and date",
    ],
    "override-unknown-venue": [
        "scenario.yaml: line 17: overrides[1].venue: unknown venue 'lab-z' (use a venue id, or \"*\" for every venue)",
    ],
    "problems-in-several-files": [
        "delegates.csv: line 3: delegate D002: needs[0]: must be 'step-free', 'vegetarian', 'vegan', 'halal', 'kosher', 'no-pork' or 'interpreter' (got 'wheelchair')",
        "scenario.yaml: line 5: base: 'grand-hotel' is not a venue of the catalogue",
        "themes.yaml: line 15: route bio-route: color: 'blue' is not a colour (write it as #rrggbb, e.g. #1f77b4)",
        "venues.yaml: line 36: venue park-c: kind: must be 'research_platform', 'university', 'park', 'enterprise', 'conference_venue', 'hotel' or 'restaurant' (got 'museum')",
    ],
    "route-title-chinese-empty": [
        "themes.yaml: line 13: route bio-route: title.zh: must not be empty",
    ],
    "route-unknown-venue": [
        "themes.yaml: line 18: route bio-route: venues[1]: unknown venue 'park-d'",
    ],
    "route-venue-listed-twice": [
        "themes.yaml: line 18: route bio-route: venues[1]: venue 'lab-b' is listed twice",
    ],
    "scenario-dates-out-of-order": [
        "scenario.yaml: line 4: dates: the dates must be in calendar order",
        "scenario.yaml: line 4: dates[2]: 2024-09-28 is listed twice",
    ],
    "scenario-empty-file": [
        "scenario.yaml: file is empty",
    ],
    "scenario-impossible-date": [
        "scenario.yaml: line 4: is not valid YAML: '2024-09-31' cannot be read (day is out of range for month)",
    ],
    "scenario-missing-field": [
        "scenario.yaml: line 1: base: is required",
    ],
    "scenario-not-a-mapping": [
        "scenario.yaml: line 1: must be a mapping of fields (key: value)",
    ],
    "scenario-not-yaml": [
        "scenario.yaml: line 5: is not valid YAML: expected ',' or ']', but got ':'",
    ],
    "scenario-only-comments": [
        "scenario.yaml: has nothing in it but comments",
    ],
    "scenario-unknown-field": [
        "scenario.yaml: line 8: buses: is not a known field (check its spelling)",
    ],
    "scenario-unknown-route": [
        "scenario.yaml: line 11: routes[2]: unknown route 'ocean-route'",
    ],
    "several-problems-one-file": [
        "venues.yaml: line 22: venue lab-a: hours.fri[1]: '17:30-13:30' ends before it starts",
        "venues.yaml: line 29: venue lab-b: location: latitude 120.034 and longitude 30.33 look swapped: latitude comes first (about 30 in Hangzhou), then longitude (about 120)",
        "venues.yaml: line 30: venue lab-b: visit_min: must be at least 5 (got 2)",
        "venues.yaml: line 36: venue park-c: kind: must be 'research_platform', 'university', 'park', 'enterprise', 'conference_venue', 'hotel' or 'restaurant' (got 'museum')",
    ],
    "step-free-not-yes-or-no": [
        "venues.yaml: line 43: venue park-c: step_free: must be true or false (got 'sometimes')",
    ],
    "time-not-a-clock": [
        "scenario.yaml: line 6: day.end: '25:00' is not a time HH:MM",
    ],
    "unknown-timezone": [
        "scenario.yaml: line 3: timezone: 'Asia/Hangzhou' is not a known time zone",
    ],
    "venue-contact-phone-not-a-number": [
        "venues.yaml: line 25: venue lab-a: contact.phone: 'call the front desk' has the wrong form",
    ],
    "venue-coordinates-swapped": [
        "venues.yaml: line 29: venue lab-b: location: latitude 120.034 and longitude 30.33 look swapped: latitude comes first (about 30 in Hangzhou), then longitude (about 120)",
    ],
    "venue-kind-unknown": [
        "venues.yaml: line 36: venue park-c: kind: must be 'research_platform', 'university', 'park', 'enterprise', 'conference_venue', 'hotel' or 'restaurant' (got 'museum')",
    ],
    "venue-missing-field": [
        "venues.yaml: line 25: venue lab-b: visit_min: is required",
    ],
    "venue-name-without-chinese": [
        "venues.yaml: line 26: venue lab-b: name.zh: is required",
    ],
    "venue-outside-hangzhou": [
        "venues.yaml: line 38: venue park-c: location: (31.2304, 121.4737) lies outside the Hangzhou region (latitude 29.1-30.65, longitude 118.3-120.8, WGS-84)",
    ],
    "venue-unknown-weekday": [
        "venues.yaml: line 42: venue park-c: hours.friday: must be 'mon', 'tue', 'wed', 'thu', 'fri', 'sat' or 'sun' (got 'friday')",
    ],
    "venue-visit-too-long": [
        "venues.yaml: line 30: venue lab-b: visit_min: must be at most 480 (got 600)",
    ],
    "venue-window-ends-before-start": [
        "venues.yaml: line 42: venue park-c: hours.fri[0]: '17:30-09:00' ends before it starts",
    ],
    "venue-windows-overlap": [
        "venues.yaml: line 22: venue lab-a: hours.fri: windows '09:00-12:00' and '11:30-17:30' overlap",
    ],
    "venue-without-id": [
        "venues.yaml: line 34: venue #4: id: is required",
    ],
    "venues-gbk-encoding": [
        "venues.yaml: line 3: is not UTF-8 text (byte 0xb2); save the file as UTF-8",
    ],
    "venues-not-a-list": [
        "venues.yaml: line 1: venues: must be a non-empty list",
    ],
    "venues-wrong-top-key": [
        "venues.yaml: line 1: venues: the file has no top-level 'venues:' list (found: places)",
    ],
    "xlsx-date-outside-scenario": [
        "delegates.xlsx: row 3: delegate D002: available: 2024-10-28 is not one of the scenario's dates",
    ],
    "xlsx-missing-column": [
        "delegates.xlsx: row 1: missing column(s) interests (the header has id, name, country, organisation, field, languages, available, needs, note)",
    ],
    "xlsx-not-a-workbook": [
        "delegates.xlsx: is not an Excel workbook (.xlsx); save it as .xlsx or CSV",
    ],
    "xlsx-row-with-bad-need": [
        "delegates.xlsx: row 4: delegate D003: needs[0]: must be 'step-free', 'vegetarian', 'vegan', 'halal', 'kosher', 'no-pork' or 'interpreter' (got 'wheelchair')",
    ],
    "xlsx-wrong-sheet": [
        "delegates.xlsx: row 1: sheet 'Summary' is not a delegates table (no 'id' column in its first row); put the delegates on the first sheet or on a sheet named 'delegates' (the workbook has: Summary, Registrations)",
    ],
    "yaml-control-character": [
        "themes.yaml: line 3: contains a control character (#x0007) that YAML does not allow",
    ],
    "yaml-duplicate-key": [
        "venues.yaml: line 31: venues[2].visit_min: appears twice in the same place (first on line 30); keep one",
    ],
    "yaml-tab-indentation": [
        "venues.yaml: line 36: is not valid YAML: found character '\\t' that cannot start any token (indent with spaces, not tabs)",
    ],
    "travel-speed-near-zero": [
        "scenario.yaml: line 19: travel.speeds_kmh.midday: must be at least 5.0 (got 0.0001)",
    ],
}


def _validate(folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(app, ["validate", "scenario.yaml"])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_bad_input_lines_and_exit_code(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    code, stdout, stderr = _validate(BAD / case, monkeypatch)
    assert "Traceback" not in stdout + stderr
    assert stderr.splitlines() == EXPECTED[case]
    assert stdout == ""
    assert code == 2


def test_every_case_folder_is_in_the_table() -> None:
    folders = {p.name for p in BAD.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))}
    assert folders == set(EXPECTED)
    assert len(folders) >= 30


def test_problems_in_one_file_are_all_reported_in_line_order() -> None:
    lines = EXPECTED["several-problems-one-file"]
    assert len(lines) == 4
    assert {line.split(":")[0] for line in lines} == {"venues.yaml"}
    numbers = [int(line.split(": line ")[1].split(":")[0]) for line in lines]
    assert numbers == sorted(numbers)


def test_problems_in_several_files_are_grouped_by_file() -> None:
    files = [line.split(":")[0] for line in EXPECTED["problems-in-several-files"]]
    assert files == sorted(files)
    assert set(files) == {"delegates.csv", "scenario.yaml", "themes.yaml", "venues.yaml"}


def test_a_valid_scenario_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    code, stdout, stderr = _validate(DATA / "valid", monkeypatch)
    assert (code, stderr) == (0, "")
    assert stdout.startswith("small: 4 venues, 2 routes running, 3 delegates")
    assert stdout.rstrip().endswith("OK")


def test_a_missing_scenario_file_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    result = CliRunner().invoke(app, ["validate", "no-such-scenario.yaml"])
    assert (result.exit_code, result.stderr) == (2, "no-such-scenario.yaml: file not found\n")


def test_the_console_script_prints_no_traceback() -> None:
    """The real process, not the test runner: exit code 2 and the lines on stderr only."""
    case = BAD / "problems-in-several-files"
    done = subprocess.run(
        [sys.executable, "-c", "from findhz.cli import main; main()", "validate", "scenario.yaml"],
        cwd=case,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == EXPECTED["problems-in-several-files"]
    assert done.stdout == ""


def test_help_explains_validate() -> None:
    top = CliRunner().invoke(app, ["--help"])
    assert top.exit_code == 0
    assert "validate" in top.stdout
    own = CliRunner().invoke(app, ["validate", "--help"])
    assert own.exit_code == 0
    assert "every problem" in own.stdout
    assert "Exit code" in own.stdout
