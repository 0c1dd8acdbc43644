"""The OSRM provider over a real socket, against the stand-in server on 127.0.0.1."""

from __future__ import annotations

import pytest

from findhz.planner.travel import build_matrix
from findhz.planner.travel.http import RetryPolicy

from .conftest import make_scenario
from .osrm_server import CIRCUITY, SPEED_M_S, great_circle_m, running

pytestmark = pytest.mark.network

POINTS = [(f"v{k}", 30.20 + 0.013 * k, 120.05 + 0.021 * (k % 4)) for k in range(6)]
FAST = RetryPolicy(attempts=2, base_s=0.0, connect_timeout_s=2.0, read_timeout_s=5.0)


def test_times_come_from_the_server_over_http() -> None:
    with running() as server:
        url = f"http://127.0.0.1:{server.server_port}"
        matrix = build_matrix(make_scenario(POINTS), "osrm", osrm_url=url, retry=FAST)
    assert len(server.requests) == 1
    assert server.requests[0].startswith("/table/v1/driving/120.050000,30.200000;")
    a, b = POINTS[0], POINTS[5]
    metres = round(great_circle_m((a[2], a[1]), (b[2], b[1])) * CIRCUITY, 1)
    assert matrix.distance_m("v0", "v5", 600) == round(metres)
    assert matrix.drive_s[0, 0, 5] == round(round(metres / SPEED_M_S, 1))
    assert matrix.info().legs == {"osrm": 4 * 6 * 5}


def test_killing_the_server_mid_run_gives_a_plan_with_the_fallback_recorded() -> None:
    with running() as server:
        url = f"http://127.0.0.1:{server.server_port}"

        def kill_after_first(done: int, total: int) -> None:
            if done == 1:
                server.shutdown()
                server.server_close()

        matrix = build_matrix(
            make_scenario(POINTS),
            "osrm",
            osrm_url=url,
            retry=FAST,
            max_locations=2,
            progress=kill_after_first,
        )
    info = matrix.info()
    assert len(server.requests) == 1
    assert info.legs["osrm"] == 4 * 2  # the first block: v0 <-> v1
    assert info.legs["offline-fallback"] == 4 * (6 * 5 - 2)
    assert "connection failed" in info.fallback[0].reason
    assert any("not tried" in f.reason for f in info.fallback)
    assert matrix.source_of("v0", "v1", 600) == "osrm"
    assert matrix.source_of("v0", "v2", 600) == "offline-fallback"
