"""The seam between the matrix builder and the routing services.

A :class:`TravelTimeProvider` plans its requests as :class:`Block` s (origins x destinations
it can answer in one call) and answers one block at a time with drive seconds and road metres
as floats, ``nan`` where the service has no route. It raises
:class:`~findhz.planner.errors.TravelError` when a block cannot be fetched (the builder then falls
back to the offline model for it) and :class:`~findhz.planner.errors.ProviderAuthError` when the
service refuses the request itself (a bad key or URL: no fallback, the user must fix it).
:class:`BlockTooBig` asks the builder to re-plan the pending legs in smaller blocks.
Points are WGS-84 ``(lat, lon)``; a provider converts to its own datum and axis order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from findhz.planner.errors import TravelError
from findhz.planner.travel.matrix import Band

__all__ = ["Block", "BlockResult", "BlockTooBig", "LatLon", "TravelTimeProvider", "chunks"]

LatLon = tuple[float, float]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Block:
    """One request's worth of legs: every ``sources`` x ``destinations`` pair (positions)."""

    sources: tuple[int, ...]
    destinations: tuple[int, ...]


class BlockTooBig(TravelError):
    """The service refused a block as too large and the provider has made its blocks
    smaller: plan the pending legs again with :meth:`TravelTimeProvider.blocks`."""


@dataclass(frozen=True)
class BlockResult:
    """Drive seconds and road metres of a block, shape ``(len(sources), len(destinations))``.

    ``nan`` marks a pair without a route; ``distances`` is all ``nan`` when the service gives
    durations only.
    """

    durations: FloatArray
    distances: FloatArray


class TravelTimeProvider(Protocol):
    """A routing service that answers blocks of legs."""

    #: Short name, recorded in plan.json and in the cache key (``"osrm"``, ``"amap"``).
    name: str
    #: The travel mode and endpoint that make answers comparable.
    profile: str
    #: What makes two answers interchangeable in the cache besides the name (profile, server).
    cache_profile: str
    #: False when the service ignores the time of day: one fetch serves every band.
    time_dependent: bool

    @property
    def requests(self) -> int:
        """HTTP requests made so far."""
        ...

    def blocks(self, wanted: BoolArray) -> list[Block]:
        """Blocks that together cover every ``True`` pair of the ``n x n`` mask."""
        ...

    def fetch(self, points: Sequence[LatLon], block: Block, band: Band | None) -> BlockResult:
        """Drive seconds and metres for one block; ``band`` is None unless time-dependent."""
        ...

    def describe(self) -> dict[str, object]:
        """What plan.json should say about the service (never a key)."""
        ...

    def close(self) -> None: ...


def chunks(n: int, size: int) -> list[tuple[int, ...]]:
    """``range(n)`` cut into consecutive tuples of at most ``size``."""
    if size < 1:
        raise ValueError("chunk size must be positive")
    return [tuple(range(k, min(k + size, n))) for k in range(0, n, size)]
