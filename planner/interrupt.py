"""Ctrl-C that no native solver can swallow.

OR-Tools' CP-SAT checks Python's signals while it searches and, on Ctrl-C, stops its search
and clears the ``KeyboardInterrupt`` it was handed: the run then went on as if nothing had
happened. :func:`install` replaces the SIGINT handler with one that also records the
interrupt; the solver wrapper calls :func:`check` after each native solve, which raises the
``KeyboardInterrupt`` again. No third-party import here: the command installs it at start.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

__all__ = ["check", "install", "interrupted"]

_seen = threading.Event()


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    _seen.set()
    raise KeyboardInterrupt


def install() -> None:
    """Record every Ctrl-C (the main thread of the command calls this once)."""
    _seen.clear()
    signal.signal(signal.SIGINT, _on_sigint)


def interrupted() -> bool:
    return _seen.is_set()


def check() -> None:
    """Raise ``KeyboardInterrupt`` if Ctrl-C came (even one a native solver swallowed)."""
    if _seen.is_set():
        raise KeyboardInterrupt
