"""The public surface of findhz.planner.travel, and properties of the offline matrix."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import findhz.planner.travel
from findhz.planner.travel import build_matrix

from .conftest import make_scenario


def test_exported_members() -> None:
    assert set(findhz.planner.travel.__all__) == {
        "DEFAULT_BANDS",
        "PROVIDERS",
        "Band",
        "Fallback",
        "OfflineModel",
        "Provider",
        "RetryPolicy",
        "SERVICES",
        "Service",
        "TravelMatrix",
        "TravelTimeProvider",
        "build_matrix",
        "gcj02_to_wgs84",
        "in_mainland_china",
        "wgs84_to_gcj02",
    }
    for name in findhz.planner.travel.__all__:
        assert hasattr(findhz.planner.travel, name)


def test_one_venue_has_nothing_to_travel() -> None:
    matrix = build_matrix(make_scenario([("only", 30.27, 120.15)]))
    assert matrix.seconds.shape == (4, 1, 1)
    assert (matrix.seconds == 0).all()
    assert matrix.info().legs == {}


points_in_hangzhou = st.lists(
    st.tuples(st.floats(29.9, 30.6), st.floats(119.6, 120.6)), min_size=2, max_size=12
)


@settings(max_examples=40, deadline=None)
@given(points_in_hangzhou)
def test_offline_legs_are_symmetric_positive_and_ordered_by_band(
    coords: list[tuple[float, float]],
) -> None:
    matrix = build_matrix(make_scenario([(f"p{k}", la, lo) for k, (la, lo) in enumerate(coords)]))
    n = len(coords)
    off = ~np.eye(n, dtype=bool)
    assert (matrix.seconds == matrix.seconds.transpose(0, 2, 1)).all()
    assert (matrix.seconds[:, off] >= 15 * 60).all()
    band = {b.name: k for k, b in enumerate(matrix.bands)}
    evening, morning = matrix.drive_s[band["evening-peak"]], matrix.drive_s[band["morning-peak"]]
    midday, night = matrix.drive_s[band["midday"]], matrix.drive_s[band["off-peak"]]
    assert (evening >= morning).all() and (morning >= midday).all() and (midday >= night).all()


@settings(max_examples=40, deadline=None)
@given(st.floats(0.0, 60.0), st.floats(0.0, 60.0))
def test_longer_straight_line_never_means_a_shorter_drive(km_a: float, km_b: float) -> None:
    near, far = sorted((km_a, km_b))
    origin = ("o", 30.0, 120.0)
    matrix = build_matrix(
        make_scenario([origin, ("a", 30.0 + near / 111.0, 120.0), ("b", 30.0 + far / 111.0, 120.0)])
    )
    assert (matrix.drive_s[:, 0, 1] <= matrix.drive_s[:, 0, 2]).all()
    assert (matrix.metres[:, 0, 1] <= matrix.metres[:, 0, 2]).all()
