"""Ctrl-C during a native solver's search: it stops the search at once, and one the solver
swallowed is raised again at the next check."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys

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


#: A search CP-SAT cannot finish in a minute: it runs to its budget unless it is stopped.
_LONG_SEARCH = """
import os, signal, sys, threading, time
from ortools.sat.python import cp_model
from findhz.planner import interrupt, solver

interrupt.install()
model = cp_model.CpModel()
xs = [model.new_int_var(0, 100, f"x{i}") for i in range(60)]
for i in range(59):
    model.add(xs[i] + xs[i + 1] != 50)
model.add_all_different(xs[:40])
model.maximize(sum((i % 7 + 1) * x for i, x in enumerate(xs)))
search = cp_model.CpSolver()
search.parameters.num_workers = 1
search.parameters.max_time_in_seconds = 60
search.parameters.catch_sigint_signal = False
try:
    threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    solver._solve_cp_sat(search, model)
except KeyboardInterrupt:
    print(f"interrupted after {search.wall_time:.1f} s", file=sys.stderr)
    sys.exit(130)
print("ran to its budget", file=sys.stderr)
"""


def test_ctrl_c_stops_a_cp_sat_search_instead_of_waiting_for_its_budget() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _LONG_SEARCH], capture_output=True, text=True, check=False
    )
    assert result.returncode == 130, result.stderr
    # stopped by the interrupt: far from its 60 s budget (the process ended cleanly, too)
    seconds = float(result.stderr.split("interrupted after ")[1].split(" s")[0])
    assert seconds < 30, result.stderr
