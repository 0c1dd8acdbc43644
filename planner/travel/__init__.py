"""Travel times between venues: the offline model, OSRM and AMap, a cache, datums.

The one entry point is :func:`build_matrix` (a :class:`~planner.models.Scenario` in, a
:class:`TravelMatrix` out). ``TravelMatrix.seconds`` holds door-to-door leg times (boarding
and alighting included); see :mod:`planner.travel.matrix`.

Modules: ``matrix`` (bands, the matrix), ``offline`` (the model and its sourced constants,
``TRAVEL-MODEL.md`` beside it), ``providers`` (the protocol), ``osrm`` and ``amap`` (the
services), ``http`` (retries, rate limits, secret masking), ``cache`` (SQLite), ``build``
(cache, fetch, fallback, assembly), ``datum`` (WGS-84 / GCJ-02), ``geocode`` (coordinate
review).
"""

from __future__ import annotations

from planner.travel.build import PROVIDERS, build_matrix
from planner.travel.datum import gcj02_to_wgs84, in_mainland_china, wgs84_to_gcj02
from planner.travel.http import RetryPolicy
from planner.travel.matrix import DEFAULT_BANDS, Band, Fallback, TravelMatrix
from planner.travel.offline import OfflineModel
from planner.travel.providers import TravelTimeProvider

__all__ = [
    "DEFAULT_BANDS",
    "PROVIDERS",
    "Band",
    "Fallback",
    "OfflineModel",
    "RetryPolicy",
    "TravelMatrix",
    "TravelTimeProvider",
    "build_matrix",
    "gcj02_to_wgs84",
    "in_mainland_china",
    "wgs84_to_gcj02",
]
