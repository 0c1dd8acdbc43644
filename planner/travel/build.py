"""Build the travel matrix of a scenario from the offline model or a routing service."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import httpx
import numpy as np

from planner.errors import InputError, Problem, TravelError
from planner.models import Scenario
from planner.travel.matrix import DEFAULT_BANDS, Band, TravelMatrix
from planner.travel.offline import OfflineModel

__all__ = ["PROVIDERS", "build_matrix"]

log = logging.getLogger(__name__)

#: The provider names ``build_matrix`` and the CLI accept.
PROVIDERS = ("offline", "osrm", "amap")

Progress = Callable[[int, int], None]


def build_matrix(
    scenario: Scenario,
    provider: str = "offline",
    *,
    osrm_url: str | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    transport: httpx.BaseTransport | None = None,
    bands: Sequence[Band] = DEFAULT_BANDS,
) -> TravelMatrix:
    """Travel times between all venues of ``scenario.venues``, in their catalogue order.

    ``provider`` is ``"offline"`` (the default, no network), ``"osrm"`` (with ``osrm_url``)
    or ``"amap"`` (key in ``FINDHZ_AMAP_KEY``). ``progress(done, total)`` is called as
    requests complete; ``transport`` replaces httpx's network transport (tests).
    """
    if provider not in PROVIDERS:
        raise TravelError(
            f"unknown travel provider '{provider}' (choose from {', '.join(PROVIDERS)})"
        )
    venues = list(scenario.venues.values())
    ids = tuple(v.id for v in venues)
    lat = [v.location.lat for v in venues]
    lon = [v.location.lon for v in venues]
    model = _model(scenario, bands)
    drive, metres = model.tables(lat, lon, bands)
    if provider != "offline":
        raise TravelError(f"travel provider '{provider}' is not available in this build")
    return _assemble(ids, bands, drive, metres, model, provider="offline")


def _model(scenario: Scenario, bands: Sequence[Band]) -> OfflineModel:
    try:
        return OfflineModel.from_settings(scenario.spec.travel, bands)
    except ValueError as err:
        raise InputError([Problem(scenario.source, "", "travel", str(err))]) from None


def _assemble(
    ids: tuple[str, ...],
    bands: Sequence[Band],
    drive: np.ndarray,
    metres: np.ndarray,
    model: OfflineModel,
    *,
    provider: str,
) -> TravelMatrix:
    n = len(ids)
    drive_s = np.rint(drive).astype(np.int64)
    metres_i = np.rint(metres).astype(np.int64)
    overhead_s = (model.board_min + model.alight_min) * 60
    off_diagonal = ~np.eye(n, dtype=bool)
    seconds = drive_s + overhead_s * off_diagonal[None, :, :]
    for array in (drive_s, metres_i, seconds):
        array[:, ~off_diagonal] = 0
    return TravelMatrix(
        venue_ids=ids,
        bands=tuple(bands),
        seconds=seconds,
        metres=metres_i,
        drive_s=drive_s,
        provider=provider,
        model=model.as_json(),
    )
