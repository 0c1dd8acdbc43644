"""A tiny stand-in for an OSRM server's ``table`` and ``route`` services, for tests and demos.

It answers ``GET /table/v1/<profile>/<lon,lat;...>?sources=..&destinations=..&annotations=..``
in OSRM's format (``code``, ``durations``, ``distances``, ``sources``, ``destinations``, with
``null`` for unroutable pairs and ``TooBig`` above its table size), computing each leg as
1.3 x the great-circle distance at 36 km/h: plainly not the offline model, so a test (or a
person reading plan.json) can tell whose times were used. ``GET /route/v1/<profile>/<a;b>``
answers one route whose geometry (an encoded polyline) runs along the parallel of the first
point, then along the meridian of the second: an L, plainly not a straight line.

Run it: ``python tests/travel/osrm_server.py --port 5000`` and plan with
``--travel osrm --osrm-url http://127.0.0.1:5000``; stop it with Ctrl-C (or kill its pid)
to see the fallback. ``--max-table-size 20`` makes the provider split a bigger scenario into
many requests, and ``--die-after N`` stops the server after N answers, mid-run.
"""

from __future__ import annotations

import argparse
import json
import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from findhz.planner.polyline import encode

CIRCUITY = 1.3
SPEED_M_S = 10.0
EARTH_M = 6371008.8


def great_circle_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine metres between ``(lon, lat)`` points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_M * math.asin(math.sqrt(h))


def table_answer(
    target: str,
    *,
    max_table_size: int = 100,
    unroutable: frozenset[tuple[float, float]] = frozenset(),
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) that OSRM would give for a request target (path and query).

    ``unroutable`` holds ``(lon, lat)`` points that snap to an island: every leg to or from
    them is ``null``.
    """
    parts = urlsplit(target)
    segments = unquote(parts.path).strip("/").split("/")
    if len(segments) != 4 or segments[0] != "table" or segments[1] != "v1":
        return 400, {
            "code": "InvalidUrl",
            "message": f"URL string malformed close to {target[:40]}",
        }
    try:
        coords = [tuple(float(x) for x in c.split(",")) for c in segments[3].split(";")]
        if any(len(c) != 2 for c in coords):
            raise ValueError
    except ValueError:
        return 400, {
            "code": "InvalidQuery",
            "message": "Query string malformed close to position 0",
        }
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}

    def indices(name: str) -> list[int]:
        text = query.get(name, "all")
        return list(range(len(coords))) if text == "all" else [int(x) for x in text.split(";")]

    try:
        sources, destinations = indices("sources"), indices("destinations")
    except ValueError:
        return 400, {"code": "InvalidQuery", "message": "Query string malformed"}
    if any(not 0 <= k < len(coords) for k in sources + destinations):
        return 400, {
            "code": "InvalidOptions",
            "message": "Source or destination indices are greater than number of coordinates",
        }
    if len(sources) * len(destinations) > max_table_size * max_table_size:
        return 400, {"code": "TooBig", "message": "Too many table coordinates"}
    annotations = query.get("annotations", "duration").split(",")

    def leg(i: int, j: int) -> float | None:
        a, b = coords[i], coords[j]
        if (a in unroutable or b in unroutable) and i != j:
            return None
        return round(great_circle_m(a, b) * CIRCUITY, 1)  # type: ignore[arg-type]

    def waypoint(k: int) -> dict[str, Any]:
        return {
            "hint": "9wYAgP___38AAAAAHgAAAAAAAAAAAAAAZ2nKQQAAAAAAAAAA",
            "distance": 3.141593,
            "name": "",
            "location": [round(coords[k][0], 6), round(coords[k][1], 6)],
        }

    body: dict[str, Any] = {"code": "Ok"}
    metres = [[leg(i, j) for j in destinations] for i in sources]
    if "duration" in annotations:
        body["durations"] = [
            [None if m is None else round(m / SPEED_M_S, 1) for m in row] for row in metres
        ]
    if "distance" in annotations:
        body["distances"] = metres
    body["sources"] = [waypoint(k) for k in sources]
    body["destinations"] = [waypoint(k) for k in destinations]
    return 200, body


def answer(
    target: str,
    *,
    max_table_size: int = 100,
    unroutable: frozenset[tuple[float, float]] = frozenset(),
) -> tuple[int, dict[str, Any]]:
    """The answer of the service the target names (``route`` or ``table``)."""
    if unquote(urlsplit(target).path).strip("/").startswith("route/"):
        return route_answer(target, unroutable=unroutable)
    return table_answer(target, max_table_size=max_table_size, unroutable=unroutable)


def route_answer(
    target: str, *, unroutable: frozenset[tuple[float, float]] = frozenset()
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) of OSRM's ``route`` service for two points: an L-shaped road."""
    parts = urlsplit(target)
    segments = unquote(parts.path).strip("/").split("/")
    try:
        coords = [tuple(float(x) for x in c.split(",")) for c in segments[3].split(";")]
        if len(segments) != 4 or segments[1] != "v1" or any(len(c) != 2 for c in coords):
            raise ValueError
    except (ValueError, IndexError):
        return 400, {"code": "InvalidUrl", "message": f"URL string malformed close to {target}"}
    if len(coords) != 2:
        return 400, {"code": "InvalidQuery", "message": "this stand-in routes two points"}
    a, b = coords
    if a in unroutable or b in unroutable:
        return 200, {"code": "NoRoute", "message": "Impossible route between points"}
    corner = (b[0], a[1])
    steps = 8
    line = [
        (p[1] + (q[1] - p[1]) * k / steps, p[0] + (q[0] - p[0]) * k / steps)
        for p, q in ((a, corner), (corner, b))
        for k in range(steps + (q is b))
    ]
    metres = great_circle_m(a, corner) + great_circle_m(corner, b)  # type: ignore[arg-type]
    route = {
        "geometry": encode(line),
        "legs": [
            {
                "steps": [],
                "summary": "",
                "weight": metres / SPEED_M_S,
                "duration": round(metres / SPEED_M_S, 1),
                "distance": round(metres, 1),
            }
        ],
        "weight_name": "routability",
        "weight": metres / SPEED_M_S,
        "duration": round(metres / SPEED_M_S, 1),
        "distance": round(metres, 1),
    }
    waypoints = [
        {"hint": "", "distance": 0.0, "name": "", "location": [round(c[0], 6), round(c[1], 6)]}
        for c in coords
    ]
    return 200, {"code": "Ok", "routes": [route], "waypoints": waypoints}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        if self.server.die_after is not None and len(self.server.requests) >= self.server.die_after:
            # Like a killed process: drop the connection without an answer, then stop.
            self.close_connection = True
            threading.Thread(target=self.server.shutdown, daemon=True).start()
            return
        self.server.requests.append(self.path)
        status, body = answer(self.path, max_table_size=self.server.max_table_size)
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.server.drip_s is None:
            self.wfile.write(payload)
            return
        # A slow-drip server: one byte at a time, each well within any read timeout.
        for k in range(len(payload)):
            if self.server.stopping.is_set():
                return
            try:
                self.wfile.write(payload[k : k + 1])
                self.wfile.flush()
            except OSError:  # the client gave up
                return
            time.sleep(self.server.drip_s)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        port: int,
        max_table_size: int,
        verbose: bool,
        die_after: int | None = None,
        drip_s: float | None = None,
    ) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.max_table_size = max_table_size
        self.verbose = verbose
        self.die_after = die_after
        self.drip_s = drip_s
        self.stopping = threading.Event()
        self.requests: list[str] = []


@contextmanager
def running(max_table_size: int = 100, drip_s: float | None = None) -> Iterator[_Server]:
    """A server on 127.0.0.1 on a free port, in a thread; ``server.server_port`` is its port.
    With ``drip_s`` it sends each answer's body one byte every ``drip_s`` seconds."""
    server = _Server(0, max_table_size, verbose=False, drip_s=drip_s)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--max-table-size", type=int, default=100)
    parser.add_argument(
        "--die-after",
        type=int,
        default=None,
        metavar="N",
        help="answer N requests, then stop as if killed (to watch the fallback)",
    )
    args = parser.parse_args()
    server = _Server(args.port, args.max_table_size, verbose=True, die_after=args.die_after)
    print(f"OSRM table stand-in on http://127.0.0.1:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
