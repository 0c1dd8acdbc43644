"""The offline travel-time model: geodesic distance x road detour / speed of the band.

Per leg (``TRAVEL-MODEL.md`` in this folder, section 7, gives every figure and its source):

* ``geodesic_m``: the WGS-84 ellipsoidal distance, vectorised Vincenty on geopy's WGS-84
  ellipsoid, checked against ``geopy.distance.geodesic`` (Karney) to well under a millimetre;
  the rare pairs where Vincenty does not converge (near-antipodal) are handed to geopy itself.
* ``road_m = geodesic_m x detour``: ``DETOUR`` (1.35) in general, ``SHORT_DETOUR`` (1.5) for
  short legs. A plain switch at ``SHORT_LEG_KM`` would make a 2.9 km leg longer on the road
  than a 3.0 km one, so short legs are capped at the road length of a ``SHORT_LEG_KM`` leg:
  ``road = max(d x 1.35, min(d x 1.5, 3 km x 1.35))`` (continuous, never decreasing; a
  named choice, not a source).
* ``drive_s``: the first ``LONG_LEG_KM`` of straight line (as road km) at the band's speed,
  the rest at the band's long-leg speed (elevated roads and expressways).
* Boarding (``BOARD_MIN``) and alighting (``ALIGHT_MIN``) are added by the matrix builder,
  for every provider alike.

Rounding: seconds and metres are rounded to the nearest integer (``numpy.rint``, halves to even).
Cross-Qiantang legs are not given the short-leg detour (the model has no river geometry).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from geopy.distance import ELLIPSOIDS, geodesic

from findhz.planner.models import TravelSettings
from findhz.planner.travel.matrix import Band

__all__ = [
    "ALIGHT_MIN",
    "BOARD_MIN",
    "DETOUR",
    "LONG_LEG_KM",
    "LONG_SPEEDS_KMH",
    "SHORT_DETOUR",
    "SHORT_LEG_KM",
    "SPEEDS_KMH",
    "OfflineModel",
    "geodesic_m",
]

FloatArray = npt.NDArray[np.float64]

#: Road km per straight-line km. Sourced: mean detour index of 25 Chinese cities, 1.324
#: (Annals of GIS 27, 2021, doi:10.1080/19475683.2021.1966503), rounded up for Hangzhou's
#: barriers (West Lake, Qiantang River, western hills): an assumption of +0.026.
DETOUR = 1.35
#: Detour of short legs. Assumption; direction sourced (short trips are more circuitous:
#: Annals of GIS 2021; Giacomin & Levinson 2015).
SHORT_DETOUR = 1.5
#: Straight-line length below which a leg is short. Assumption.
SHORT_LEG_KM = 3.0
#: Coach speeds per band in km/h, derived: Hangzhou commute-peak car speed 27.68 km/h (Baidu
#: Maps, China Urban Transportation Report 2020) x 0.90 coach factor (assumption); midday via the
#: 1.18 all-day/peak ratio (Amap, Xi'an analogue); evening = morning x 0.93 (Kunming 2019
#: analogue); off-peak from the implied free-flow speed 48.6 km/h x 0.90, rounded down.
SPEEDS_KMH: Mapping[str, float] = {
    "morning-peak": 25.0,
    "midday": 29.0,
    "evening-peak": 23.0,
    "off-peak": 40.0,
}
#: Straight-line km after which a leg is on faster roads. Assumption (TRAVEL-MODEL.md, the
#: optional long-leg uplift; without it ~20 km cross-city legs come out 10-15 min too long).
LONG_LEG_KM = 8.0
#: Speeds for the part of a leg beyond ``LONG_LEG_KM``. Assumption bounded by the 80 km/h limit
#: of Hangzhou's elevated roads (2022 notice) and the 100 km/h coach cap on motorways.
LONG_SPEEDS_KMH: Mapping[str, float] = {
    "morning-peak": 40.0,
    "midday": 50.0,
    "evening-peak": 40.0,
    "off-peak": 60.0,
}
#: Minutes for a group of 30-50 to board and settle before the coach moves. Sourced
#: (practitioner, C): "10 minutes or more" (charter operator guidance).
BOARD_MIN = 10
#: Minutes for a group to alight. Assumption: about twice the TCQSM flow time (~2.5 min for 45).
ALIGHT_MIN = 5

_VINCENTY_TOLERANCE = 1e-12
_VINCENTY_MAX_STEPS = 200


@dataclass(frozen=True)
class OfflineModel:
    """The constants of the offline model, after a scenario's overrides."""

    detour: float = DETOUR
    short_detour: float = SHORT_DETOUR
    short_leg_km: float = SHORT_LEG_KM
    long_leg_km: float = LONG_LEG_KM
    speeds_kmh: Mapping[str, float] = field(default_factory=lambda: dict(SPEEDS_KMH))
    long_speeds_kmh: Mapping[str, float] = field(default_factory=lambda: dict(LONG_SPEEDS_KMH))
    board_min: int = BOARD_MIN
    alight_min: int = ALIGHT_MIN

    @classmethod
    def from_settings(cls, settings: TravelSettings, bands: Sequence[Band]) -> OfflineModel:
        """The default constants with the scenario's overrides, checked against the bands."""
        speeds = {**SPEEDS_KMH, **(settings.speeds_kmh or {})}
        long_speeds = {**LONG_SPEEDS_KMH, **(settings.long_speeds_kmh or {})}
        model = cls(
            detour=settings.detour if settings.detour is not None else DETOUR,
            short_detour=(
                settings.short_detour if settings.short_detour is not None else SHORT_DETOUR
            ),
            short_leg_km=(
                settings.short_leg_km if settings.short_leg_km is not None else SHORT_LEG_KM
            ),
            long_leg_km=settings.long_leg_km if settings.long_leg_km is not None else LONG_LEG_KM,
            speeds_kmh=speeds,
            long_speeds_kmh=long_speeds,
            board_min=settings.board_min if settings.board_min is not None else BOARD_MIN,
            alight_min=settings.alight_min if settings.alight_min is not None else ALIGHT_MIN,
        )
        model.check(bands)
        return model

    def check(self, bands: Sequence[Band]) -> None:
        """Raise ``ValueError`` naming the first speed that is missing, unknown or not positive."""
        names = {b.name for b in bands}
        for label, table in (
            ("speeds_kmh", self.speeds_kmh),
            ("long_speeds_kmh", self.long_speeds_kmh),
        ):
            unknown = sorted(set(table) - names)
            if unknown:
                raise ValueError(f"travel.{label}: '{unknown[0]}' is not a band ({sorted(names)})")
            for name in sorted(names):
                if name not in table:
                    raise ValueError(f"travel.{label}: no speed for band '{name}'")
                if not table[name] > 0:
                    raise ValueError(f"travel.{label}.{name}: {table[name]} is not a speed")
        if self.short_detour < 1 or self.detour < 1:
            raise ValueError("travel: a detour factor below 1 is shorter than a straight line")

    def as_json(self) -> dict[str, Any]:
        """The constants as written to ``plan.json``."""
        return {
            "detour": self.detour,
            "short_detour": self.short_detour,
            "short_leg_km": self.short_leg_km,
            "long_leg_km": self.long_leg_km,
            "speeds_kmh": dict(self.speeds_kmh),
            "long_speeds_kmh": dict(self.long_speeds_kmh),
            "board_min": self.board_min,
            "alight_min": self.alight_min,
        }

    def road_m(self, geodesic: FloatArray) -> FloatArray:
        """Road metres for straight-line metres (see the module docstring for the rule)."""
        short_cap = self.short_leg_km * 1000.0 * self.detour
        return np.maximum(
            geodesic * self.detour, np.minimum(geodesic * self.short_detour, short_cap)
        )

    def drive_seconds(self, road: FloatArray, band: str) -> FloatArray:
        """Seconds of driving for road metres in a band (without boarding or alighting)."""
        speed = self.speeds_kmh[band] / 3.6
        long_speed = self.long_speeds_kmh[band] / 3.6
        threshold = self.long_leg_km * 1000.0 * self.detour
        near = np.minimum(road, threshold)
        far = np.maximum(road - threshold, 0.0)
        out: FloatArray = near / speed + far / long_speed
        return out

    def tables(
        self, lat: Sequence[float], lon: Sequence[float], bands: Sequence[Band]
    ) -> tuple[FloatArray, FloatArray]:
        """Drive seconds ``[band, i, j]`` and road metres ``[band, i, j]`` as floats."""
        geo = geodesic_m(lat, lon)
        road = self.road_m(geo)
        seconds = np.stack([self.drive_seconds(road, b.name) for b in bands])
        metres = np.broadcast_to(road, seconds.shape).copy()
        return seconds, metres


def geodesic_m(lat: Sequence[float], lon: Sequence[float]) -> FloatArray:
    """Ellipsoidal (WGS-84) distances in metres between all points, as an ``n x n`` array."""
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    lam = np.radians(np.asarray(lon, dtype=np.float64))
    n = phi.size
    if n == 0:
        return np.zeros((0, 0))
    a_km, b_km, f = ELLIPSOIDS["WGS-84"]
    a, b = a_km * 1000.0, b_km * 1000.0
    u = np.arctan((1 - f) * np.tan(phi))
    sin_u, cos_u = np.sin(u), np.cos(u)
    sin_u1, sin_u2 = sin_u[:, None], sin_u[None, :]
    cos_u1, cos_u2 = cos_u[:, None], cos_u[None, :]
    big_l = lam[None, :] - lam[:, None]
    lam_i = big_l.copy()
    converged = np.zeros((n, n), dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        for _ in range(_VINCENTY_MAX_STEPS):
            sin_lam, cos_lam = np.sin(lam_i), np.cos(lam_i)
            sin_sigma = np.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
            cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
            sigma = np.arctan2(sin_sigma, cos_sigma)
            sin_alpha = np.where(sin_sigma > 0, cos_u1 * cos_u2 * sin_lam / sin_sigma, 0.0)
            cos2_alpha = 1 - sin_alpha**2
            cos_2sm = np.where(cos2_alpha > 0, cos_sigma - 2 * sin_u1 * sin_u2 / cos2_alpha, 0.0)
            c = f / 16 * cos2_alpha * (4 + f * (4 - 3 * cos2_alpha))
            previous = lam_i
            lam_i = big_l + (1 - c) * f * sin_alpha * (
                sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm**2))
            )
            converged = np.abs(lam_i - previous) < _VINCENTY_TOLERANCE
            if converged.all():
                break
        u_sq = cos2_alpha * (a * a - b * b) / (b * b)
        big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
        big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
        delta_sigma = (
            big_b
            * sin_sigma
            * (
                cos_2sm
                + big_b
                / 4
                * (
                    cos_sigma * (-1 + 2 * cos_2sm**2)
                    - big_b / 6 * cos_2sm * (-3 + 4 * sin_sigma**2) * (-3 + 4 * cos_2sm**2)
                )
            )
        )
        distance: FloatArray = b * big_a * (sigma - delta_sigma)
    distance[sin_sigma == 0] = 0.0
    stray = ~converged | ~np.isfinite(distance)
    for i, j in zip(*np.nonzero(stray), strict=True):
        distance[i, j] = geodesic(
            (math.degrees(phi[i]), math.degrees(lam[i])),
            (math.degrees(phi[j]), math.degrees(lam[j])),
        ).meters
    np.fill_diagonal(distance, 0.0)
    # Symmetric by definition; average away the last-ulp asymmetry of the iteration.
    symmetric: FloatArray = (distance + distance.T) / 2
    return symmetric
