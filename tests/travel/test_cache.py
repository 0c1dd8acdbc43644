"""The SQLite leg cache, and that a second run asks the network nothing."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from findhz.planner.models import Scenario
from findhz.planner.travel import build_matrix
from findhz.planner.travel.cache import LegCache, default_cache_path
from findhz.planner.travel.http import RetryPolicy

from .conftest import HANGZHOU, make_scenario
from .fakes import OsrmFake, answer

URL = "http://osrm.test:5000"
FAST = RetryPolicy(attempts=2, base_s=0.0)
A, B = (30.2741, 120.1551), (30.2799, 120.0266)


def test_default_path_follows_the_environment(_private_cache: Path) -> None:
    assert default_cache_path() == _private_cache / "travel.sqlite"


def test_round_trip_keyed_by_provider_profile_band_and_rounded_points(tmp_path: Path) -> None:
    with LegCache(tmp_path / "c.sqlite") as cache:
        cache.put_many("osrm", "driving@x", "*", [(A, B, 1606.3, 16063.3), (B, A, None, None)])
        nudged = (A[0] + 2e-6, A[1] - 2e-6)  # rounds to the same 1e-5 degree
        found = cache.get_many("osrm", "driving@x", "*", [(nudged, B), (B, A), (A, A)])
        assert found[0].duration_s == 1606.3
        assert found[1].duration_s is None  # "no route" is an answer too
        assert 2 not in found
        assert cache.get_many("osrm", "driving@y", "*", [(A, B)]) == {}
        assert cache.get_many("amap", "driving@x", "*", [(A, B)]) == {}
        assert cache.get_many("osrm", "driving@x", "midday", [(A, B)]) == {}
        moved = (A[0] + 2e-5, A[1])
        assert cache.get_many("osrm", "driving@x", "*", [(moved, B)]) == {}


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    with LegCache(tmp_path / "c.sqlite") as cache:
        rows = [(A, B, 1.0, 2.0), (B, A, 3.0, 4.0), (A, ("x", "y"), 5.0, 6.0)]
        with pytest.raises((TypeError, sqlite3.Error)):
            cache.put_many("osrm", "p", "*", rows)  # type: ignore[arg-type]
        assert cache.count() == 0


def test_two_writers_share_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    errors: list[BaseException] = []

    def writer(offset: int) -> None:
        try:
            with LegCache(path) as cache:
                for k in range(40):
                    legs = [
                        ((30 + offset + k * 1e-3, 120.0), (30.5, 120.0 + j * 1e-3), 1.0, 1.0)
                        for j in range(25)
                    ]
                    cache.put_many("osrm", "p", "*", legs)
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with LegCache(path) as cache:
        assert cache.count("osrm") == 3 * 40 * 25


def test_second_run_makes_no_request(scenario: Scenario) -> None:
    first, second = OsrmFake(), OsrmFake()
    one = build_matrix(scenario, "osrm", osrm_url=URL, transport=first.transport(), retry=FAST)
    two = build_matrix(scenario, "osrm", osrm_url=URL, transport=second.transport(), retry=FAST)
    assert len(first.requests) == 1
    assert second.requests == []
    assert (one.seconds == two.seconds).all()
    assert (one.metres == two.metres).all()
    assert two.info().cached_legs == 20
    assert two.info().legs == {"osrm": 80}
    assert two.info().requests == 0


def test_no_cache_neither_reads_nor_writes(scenario: Scenario, _private_cache: Path) -> None:
    for _ in range(2):
        fake = OsrmFake()
        build_matrix(
            scenario,
            "osrm",
            osrm_url=URL,
            transport=fake.transport(),
            retry=FAST,
            use_cache=False,
        )
        assert len(fake.requests) == 1
    assert not (_private_cache / "travel.sqlite").exists()


def test_only_the_missing_legs_are_asked_for() -> None:
    small = make_scenario()
    build_matrix(
        small, "osrm", osrm_url=URL, transport=OsrmFake().transport(), retry=FAST, max_locations=2
    )
    bigger = make_scenario([*HANGZHOU, ("new-venue", 30.3, 120.3)])
    fake = OsrmFake()
    matrix = build_matrix(
        bigger, "osrm", osrm_url=URL, transport=fake.transport(), retry=FAST, max_locations=2
    )
    # Only chunk pairs that touch the new venue (chunk 3 = {dream-town, new-venue}) are asked.
    assert len(fake.requests) == 5
    assert matrix.info().legs == {"osrm": 4 * 6 * 5}


def test_fallback_legs_are_not_cached(scenario: Scenario) -> None:
    broken = OsrmFake(breaks={1: answer(500, {}), 2: answer(500, {})})
    build_matrix(scenario, "osrm", osrm_url=URL, transport=broken.transport(), retry=FAST)
    healthy = OsrmFake()
    matrix = build_matrix(scenario, "osrm", osrm_url=URL, transport=healthy.transport(), retry=FAST)
    assert len(healthy.requests) == 1
    assert matrix.info().legs == {"osrm": 80}


def test_an_unusable_cache_file_is_set_aside_with_a_warning(
    scenario: Scenario, _private_cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _private_cache.mkdir(parents=True)
    (_private_cache / "travel.sqlite").write_bytes(b"this is not a database" * 100)
    fake = OsrmFake()
    matrix = build_matrix(scenario, "osrm", osrm_url=URL, transport=fake.transport(), retry=FAST)
    assert matrix.info().legs == {"osrm": 80}
    assert "was damaged" in caplog.text
    assert (_private_cache / "travel.sqlite.damaged").is_file()


def test_a_failed_block_records_only_the_legs_the_cache_could_not_give() -> None:
    build_matrix(
        make_scenario(), "osrm", osrm_url=URL, transport=OsrmFake().transport(), retry=FAST
    )
    bigger = make_scenario([*HANGZHOU, ("new-venue", 30.3, 120.3)])
    down = OsrmFake(breaks={k: answer(503, {}) for k in range(1, 10)})
    matrix = build_matrix(bigger, "osrm", osrm_url=URL, transport=down.transport(), retry=FAST)
    assert matrix.info().legs == {"osrm": 4 * 20, "offline-fallback": 4 * 10}
    fallback = {f.origins[0]: f.destinations for f in matrix.info().fallback}
    assert fallback["new-venue"] == [v for v, _, _ in HANGZHOU]
    assert all(fallback[v] == ["new-venue"] for v, _, _ in HANGZHOU)
    assert matrix.source_of("west-lake", "dream-town", 600) == "osrm"
    assert matrix.source_of("west-lake", "new-venue", 600) == "offline-fallback"
