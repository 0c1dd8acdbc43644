"""Google's encoded polyline format (precision 5), the ``geometries=polyline`` of OSRM.

Each coordinate is the difference from the one before, times 1e5, rounded, zig-zag encoded
and written as 5-bit groups in printable ASCII, latitude first. :func:`decode` refuses a
string that is not such an encoding (a truncated value, a character outside the alphabet,
a point outside the globe) with ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["decode", "encode"]

_SCALE = 1e5


def encode(points: Sequence[tuple[float, float]]) -> str:
    """``[(lat, lon), ...]`` as an encoded polyline."""
    out: list[str] = []
    last = (0, 0)
    for lat, lon in points:
        here = (round(lat * _SCALE), round(lon * _SCALE))
        for value in (here[0] - last[0], here[1] - last[1]):
            value = ~(value << 1) if value < 0 else value << 1
            while value >= 0x20:
                out.append(chr((0x20 | (value & 0x1F)) + 63))
                value >>= 5
            out.append(chr(value + 63))
        last = here
    return "".join(out)


def decode(text: str) -> list[tuple[float, float]]:
    """An encoded polyline as ``[(lat, lon), ...]``, rounded to 1e-5 degrees."""
    values: list[int] = []
    value = shift = 0
    for char in text:
        code = ord(char) - 63
        if not 0 <= code < 64:
            raise ValueError(f"{char!r} is not a polyline character")
        value |= (code & 0x1F) << shift
        shift += 5
        if shift > 60:
            raise ValueError("a polyline value is too long")
        if code < 0x20:
            values.append(~(value >> 1) if value & 1 else value >> 1)
            value = shift = 0
    if shift or len(values) % 2:
        raise ValueError("the polyline ends in the middle of a coordinate")
    points = []
    lat = lon = 0
    for k in range(0, len(values), 2):
        lat += values[k]
        lon += values[k + 1]
        point = (lat / _SCALE, lon / _SCALE)
        if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):
            raise ValueError(f"the polyline leaves the globe at {point}")
        points.append(point)
    return points
