"""Travel times between venues: the offline model, OSRM and AMap, a cache, datums.

The one entry point is :func:`build_matrix` (a :class:`~findhz.planner.models.Scenario` in, a
:class:`TravelMatrix` out). ``TravelMatrix.seconds`` holds door-to-door leg times (boarding
and alighting included); see :mod:`findhz.planner.travel.matrix`.

Modules: ``matrix`` (bands, the matrix), ``offline`` (the model and its sourced constants,
``TRAVEL-MODEL.md`` beside it), ``providers`` (the protocol), ``osrm`` and ``amap`` (the
services), ``http`` (retries, rate limits, secret masking), ``cache`` (SQLite), ``build``
(cache, fetch, fallback, assembly), ``datum`` (WGS-84 / GCJ-02), ``geocode`` (coordinate
review).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:  # loaded on first use: `import findhz.planner.travel.datum` stays light
    from findhz.planner.travel.build import build_matrix
    from findhz.planner.travel.datum import gcj02_to_wgs84, in_mainland_china, wgs84_to_gcj02
    from findhz.planner.travel.http import RetryPolicy
    from findhz.planner.travel.matrix import DEFAULT_BANDS, Band, Fallback, TravelMatrix
    from findhz.planner.travel.offline import OfflineModel
    from findhz.planner.travel.providers import TravelTimeProvider

#: The one registry of travel-time providers: the routing services (each a
#: :class:`TravelTimeProvider` that :func:`findhz.planner.travel.build.open_provider` opens by this
#: name), and all providers, the built-in offline model first. The command line's choices,
#: the builder's check and the error messages read them from here.
Service = Literal["osrm", "amap"]
Provider = Literal["offline", Service]
SERVICES: tuple[Service, ...] = get_args(Service)
PROVIDERS: tuple[Provider, ...] = get_args(Provider)

#: Where each public name lives; importing ``findhz.planner.travel`` (as ``maps`` does for the
#: datum) loads none of them, so no HTTP client, no numpy, until one is used.
_HOMES = {
    "build_matrix": "findhz.planner.travel.build",
    **dict.fromkeys(
        ["gcj02_to_wgs84", "in_mainland_china", "wgs84_to_gcj02"], "findhz.planner.travel.datum"
    ),
    "RetryPolicy": "findhz.planner.travel.http",
    **dict.fromkeys(
        ["DEFAULT_BANDS", "Band", "Fallback", "TravelMatrix"], "findhz.planner.travel.matrix"
    ),
    "OfflineModel": "findhz.planner.travel.offline",
    "TravelTimeProvider": "findhz.planner.travel.providers",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'findhz.planner.travel' has no attribute '{name}'")
    return getattr(import_module(home), name)


__all__ = [
    "DEFAULT_BANDS",
    "PROVIDERS",
    "SERVICES",
    "Band",
    "Fallback",
    "OfflineModel",
    "Provider",
    "RetryPolicy",
    "Service",
    "TravelMatrix",
    "TravelTimeProvider",
    "build_matrix",
    "gcj02_to_wgs84",
    "in_mainland_china",
    "wgs84_to_gcj02",
]
