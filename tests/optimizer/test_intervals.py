"""Interval subtraction in the scheduler: a visit's start windows less the starts that would
overlap a moment when the venue is already full (``findhz.planner.day_search.free_windows``).

Small constructed cases with exact expected windows; times are minutes, windows inclusive."""

from __future__ import annotations

import pytest

from findhz.planner.day_search import free_windows as _free
from findhz.planner.models import Venue
from findhz.planner.problems import Visit

from .factory import venue

Windows = tuple[tuple[int, int], ...]


def _venue(concurrent_groups: int = 1) -> Venue:
    return Venue.model_validate(venue("lab", 30.3, 120.0, concurrent_groups=concurrent_groups))


def _visit(windows: Windows = ((0, 500),), service: int = 60) -> Visit:
    return Visit(node=1, service=service, windows=windows)


CASES: list[tuple[str, int, Windows, int, list[tuple[int, int]], Windows]] = [
    # name, concurrent_groups, windows, service, booked spans [a, b), expected windows
    ("nothing booked", 1, ((0, 500),), 60, [], ((0, 500),)),
    # a 60-minute visit starting in 41..199 would meet the group there in [100, 200)
    ("one booking splits the window", 1, ((0, 500),), 60, [(100, 200)], ((0, 40), (200, 500))),
    ("room for a second group", 2, ((0, 500),), 60, [(100, 200)], ((0, 500),)),
    # two groups at once only in [150, 200): starts 91..199 blocked
    (
        "full only where two overlap",
        2,
        ((0, 500),),
        60,
        [(100, 200), (150, 300)],
        ((0, 90), (200, 500)),
    ),
    # back-to-back bookings block as one span [100, 260)
    ("adjacent bookings", 1, ((0, 500),), 60, [(100, 200), (200, 260)], ((0, 40), (260, 500))),
    # the second window starts inside the blocked starts and is cut at its left end
    ("several windows", 1, ((0, 120), (180, 400)), 60, [(100, 200)], ((0, 40), (200, 400))),
    ("a window swallowed whole", 1, ((50, 150), (300, 400)), 60, [(100, 200)], ((300, 400),)),
    # a one-minute visit may start the minute before the booking and the minute it ends
    ("one-minute service", 1, ((0, 500),), 1, [(100, 200)], ((0, 99), (200, 500))),
]


@pytest.mark.parametrize(
    ("concurrent", "windows", "service", "spans", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_free_windows(
    concurrent: int,
    windows: Windows,
    service: int,
    spans: list[tuple[int, int]],
    expected: Windows,
) -> None:
    # another venue busy all day never narrows this one
    booked: dict[str, list[tuple[int, int]]] = {"lab": spans, "other": [(0, 1000)]}
    assert _free(_visit(windows, service), _venue(concurrent), booked) == expected


def test_free_keeps_the_visit_when_the_venue_is_unbooked() -> None:
    visit = _visit(((10, 20), (30, 40)))
    free: Windows = _free(visit, _venue(), {})
    assert free is visit.windows
