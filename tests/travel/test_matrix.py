from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from geopy.distance import geodesic

from findhz.planner.errors import InputError, TravelError
from findhz.planner.models import Scenario, TravelSettings
from findhz.planner.travel import DEFAULT_BANDS, Band, TravelMatrix, build_matrix
from findhz.planner.travel.offline import geodesic_m

from .conftest import HANGZHOU, make_scenario

SATURDAY = dt.date(2024, 9, 28)
THURSDAY = dt.date(2024, 9, 26)


def _tiny(bands: tuple[Band, ...] = DEFAULT_BANDS) -> TravelMatrix:
    shape = (len(bands), 2, 2)
    seconds = np.zeros(shape, dtype=np.int64)
    for k in range(len(bands)):
        seconds[k, 0, 1] = seconds[k, 1, 0] = 1000 * (k + 1)
    return TravelMatrix(
        venue_ids=("a", "b"),
        bands=bands,
        seconds=seconds,
        metres=seconds * 10,
        drive_s=seconds,
        provider="offline",
    )


@pytest.mark.parametrize(
    ("clock", "band"),
    [
        ("00:00", "off-peak"),
        ("06:59", "off-peak"),
        ("07:00", "morning-peak"),
        ("09:29", "morning-peak"),
        ("09:30", "midday"),
        ("16:29", "midday"),
        ("16:30", "evening-peak"),
        ("19:29", "evening-peak"),
        ("19:30", "off-peak"),
        ("23:59", "off-peak"),
        ("24:00", "off-peak"),
    ],
)
def test_default_bands_follow_hangzhou_peaks(clock: str, band: str) -> None:
    hours, minutes = map(int, clock.split(":"))
    matrix = _tiny()
    assert matrix.bands[matrix.band_at(hours * 60 + minutes)].name == band


def test_weekend_peaks_use_the_midday_band() -> None:
    matrix = _tiny()
    assert matrix.bands[matrix.band_at(8 * 60, SATURDAY)].name == "midday"
    assert matrix.bands[matrix.band_at(8 * 60, THURSDAY)].name == "morning-peak"
    assert matrix.bands[matrix.band_at(21 * 60, SATURDAY)].name == "off-peak"
    assert matrix.travel_s("a", "b", 8 * 60, SATURDAY) == matrix.travel_s("a", "b", 12 * 60)


def test_lookups_by_id() -> None:
    matrix = _tiny()
    assert matrix.index("b") == 1
    assert matrix.travel_s("a", "b", 12 * 60) == 2000
    assert matrix.distance_m("b", "a", 8 * 60) == 10000
    with pytest.raises(KeyError, match="'nowhere'"):
        matrix.index("nowhere")


def test_arrays_are_read_only_and_copied() -> None:
    seconds = np.ones((4, 2, 2), dtype=np.int64)
    matrix = TravelMatrix(("a", "b"), DEFAULT_BANDS, seconds, seconds, seconds, "offline")
    seconds[0, 0, 1] = 99
    assert matrix.seconds[0, 0, 1] == 1
    with pytest.raises(ValueError, match="read-only"):
        matrix.seconds[0, 0, 1] = 5
    with pytest.raises(AttributeError):
        matrix.provider = "osrm"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ((Band("day", 0, 720),), "no band covers 12:00"),
        ((Band("a", 0, 800), Band("b", 700, 0)), "overlap at 11:40"),
        ((Band("a", 0, 720, weekend="x"), Band("b", 720, 0)), "weekend band 'x'"),
    ],
)
def test_bands_must_cover_the_day_once(bands: tuple[Band, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _tiny(bands)


def test_band_rejects_bad_minutes() -> None:
    with pytest.raises(ValueError, match="outside"):
        Band("late", 100, 1500)
    with pytest.raises(ValueError, match="empty"):
        Band("none", 300, 300)


def test_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="shape"):
        TravelMatrix(
            ("a",),
            DEFAULT_BANDS,
            np.zeros((4, 2, 2)),
            np.zeros((4, 2, 2)),
            np.zeros((4, 2, 2)),
            "offline",
        )


# -- the offline model through build_matrix ----------------------------------------------


def test_offline_matrix_is_door_to_door_with_overheads(scenario: Scenario) -> None:
    matrix = build_matrix(scenario)
    n = len(HANGZHOU)
    assert matrix.venue_ids == tuple(v for v, _, _ in HANGZHOU)
    assert matrix.seconds.shape == (4, n, n)
    assert matrix.seconds.dtype == np.int64
    diagonal = np.eye(n, dtype=bool)
    assert (matrix.seconds[:, diagonal] == 0).all()
    assert (matrix.metres[:, diagonal] == 0).all()
    overhead = (10 + 5) * 60
    assert (matrix.seconds[:, ~diagonal] - matrix.drive_s[:, ~diagonal] == overhead).all()
    # Distances do not depend on the band; times do, slowest in the evening peak.
    assert (matrix.metres == matrix.metres[0]).all()
    order = [matrix.band_at(m) for m in (18 * 60, 8 * 60, 12 * 60, 22 * 60)]
    slowest_first = [int(matrix.drive_s[b, 1, 2]) for b in order]
    assert slowest_first == sorted(slowest_first, reverse=True)


def test_offline_leg_follows_the_reference_formula(scenario: Scenario) -> None:
    """Alibaba Xixi to central Binjiang at midday, worked by hand from TRAVEL-MODEL.md."""
    matrix = build_matrix(scenario)
    a, b = HANGZHOU[1][1:], HANGZHOU[2][1:]
    straight_km = geodesic(a, b).km
    road_km = straight_km * 1.35
    near_km = 8 * 1.35
    drive_min = near_km / 29 * 60 + (road_km - near_km) / 50 * 60
    assert 18 < straight_km < 22
    assert matrix.distance_m("alibaba-xixi", "binjiang-centre", 12 * 60) == round(road_km * 1000)
    assert matrix.drive_s[matrix.band_at(720), 1, 2] == pytest.approx(drive_min * 60, abs=1)
    assert matrix.travel_s("alibaba-xixi", "binjiang-centre", 720) == pytest.approx(
        drive_min * 60 + 15 * 60, abs=1
    )


def test_short_legs_get_the_larger_detour_without_a_jump() -> None:
    # Points due north of the first, 1 to 4 km away.
    km = [0.0, 1.0, 2.0, 2.9, 3.0, 3.1, 4.0]
    points = [(f"p{i}", 30.2 + d / 111.2, 120.1) for i, d in enumerate(km)]
    matrix = build_matrix(make_scenario(points))
    road = matrix.metres[0, 0, 1:]
    straight = geodesic_m([p[1] for p in points], [p[2] for p in points])[0, 1:]
    assert road[0] == round(straight[0] * 1.5)
    assert road[-1] == round(straight[-1] * 1.35)
    assert (np.diff(road) >= 0).all()


def test_scenario_overrides_change_the_model() -> None:
    base = build_matrix(make_scenario())
    slower = build_matrix(
        make_scenario(
            travel=TravelSettings(
                detour=1.5, speeds_kmh={"midday": 20.0}, board_min=0, alight_min=0
            )
        )
    )
    midday = base.band_at(720)
    assert (slower.metres[midday] >= base.metres[midday]).all()
    assert (slower.drive_s[midday] > base.drive_s[midday])[~np.eye(5, dtype=bool)].all()
    assert (slower.seconds == slower.drive_s).all()
    assert slower.info().model["speeds_kmh"]["midday"] == 20.0
    assert slower.info().model["speeds_kmh"]["off-peak"] == 40.0


def test_unknown_band_in_overrides_is_an_input_error() -> None:
    bad = make_scenario(travel=TravelSettings(speeds_kmh={"rush-hour": 10.0}))
    with pytest.raises(InputError, match=r"travel-test\.yaml: travel: .*'rush-hour' is not a band"):
        build_matrix(bad)


def test_unknown_provider_is_refused(scenario: Scenario) -> None:
    with pytest.raises(TravelError, match="unknown travel provider 'carrier-pigeon'"):
        build_matrix(scenario, "carrier-pigeon")


def test_info_for_plan_json(scenario: Scenario) -> None:
    info = build_matrix(scenario).info()
    assert info.provider == "offline"
    assert info.includes_overheads is True
    assert [b.name for b in info.bands] == [
        "morning-peak",
        "midday",
        "evening-peak",
        "off-peak",
    ]
    assert info.bands[3].model_dump() == {"name": "off-peak", "start": "19:30", "end": "07:00"}
    assert info.model["detour"] == 1.35
    assert info.legs == {"offline": 4 * 5 * 4}
    assert info.fallback == []


def test_same_input_same_bytes(scenario: Scenario) -> None:
    one, two = build_matrix(scenario), build_matrix(scenario)
    assert one.seconds.tobytes() == two.seconds.tobytes()
    assert one.metres.tobytes() == two.metres.tobytes()
