"""AMap (Gaode) web-service distance API: driving distance and time, many origins to one place.

``GET https://restapi.amap.com/v3/distance?origins=lon,lat|lon,lat|...&destination=lon,lat
&type=1&key=KEY`` takes up to 100 origins and answers ``{"status": "1", "infocode": "10000",
"results": [{"origin_id": "1", "dest_id": "1", "distance": "12050", "duration": "2700"}, ...]}``
(numbers as strings); a pair without a route carries ``code`` (1 no road, 2 far from a road, 3
outside China) and ``info``. Failures come as HTTP 200 with ``status`` "0" and an ``infocode``.

AMap works in GCJ-02: points are converted here and nowhere else. The key comes from
``FINDHZ_AMAP_KEY`` and is masked in every message and log line. Requests are spaced to the
per-second quota. The distance API takes no departure time: its driving times reflect the
traffic when it is asked (``type=1`` avoids congestion), so one fetch serves every band and
plan.json says so. AMap's future-route API (``v4/etd/driving``) does take a departure time,
but it is open to enterprise developers only and answers one pair per call, which a whole
matrix cannot afford on a standard quota; it is not used.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from findhz.planner.errors import ProviderAuthError, TravelError
from findhz.planner.travel.datum import wgs84_to_gcj02
from findhz.planner.travel.http import Fetcher, RateLimiter
from findhz.planner.travel.matrix import Band
from findhz.planner.travel.providers import Block, BlockResult, BoolArray, LatLon, chunks

__all__ = ["AMAP_KEY_ENV", "DISTANCE_URL", "MAX_ORIGINS", "AmapProvider", "amap_key"]

AMAP_KEY_ENV = "FINDHZ_AMAP_KEY"
DISTANCE_URL = "https://restapi.amap.com/v3/distance"
#: Origins per distance call (AMap's documented limit).
MAX_ORIGINS = 100
#: Requests per second: the concurrency quota of a personal developer key for this API.
DEFAULT_QPS = 3.0

# infocodes (AMap's error-code table) that mean the key or the account is wrong: no retry.
_KEY_ERRORS = {
    "10001": "the key is invalid",
    "10005": "this machine's IP is not whitelisted for the key",
    "10006": "the key is bound to other domains",
    "10007": "the request signature is wrong",
    "10008": "the key's security code does not match",
    "10009": "the key is not a web-service key",
    "10012": "the key lacks permission for the distance API",
    "10013": "the key was deleted",
}
# Over a per-second or per-minute quota: wait and retry.
_RATE_ERRORS = {"10004", "10014", "10019", "10020", "10021"}
# The service is busy or timed out on its side: retry.
_BUSY_ERRORS = {"10015", "10016", "10017"}
# Daily quota spent: no retry today, fall back.
_QUOTA_ERRORS = {"10003", "10010", "10044", "10029"}


def amap_key() -> str:
    """The key from ``FINDHZ_AMAP_KEY``; a one-line error when it is not set."""
    key = os.environ.get(AMAP_KEY_ENV, "").strip()
    if not key:
        raise ProviderAuthError(f"amap: set {AMAP_KEY_ENV} to an AMap web-service key")
    return key


class AmapProvider:
    """Driving times and distances from AMap's distance API."""

    name = "amap"
    profile = "distance-driving"
    cache_profile = "v3/distance/type=1"
    time_dependent = False

    def __init__(self, key: str, fetcher: Fetcher, *, max_origins: int = MAX_ORIGINS) -> None:
        if not key:
            raise ProviderAuthError(f"amap: set {AMAP_KEY_ENV} to an AMap web-service key")
        if not 1 <= max_origins <= MAX_ORIGINS:
            raise ValueError(f"max_origins must be within 1..{MAX_ORIGINS}")
        self._key = key
        self._fetcher = fetcher
        self.max_origins = max_origins

    @staticmethod
    def rate_limiter(per_second: float = DEFAULT_QPS) -> RateLimiter:
        return RateLimiter(per_second)

    @property
    def requests(self) -> int:
        return self._fetcher.requests

    def describe(self) -> dict[str, object]:
        return {
            "service": "v3/distance",
            "type": "driving, avoiding congestion (type=1)",
            "datum": "GCJ-02 at the request, WGS-84 elsewhere",
            "departure_time": "none: the distance API answers with the traffic at request time",
        }

    def blocks(self, wanted: BoolArray) -> list[Block]:
        out: list[Block] = []
        for j in range(wanted.shape[0]):
            origins = tuple(int(i) for i in np.flatnonzero(wanted[:, j]))
            for part in chunks(len(origins), self.max_origins):
                out.append(Block(tuple(origins[k] for k in part), (j,)))
        return out

    def fetch(self, points: Sequence[LatLon], block: Block, band: Band | None) -> BlockResult:
        if len(block.destinations) != 1 or len(block.sources) > self.max_origins:
            raise ValueError("an AMap block is up to 100 origins and one destination")
        params = {
            "origins": "|".join(_gcj(points[i]) for i in block.sources),
            "destination": _gcj(points[block.destinations[0]]),
            "type": "1",
            "output": "json",
            "key": self._key,
        }
        try:
            body = self._fetcher.get_json(DISTANCE_URL, params, check=_retryable)
            return self._parse(body, len(block.sources))
        except TravelError as err:  # the service's own words could echo the request
            raise type(err)(self._fetcher.mask(str(err))) from None

    def close(self) -> None:
        self._fetcher.close()

    def _parse(self, body: Any, origins: int) -> BlockResult:
        _raise_for_status(body)
        results = body.get("results")
        if not isinstance(results, list) or len(results) != origins:
            count = len(results) if isinstance(results, list) else "no"
            raise TravelError(f"amap: {count} results for {origins} origins")
        durations = np.full((origins, 1), np.nan)
        distances = np.full((origins, 1), np.nan)
        seen: set[int] = set()
        for item in results:
            if not isinstance(item, dict):
                raise TravelError("amap: a result is not an object")
            try:
                k = int(item["origin_id"]) - 1
                distance = float(item["distance"])
                duration = float(item["duration"])
            except (KeyError, TypeError, ValueError):
                raise TravelError("amap: a result lacks origin_id, distance or duration") from None
            if not 0 <= k < origins or k in seen:
                raise TravelError(f"amap: origin_id {k + 1} is not one of the {origins} origins")
            seen.add(k)
            if item.get("code") not in (None, "", "0") or distance < 0 or duration < 0:
                continue  # no route for this pair
            if not (np.isfinite(distance) and np.isfinite(duration)):
                raise TravelError("amap: a result is not a finite length")
            durations[k, 0] = duration
            distances[k, 0] = distance
        return BlockResult(durations, distances)


def _gcj(point: LatLon) -> str:
    lat, lon = wgs84_to_gcj02(*point)
    return f"{lon:.6f},{lat:.6f}"


def _retryable(body: Any) -> str | None:
    """A reason to retry an AMap answer (quota per second, busy server), else None."""
    if isinstance(body, dict) and body.get("status") == "0":
        code = str(body.get("infocode", ""))
        if code in _RATE_ERRORS:
            return f"over the request rate ({code} {body.get('info', '')})"
        if code in _BUSY_ERRORS or code.startswith("3"):
            return f"server busy ({code} {body.get('info', '')})"
    return None


def _raise_for_status(body: Any) -> None:
    if not isinstance(body, dict) or "status" not in body:
        raise TravelError("amap: the answer is not an AMap response (no 'status')")
    if body["status"] == "1":
        return
    code = str(body.get("infocode", ""))
    info = str(body.get("info", ""))[:100]
    if code in _KEY_ERRORS:
        raise ProviderAuthError(f"amap: {_KEY_ERRORS[code]} ({code} {info})")
    if code in _QUOTA_ERRORS:
        raise TravelError(f"amap: the daily quota is used up ({code} {info})")
    if code.startswith("2") and code not in {"20800", "20801", "20802", "20803"}:
        raise ProviderAuthError(f"amap: the request was refused ({code} {info})")
    raise TravelError(f"amap: the request failed ({code} {info})")
