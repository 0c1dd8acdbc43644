"""The output folder is the coordinator's: ``findhz plan`` and ``findhz render`` replace only a
folder that findhz wrote, refuse anything else in one line (exit 2) before any planning, and
leave it exactly as it was."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from findhz.cli import app
from findhz.planner.exports.atomic import MARKER_NAME

VALID = Path(__file__).resolve().parents[1] / "data" / "valid"


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    folder = tmp_path / "scenario"
    shutil.copytree(VALID, folder)
    return folder / "scenario.yaml"


def _plan(out: Path, scenario_file: Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["plan", str(scenario_file), "--out", str(out), "--time-limit", "1"]
    )
    return result.exit_code, result.stderr


def test_a_folder_holding_a_thesis_is_refused_and_kept(tmp_path: Path, scenario_file: Path) -> None:
    desktop = tmp_path / "Desktop"
    desktop.mkdir()
    (desktop / "thesis.docx").write_bytes(b"five years of work")
    code, stderr = _plan(desktop, scenario_file)
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert str(desktop) in lines[0] and "did not write" in lines[0]
    assert sorted(p.name for p in desktop.iterdir()) == ["thesis.docx"]
    assert (desktop / "thesis.docx").read_bytes() == b"five years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Desktop", "scenario"]


def test_plan_replaces_its_own_output_and_marks_it(tmp_path: Path, scenario_file: Path) -> None:
    out = tmp_path / "out"
    assert _plan(out, scenario_file)[0] == 0
    assert (out / MARKER_NAME).is_file()
    first = (out / "plan.json").read_bytes()
    assert _plan(out, scenario_file)[0] == 0
    assert (out / "plan.json").read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "scenario"]


def test_a_symbolic_link_as_out_is_refused(tmp_path: Path, scenario_file: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    code, stderr = _plan(link, scenario_file)
    assert code == 2 and "symbolic link" in stderr
    assert link.is_symlink() and list(real.iterdir()) == []


def test_render_refuses_to_replace_the_folder_a_plan_was_copied_into(
    tmp_path: Path, scenario_file: Path
) -> None:
    out = tmp_path / "out"
    assert _plan(out, scenario_file)[0] == 0
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(out / "plan.json", docs / "plan.json")
    (docs / "notes.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(app, ["render", str(docs / "plan.json"), str(scenario_file)])
    assert result.exit_code == 2
    assert "did not write" in result.stderr
    assert sorted(p.name for p in docs.iterdir()) == ["notes.txt", "plan.json"]

    again = CliRunner().invoke(
        app,
        ["render", str(docs / "plan.json"), str(scenario_file), "--out", str(tmp_path / "site")],
    )
    assert again.exit_code == 0, again.output
    assert (tmp_path / "site" / "index.html").is_file()
    # render into the folder findhz wrote works as before
    assert CliRunner().invoke(app, ["render", str(out), str(scenario_file)]).exit_code == 0


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_a_run_keeps_the_old_output_and_leaves_nothing_hidden(
    tmp_path: Path, scenario_file: Path, stop: signal.Signals
) -> None:
    out = tmp_path / "out"
    assert _plan(out, scenario_file)[0] == 0
    before = (out / "plan.json").read_bytes()
    command = [
        sys.executable, "-c", "from findhz.cli import main; main()",
        "plan", "findhz-2024", "--out", str(out), "--time-limit", "60",
    ]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    time.sleep(4.0)  # planning (its budget is 60 s), well before anything is written
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert (out / "plan.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "scenario"]
