"""A failed run leaves the previous output intact; a good run replaces it whole; findhz never
replaces a folder, file or link that it did not write."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from findhz.planner.errors import OutputRefused, OutputWriteError
from findhz.planner.exports import atomic
from findhz.planner.exports.atomic import MARKER_NAME, atomic_output_dir, is_findhz_output


def _siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir())


def _findhz_folder(final: Path, content: str = "old") -> None:
    with atomic_output_dir(final) as work:
        (work / "index.html").write_text(content, encoding="utf-8")


def test_first_run_creates_the_folder_with_its_marker(tmp_path: Path) -> None:
    final = tmp_path / "out"
    with atomic_output_dir(final) as work:
        assert work != final and work.parent == tmp_path
        (work / "index.html").write_text("new", encoding="utf-8")
        assert not final.exists()
    assert (final / "index.html").read_text(encoding="utf-8") == "new"
    assert is_findhz_output(final)
    assert _siblings(final) == ["out"]


def test_success_replaces_a_previous_findhz_output(tmp_path: Path) -> None:
    final = tmp_path / "out"
    _findhz_folder(final)
    (final / "stale.html").write_text("old", encoding="utf-8")
    with atomic_output_dir(final) as work:
        (work / "index.html").write_text("new", encoding="utf-8")
        assert (final / "stale.html").exists()  # untouched until the block succeeds
    assert sorted(p.name for p in final.iterdir()) == [MARKER_NAME, "index.html"]
    assert _siblings(final) == ["out"]


def test_the_two_renames_fallback_also_replaces_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    final = tmp_path / "out"
    _findhz_folder(final)
    _findhz_folder(final, "new")
    assert (final / "index.html").read_text(encoding="utf-8") == "new"
    assert _siblings(final) == ["out"]


def test_an_empty_folder_may_be_used(tmp_path: Path) -> None:
    final = tmp_path / "out"
    final.mkdir()
    _findhz_folder(final, "new")
    assert (final / "index.html").read_text(encoding="utf-8") == "new"


def test_failure_keeps_the_previous_output(tmp_path: Path) -> None:
    final = tmp_path / "out"
    _findhz_folder(final)
    with pytest.raises(RuntimeError, match="render failed"), atomic_output_dir(final) as work:
        (work / "index.html").write_text("half", encoding="utf-8")
        raise RuntimeError("render failed")
    assert (final / "index.html").read_text(encoding="utf-8") == "old"
    assert _siblings(final) == ["out"]


def test_an_interrupt_leaves_no_temporary_folder(tmp_path: Path) -> None:
    final = tmp_path / "out"
    _findhz_folder(final)
    with pytest.raises(KeyboardInterrupt), atomic_output_dir(final) as work:
        (work / "index.html").write_text("half", encoding="utf-8")
        raise KeyboardInterrupt
    assert _siblings(final) == ["out"]
    assert (final / "index.html").read_text(encoding="utf-8") == "old"


def test_a_file_system_failure_is_one_line_and_keeps_the_output(tmp_path: Path) -> None:
    final = tmp_path / "out"
    _findhz_folder(final)
    with (
        pytest.raises(OutputWriteError, match="No space left") as caught,
        atomic_output_dir(final),
    ):
        raise OSError(28, "No space left on device")
    assert "\n" not in str(caught.value)
    assert (final / "index.html").read_text(encoding="utf-8") == "old"
    assert _siblings(final) == ["out"]


def test_a_folder_of_user_files_is_refused_and_untouched(tmp_path: Path) -> None:
    final = tmp_path / "thesis"
    final.mkdir()
    (final / "thesis.docx").write_bytes(b"chapter one")
    with pytest.raises(OutputRefused, match="did not write"), atomic_output_dir(final):
        pytest.fail("the block must not run")
    assert (final / "thesis.docx").read_bytes() == b"chapter one"
    assert _siblings(final) == ["thesis"]


def test_a_file_in_the_way_is_refused(tmp_path: Path) -> None:
    final = tmp_path / "out"
    final.write_text("not a folder", encoding="utf-8")
    with pytest.raises(OutputRefused, match="not a folder"), atomic_output_dir(final):
        pass
    assert final.read_text(encoding="utf-8") == "not a folder"


def test_a_symbolic_link_is_refused_even_to_a_findhz_folder(tmp_path: Path) -> None:
    real = tmp_path / "real"
    _findhz_folder(real)
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(OutputRefused, match="symbolic link"), atomic_output_dir(link):
        pass
    assert link.is_symlink() and (real / "index.html").is_file()


@pytest.mark.parametrize("name", [".", ".."])
def test_the_current_folder_and_its_parents_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    inner = tmp_path / "work"
    inner.mkdir()
    monkeypatch.chdir(inner)
    with pytest.raises(OutputRefused, match="current folder"), atomic_output_dir(Path(name)):
        pass


def test_the_root_is_refused() -> None:
    with pytest.raises(OutputRefused, match="root"), atomic_output_dir(Path("/")):
        pass


def test_an_output_moved_aside_by_a_killed_run_is_put_back(tmp_path: Path) -> None:
    final = tmp_path / "out"
    _findhz_folder(final)
    final.rename(tmp_path / ".out.old-4242")  # as if killed between the two renames
    (tmp_path / ".out.new-abc").mkdir()
    with pytest.raises(RuntimeError), atomic_output_dir(final):
        raise RuntimeError("this run fails too")
    assert (final / "index.html").read_text(encoding="utf-8") == "old"
    assert _siblings(final) == ["out"]


def test_a_second_writer_gives_up_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl

    monkeypatch.setattr(atomic, "LOCK_WAIT_S", 0.3)
    final = tmp_path / "out"
    holder = os.open(tmp_path, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        with pytest.raises(OutputRefused, match="another findhz run"), atomic_output_dir(final):
            pass
    finally:
        os.close(holder)
    assert _siblings(final) == []


def test_a_read_only_parent_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # root may write anywhere, so the file system's answer is simulated
    monkeypatch.setattr(atomic.os, "access", lambda path, mode: Path(path) != tmp_path)
    with pytest.raises(OutputWriteError, match="not writable"), atomic_output_dir(tmp_path / "out"):
        pass
    assert _siblings(tmp_path / "out") == []
