"""The travel matrix: whole seconds and metres between all venues, per time-of-day band.

``seconds[b, i, j]`` is the **door-to-door leg time** a timetable shows between *leaving*
venue ``i`` and *arriving* at venue ``j`` when the leg starts in band ``b``: boarding at ``i``
plus the drive plus alighting at ``j`` (the fixed overheads of the travel model), zero on the
diagonal. The raw drive time without overheads is ``drive_s[b, i, j]``; ``metres`` is the road
distance of the drive. All three are read-only ``int64`` arrays.

Bands are chosen by the minute a leg starts (its departure). A band whose end is not after its
start wraps past midnight (the off-peak band runs 19:30 to 07:00). A band may name another band
that replaces it at weekends (Hangzhou's weekend daytime traffic is like a weekday midday, not
like its commuting peaks; see ``TRAVEL-MODEL.md`` in ``planner/travel``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from findhz.planner.metrics import TravelBand, TravelFallback, TravelInfo
from findhz.planner.models import format_clock

__all__ = ["DAY_MIN", "DEFAULT_BANDS", "Band", "Fallback", "IntArray", "TravelMatrix"]

DAY_MIN = 24 * 60

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Band:
    """A time-of-day band: minutes after midnight, ``start_min`` inclusive, ``end_min`` not.

    ``weekend`` names the band whose times apply instead on Saturdays and Sundays.
    """

    name: str
    start_min: int
    end_min: int
    weekend: str | None = None

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a band needs a name")
        for label, value in (("start_min", self.start_min), ("end_min", self.end_min)):
            if not 0 <= value <= DAY_MIN:
                raise ValueError(f"band '{self.name}': {label} {value} is outside 0..{DAY_MIN}")
        if self.start_min % DAY_MIN == self.end_min % DAY_MIN:
            raise ValueError(f"band '{self.name}' is empty or covers the whole day")

    def contains(self, minute_of_day: int) -> bool:
        """True when the minute (0..1439) falls inside the band."""
        if self.start_min < self.end_min:
            return self.start_min <= minute_of_day < self.end_min
        return minute_of_day >= self.start_min or minute_of_day < self.end_min


#: Hangzhou weekday bands: the morning window of the city's traffic restrictions (07:00-09:00)
#: plus the observed post-restriction peak around 09:30, and the evening window 16:30-19:30
#: (restriction 16:30-18:30, bans to 19:00, peak around 19:00). See TRAVEL-MODEL.md, section 2.
DEFAULT_BANDS: tuple[Band, ...] = (
    Band("morning-peak", 7 * 60, 9 * 60 + 30, weekend="midday"),
    Band("midday", 9 * 60 + 30, 16 * 60 + 30),
    Band("evening-peak", 16 * 60 + 30, 19 * 60 + 30, weekend="midday"),
    Band("off-peak", 19 * 60 + 30, 7 * 60),
)


@dataclass(frozen=True)
class Fallback:
    """Legs the routing service could not give, so the offline model filled them in, and why:
    every pair of *different* venues in ``origins`` x ``destinations``, in ``bands``."""

    origins: tuple[str, ...]
    destinations: tuple[str, ...]
    bands: tuple[str, ...]
    reason: str


def _frozen_int(array: npt.ArrayLike, shape: tuple[int, ...], label: str) -> IntArray:
    out = np.array(array, dtype=np.int64, copy=True)
    if out.shape != shape:
        raise ValueError(f"TravelMatrix.{label} has shape {out.shape}, expected {shape}")
    if (out < 0).any():
        raise ValueError(f"TravelMatrix.{label} has negative entries")
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Immutable travel times and distances between the venues of a scenario.

    Index with venue ids (:meth:`travel_s`, :meth:`distance_m`) or with positions
    (:meth:`index`, :meth:`band_at`, then ``seconds[b, i, j]``).

    ``origin[b, i, j]`` indexes ``origin_names``: where each leg came from (``"offline"``, the
    provider's name, or ``"offline-fallback"``); ``fallbacks`` says which blocks of legs fell
    back and why; ``cached`` counts the answers read from the cache and ``requests`` the HTTP
    requests made; ``service`` describes the routing service (never a key).
    """

    venue_ids: tuple[str, ...]
    bands: tuple[Band, ...]
    seconds: IntArray
    metres: IntArray
    drive_s: IntArray
    provider: str
    model: Mapping[str, Any] = field(default_factory=dict)
    origin: IntArray | None = None
    origin_names: tuple[str, ...] = ("offline",)
    fallbacks: tuple[Fallback, ...] = ()
    cached: int = 0
    notes: tuple[str, ...] = ()
    service: Mapping[str, Any] = field(default_factory=dict)
    requests: int = 0
    _index: dict[str, int] = field(init=False, repr=False)
    _band_of_minute: IntArray = field(init=False, repr=False)
    _weekend_band: tuple[int, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        ids = tuple(self.venue_ids)
        if len(set(ids)) != len(ids):
            raise ValueError("TravelMatrix.venue_ids has duplicates")
        bands = tuple(self.bands)
        if not bands:
            raise ValueError("TravelMatrix needs at least one band")
        names = [b.name for b in bands]
        if len(set(names)) != len(names):
            raise ValueError("TravelMatrix.bands has duplicate names")
        shape = (len(bands), len(ids), len(ids))
        object.__setattr__(self, "venue_ids", ids)
        object.__setattr__(self, "bands", bands)
        for label in ("seconds", "metres", "drive_s"):
            object.__setattr__(self, label, _frozen_int(getattr(self, label), shape, label))
        origin = np.zeros(shape, dtype=np.int64) if self.origin is None else self.origin
        origin = _frozen_int(origin, shape, "origin")
        if origin.size and origin.max() >= len(self.origin_names):
            raise ValueError("TravelMatrix.origin refers to an unknown source")
        object.__setattr__(self, "origin", origin)
        object.__setattr__(self, "model", dict(self.model))
        object.__setattr__(self, "service", dict(self.service))
        object.__setattr__(self, "_index", {v: i for i, v in enumerate(ids)})
        object.__setattr__(self, "_band_of_minute", _band_lookup(bands))
        by_name = {b.name: k for k, b in enumerate(bands)}
        weekend = []
        for k, band in enumerate(bands):
            if band.weekend is not None and band.weekend not in by_name:
                raise ValueError(f"band '{band.name}': weekend band '{band.weekend}' is unknown")
            weekend.append(k if band.weekend is None else by_name[band.weekend])
        object.__setattr__(self, "_weekend_band", tuple(weekend))

    # -- lookups -------------------------------------------------------------------------

    def index(self, venue_id: str) -> int:
        """The position of a venue in the arrays; ``KeyError`` naming it if unknown."""
        try:
            return self._index[venue_id]
        except KeyError:
            raise KeyError(f"venue '{venue_id}' is not in the travel matrix") from None

    def band_at(self, minute_of_day: int, date: dt.date | None = None) -> int:
        """The band index of a departure at ``minute_of_day`` (taken modulo 24 h).

        With a ``date`` on a Saturday or Sunday, a band's weekend replacement is used.
        """
        band = int(self._band_of_minute[minute_of_day % DAY_MIN])
        if date is not None and date.weekday() >= 5:
            band = self._weekend_band[band]
        return band

    def travel_s(self, a: str, b: str, minute: int, date: dt.date | None = None) -> int:
        """Door-to-door seconds from leaving ``a`` at ``minute`` to arriving at ``b``."""
        return int(self.seconds[self.band_at(minute, date), self.index(a), self.index(b)])

    def distance_m(self, a: str, b: str, minute: int, date: dt.date | None = None) -> int:
        """Road metres from ``a`` to ``b`` for a departure at ``minute``."""
        return int(self.metres[self.band_at(minute, date), self.index(a), self.index(b)])

    def source_of(self, a: str, b: str, minute: int, date: dt.date | None = None) -> str:
        """Where the leg's time came from (a provider, ``offline`` or ``offline-fallback``)."""
        assert self.origin is not None
        k = int(self.origin[self.band_at(minute, date), self.index(a), self.index(b)])
        return self.origin_names[k]

    # -- plan.json -----------------------------------------------------------------------

    def info(self) -> TravelInfo:
        """The ``travel`` section of ``plan.json``: provider, bands, constants, sources."""
        assert self.origin is not None
        n = len(self.venue_ids)
        off_diagonal = ~np.eye(n, dtype=bool)
        counts = np.bincount(self.origin[:, off_diagonal].ravel(), minlength=len(self.origin_names))
        return TravelInfo(
            provider=self.provider,
            venues=n,
            includes_overheads=True,
            bands=[
                TravelBand(
                    name=b.name,
                    start=format_clock(b.start_min),
                    end=format_clock(b.end_min),
                    weekend=b.weekend or None,
                )
                for b in self.bands
            ],
            model=dict(self.model),
            service=dict(self.service) if self.service else None,
            requests=self.requests if self.service else None,
            legs={
                name: int(count)
                for name, count in zip(self.origin_names, counts, strict=True)
                if count
            },
            cached_legs=self.cached,
            fallback=[
                TravelFallback(
                    origins=list(f.origins),
                    destinations=list(f.destinations),
                    bands=list(f.bands),
                    reason=f.reason,
                )
                for f in self.fallbacks
            ],
            notes=list(self.notes),
        )


def _band_lookup(bands: Sequence[Band]) -> IntArray:
    """Band index for every minute of the day; the bands must cover it exactly once."""
    lookup = np.full(DAY_MIN, -1, dtype=np.int64)
    for k, band in enumerate(bands):
        for minute in range(DAY_MIN):
            if band.contains(minute):
                if lookup[minute] != -1:
                    other = bands[int(lookup[minute])].name
                    raise ValueError(
                        f"bands '{other}' and '{band.name}' overlap at {format_clock(minute)}"
                    )
                lookup[minute] = k
    gaps = np.flatnonzero(lookup < 0)
    if gaps.size:
        raise ValueError(f"no band covers {format_clock(int(gaps[0]))}")
    lookup.setflags(write=False)
    return lookup
