"""A failed run leaves the previous output intact; a good run replaces it whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.exports.atomic import atomic_output_dir


def _siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir())


def test_first_run_creates_the_folder(tmp_path: Path) -> None:
    final = tmp_path / "out"
    with atomic_output_dir(final) as work:
        assert work != final and work.parent == tmp_path
        (work / "index.html").write_text("new", encoding="utf-8")
        assert not final.exists()
    assert (final / "index.html").read_text(encoding="utf-8") == "new"
    assert _siblings(final) == ["out"]


def test_success_replaces_the_previous_output(tmp_path: Path) -> None:
    final = tmp_path / "out"
    final.mkdir()
    (final / "stale.html").write_text("old", encoding="utf-8")
    with atomic_output_dir(final) as work:
        (work / "index.html").write_text("new", encoding="utf-8")
        assert (final / "stale.html").exists()  # untouched until the block succeeds
    assert sorted(p.name for p in final.iterdir()) == ["index.html"]
    assert _siblings(final) == ["out"]


def test_failure_keeps_the_previous_output(tmp_path: Path) -> None:
    final = tmp_path / "out"
    final.mkdir()
    (final / "index.html").write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError, match="render failed"), atomic_output_dir(final) as work:
        (work / "index.html").write_text("half", encoding="utf-8")
        raise RuntimeError("render failed")
    assert (final / "index.html").read_text(encoding="utf-8") == "old"
    assert _siblings(final) == ["out"]


def test_a_file_in_the_way_is_refused(tmp_path: Path) -> None:
    final = tmp_path / "out"
    final.write_text("not a folder", encoding="utf-8")
    with pytest.raises(NotADirectoryError), atomic_output_dir(final):
        pass
