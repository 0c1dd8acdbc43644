"""A routing service that answers garbage never crashes a run or poisons it: every answer
findhz cannot read, and every answer no bus could drive, falls back to the offline model for
its block with the reason recorded, and is not cached."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from travel.conftest import HANGZHOU, make_scenario
from travel.fakes import OsrmFake, answer

from findhz.planner.models import Scenario
from findhz.planner.travel import build_matrix
from findhz.planner.travel.http import RetryPolicy

URL = "http://osrm.test:5000"
FAST = RetryPolicy(attempts=2, base_s=0.0)
N = len(HANGZHOU)


def _deeply_nested() -> str:
    return '{"code": "Ok", "durations": ' + "[" * 100_000 + "]" * 100_000 + "}"


def _broken_gzip(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200, content=b"\x1f\x8b\x08\x00not really gzip", headers={"Content-Encoding": "gzip"}
    )


def _table(value: object) -> dict[str, object]:
    row = [value] * N
    return {"code": "Ok", "durations": [row] * N, "distances": [[1000.0] * N] * N}


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINDHZ_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def scenario() -> Scenario:
    return make_scenario()


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        (answer(200, _deeply_nested()), "the answer is not JSON"),
        (answer(200, '{"code": "Ok", "durations": [[' + "9" * 5000 + "]]}"), "not JSON"),
        (_broken_gzip, "could not be decoded"),
    ],
    ids=["nested-100000-deep", "5000-digit-number", "broken-gzip"],
)
def test_an_unreadable_answer_falls_back_with_its_reason(
    scenario: Scenario, broken: object, reason: str
) -> None:
    fake = OsrmFake(breaks={k: broken for k in range(1, 10)})  # type: ignore[misc]
    matrix = build_matrix(
        scenario, "osrm", osrm_url=URL, transport=fake.transport(), retry=FAST, use_cache=False
    )
    info = matrix.info()
    assert info.legs == {"offline-fallback": 4 * N * (N - 1)}
    assert reason in info.fallback[0].reason
    assert (matrix.seconds == build_matrix(scenario).seconds).all()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (1e300, "longer than 21600 s"),
        (0, "faster than 150 km/h"),
    ],
    ids=["1e300-seconds", "all-zero"],
)
def test_an_answer_no_bus_could_drive_is_neither_used_nor_cached(
    scenario: Scenario, value: float, reason: str
) -> None:
    fake = OsrmFake(breaks={k: answer(200, _table(value)) for k in range(1, 10)})
    matrix = build_matrix(scenario, "osrm", osrm_url=URL, transport=fake.transport(), retry=FAST)
    info = matrix.info()
    assert info.legs == {"offline-fallback": 4 * N * (N - 1)}
    assert reason in info.fallback[0].reason
    assert int(matrix.seconds.max()) < 6 * 3600

    # the service is fixed: the next run asks it again (nothing bad was cached) and uses it
    healthy = build_matrix(
        scenario, "osrm", osrm_url=URL, transport=OsrmFake().transport(), retry=FAST
    )
    assert healthy.info().legs == {"osrm": 4 * N * (N - 1)}


def test_a_large_catalogue_costs_only_the_venues_in_use() -> None:
    """Of 3,000 catalogue venues, the matrix holds the few a scenario uses."""
    extra = [(f"spare-{k}", 30.2 + k * 1e-5, 120.1) for k in range(3000)]
    scenario = make_scenario(HANGZHOU)
    catalogue = make_scenario(HANGZHOU + tuple(extra))
    big = catalogue.model_copy(update={"routes": scenario.routes})
    matrix = build_matrix(big)
    assert matrix.venue_ids == tuple(v for v, _, _ in HANGZHOU)


def test_a_scenario_using_too_many_venues_is_one_line() -> None:
    from findhz.planner.errors import InputError

    points = tuple((f"v-{k}", 30.2 + k * 1e-5, 120.1) for k in range(2001))
    with pytest.raises(InputError) as caught:
        build_matrix(make_scenario(points))
    (problem,) = caught.value.problems
    assert "uses 2001 venues" in str(problem) and "at most 2000" in str(problem)


def _damage(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"SQLite format 3\x00" + b"garbage" * 600)


def test_a_damaged_cache_is_moved_aside_and_the_run_goes_on(
    scenario: Scenario, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from findhz.planner.travel.cache import default_cache_path

    path = default_cache_path()
    _damage(path)
    fake = OsrmFake()
    matrix = build_matrix(scenario, "osrm", osrm_url=URL, transport=fake.transport(), retry=FAST)
    assert matrix.info().legs == {"osrm": 4 * N * (N - 1)}
    assert path.with_name(path.name + ".damaged").is_file()
    assert "was damaged" in caplog.text
    again = OsrmFake()  # the new cache serves the next run
    build_matrix(scenario, "osrm", osrm_url=URL, transport=again.transport(), retry=FAST)
    assert again.requests == []


def test_findhz_travel_cache_reports_and_repairs_damage() -> None:
    from typer.testing import CliRunner

    from findhz.cli import app
    from findhz.planner.travel.cache import default_cache_path

    path = default_cache_path()
    _damage(path)
    report = CliRunner().invoke(app, ["travel", "cache"])
    assert report.exit_code == 1
    assert "is damaged" in report.stderr and "--repair" in report.stderr
    repaired = CliRunner().invoke(app, ["travel", "cache", "--repair"])
    assert repaired.exit_code == 0 and "moved it to" in repaired.stdout
    assert not path.exists()
    assert CliRunner().invoke(app, ["travel", "cache"]).exit_code == 0


@pytest.mark.parametrize(
    ("duration", "distance"),
    [(-5.0, 1000.0), (1e300, 1000.0), (0.0, 1000.0), (600.0, -1.0), (600.0, 9e9)],
    ids=["negative-seconds", "1e300-seconds", "zero-seconds", "negative-metres", "9e9-metres"],
)
def test_a_poisoned_cache_entry_is_dropped_and_asked_again(
    scenario: Scenario, caplog: pytest.LogCaptureFixture, duration: float, distance: float
) -> None:
    """A cache written by an older findhz (or by hand) may hold answers no bus could drive:
    they are checked as a live answer is, deleted, and asked again."""
    import sqlite3

    from findhz.planner.travel.cache import default_cache_path

    build_matrix(scenario, "osrm", osrm_url=URL, transport=OsrmFake().transport(), retry=FAST)
    path = default_cache_path()
    with sqlite3.connect(path) as db:
        (first,) = db.execute("SELECT from_lat FROM legs ORDER BY from_lat LIMIT 1").fetchone()
        poisoned = db.execute(
            "UPDATE legs SET duration_s = ?, distance_m = ? WHERE from_lat = ?",
            (duration, distance, first),
        ).rowcount
    assert poisoned == N - 1

    fake = OsrmFake()
    matrix = build_matrix(scenario, "osrm", osrm_url=URL, transport=fake.transport(), retry=FAST)
    assert fake.requests  # the dropped legs were asked again
    assert matrix.info().legs == {"osrm": 4 * N * (N - 1)}
    assert "no bus could drive" in caplog.text
    assert int(matrix.seconds.min()) >= 0 and int(matrix.seconds.max()) < 6 * 3600
    with sqlite3.connect(path) as db:
        (left,) = db.execute(
            "SELECT COUNT(*) FROM legs WHERE duration_s < 0 OR duration_s > 21600 "
            "OR distance_m < 0 OR distance_m > 500000 OR duration_s = 0"
        ).fetchone()
    assert left == 0

    again = OsrmFake()  # and the repaired cache serves the next run whole
    build_matrix(scenario, "osrm", osrm_url=URL, transport=again.transport(), retry=FAST)
    assert again.requests == []
