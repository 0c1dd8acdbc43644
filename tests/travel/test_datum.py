from __future__ import annotations

import pytest
from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from findhz.planner.travel.datum import gcj02_to_wgs84, in_mainland_china, wgs84_to_gcj02

# Published test vectors of the eviltransform project (MIT; go/transform_test.go and
# python/test.py): (WGS-84 lat, lon), (GCJ-02 lat, lon).
EVILTRANSFORM = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
]


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM)
def test_forward_matches_published_vectors(
    wgs: tuple[float, float], gcj: tuple[float, float]
) -> None:
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM)
def test_inverse_recovers_published_points_to_a_millimetre(
    wgs: tuple[float, float], gcj: tuple[float, float]
) -> None:
    assert geodesic(gcj02_to_wgs84(*gcj), wgs).meters < 0.001


def test_west_lake_moves_about_520_m_south_east() -> None:
    lat, lon = wgs84_to_gcj02(30.2741, 120.1551)
    assert (round(lat, 5), round(lon, 5)) == (30.27177, 120.15979)
    assert geodesic((lat, lon), (30.2741, 120.1551)).meters == pytest.approx(520, abs=5)
    assert lat < 30.2741 and lon > 120.1551


def test_iterative_inverse_beats_the_one_step_inverse() -> None:
    west_lake = (30.2741, 120.1551)
    gcj = wgs84_to_gcj02(*west_lake)
    shifted = wgs84_to_gcj02(*gcj)
    one_step = (2 * gcj[0] - shifted[0], 2 * gcj[1] - shifted[1])
    assert geodesic(one_step, west_lake).meters > 0.5
    assert geodesic(gcj02_to_wgs84(*gcj), west_lake).meters < 0.001


@pytest.mark.parametrize(
    "point",
    [
        (48.8566, 2.3522),  # Paris
        (-33.8688, 151.2093),  # Sydney
        (25.0330, 121.5654),  # Taipei
        (37.5665, 126.9780),  # Seoul
        (40.7128, -74.0060),  # New York
    ],
)
def test_points_outside_mainland_china_are_left_alone(point: tuple[float, float]) -> None:
    assert not in_mainland_china(*point)
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point


@pytest.mark.parametrize(
    "point", [(30.2741, 120.1551), (39.9042, 116.4074), (43.8256, 87.6168), (29.6520, 91.1721)]
)
def test_mainland_cities_are_inside(point: tuple[float, float]) -> None:
    assert in_mainland_china(*point)


@settings(deadline=None)  # a property, not a timing: no per-example time limit
@given(
    lat=st.floats(min_value=29.0, max_value=31.5),
    lon=st.floats(min_value=118.0, max_value=122.0),
)
def test_round_trip_is_sub_millimetre_in_zhejiang(lat: float, lon: float) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lat, lon))
    assert geodesic(back, (lat, lon)).meters < 0.001
