"""A registration export loses nothing silently: common header variants are read, columns
findhz does not read are named in one warning line with the closest known name, and a
comma-separated interests cell is told to use ``;``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from findhz.cli import app
from findhz.planner.errors import InputError
from findhz.planner.loading import load_scenario

VALID = Path(__file__).resolve().parents[1] / "data" / "valid"


def _with_header(tmp_path: Path, header: str, extra: str = "") -> Path:
    folder = tmp_path / "scenario"
    shutil.copytree(VALID, folder)
    rows = (folder / "delegates.csv").read_text(encoding="utf-8").splitlines()
    rows = [header] + [row + extra for row in rows[1:]]
    (folder / "delegates.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder / "scenario.yaml"


def test_common_header_variants_are_read(tmp_path: Path) -> None:
    scenario = _with_header(
        tmp_path,
        "Delegate ID,Full Name,Country/Region,Organization,Research field,Interests,"
        "Language,Availability,Dietary requirements",
    )
    loaded = load_scenario(scenario)
    first = loaded.delegates[0]
    assert (first.id, first.organisation, first.field) == ("D001", "Sorbonne", "Machine learning")
    assert loaded.delegates[2].needs == ["vegetarian"]  # the need reaches the host
    assert loaded.notices == ()


def test_chinese_headers_are_read(tmp_path: Path) -> None:
    scenario = _with_header(
        tmp_path, "编号,姓名,国家/地区,单位,研究领域,意向路线,语言,可参加日期,特殊需求"
    )
    assert load_scenario(scenario).delegates[1].needs == ["step-free"]


def test_unknown_columns_are_named_in_one_warning_line(tmp_path: Path) -> None:
    scenario = _with_header(
        tmp_path,
        "id,name,country,organisaton,field,interests,languages,available,needs,Email",
        ",x@example.org",
    )
    result = CliRunner().invoke(app, ["validate", str(scenario)])
    assert result.exit_code == 0, result.output
    (warning,) = result.stderr.strip().splitlines()
    assert warning.startswith("warning: ")
    assert "'organisaton' (did you mean organisation?)" in warning
    assert "'email' not read" in warning or "'email'" in warning


def test_comma_separated_interests_say_use_a_semicolon(tmp_path: Path) -> None:
    scenario = _with_header(
        tmp_path, "id,name,country,organisation,field,interests,languages,available,needs"
    )
    text = scenario.with_name("delegates.csv").read_text(encoding="utf-8")
    text = text.replace("ai-route;bio-route", '"ai-route, bio-route"')
    scenario.with_name("delegates.csv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_scenario(scenario)
    (problem,) = caught.value.problems
    assert str(problem).endswith(
        "line 2: delegate D001: interests: separate choices with ; "
        "(got 'ai-route, bio-route'), best first"
    )
