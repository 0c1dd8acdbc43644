"""Write an output folder completely, or not at all, and never over somebody else's files.

:func:`check_output_target` says whether findhz may write a folder: one that does not exist
yet, an empty one, or one that findhz wrote before (it carries the marker file
:data:`MARKER_NAME`). Anything else, a folder holding a coordinator's own files, a file, a
symbolic link, the root, the home folder or the current folder, is refused with
:class:`~findhz.planner.errors.OutputRefused` and left exactly as it was.

:func:`atomic_output_dir` checks the target, takes a lock on it (a second writer waits, then
gives up with one line), and yields a fresh temporary folder beside it. When the block ends
without an error the marker is written and the new folder takes the old one's place in one
step (an atomic exchange where the kernel offers it, two renames otherwise); the old content is
then deleted. When the block raises, or the run is interrupted, the temporary folder is
deleted and the previous output is left as it was. A run killed between the two renames of
the fallback leaves the previous output as a hidden ``.NAME.old-*`` folder; the next run puts
it back before anything else. A failure of the file system becomes
:class:`~findhz.planner.errors.OutputWriteError`, one line naming the folder and the cause.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from findhz.planner.errors import OutputRefused, OutputWriteError

__all__ = [
    "MARKER_NAME",
    "MIN_FREE_BYTES",
    "atomic_output_dir",
    "check_output_target",
    "is_findhz_output",
]

log = logging.getLogger(__name__)

#: The file findhz writes into every output folder; only a folder holding it is ever replaced.
MARKER_NAME = ".findhz-output"

#: Free space the output folder's file system must have before a run starts (bytes).
MIN_FREE_BYTES = 32 * 1024 * 1024

#: How long a second writer waits for the first to finish with the same folder (seconds).
LOCK_WAIT_S = 30.0

_MARKER_TEXT = (
    json.dumps(
        {
            "written_by": "findhz",
            "meaning": "findhz wrote this folder and replaces it whole when asked to write "
            "the same folder again; it never replaces a folder without this file.",
        },
        indent=2,
    )
    + "\n"
)


def is_findhz_output(folder: Path) -> bool:
    """True when ``folder`` is a folder that findhz wrote (it holds the marker file)."""
    marker = folder / MARKER_NAME
    return folder.is_dir() and not folder.is_symlink() and marker.is_file()


def check_output_target(final: Path) -> None:
    """Raise :class:`OutputRefused` unless findhz may write (or replace) the folder ``final``.

    Called by the CLI before any planning starts, and again under the lock before writing.
    """
    final = Path(final)
    shown = str(final)
    if final.is_symlink():
        raise OutputRefused(
            f"{shown} is a symbolic link; findhz never replaces a link: name the folder itself"
        )
    resolved = final.resolve()
    if resolved == Path(resolved.anchor):
        raise OutputRefused(f"{shown} is the root folder; choose a folder of its own for output")
    with contextlib.suppress(RuntimeError):  # no home folder known
        if resolved == Path.home().resolve():
            raise OutputRefused(
                f"{shown} is your home folder; choose a folder of its own, e.g. {shown}/findhz-out"
            )
    cwd = Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents:
        raise OutputRefused(
            f"{shown} is the current folder or holds it; choose a folder below it, "
            "e.g. --out findhz-out"
        )
    if final.exists() and not final.is_dir():
        raise OutputRefused(f"{shown} exists and is not a folder; choose another --out")
    if final.is_dir() and not is_findhz_output(final) and _has_entries(final):
        raise OutputRefused(
            f"{shown} holds files that findhz did not write, so it is left untouched; "
            "choose a new or empty folder for --out"
        )
    _check_room(final)


def _has_entries(folder: Path) -> bool:
    try:
        with os.scandir(folder) as entries:
            return any(True for _ in entries)
    except OSError as error:
        raise OutputWriteError(f"cannot read {folder}: {_cause(error)}") from None


def _check_room(final: Path) -> None:
    """The nearest existing ancestor must be a writable folder with some free space."""
    ancestor = final.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputRefused(f"cannot create {final}: {ancestor} is not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputWriteError(f"cannot write {final}: {ancestor} is not writable")
    try:
        free = shutil.disk_usage(ancestor).free
    except OSError as error:
        raise OutputWriteError(f"cannot write {final}: {_cause(error)}") from None
    if free < MIN_FREE_BYTES:
        raise OutputWriteError(
            f"cannot write {final}: only {free // (1024 * 1024)} MiB free on its disk "
            f"(findhz needs at least {MIN_FREE_BYTES // (1024 * 1024)} MiB)"
        )


@contextlib.contextmanager
def atomic_output_dir(final: Path) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``final`` only if the block succeeds."""
    final = Path(final)
    check_output_target(final)
    parent = final.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputWriteError(f"cannot create {parent}: {_cause(error)}") from None
    with _locked(parent, final):
        _recover(final)
        check_output_target(final)  # again, now that no other writer can change it
        try:
            work = Path(tempfile.mkdtemp(prefix=f".{final.name}.new-", dir=parent))
        except OSError as error:
            raise OutputWriteError(f"cannot write {final}: {_cause(error)}") from None
        try:
            yield work
            (work / MARKER_NAME).write_text(_MARKER_TEXT, encoding="utf-8")
            os.chmod(work, 0o755)
            _swap_into_place(work, final)
        except OSError as error:
            raise OutputWriteError(
                f"cannot write {final}: {_cause(error)}; the previous output is unchanged"
            ) from None
        finally:
            shutil.rmtree(work, ignore_errors=True)
    log.debug("wrote %s", final)


def _swap_into_place(work: Path, final: Path) -> None:
    """Put ``work`` at ``final``; afterwards ``work`` holds the old content (or nothing)."""
    if not final.exists():
        work.rename(final)
        return
    if _exchange(work, final):
        return
    old = final.parent / f".{final.name}.old-{os.getpid()}"
    final.rename(old)
    try:
        work.rename(final)
    except OSError:
        old.rename(final)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step with Linux's renameat2(RENAME_EXCHANGE); False if absent."""
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False  # the file system cannot exchange: use two renames
    raise OSError(code, os.strerror(code))


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name, use_errno=True)
    except OSError:
        return None


def _recover(final: Path) -> None:
    """Undo what a killed run left: put a moved-aside output back, drop half-written ones."""
    for leftover in sorted(final.parent.glob(f".{final.name}.old-*")):
        if not final.exists() and is_findhz_output(leftover):
            leftover.rename(final)
            log.warning("restored %s from an interrupted earlier run", final)
        elif is_findhz_output(leftover):
            shutil.rmtree(leftover, ignore_errors=True)
    for leftover in final.parent.glob(f".{final.name}.new-*"):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)


@contextlib.contextmanager
def _locked(parent: Path, final: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``parent`` (no file is created); wait up to LOCK_WAIT_S."""
    try:
        fd = os.open(parent, os.O_RDONLY)
    except OSError as error:
        raise OutputWriteError(f"cannot write {final}: {_cause(error)}") from None
    try:
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OutputRefused(
                        f"another findhz run is writing {final}; try again when it has finished"
                    ) from None
                time.sleep(0.2)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _cause(error: OSError) -> str:
    return error.strerror or type(error).__name__
