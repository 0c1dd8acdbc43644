"""The wall clock is only a safety cap: when it, not the deterministic work budget, stops a
search, the run says so (its plan may differ on another run), instead of passing silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from findhz.planner import solver

from .factory import canteen, delegate, load, route, run_plan, venue


def _small(tmp_path: Path) -> object:
    return load(
        tmp_path,
        venues=[venue("room", 30.2950, 120.0000, hours="09:00-11:00"), canteen()],
        routes=[route("alpha", ["room"])],
        fleet=[("van", 3, 2)],
        delegates=[delegate(f"A{i}", ["alpha"]) for i in range(6)],
    )


def test_an_assignment_stopped_by_the_wall_clock_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cap of a fraction of a millisecond: every CP-SAT stage reaches it before its work.
    monkeypatch.setattr(solver, "ASSIGNMENT_WALL_CAP_FACTOR", 0)
    monkeypatch.setattr(solver, "ASSIGNMENT_WALL_CAP_EXTRA_S", 1e-4)
    run = run_plan(_small(tmp_path))  # type: ignore[arg-type]
    assert run.report.time_cap_hit
