"""Deadlines: a server that sends one byte at a time (each read well within httpx's per-read
timeout) cannot hold a request past its deadline, nor a run past the travel deadline; the
legs it did not answer come from the offline model with the reason recorded."""

from __future__ import annotations

import httpcore
import pytest

from findhz.planner.errors import TravelError
from findhz.planner.travel import build_matrix
from findhz.planner.travel.http import RetryPolicy

from .conftest import make_scenario
from .osrm_server import running

pytestmark = pytest.mark.network

POINTS = [(f"v{k}", 30.20 + 0.013 * k, 120.05 + 0.021 * (k % 4)) for k in range(4)]
N = len(POINTS)


def test_a_slow_drip_answer_ends_at_the_request_deadline() -> None:
    policy = RetryPolicy(attempts=1, read_timeout_s=30.0, request_deadline_s=1.0)
    with running(drip_s=0.2) as server:
        url = f"http://127.0.0.1:{server.server_port}"
        matrix = build_matrix(
            make_scenario(POINTS), "osrm", osrm_url=url, retry=policy, use_cache=False
        )
    # the whole answer would take minutes at this pace; the request gave up and fell back
    info = matrix.info()
    assert info.legs == {"offline-fallback": 4 * N * (N - 1)}
    assert "request deadline of 1 s" in info.fallback[0].reason


def test_the_travel_deadline_bounds_the_whole_run_with_retries() -> None:
    policy = RetryPolicy(attempts=4, base_s=0.0, read_timeout_s=30.0, request_deadline_s=60.0)
    with running(drip_s=0.2) as server:
        url = f"http://127.0.0.1:{server.server_port}"
        matrix = build_matrix(
            make_scenario(POINTS),
            "osrm",
            osrm_url=url,
            retry=policy,
            use_cache=False,
            deadline_s=1.0,
        )
    assert len(server.requests) == 1  # no retry started after the deadline
    reason = matrix.info().fallback[0].reason
    assert "travel deadline" in reason


def test_without_fallback_the_deadline_is_an_error() -> None:
    policy = RetryPolicy(attempts=1, request_deadline_s=1.0)
    with running(drip_s=0.2) as server:
        url = f"http://127.0.0.1:{server.server_port}"
        with pytest.raises(TravelError, match="request deadline"):
            build_matrix(
                make_scenario(POINTS),
                "osrm",
                osrm_url=url,
                retry=policy,
                use_cache=False,
                fallback=False,
            )


def test_a_deadline_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        RetryPolicy(request_deadline_s=0)
    with pytest.raises(TravelError, match="positive"):
        build_matrix(make_scenario(POINTS), "osrm", osrm_url="http://x", deadline_s=-1)


def test_the_travel_deadline_is_an_option_of_plan_and_warm(tmp_path: object) -> None:
    from typer.testing import CliRunner

    from findhz.cli import app
    from findhz.cli_travel import DEFAULT_TRAVEL_DEADLINE_S as CLI_DEFAULT
    from findhz.planner.travel.build import DEFAULT_TRAVEL_DEADLINE_S

    assert CLI_DEFAULT == DEFAULT_TRAVEL_DEADLINE_S
    runner = CliRunner()
    for command in (["plan"], ["travel", "warm"]):
        result = runner.invoke(app, [*command, "--travel-deadline", "0"])
        assert result.exit_code == 2
        assert "--travel-deadline" in result.output


class _Recorded(httpcore.NetworkStream):
    """A connection that records the timeout of each wait it is asked for."""

    def __init__(self) -> None:
        self.waits: list[float | None] = []

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self.waits.append(timeout)
        return b""

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.waits.append(timeout)


def test_every_wait_of_an_attempt_is_cut_to_its_time_left() -> None:
    """A read that starts just before the deadline may not wait a whole read timeout."""
    from findhz.planner.travel.http import _BoundedStream

    left: list[float | None] = [None]
    inner = _Recorded()
    stream = _BoundedStream(inner, lambda: left[0])
    stream.read(100, timeout=30.0)  # between attempts: httpx's own timeout
    left[0] = 2.5
    stream.read(100, timeout=30.0)
    stream.write(b"x", timeout=30.0)
    stream.read(100, timeout=1.0)  # a shorter timeout stays
    left[0] = -4.0  # the deadline has passed: wait a millisecond, then time out
    stream.read(100, timeout=30.0)
    assert inner.waits == [30.0, 2.5, 2.5, 1.0, 0.001]


def test_a_fetcher_cuts_its_reads_and_says_how_long_is_left() -> None:
    from findhz.planner.travel.http import Fetcher, _BoundedBackend

    now = [100.0]
    with Fetcher("osrm", clock=lambda: now[0]) as fetcher:
        pool = fetcher._client._transport._pool  # type: ignore[attr-defined]
        assert isinstance(pool._network_backend, _BoundedBackend)
        assert fetcher.time_left() is None  # no attempt under way
        fetcher._attempt.until = 160.0
        now[0] = 130.0
        assert fetcher.time_left() == 30.0


def test_a_stalled_answer_ends_at_the_request_deadline_through_the_bounded_reads() -> None:
    """A server silent for longer than the whole deadline: the read cut to the time left
    ends the attempt, and the reason is the deadline, not a read timeout."""
    policy = RetryPolicy(attempts=1, read_timeout_s=120.0, request_deadline_s=1.0)
    with running(drip_s=3.0) as server:
        url = f"http://127.0.0.1:{server.server_port}"
        matrix = build_matrix(
            make_scenario(POINTS), "osrm", osrm_url=url, retry=policy, use_cache=False
        )
    reason = matrix.info().fallback[0].reason
    assert "request deadline of 1 s" in reason


def test_the_scenario_sets_the_request_and_run_deadlines_and_the_option_wins() -> None:
    from findhz.planner.models import TravelSettings
    from findhz.planner.travel.build import DEFAULT_TRAVEL_DEADLINE_S, run_deadline

    own = make_scenario(POINTS, TravelSettings(request_deadline_s=1.0, deadline_s=120.0))
    assert run_deadline(own, None) == 120.0
    assert run_deadline(own, 30.0) == 30.0  # the command-line option overrides the scenario
    assert run_deadline(make_scenario(POINTS), None) == DEFAULT_TRAVEL_DEADLINE_S
    with running(drip_s=0.2) as server:
        url = f"http://127.0.0.1:{server.server_port}"
        matrix = build_matrix(own, "osrm", osrm_url=url, use_cache=False)
    # no retry policy given: the scenario's one-second request deadline ended the request
    assert "request deadline of 1 s" in matrix.info().fallback[0].reason


def test_scenario_deadlines_are_checked_by_the_loader() -> None:
    from pydantic import ValidationError

    from findhz.planner.models import TravelSettings

    with pytest.raises(ValidationError):
        TravelSettings(request_deadline_s=0)
    with pytest.raises(ValidationError):
        TravelSettings(deadline_s=0.5)
