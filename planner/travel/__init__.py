"""Travel times between venues: the offline model, OSRM and AMap, a cache, datums.

The one entry point is :func:`build_matrix` (a :class:`~planner.models.Scenario` in, a
:class:`TravelMatrix` out). ``TravelMatrix.seconds`` holds door-to-door leg times (boarding
and alighting included); see :mod:`planner.travel.matrix`.
"""

from __future__ import annotations

from planner.travel.build import PROVIDERS, build_matrix
from planner.travel.datum import gcj02_to_wgs84, in_mainland_china, wgs84_to_gcj02
from planner.travel.matrix import DEFAULT_BANDS, Band, Fallback, TravelMatrix
from planner.travel.offline import OfflineModel

__all__ = [
    "DEFAULT_BANDS",
    "PROVIDERS",
    "Band",
    "Fallback",
    "OfflineModel",
    "TravelMatrix",
    "build_matrix",
    "gcj02_to_wgs84",
    "in_mainland_china",
    "wgs84_to_gcj02",
]
