"""Text from a registration export may hold line breaks (a cell typed with Alt+Enter) or
control characters: the first become spaces and the plan is written (pages, workbook and
calendars included); the second are refused in one line naming the row and field."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from findhz.cli import app

VALID = Path(__file__).resolve().parents[1] / "data" / "valid"


def _scenario_with_name(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "scenario"
    shutil.copytree(VALID, folder)
    rows = (folder / "delegates.csv").read_text(encoding="utf-8").splitlines()
    fields = rows[1].split(",")
    fields[1] = '"' + name + '"'
    rows[1] = ",".join(fields)
    (folder / "delegates.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder / "scenario.yaml"


def test_a_line_break_in_a_name_becomes_a_space(tmp_path: Path) -> None:
    scenario = _scenario_with_name(tmp_path, "Ana\r\nBelle\tMartin")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["plan", str(scenario), "--out", str(out), "--time-limit", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "Ana Belle Martin" in (out / "delegates" / "D001.html").read_text(encoding="utf-8")
    assert "Ana Belle Martin" in (out / "csv" / "delegates.csv").read_text(encoding="utf-8")


def test_a_control_character_is_refused_with_its_row(tmp_path: Path) -> None:
    scenario = _scenario_with_name(tmp_path, "Ana\x00Belle")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["plan", str(scenario), "--out", str(out), "--time-limit", "1"]
    )
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].endswith(
        "delegates.csv: line 2: delegate D001: name: contains the control character U+0000, "
        "which no page, workbook or calendar can hold; remove it"
    )
    assert not out.exists()
