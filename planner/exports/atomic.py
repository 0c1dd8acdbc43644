"""Write an output folder completely, or not at all.

:func:`atomic_output_dir` yields a fresh temporary folder beside the final one; when the block
ends without an error the previous output is moved aside, the new one renamed into place (a
rename within one file system) and the old one deleted. When the block raises, the temporary
folder is deleted and the previous output is left exactly as it was.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_output_dir"]

log = logging.getLogger(__name__)


@contextlib.contextmanager
def atomic_output_dir(final: Path) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``final`` only if the block succeeds."""
    final = Path(final)
    parent = final.parent
    parent.mkdir(parents=True, exist_ok=True)
    if final.exists() and not final.is_dir():
        raise NotADirectoryError(f"{final} exists and is not a folder")
    work = Path(tempfile.mkdtemp(prefix=f".{final.name}.new-", dir=parent))
    try:
        yield work
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    os.chmod(work, 0o755)
    old: Path | None = None
    if final.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-", dir=parent))
        old.rmdir()
        final.rename(old)
    try:
        work.rename(final)
    except OSError:
        if old is not None:
            old.rename(final)
        shutil.rmtree(work, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    log.debug("wrote %s", final)
