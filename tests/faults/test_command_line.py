"""A wrong option is one line on stderr and exit 2, from the installed ``findhz`` command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def _findhz(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from findhz.cli import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, check=False)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["plan", "--seed", "2147483648"], "--seed"),
        (["plan", "--seed", "-1"], "--seed"),
        (["plan", "--time-limit", "inf"], "give 1 to 3600 seconds"),
        (["plan", "--time-limit", "nan"], "give 1 to 3600 seconds"),
        (["plan", "--time-limit", "1e308"], "give 1 to 3600 seconds"),
        (["plan", "a", "b"], "unexpected extra argument"),
        (["no-such-command"], "No such command"),
    ],
)
def test_a_wrong_option_is_one_line_and_exit_2(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    result = _findhz(*args, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0] and lines[0].startswith("findhz")
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize("args", [["--help"], ["validate"], ["plan", "--help"]])
def test_help_and_validate_load_no_solver(tmp_path: Path, args: list[str]) -> None:
    """The commands a coordinator types most start fast: no OR-Tools, numpy or pandas."""
    probe = (
        "import sys\n"
        "from findhz.cli import main\n"
        f"sys.argv = ['findhz', *{args!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as stop:\n"
        "    assert not stop.code, stop.code\n"
        "heavy = sorted({'ortools', 'numpy', 'pandas'} & set(sys.modules))\n"
        "print('heavy:', heavy, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "heavy: []" in result.stderr
