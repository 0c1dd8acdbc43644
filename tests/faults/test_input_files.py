"""Input files that would hang findhz or eat the machine's memory are refused in one line,
before they are read: pipes and devices, files over the size limit, and workbooks that
declare far more cells than they hold."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest

from findhz.planner.errors import InputError
from findhz.planner.loading import MAX_INPUT_BYTES, load_scenario

VALID = Path(__file__).resolve().parents[1] / "data" / "valid"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "scenario"
    shutil.copytree(VALID, target)
    return target


def _only_problem(scenario: Path) -> str:
    with pytest.raises(InputError) as caught:
        load_scenario(scenario)
    (problem,) = caught.value.problems
    return str(problem)


def test_delegates_linked_to_dev_zero_are_refused(folder: Path) -> None:
    (folder / "delegates.csv").unlink()
    (folder / "delegates.csv").symlink_to("/dev/zero")
    assert _only_problem(folder / "scenario.yaml").endswith(
        "delegates.csv: is not a file (a device, a pipe or a socket); name a file"
    )


def test_a_pipe_is_refused_without_waiting_for_a_writer(folder: Path) -> None:
    (folder / "delegates.csv").unlink()
    os.mkfifo(folder / "delegates.csv")
    assert "is not a file" in _only_problem(folder / "scenario.yaml")


def test_a_file_over_the_limit_is_refused_unread(folder: Path) -> None:
    with (folder / "venues.yaml").open("r+b") as stream:
        stream.truncate(MAX_INPUT_BYTES + 1)  # sparse: costs no disk
    assert _only_problem(folder / "scenario.yaml").endswith(
        "venues.yaml: is 50.0 MiB; findhz reads input files of at most 50 MiB"
    )


def test_a_workbook_declaring_a_huge_sheet_reads_only_its_cells(folder: Path) -> None:
    """A few KB declaring 1,048,576 x 16,384 cells: read as the three rows it holds."""
    original = folder / "delegates.xlsx"
    bloated = folder / "bloated.xlsx"
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(bloated, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                text = data.decode("utf-8")
                start = text.index("<dimension ref=")
                end = text.index("/>", start)
                text = text[:start] + '<dimension ref="A1:XFD1048576"' + text[end:]
                data = text.encode("utf-8")
            target.writestr(item, data)
    scenario = folder / "scenario.yaml"
    scenario.write_text(
        scenario.read_text(encoding="utf-8").replace("delegates.csv", "bloated.xlsx"),
        encoding="utf-8",
    )
    assert bloated.stat().st_size < 20_000
    assert len(load_scenario(scenario).delegates) == 3


def test_more_delegates_than_findhz_plans_is_one_line(folder: Path) -> None:
    from findhz.planner.loading import MAX_DELEGATES

    rows = (folder / "delegates.csv").read_text(encoding="utf-8").splitlines()
    template = rows[1].split(",", 1)[1]
    lines = [rows[0]] + [f"X{k},{template}" for k in range(MAX_DELEGATES + 1)]
    (folder / "delegates.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _only_problem(folder / "scenario.yaml").endswith(
        "delegates.csv: holds more than 20,000 rows; findhz plans at most 20,000 delegates"
    )
