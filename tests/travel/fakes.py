"""Transports that answer like the routing services, and ways to break them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from findhz.planner.travel.datum import gcj02_to_wgs84

from .osrm_server import answer as osrm_answer
from .osrm_server import great_circle_m

DATA = Path(__file__).parent / "data"

Handler = Callable[[httpx.Request], httpx.Response]


def fixture(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


class OsrmFake:
    """An OSRM table service behind an ``httpx.MockTransport``; records every request.

    ``breaks`` maps the 1-based number of a request to what goes wrong instead of answering.
    """

    def __init__(
        self,
        *,
        max_table_size: int = 100,
        unroutable: frozenset[tuple[float, float]] = frozenset(),
        breaks: dict[int, Callable[[httpx.Request], httpx.Response]] | None = None,
    ) -> None:
        self.max_table_size = max_table_size
        self.unroutable = unroutable
        self.breaks = breaks or {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        broken = self.breaks.get(len(self.requests))
        if broken is not None:
            return broken(request)
        target = request.url.raw_path.decode()
        status, body = osrm_answer(
            target, max_table_size=self.max_table_size, unroutable=self.unroutable
        )
        return httpx.Response(status, json=body)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def tables(self) -> list[tuple[int, int]]:
        """(sources, destinations) of each request."""
        out = []
        for r in self.requests:
            q = parse_qs(urlsplit(str(r.url)).query)
            out.append((len(q["sources"][0].split(";")), len(q["destinations"][0].split(";"))))
        return out


def raise_(error: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def handle(request: httpx.Request) -> httpx.Response:
        raise error

    return handle


def answer(status: int, body: Any = None, **kwargs: Any) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        if isinstance(body, str):
            return httpx.Response(status, text=body, **kwargs)
        return httpx.Response(status, json=body, **kwargs)

    return handle


class AmapFake:
    """AMap's ``v3/distance`` behind a MockTransport: GCJ-02 in, strings out; checks the key."""

    AMAP_SPEED_M_S = 8.0

    def __init__(
        self,
        key: str,
        *,
        breaks: dict[int, Handler] | None = None,
        no_route: frozenset[int] = frozenset(),
    ) -> None:
        self.key = key
        self.breaks = breaks or {}
        self.no_route = no_route  # 1-based origin ids answered with code "1"
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        broken = self.breaks.get(len(self.requests))
        if broken is not None:
            return broken(request)
        params = request.url.params
        if request.url.path != "/v3/distance":
            return httpx.Response(404, text="Not Found")
        if params.get("key") != self.key:
            return httpx.Response(200, json=fixture("amap_invalid_key.json"))
        origins = [tuple(map(float, o.split(","))) for o in params["origins"].split("|")]
        if len(origins) > 100:
            return httpx.Response(
                200, json={"status": "0", "info": "INVALID_PARAMS", "infocode": "20000"}
            )
        dest = tuple(map(float, params["destination"].split(",")))
        results = []
        for k, origin in enumerate(origins, start=1):
            if k in self.no_route:
                results.append(
                    {
                        "origin_id": str(k),
                        "dest_id": "1",
                        "distance": "0",
                        "duration": "0",
                        "info": "未知错误",
                        "code": "1",
                    }
                )
                continue
            metres = round(great_circle_m(origin, dest) * 1.4)  # type: ignore[arg-type]
            results.append(
                {
                    "origin_id": str(k),
                    "dest_id": "1",
                    "distance": str(metres),
                    "duration": str(round(metres / self.AMAP_SPEED_M_S)),
                }
            )
        body = {
            "status": "1",
            "info": "OK",
            "infocode": "10000",
            "count": str(len(results)),
            "results": results,
        }
        return httpx.Response(200, json=body)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def wgs84_points_seen(self) -> list[tuple[float, float]]:
        """The destinations asked for, converted back to WGS-84 ``(lat, lon)``."""
        out = []
        for r in self.requests:
            lon, lat = map(float, r.url.params["destination"].split(","))
            out.append(gcj02_to_wgs84(lat, lon))
        return out
