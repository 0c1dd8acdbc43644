"""OSRM's ``table`` service: durations and distances between many points in one request.

``GET {base}/table/v1/{profile}/{lon,lat;lon,lat;...}?sources=..&destinations=..
&annotations=duration,distance`` answers ``{"code": "Ok", "durations": [[...]],
"distances": [[...]], "sources": [...], "destinations": [...]}`` with ``null`` for pairs
without a route. A server refuses tables larger than its ``--max-table-size`` (100 by default;
the check is sources x destinations <= size^2) with ``{"code": "TooBig"}``; so points are cut
into chunks of ``max_locations`` and each chunk pair is one request. A ``TooBig`` halves the
chunks for the rest of the run. Coordinates are WGS-84,
longitude first. OSRM's durations do not depend on the time of day.

The ``route`` service draws the road of one leg for the maps (:meth:`OsrmProvider.road`):
``GET {base}/route/v1/{profile}/{lon,lat;lon,lat}?overview=simplified&geometries=polyline
&steps=false`` answers ``{"code": "Ok", "routes": [{"geometry": "<encoded polyline>", ...}]}``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

import httpx
import numpy as np

from findhz.planner.errors import ProviderAuthError, TravelError
from findhz.planner.polyline import decode
from findhz.planner.travel.http import Fetcher
from findhz.planner.travel.matrix import Band
from findhz.planner.travel.providers import (
    Block,
    BlockResult,
    BlockTooBig,
    BoolArray,
    LatLon,
    chunks,
)

__all__ = ["DEFAULT_MAX_LOCATIONS", "ROAD_SNAP_M", "NoRoad", "OsrmProvider"]

log = logging.getLogger(__name__)

#: osrm-routed's default ``--max-table-size``.
DEFAULT_MAX_LOCATIONS = 100

# Error codes of the OSRM HTTP API that describe the data, not the request: fall back.
_DATA_ERRORS = {"NoSegment", "NoTable", "NoRoute"}


class OsrmProvider:
    """Travel times from an OSRM server the user names (``http://host:5000``)."""

    name = "osrm"
    time_dependent = False

    def __init__(
        self,
        base_url: str,
        fetcher: Fetcher,
        *,
        profile: str = "driving",
        max_locations: int = DEFAULT_MAX_LOCATIONS,
    ) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in {"http", "https"} or not url.host:
            raise ProviderAuthError(f"osrm: '{base_url}' is not an http(s) URL of a server")
        if max_locations < 1:
            raise ValueError("max_locations must be positive")
        self.base_url = str(base_url).rstrip("/")
        self.profile = profile
        self.max_locations = max_locations
        self._fetcher = fetcher
        self.cache_profile = f"{profile}@{url.host}:{url.port or ''}{url.path.rstrip('/')}"

    @property
    def requests(self) -> int:
        return self._fetcher.requests

    def describe(self) -> dict[str, object]:
        url = httpx.URL(self.base_url)
        return {
            "server": f"{url.scheme}://{url.host}{':' + str(url.port) if url.port else ''}",
            "profile": self.profile,
            "service": "table",
            "max_locations": self.max_locations,
        }

    def blocks(self, wanted: BoolArray) -> list[Block]:
        parts = chunks(wanted.shape[0], self.max_locations)
        return [
            Block(a, b)
            for a in parts
            for b in parts
            if wanted[np.ix_(np.array(a), np.array(b))].any()
        ]

    def fetch(self, points: Sequence[LatLon], block: Block, band: Band | None) -> BlockResult:
        try:
            return self._fetch(points, block)
        except _TooBig:
            size = max(len(block.sources), len(block.destinations))
            if size <= 1:
                raise TravelError("osrm: the server refuses even a 1 x 1 table") from None
            self.max_locations = min(self.max_locations, size) // 2 or 1
            log.warning(
                "osrm: the server refused a %d x %d table; asking for %d locations at a time "
                "(its --max-table-size is lower than %d)",
                len(block.sources),
                len(block.destinations),
                self.max_locations,
                size,
            )
            raise BlockTooBig(f"osrm: table of {size} refused") from None

    def close(self) -> None:
        self._fetcher.close()

    def road(self, origin: LatLon, destination: LatLon) -> str:
        """The road from one point to another as an encoded polyline (precision 5, WGS-84).

        Raises :class:`TravelError` when the server has no route or answers with something
        that is not a road between the two points (it must start and end within
        :data:`ROAD_SNAP_M` of them, where OSRM snaps a point to its nearest road).
        """
        coords = ";".join(f"{p[1]:.6f},{p[0]:.6f}" for p in (origin, destination))
        url = (
            f"{self.base_url}/route/v1/{self.profile}/{coords}"
            "?overview=simplified&geometries=polyline&steps=false"
        )
        body = self._fetcher.get_json(url, accept=_osrm_error_answer)
        return _parse_road(body, origin, destination)

    def _fetch(self, points: Sequence[LatLon], block: Block) -> BlockResult:
        order = list(block.sources) + [d for d in block.destinations if d not in block.sources]
        where = {p: k for k, p in enumerate(order)}
        coords = ";".join(f"{points[p][1]:.6f},{points[p][0]:.6f}" for p in order)
        query = {
            "sources": ";".join(str(where[s]) for s in block.sources),
            "destinations": ";".join(str(where[d]) for d in block.destinations),
            "annotations": "duration,distance",
        }
        # Written out by hand: OSRM's examples keep ';' and ',' literal in the query.
        url = f"{self.base_url}/table/v1/{self.profile}/{coords}?" + "&".join(
            f"{k}={v}" for k, v in query.items()
        )
        body = self._fetcher.get_json(url, accept=_osrm_error_answer)
        return _parse(body, len(block.sources), len(block.destinations))


class _TooBig(Exception):
    pass


def _osrm_error_answer(response: httpx.Response) -> bool:
    """OSRM explains refusals with a 400 and a JSON body carrying ``code``: read it."""
    return response.status_code == 400 and response.headers.get("content-type", "").startswith(
        "application/json"
    )


def _parse(body: Any, rows: int, cols: int) -> BlockResult:
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        raise TravelError("osrm: the answer is not an OSRM response (no 'code')")
    code = body["code"]
    if code != "Ok":
        message = str(body.get("message", ""))[:200]
        if code == "TooBig":
            raise _TooBig(message)
        if code in _DATA_ERRORS:
            raise TravelError(f"osrm: {code}: {message}")
        raise ProviderAuthError(f"osrm: the server refused the request: {code}: {message}")
    durations = _table(body.get("durations"), rows, cols, "durations")
    if durations is None:
        raise TravelError("osrm: the answer has no 'durations'")
    distances = _table(body.get("distances"), rows, cols, "distances")
    if distances is None:
        distances = np.full((rows, cols), np.nan)
    return BlockResult(durations, distances)


#: How far the drawn road may start or end from its venue (OSRM snaps to the nearest road).
ROAD_SNAP_M = 2000.0


class NoRoad(TravelError):
    """The server answered, but with no road between the two points (or not a usable one)."""


def _parse_road(body: Any, origin: LatLon, destination: LatLon) -> str:
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        raise TravelError("osrm: the answer is not an OSRM response (no 'code')")
    code = body["code"]
    if code != "Ok":
        message = str(body.get("message", ""))[:200]
        if code in _DATA_ERRORS:
            raise NoRoad(f"osrm: {code}: {message}")
        raise ProviderAuthError(f"osrm: the server refused the request: {code}: {message}")
    routes = body.get("routes")
    if not isinstance(routes, list) or not routes or not isinstance(routes[0], dict):
        raise NoRoad("osrm: the route answer has no 'routes'")
    geometry = routes[0].get("geometry")
    if not isinstance(geometry, str) or len(geometry) > 200_000:
        raise NoRoad("osrm: the route has no encoded polyline geometry")
    try:
        points = decode(geometry)
    except ValueError as err:
        raise NoRoad(f"osrm: the route geometry is not a polyline: {err}") from None
    if len(points) < 2:
        raise NoRoad("osrm: the route geometry has fewer than two points")
    for end, want in ((points[0], origin), (points[-1], destination)):
        if _great_circle_m(end, want) > ROAD_SNAP_M:
            raise NoRoad(
                f"osrm: the route geometry ends {_great_circle_m(end, want):.0f} m from its venue"
            )
    return geometry


def _great_circle_m(a: LatLon, b: LatLon) -> float:
    """Haversine metres between ``(lat, lon)`` points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000.0 * math.asin(min(1.0, math.sqrt(h)))


def _table(value: Any, rows: int, cols: int, label: str) -> np.ndarray | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != rows:
        raise TravelError(
            f"osrm: '{label}' has {len(value) if isinstance(value, list) else 'no'} rows, "
            f"expected {rows}"
        )
    out = np.full((rows, cols), np.nan)
    for i, row in enumerate(value):
        if not isinstance(row, list) or len(row) != cols:
            raise TravelError(f"osrm: '{label}' row {i} does not have {cols} entries")
        for j, cell in enumerate(row):
            if cell is None:
                continue
            if (
                isinstance(cell, bool)
                or not isinstance(cell, int | float)
                or not math.isfinite(cell)
                or cell < 0
            ):
                raise TravelError(f"osrm: '{label}'[{i}][{j}] is {cell!r}, not a length")
            out[i, j] = float(cell)
    return out
