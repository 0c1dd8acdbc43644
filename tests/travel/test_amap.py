"""The AMap provider with a transport that answers like AMap's v3/distance."""

from __future__ import annotations

import logging

import httpx
import numpy as np
import pytest
from geopy.distance import geodesic

from findhz.planner.errors import ProviderAuthError
from findhz.planner.models import Scenario
from findhz.planner.travel import TravelMatrix, build_matrix, wgs84_to_gcj02
from findhz.planner.travel.amap import AmapProvider
from findhz.planner.travel.http import Fetcher, RetryPolicy
from findhz.planner.travel.providers import Block

from .conftest import HANGZHOU, make_scenario
from .fakes import AmapFake, answer, fixture

KEY = "c0ffee0123456789abcdef0123456789"
FAST = RetryPolicy(attempts=3, base_s=0.0)


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("FINDHZ_AMAP_KEY", KEY)
    return KEY


def amap(scenario: Scenario, fake: AmapFake) -> TravelMatrix:
    return build_matrix(scenario, "amap", transport=fake.transport(), retry=FAST, amap_qps=1000)


def test_one_call_per_destination_in_gcj02(scenario: Scenario, key: str) -> None:
    fake = AmapFake(key)
    matrix = build_matrix(scenario, "amap", transport=fake.transport(), retry=FAST, amap_qps=1000)
    assert len(fake.requests) == 5
    first = fake.requests[0].url.params
    assert first["type"] == "1"
    assert first["key"] == KEY
    origins = first["origins"].split("|")
    assert len(origins) == 4
    lon, lat = map(float, first["destination"].split(","))
    west_lake = HANGZHOU[0][1:]
    assert (lat, lon) == pytest.approx(wgs84_to_gcj02(*west_lake), abs=1e-6)
    assert geodesic((lat, lon), west_lake).meters == pytest.approx(520, abs=10)
    # Back on WGS-84 every destination is a catalogue point again.
    for seen, (_, la, lo) in zip(fake.wgs84_points_seen(), HANGZHOU, strict=True):
        assert geodesic(seen, (la, lo)).meters < 0.5
    info = matrix.info()
    assert info.provider == "amap"
    assert info.legs == {"amap": 80}
    assert info.service["departure_time"].startswith("none")
    assert KEY not in repr(info)


def test_recorded_answer_with_a_missing_route(key: str) -> None:
    body = fixture("amap_distance_3to1.json")
    provider = AmapProvider(
        key,
        Fetcher("amap", transport=httpx.MockTransport(lambda r: httpx.Response(200, json=body))),
    )
    points = [p[1:] for p in HANGZHOU[:4]]
    result = provider.fetch(points, Block((1, 2, 3), (0,)), None)
    provider.close()
    assert result.durations[:, 0].tolist()[0] == 1782.0
    assert np.isnan(result.durations[1, 0])
    assert result.distances[2, 0] == 29115.0


def test_batches_of_at_most_100_origins() -> None:
    provider = AmapProvider("k", Fetcher("amap"))
    wanted = ~np.eye(150, dtype=bool)
    blocks = provider.blocks(wanted)
    provider.close()
    assert len(blocks) == 300
    assert {len(b.sources) for b in blocks} == {100, 49}
    assert all(len(b.destinations) == 1 for b in blocks)
    assert all(j not in b.sources for b in blocks for j in b.destinations)


def test_no_route_pairs_fall_back(key: str) -> None:
    fake = AmapFake(key, no_route=frozenset({2}))
    matrix = build_matrix(
        make_scenario(), "amap", transport=fake.transport(), retry=FAST, amap_qps=1000
    )
    legs = matrix.info().legs
    assert legs == {"amap": 4 * 15, "offline-fallback": 4 * 5}
    assert all(f.reason == "amap has no route" for f in matrix.info().fallback)


def test_missing_key_is_a_clear_error(scenario: Scenario) -> None:
    with pytest.raises(ProviderAuthError, match="set FINDHZ_AMAP_KEY"):
        build_matrix(scenario, "amap")


def test_invalid_key_is_a_clear_error_without_the_key(
    scenario: Scenario, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("FINDHZ_AMAP_KEY", "wrong-key-42")
    fake = AmapFake(KEY)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ProviderAuthError) as err:
        build_matrix(scenario, "amap", transport=fake.transport(), retry=FAST, amap_qps=1000)
    assert str(err.value) == "amap: the key is invalid (10001 INVALID_USER_KEY)"
    assert len(fake.requests) == 1
    assert "wrong-key-42" not in caplog.text
    assert "wrong-key-42" not in repr(err.value.__cause__) + repr(err.value.__context__)


def test_per_second_quota_answers_are_retried(scenario: Scenario, key: str) -> None:
    qps = fixture("amap_qps_exceeded.json")
    fake = AmapFake(key, breaks={1: answer(200, qps), 2: answer(200, qps)})
    matrix = amap(scenario, fake)
    assert len(fake.requests) == 7
    assert matrix.info().legs == {"amap": 80}


@pytest.mark.parametrize(
    ("broken", "attempts", "reason"),
    [
        (answer(200, fixture("amap_daily_limit.json")), 1, "daily quota is used up"),
        (answer(200, {"status": "1", "results": [{"origin_id": "1"}]}), 1, "1 results for 4"),
        (answer(200, "<html>502 Bad Gateway</html>"), 3, "the answer is not JSON"),
        (answer(500, {}), 3, "HTTP 500"),
        (answer(429, {}, headers={"Retry-After": "0"}), 3, "HTTP 429"),
    ],
)
def test_failures_fall_back_and_never_show_the_key(
    scenario: Scenario,
    key: str,
    broken: object,
    attempts: int,
    reason: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The first destination's call fails (after its retries, if any); the rest answer."""
    caplog.set_level(logging.DEBUG)
    fake = AmapFake(key, breaks={k: broken for k in range(1, attempts + 1)})  # type: ignore[misc]
    matrix = amap(scenario, fake)
    info = matrix.info()
    assert reason in info.fallback[0].reason
    assert info.fallback[0].destinations == ["west-lake"]
    assert info.legs == {"amap": 4 * 16, "offline-fallback": 4 * 4}
    assert key not in caplog.text
    assert key not in repr(info)
    assert "HTTP Request" in caplog.text


def test_a_timeout_falls_back(scenario: Scenario, key: str) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    fake = AmapFake(key, breaks={k: slow for k in range(1, 4)})
    matrix = amap(scenario, fake)
    assert "timed out (ReadTimeout)" in matrix.info().fallback[0].reason
