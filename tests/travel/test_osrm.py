"""The OSRM provider through build_matrix, with a transport that answers like OSRM."""

from __future__ import annotations

import json
import logging

import httpx
import numpy as np
import pytest

from findhz.planner.errors import ProviderAuthError, TravelError
from findhz.planner.models import Scenario, TravelInfo
from findhz.planner.travel import build_matrix
from findhz.planner.travel.http import Fetcher, RetryPolicy
from findhz.planner.travel.osrm import OsrmProvider
from findhz.planner.travel.providers import Block

from .conftest import HANGZHOU, make_scenario
from .fakes import OsrmFake, answer, fixture, raise_
from .osrm_server import CIRCUITY, SPEED_M_S, great_circle_m

URL = "http://osrm.test:5000"
FAST = RetryPolicy(attempts=3, base_s=0.0)
OVERHEAD_S = 15 * 60


def expected_drive_s(a: tuple[str, float, float], b: tuple[str, float, float]) -> int:
    metres = round(great_circle_m((a[2], a[1]), (b[2], b[1])) * CIRCUITY, 1)
    return round(round(metres / SPEED_M_S, 1))


def osrm(scenario: Scenario, fake: OsrmFake, **kwargs: object) -> object:
    return build_matrix(
        scenario,
        "osrm",
        osrm_url=URL,
        transport=fake.transport(),
        retry=FAST,
        **kwargs,  # type: ignore[arg-type]
    )


def test_uses_the_servers_times_plus_overheads(scenario: Scenario) -> None:
    fake = OsrmFake()
    matrix = build_matrix(scenario, "osrm", osrm_url=URL, transport=fake.transport(), retry=FAST)
    assert len(fake.requests) == 1
    a, b = HANGZHOU[1], HANGZHOU[2]
    for minute in (8 * 60, 12 * 60, 18 * 60, 22 * 60):
        assert matrix.drive_s[matrix.band_at(minute), 1, 2] == expected_drive_s(a, b)
        assert matrix.travel_s(a[0], b[0], minute) == expected_drive_s(a, b) + OVERHEAD_S
    info = matrix.info()
    assert info.provider == "osrm"
    assert info.legs == {"osrm": 4 * 5 * 4}
    assert info.fallback == []
    assert info.requests == 1
    assert info.service["server"] == "http://osrm.test:5000"
    assert "do not depend on the time of day" in info.notes[0]


def test_request_is_lon_lat_and_asks_for_durations_and_distances(scenario: Scenario) -> None:
    fake = OsrmFake()
    build_matrix(scenario, "osrm", osrm_url=URL, transport=fake.transport(), retry=FAST)
    request = fake.requests[0]
    assert request.url.path.startswith("/table/v1/driving/120.155100,30.274100;120.026600,")
    assert request.url.params["annotations"] == "duration,distance"
    assert b"sources=0;1;2;3;4&destinations=0;1;2;3;4" in request.url.raw_path


def test_recorded_answer_is_read_as_is() -> None:
    points = HANGZHOU[:3]
    body = fixture("osrm_table_3x3.json")
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json=body))
    matrix = build_matrix(
        make_scenario(points), "osrm", osrm_url=URL, transport=transport, retry=FAST
    )
    assert matrix.drive_s[0].tolist() == [[0, 1285, 1745], [1302, 0, 2211], [1702, 2187, 0]]
    assert matrix.metres[0].tolist() == [[0, 14872, 21205], [15012, 0, 28933], [20987, 28702, 0]]


def test_large_scenarios_are_chunked_one_request_per_chunk_pair() -> None:
    points = [(f"v{k}", 30.2 + k * 0.01, 120.0 + (k % 3) * 0.02) for k in range(7)]
    fake = OsrmFake(max_table_size=3)
    matrix = build_matrix(
        make_scenario(points),
        "osrm",
        osrm_url=URL,
        transport=fake.transport(),
        retry=FAST,
        max_locations=3,
    )
    # Chunks of 3, 3 and 1: 3 x 3 chunk pairs, less the last with itself (only a diagonal).
    assert len(fake.requests) == 8
    assert all(s <= 3 and d <= 3 for s, d in fake.tables())
    assert matrix.info().legs == {"osrm": 4 * 7 * 6}
    assert matrix.drive_s[0, 6, 0] == expected_drive_s(points[6], points[0])
    assert matrix.drive_s[0, 0, 6] == expected_drive_s(points[0], points[6])


def test_too_big_for_the_server_shrinks_the_chunks_for_the_rest_of_the_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    points = [(f"v{k}", 30.2 + k * 0.01, 120.1) for k in range(10)]
    fake = OsrmFake(max_table_size=3)
    calls: list[tuple[int, int]] = []
    matrix = build_matrix(
        make_scenario(points),
        "osrm",
        osrm_url=URL,
        transport=fake.transport(),
        retry=FAST,
        progress=lambda done, total: calls.append((done, total)),
    )
    # 10 x 10 refused, then 5 x 5 refused, then 25 chunk pairs of 2 that all fit.
    assert fake.tables()[:2] == [(10, 10), (5, 5)]
    assert len(fake.tables()) == 2 + 25
    assert all(s * d <= 9 for s, d in fake.tables()[2:])
    assert matrix.info().legs == {"osrm": 4 * 10 * 9}
    assert matrix.info().fallback == []
    assert caplog.text.count("asking for") == 2
    assert calls[-1] == (25, 25)


def test_unroutable_pairs_fall_back_pair_by_pair(scenario: Scenario) -> None:
    island = HANGZHOU[3]
    fake = OsrmFake(unroutable=frozenset({(round(island[2], 6), round(island[1], 6))}))
    matrix = build_matrix(scenario, "osrm", osrm_url=URL, transport=fake.transport(), retry=FAST)
    info = matrix.info()
    assert info.legs == {"osrm": 4 * 12, "offline-fallback": 4 * 8}
    assert matrix.source_of("zhejiang-lab", "west-lake", 600) == "offline-fallback"
    assert matrix.source_of("west-lake", "alibaba-xixi", 600) == "osrm"
    offline = build_matrix(scenario)
    assert (matrix.seconds[:, 3, :] == offline.seconds[:, 3, :]).all()
    reasons = {(f.origins[0], tuple(f.destinations)): f.reason for f in info.fallback}
    assert reasons[
        ("zhejiang-lab", ("west-lake", "alibaba-xixi", "binjiang-centre", "dream-town"))
    ] == ("osrm has no route")
    assert reasons[("west-lake", ("zhejiang-lab",))] == "osrm has no route"


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        (raise_(httpx.ReadTimeout("timed out")), "timed out (ReadTimeout)"),
        (raise_(httpx.ConnectError("refused")), "connection failed (ConnectError)"),
        (answer(500, {"message": "oops"}), "HTTP 500"),
        (answer(200, '{"code": "Ok", "durations": [[0, 1'), "the answer is not JSON"),
        (answer(429, {}, headers={"Retry-After": "0"}), "HTTP 429"),
    ],
)
def test_a_failing_server_falls_back_and_records_why(
    scenario: Scenario, broken: object, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    fake = OsrmFake(breaks={k: broken for k in range(1, 10)})  # type: ignore[misc]
    matrix = build_matrix(scenario, "osrm", osrm_url=URL, transport=fake.transport(), retry=FAST)
    assert len(fake.requests) == 3  # the attempts of the one block
    info = matrix.info()
    assert info.provider == "osrm"
    assert info.legs == {"offline-fallback": 4 * 5 * 4}
    assert info.fallback[0].reason.endswith(reason)
    assert info.fallback[0].origins == [v for v, _, _ in HANGZHOU]
    assert (matrix.seconds == build_matrix(scenario).seconds).all()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    written = info.model_dump_json()  # as plan.json writes it, and reads it back
    assert json.loads(written)["fallback"][0]["from"] == info.fallback[0].origins
    assert TravelInfo.model_validate_json(written) == info


def test_one_retry_is_enough_when_the_server_recovers(scenario: Scenario) -> None:
    fake = OsrmFake(breaks={1: answer(503, {}), 2: raise_(httpx.ReadTimeout("slow"))})
    matrix = build_matrix(scenario, "osrm", osrm_url=URL, transport=fake.transport(), retry=FAST)
    assert len(fake.requests) == 3
    assert matrix.info().legs == {"osrm": 80}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"code": "Ok", "durations": [[0, 1]], "distances": [[0, 1]]}, "'durations' has 1 rows"),
        ({"code": "Ok", "durations": [[0, 1, 2]] * 5}, "row 0 does not have 5 entries"),
        ({"code": "Ok", "durations": [[0, -1, 2, 3, 4]] * 5}, "is -1, not a length"),
        ({"code": "Ok", "durations": [[0, "1", 2, 3, 4]] * 5}, "is '1', not a length"),
        ({"code": "Ok"}, "no 'durations'"),
        ({"routes": []}, "not an OSRM response"),
        (fixture("osrm_nosegment.json"), "NoSegment: Could not find a matching segment"),
    ],
)
def test_malformed_answers_fall_back(scenario: Scenario, body: object, message: str) -> None:
    status = 400 if isinstance(body, dict) and body.get("code") == "NoSegment" else 200
    transport = httpx.MockTransport(lambda r: httpx.Response(status, json=body))
    matrix = build_matrix(scenario, "osrm", osrm_url=URL, transport=transport, retry=FAST)
    assert message in matrix.info().fallback[0].reason
    assert matrix.info().legs == {"offline-fallback": 80}


def test_without_fallback_a_failure_is_an_error(scenario: Scenario) -> None:
    fake = OsrmFake(breaks={k: answer(500, {}) for k in range(1, 5)})
    with pytest.raises(TravelError, match="failed after 3 attempt"):
        build_matrix(
            scenario, "osrm", osrm_url=URL, transport=fake.transport(), retry=FAST, fallback=False
        )


def test_a_refused_request_is_an_error_not_a_fallback(scenario: Scenario) -> None:
    body = fixture("osrm_invalid_query.json")
    transport = httpx.MockTransport(lambda r: httpx.Response(400, json=body))
    with pytest.raises(ProviderAuthError, match="InvalidQuery: Query string malformed"):
        build_matrix(scenario, "osrm", osrm_url=URL, transport=transport, retry=FAST)


def test_a_404_is_an_error(scenario: Scenario) -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(404, text="Not Found"))
    with pytest.raises(ProviderAuthError, match="HTTP 404"):
        build_matrix(scenario, "osrm", osrm_url=URL, transport=transport, retry=FAST)


@pytest.mark.parametrize("url", [None, "", "osrm.test:5000", "ftp://osrm.test"])
def test_a_missing_or_bad_url_is_an_error(scenario: Scenario, url: str | None) -> None:
    with pytest.raises(TravelError, match="osrm"):
        build_matrix(scenario, "osrm", osrm_url=url)


def test_after_repeated_failures_the_rest_is_not_tried() -> None:
    points = [(f"v{k}", 30.2 + k * 0.01, 120.1) for k in range(6)]
    fake = OsrmFake(breaks={k: raise_(httpx.ConnectError("down")) for k in range(3, 100)})
    matrix = build_matrix(
        make_scenario(points),
        "osrm",
        osrm_url=URL,
        transport=fake.transport(),
        retry=FAST,
        max_locations=2,
    )
    # 9 blocks: 2 answered, 2 failed after 3 attempts each, 5 skipped.
    assert len(fake.requests) == 2 + 2 * 3
    reasons = [f.reason for f in matrix.info().fallback]
    assert len(reasons) == 7
    assert sum("not tried" in r for r in reasons) == 5
    legs = matrix.info().legs
    assert legs["osrm"] + legs["offline-fallback"] == 4 * 6 * 5
    assert legs["osrm"] == 4 * (2 + 4)  # block (0,0): 2 legs; block (0,1): 4 legs


def test_progress_counts_requests(scenario: Scenario) -> None:
    calls: list[tuple[int, int]] = []
    points = [(f"v{k}", 30.2 + k * 0.01, 120.1) for k in range(5)]
    build_matrix(
        make_scenario(points),
        "osrm",
        osrm_url=URL,
        transport=OsrmFake().transport(),
        retry=FAST,
        max_locations=2,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(k, 8) for k in range(9)]  # 3 x 3 chunk pairs less {v4} x {v4}


def test_blocks_skip_chunk_pairs_with_nothing_to_ask() -> None:
    provider = OsrmProvider(URL, Fetcher("osrm"), max_locations=2)
    wanted = np.zeros((4, 4), dtype=bool)
    wanted[0, 3] = True
    assert provider.blocks(wanted) == [Block((0, 1), (2, 3))]
    provider.close()
