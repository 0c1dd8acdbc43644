"""Bus-size splitting in the assignment: riders shared over buses as evenly as their seats
allow (``findhz.planner.buses.even_sizes``), with exact expected sizes."""

from __future__ import annotations

import pytest

from findhz.planner.buses import even_sizes as _even_sizes


@pytest.mark.parametrize(
    ("riders", "caps", "expected"),
    [
        (0, [40, 40], [0, 0]),
        (10, [40, 40], [5, 5]),
        (11, [40, 40], [6, 5]),  # the odd rider rides the first bus
        (50, [20, 45], [20, 30]),  # a small bus fills, the rest go to the big one
        (5, [1, 10, 10], [1, 2, 2]),
        (65, [20, 45], [20, 45]),  # exactly every seat
    ],
)
def test_even_sizes(riders: int, caps: list[int], expected: list[int]) -> None:
    sizes = _even_sizes(riders, caps)
    assert sizes == expected
    assert sum(sizes) == riders
    assert all(s <= c for s, c in zip(sizes, caps, strict=True))


def test_more_riders_than_seats_is_refused() -> None:
    with pytest.raises(ValueError, match="more riders than seats"):
        _even_sizes(7, [3, 3])
