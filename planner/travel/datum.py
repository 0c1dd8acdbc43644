"""WGS-84 <-> GCJ-02, the datum of Chinese web maps (AMap, Tencent).

GCJ-02 is WGS-84 with a deliberate, smooth, position-dependent offset (a few hundred metres;
about 520 m in Hangzhou). The forward transform is the widely published one (Krasovsky
ellipsoid, polynomial in the offsets from 105°E, 35°N); it has no closed inverse, so
:func:`gcj02_to_wgs84` iterates the forward transform until the round trip is within
1e-9 degrees (about 0.1 mm), far below the sub-metre the catalogue needs. The one-step inverse
that many snippets use is off by about 1.6 m.

Outside mainland China (as approximated by :func:`in_mainland_china`) both functions return
the point unchanged, as the Chinese map services themselves do.

The catalogue stays WGS-84; convert only where a GCJ-02 service or map layer is met.
"""

from __future__ import annotations

import math

__all__ = ["gcj02_to_wgs84", "in_mainland_china", "wgs84_to_gcj02"]

# Krasovsky 1940 ellipsoid, as used by the published transform.
_A = 6378245.0
_EE = 0.00669342162296594323

# Mainland China as a union of rectangles minus exclusions (south, west, north, east in
# degrees): the rough outline widely used with this transform. It keeps Taiwan out and treats
# border regions generously; a point in a neighbouring country near the border may be treated
# as mainland. Hangzhou is far from every edge.
_INSIDE = (
    (42.8899, 79.4462, 49.2204, 96.3300),
    (39.3742, 109.6872, 54.1415, 135.0002),
    (29.5297, 73.1246, 42.8899, 124.143255),
    (26.7186, 82.9684, 29.5297, 97.0352),
    (20.414096, 97.0253, 29.5297, 124.367395),
    (17.871542, 107.975793, 20.414096, 111.744104),
)
_OUTSIDE = (
    (21.785006, 119.921265, 25.398623, 122.497559),  # Taiwan
    (20.098800, 101.865200, 22.284000, 106.665000),  # northern Laos and Vietnam
    (20.487800, 106.452500, 21.542200, 108.051000),  # Gulf of Tonkin coast of Vietnam
    (50.325700, 109.032300, 55.817500, 119.127000),  # Mongolia / Russia
    (49.557400, 127.456800, 55.817500, 137.022700),  # Russia, Amur
    (42.569200, 131.266200, 44.892200, 137.022700),  # Russia, Primorye
)

_INVERSE_TOLERANCE_DEG = 1e-9
_INVERSE_MAX_STEPS = 30


def in_mainland_china(lat: float, lon: float) -> bool:
    """True when GCJ-02 applies to the point (mainland China, roughly; not Taiwan)."""

    def inside(box: tuple[float, float, float, float]) -> bool:
        south, west, north, east = box
        return south <= lat <= north and west <= lon <= east

    return any(inside(b) for b in _INSIDE) and not any(inside(b) for b in _OUTSIDE)


def _offset(lat: float, lon: float) -> tuple[float, float]:
    """The GCJ-02 shift (dlat, dlon) in degrees at a WGS-84 point."""
    x = lon - 105.0
    y = lat - 35.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    d_lon += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lon += (
        (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lat, d_lon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """A WGS-84 point as GCJ-02 ``(lat, lon)``; unchanged outside mainland China."""
    if not in_mainland_china(lat, lon):
        return lat, lon
    d_lat, d_lon = _offset(lat, lon)
    return lat + d_lat, lon + d_lon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """A GCJ-02 point as WGS-84 ``(lat, lon)``, by iterating the forward transform.

    Fixed-point iteration: guess, shift the guess forward, correct by the miss; it converges
    in a handful of steps because the offset changes slowly with position.
    """
    if not in_mainland_china(lat, lon):
        return lat, lon
    guess_lat, guess_lon = lat, lon
    for _ in range(_INVERSE_MAX_STEPS):
        fwd_lat, fwd_lon = wgs84_to_gcj02(guess_lat, guess_lon)
        miss_lat, miss_lon = fwd_lat - lat, fwd_lon - lon
        if abs(miss_lat) < _INVERSE_TOLERANCE_DEG and abs(miss_lon) < _INVERSE_TOLERANCE_DEG:
            break
        guess_lat -= miss_lat
        guess_lon -= miss_lon
    return guess_lat, guess_lon
