"""A Ctrl-C that a native solver swallowed is raised again at the next check."""

from __future__ import annotations

import contextlib
import signal

import pytest

from findhz.planner import interrupt


def test_a_swallowed_ctrl_c_is_raised_again() -> None:
    before = signal.getsignal(signal.SIGINT)
    try:
        interrupt.install()
        interrupt.check()  # nothing yet
        with contextlib.suppress(KeyboardInterrupt):  # what CP-SAT does with it
            signal.raise_signal(signal.SIGINT)
        assert interrupt.interrupted()
        with pytest.raises(KeyboardInterrupt):
            interrupt.check()
    finally:
        signal.signal(signal.SIGINT, before)
        interrupt._seen.clear()
