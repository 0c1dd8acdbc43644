"""Build the travel matrix of a scenario from the offline model or a routing service.

With a routing service, each band's legs are looked up in the cache first; the rest are
requested block by block. A block that still fails after the retries (server gone, timeouts,
a malformed or wrong-sized answer) is filled from the offline model: a warning is logged once,
and the matrix records which legs came from where (``TravelMatrix.origin``, ``fallbacks``,
``info()``). A refused request (bad key, bad URL: :class:`~findhz.planner.errors.ProviderAuthError`)
is not hidden behind a fallback: it propagates. After ``CIRCUIT_BREAK`` blocks in a row have
failed, the remaining blocks are not tried (a dead server would otherwise cost every block its
full retry time) and fall back at once.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np

from findhz.planner.errors import InputError, Problem, ProviderAuthError, TravelError
from findhz.planner.models import Scenario
from findhz.planner.travel import PROVIDERS, SERVICES
from findhz.planner.travel.amap import AmapProvider, amap_key
from findhz.planner.travel.cache import (
    ANY_BAND,
    CachedLeg,
    LegCache,
    default_cache_path,
    set_aside,
)
from findhz.planner.travel.http import Fetcher, RateLimiter, RetryPolicy
from findhz.planner.travel.matrix import DEFAULT_BANDS, Band, Fallback, TravelMatrix
from findhz.planner.travel.offline import OfflineModel
from findhz.planner.travel.osrm import DEFAULT_MAX_LOCATIONS, OsrmProvider
from findhz.planner.travel.providers import (
    Block,
    BlockResult,
    BlockTooBig,
    BoolArray,
    FloatArray,
    LatLon,
    TravelTimeProvider,
)

__all__ = [
    "CIRCUIT_BREAK",
    "DEFAULT_TRAVEL_DEADLINE_S",
    "MAX_MATRIX_VENUES",
    "PROVIDERS",
    "build_matrix",
    "open_provider",
]

log = logging.getLogger(__name__)


#: The longest leg (seconds, metres) and the fastest straight-line speed (km/h) that a
#: routing service may claim between two venues of one city; an answer beyond them is refused.
MAX_LEG_S = 6 * 3600
MAX_LEG_M = 500_000
MAX_SPEED_KMH = 150.0

#: The most venues a scenario may use: four bands of 2,000 x 2,000 legs (seconds, metres, drive
#: and source) are 0.5 GiB, within the 2 GB a conference week may take.
MAX_MATRIX_VENUES = 2000
#: Consecutive failed blocks after which the rest are not tried.
CIRCUIT_BREAK = 2
#: How long asking a routing service may take in all (seconds); then the offline model fills
#: the legs not yet answered. Each request also has its own deadline
#: (``RetryPolicy.request_deadline_s``).
DEFAULT_TRAVEL_DEADLINE_S = 600.0

Progress = Callable[[int, int], None]

_OFFLINE, _PROVIDER, _FALLBACK = 0, 1, 2


def build_matrix(
    scenario: Scenario,
    provider: str = "offline",
    *,
    osrm_url: str | None = None,
    use_cache: bool = True,
    progress: Progress | None = None,
    transport: httpx.BaseTransport | None = None,
    bands: Sequence[Band] = DEFAULT_BANDS,
    retry: RetryPolicy | None = None,
    max_locations: int = DEFAULT_MAX_LOCATIONS,
    amap_qps: float = 3.0,
    cache_path: Path | None = None,
    fallback: bool = True,
    deadline_s: float | None = DEFAULT_TRAVEL_DEADLINE_S,
) -> TravelMatrix:
    """Travel times between the venues a scenario uses (``scenario.venues_in_use``: the base,
    the running routes' venues and the lunch venues), in catalogue order; at most
    :data:`MAX_MATRIX_VENUES` of them.

    ``provider`` is ``"offline"`` (the default, no network), ``"osrm"`` (the ``table`` service
    at ``osrm_url``) or ``"amap"`` (key in ``FINDHZ_AMAP_KEY``). ``progress(done, total)`` is
    called with the number of requests done out of those needed (never for offline);
    ``transport`` replaces httpx's network transport (tests). ``use_cache=False`` neither reads
    nor writes the cache; ``fallback=False`` raises :class:`TravelError` instead of falling
    back to the offline model (a scenario's ``travel.request_deadline_s`` sets ``retry``'s
    request deadline when ``retry`` is not given). ``deadline_s`` bounds the time spent asking
    the service (see :func:`run_deadline` for a command's; ``None``:
    no bound): no request starts or runs past it, and the blocks not answered by then come
    from the offline model with the reason recorded.
    """
    if provider not in PROVIDERS:
        raise TravelError(
            f"unknown travel provider '{provider}' (choose from {', '.join(PROVIDERS)})"
        )
    venues = scenario.venues_in_use
    if len(venues) > MAX_MATRIX_VENUES:
        gib = len(venues) ** 2 * len(bands) * 8 * 4 / 2**30
        raise InputError(
            [
                Problem(
                    scenario.source,
                    "",
                    "",
                    f"the scenario uses {len(venues)} venues (its routes' venues, the base and "
                    f"every lunch venue); findhz plans with at most {MAX_MATRIX_VENUES} (the "
                    f"travel times alone would take {gib:.1f} GiB): run fewer routes, or a "
                    "catalogue with fewer lunch venues",
                )
            ]
        )
    ids = tuple(v.id for v in venues)
    points: list[LatLon] = [(v.location.lat, v.location.lon) for v in venues]
    model = _model(scenario, bands)
    drive, metres = model.tables([p[0] for p in points], [p[1] for p in points], bands)
    if provider == "offline":
        return _assemble(ids, bands, drive, metres, model, provider="offline")

    if deadline_s is not None and not deadline_s > 0:
        raise TravelError(f"the travel deadline must be positive seconds, not {deadline_s}")
    request_s = scenario.spec.travel.request_deadline_s
    if retry is None and request_s is not None:  # the scenario's own request deadline
        retry = RetryPolicy(request_deadline_s=request_s)
    deadline = None if deadline_s is None else time.monotonic() + deadline_s
    service = open_provider(
        provider,
        osrm_url=osrm_url,
        transport=transport,
        retry=retry,
        max_locations=max_locations,
        amap_qps=amap_qps,
        deadline=deadline,
    )
    try:
        cache = _open_cache(cache_path) if use_cache else None
        try:
            routed = _route(
                service,
                points,
                bands,
                cache,
                progress,
                fallback=fallback,
                deadline=None if deadline is None else (deadline, deadline_s or 0.0),
            )
        finally:
            if cache is not None:
                cache.close()
    finally:
        service.close()
    return _combine(ids, bands, drive, metres, model, service, routed)


def run_deadline(scenario: Scenario, given: float | None) -> float:
    """The travel deadline of a run: the one the user ``given`` (a command-line option), else
    the scenario's ``travel.deadline_s``, else :data:`DEFAULT_TRAVEL_DEADLINE_S`."""
    if given is not None:
        return given
    own = scenario.spec.travel.deadline_s
    return DEFAULT_TRAVEL_DEADLINE_S if own is None else own


def open_provider(
    provider: str,
    *,
    osrm_url: str | None = None,
    transport: httpx.BaseTransport | None = None,
    retry: RetryPolicy | None = None,
    max_locations: int = DEFAULT_MAX_LOCATIONS,
    amap_qps: float = 3.0,
    deadline: float | None = None,
) -> TravelTimeProvider:
    """A routing service by name, ready to fetch (close it when done); ``deadline`` is a
    ``time.monotonic()`` instant no request may start or run past."""
    if provider == "osrm":
        if not osrm_url:
            raise TravelError("osrm: name the server with --osrm-url (e.g. http://localhost:5000)")
        fetcher = Fetcher("osrm", policy=retry, transport=transport, deadline=deadline)
        try:
            return OsrmProvider(osrm_url, fetcher, max_locations=max_locations)
        except Exception:
            fetcher.close()
            raise
    if provider == "amap":
        key = amap_key()
        fetcher = Fetcher(
            "amap",
            policy=retry,
            transport=transport,
            rate_limiter=RateLimiter(amap_qps),
            secrets=(key,),
            deadline=deadline,
        )
        return AmapProvider(key, fetcher)
    raise TravelError(f"'{provider}' is not a routing service (choose {' or '.join(SERVICES)})")


def _model(scenario: Scenario, bands: Sequence[Band]) -> OfflineModel:
    try:
        return OfflineModel.from_settings(scenario.spec.travel, bands)
    except ValueError as err:
        raise InputError([Problem(scenario.source, "", "travel", str(err))]) from None


def _open_cache(path: Path | None) -> LegCache | None:
    """The cache, or None when it cannot be used. A damaged cache file is only a cache: it is
    moved aside (``<name>.damaged``) with a warning and a new one is started."""
    target = path or default_cache_path()
    try:
        return LegCache(target)
    except sqlite3.DatabaseError as err:
        try:
            aside = set_aside(target)
            cache = LegCache(target)
        except (OSError, sqlite3.Error) as again:
            log.warning("travel cache unusable, running without it: %s", again)
            return None
        log.warning(
            "travel cache %s was damaged (%s); moved it to %s and started a new one",
            target,
            err,
            aside,
        )
        return cache
    except (OSError, sqlite3.Error) as err:
        log.warning("travel cache unusable, running without it: %s", err)
        return None


@dataclass
class _Routed:
    """Answers per cache band key: drive seconds and metres (nan = none), and what is known."""

    durations: dict[str, FloatArray] = field(default_factory=dict)
    distances: dict[str, FloatArray] = field(default_factory=dict)
    known: dict[str, BoolArray] = field(default_factory=dict)
    failures: list[tuple[str, Block, str]] = field(default_factory=list)
    cached: int = 0


def _route(
    service: TravelTimeProvider,
    points: Sequence[LatLon],
    bands: Sequence[Band],
    cache: LegCache | None,
    progress: Progress | None,
    *,
    fallback: bool,
    deadline: tuple[float, float] | None = None,
) -> _Routed:
    n = len(points)
    wanted = ~np.eye(n, dtype=bool)
    pairs = [(i, j) for i in range(n) for j in range(n) if i != j]
    keys = [b.name for b in bands] if service.time_dependent else [ANY_BAND]
    by_name = {b.name: b for b in bands}
    routed = _Routed()
    work: list[tuple[str, Block]] = []
    for key in keys:
        durations = np.full((n, n), np.nan)
        distances = np.full((n, n), np.nan)
        known = np.zeros((n, n), dtype=bool)
        hits: dict[int, CachedLeg] = {}
        if cache is not None:
            try:
                hits = cache.get_many(
                    service.name,
                    service.cache_profile,
                    key,
                    [(points[i], points[j]) for i, j in pairs],
                )
            except sqlite3.Error as err:
                log.warning("travel cache unreadable, asking the service instead: %s", err)
                cache = None
            else:
                hits = _drop_implausible(service, key, points, pairs, hits, cache)
            for k, leg in hits.items():
                i, j = pairs[k]
                known[i, j] = True
                durations[i, j] = np.nan if leg.duration_s is None else leg.duration_s
                distances[i, j] = np.nan if leg.distance_m is None else leg.distance_m
            routed.cached += len(hits)
        routed.durations[key] = durations
        routed.distances[key] = distances
        routed.known[key] = known
        work.extend((key, block) for block in service.blocks(wanted & ~known))

    queue = deque(work)
    done = 0
    if progress is not None:
        progress(0, len(queue))
    failed_in_a_row = 0
    while queue:
        key, block = queue.popleft()
        if failed_in_a_row >= CIRCUIT_BREAK:
            reason = f"not tried after {CIRCUIT_BREAK} failed requests in a row"
            routed.failures.append((key, block, reason))
        elif deadline is not None and time.monotonic() >= deadline[0]:
            if not fallback:
                raise TravelError(
                    f"{service.name}: the travel deadline of {deadline[1]:g} s passed"
                )
            reason = f"not asked: the travel deadline of {deadline[1]:g} s had passed"
            if not routed.failures:
                log.warning("%s: %s; using the offline model", service.name, reason)
            routed.failures.append((key, block, reason))
        else:
            band = by_name[key] if service.time_dependent else None
            try:
                answer = service.fetch(points, block, band)
                _check_plausible(service.name, answer, points, block)
            except ProviderAuthError:
                raise
            except BlockTooBig:
                queue = _replan(service, routed, n, [(key, block), *queue])
                if progress is not None:
                    progress(done, done + len(queue))
                continue
            except TravelError as err:
                if not fallback:
                    raise
                if not routed.failures:
                    log.warning(
                        "%s failed (%s); using the offline model for the legs it could not give",
                        service.name,
                        err,
                    )
                routed.failures.append((key, block, str(err)))
                failed_in_a_row += 1
            else:
                failed_in_a_row = 0
                _store(routed, key, block, answer.durations, answer.distances)
                if cache is not None:
                    _cache_block(
                        cache, service, key, points, block, answer.durations, answer.distances
                    )
        done += 1
        if progress is not None:
            progress(done, done + len(queue))
    return routed


def _straight_m(points: Sequence[LatLon], rows: np.ndarray, cols: np.ndarray) -> FloatArray:
    """Great-circle metres from ``points[rows]`` to ``points[cols]`` (broadcast shapes)."""
    lat = np.radians([p[0] for p in points])
    lon = np.radians([p[1] for p in points])
    dlat = lat[cols] - lat[rows]
    dlon = lon[cols] - lon[rows]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat[rows]) * np.cos(lat[cols]) * np.sin(dlon / 2) ** 2
    straight: FloatArray = 2 * 6_371_000.0 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return straight


def _implausible(durations: FloatArray, distances: FloatArray, straight_m: FloatArray) -> BoolArray:
    """Per leg: an answer no bus could drive (the rules of :func:`_check_plausible`, plus
    negative or infinite values). ``nan`` (no route, no distance) is not implausible."""
    with np.errstate(divide="ignore", invalid="ignore"):
        bad_s = ~np.isnan(durations) & (
            ~np.isfinite(durations) | (durations < 0) | (durations > MAX_LEG_S)
        )
        bad_m = ~np.isnan(distances) & (
            ~np.isfinite(distances) | (distances < 0) | (distances > MAX_LEG_M)
        )
        speed_kmh = np.where(straight_m > 200.0, straight_m / durations * 3.6, 0.0)
        too_fast = ~np.isnan(durations) & (speed_kmh > MAX_SPEED_KMH)
    result: BoolArray = bad_s | bad_m | too_fast
    return result


def _drop_implausible(
    service: TravelTimeProvider,
    key: str,
    points: Sequence[LatLon],
    pairs: Sequence[tuple[int, int]],
    hits: dict[int, CachedLeg],
    cache: LegCache,
) -> dict[int, CachedLeg]:
    """The cached answers that pass the checks a live answer must pass; the others are
    deleted from the cache with one warning, so that they are asked again."""
    if not hits:
        return hits
    ks = sorted(hits)
    rows = np.array([pairs[k][0] for k in ks])
    cols = np.array([pairs[k][1] for k in ks])

    def column(values: list[float | None]) -> FloatArray:
        return np.array([np.nan if v is None else v for v in values], dtype=float)

    bad = _implausible(
        column([hits[k].duration_s for k in ks]),
        column([hits[k].distance_m for k in ks]),
        _straight_m(points, rows, cols),
    )
    if not bad.any():
        return hits
    dropped = [ks[x] for x in np.flatnonzero(bad)]
    log.warning(
        "travel cache: %d cached %s leg(s) no bus could drive (over %d s or %d m, negative, "
        "or faster than %.0f km/h in a straight line); dropped them and asking again",
        len(dropped),
        service.name,
        MAX_LEG_S,
        MAX_LEG_M,
        MAX_SPEED_KMH,
    )
    try:
        cache.delete_many(
            service.name,
            service.cache_profile,
            key,
            [(points[pairs[k][0]], points[pairs[k][1]]) for k in dropped],
        )
    except sqlite3.Error as err:
        log.warning("travel cache: could not delete the dropped legs: %s", err)
    bad_keys = set(dropped)
    return {k: leg for k, leg in hits.items() if k not in bad_keys}


def _check_plausible(
    name: str, answer: BlockResult, points: Sequence[LatLon], block: Block
) -> None:
    """Refuse an answer no bus could drive: a leg over :data:`MAX_LEG_S`, a distance over
    :data:`MAX_LEG_M`, or faster than :data:`MAX_SPEED_KMH` in a straight line (which also
    catches all-zero durations). Such an answer is neither used nor cached."""
    durations, distances = answer.durations, answer.distances
    if np.nanmin(durations, initial=0.0) < 0 or np.nanmin(distances, initial=0.0) < 0:
        raise TravelError(f"{name}: a negative duration or distance")
    if np.nanmax(durations, initial=0.0) > MAX_LEG_S:
        raise TravelError(
            f"{name}: a leg of {np.nanmax(durations):.3g} s, longer than {MAX_LEG_S} s "
            "(no drive between venues takes that long)"
        )
    if np.nanmax(distances, initial=0.0) > MAX_LEG_M:
        raise TravelError(
            f"{name}: a leg of {np.nanmax(distances):.3g} m, longer than {MAX_LEG_M} m"
        )
    lat = np.radians([points[i][0] for i in range(len(points))])
    lon = np.radians([points[i][1] for i in range(len(points))])
    rows, cols = np.array(block.sources), np.array(block.destinations)
    dlat = lat[cols][None, :] - lat[rows][:, None]
    dlon = lon[cols][None, :] - lon[rows][:, None]
    h = np.sin(dlat / 2) ** 2 + np.cos(lat[rows])[:, None] * np.cos(lat[cols])[None, :] * (
        np.sin(dlon / 2) ** 2
    )
    straight_m = 2 * 6_371_000.0 * np.arcsin(np.sqrt(h))
    with np.errstate(divide="ignore", invalid="ignore"):
        speed_kmh = np.where(straight_m > 200.0, straight_m / durations * 3.6, 0.0)
    if np.nanmax(speed_kmh, initial=0.0) > MAX_SPEED_KMH:
        raise TravelError(
            f"{name}: a leg faster than {MAX_SPEED_KMH:.0f} km/h in a straight line "
            "(durations of zero or near it)"
        )


def _replan(
    service: TravelTimeProvider, routed: _Routed, n: int, pending: list[tuple[str, Block]]
) -> deque[tuple[str, Block]]:
    """The pending legs still unknown, in the provider's (now smaller) blocks, key by key."""
    masks: dict[str, BoolArray] = {}
    for key, block in pending:
        mask = masks.setdefault(key, np.zeros((n, n), dtype=bool))
        mask[np.ix_(np.array(block.sources), np.array(block.destinations))] = True
    for key, mask in masks.items():
        np.fill_diagonal(mask, False)
        mask &= ~routed.known[key]
    return deque((key, block) for key, mask in masks.items() for block in service.blocks(mask))


def _store(
    routed: _Routed, key: str, block: Block, durations: FloatArray, distances: FloatArray
) -> None:
    rows, cols = np.array(block.sources), np.array(block.destinations)
    routed.durations[key][np.ix_(rows, cols)] = durations
    routed.distances[key][np.ix_(rows, cols)] = distances
    routed.known[key][np.ix_(rows, cols)] = True


def _cache_block(
    cache: LegCache,
    service: TravelTimeProvider,
    key: str,
    points: Sequence[LatLon],
    block: Block,
    durations: FloatArray,
    distances: FloatArray,
) -> None:
    def value(x: float) -> float | None:
        return None if np.isnan(x) else float(x)

    legs = [
        (points[i], points[j], value(durations[r, c]), value(distances[r, c]))
        for r, i in enumerate(block.sources)
        for c, j in enumerate(block.destinations)
        if i != j
    ]
    try:
        cache.put_many(service.name, service.cache_profile, key, legs)
    except sqlite3.Error as err:
        log.warning("travel cache: could not store %d legs: %s", len(legs), err)


def _combine(
    ids: tuple[str, ...],
    bands: Sequence[Band],
    offline_drive: FloatArray,
    offline_metres: FloatArray,
    model: OfflineModel,
    service: TravelTimeProvider,
    routed: _Routed,
) -> TravelMatrix:
    n = len(ids)
    all_bands = tuple(b.name for b in bands)
    drive = offline_drive.copy()
    metres = offline_metres.copy()
    origin = np.full(drive.shape, _PROVIDER, dtype=np.int64)
    notes: list[str] = []
    off_diagonal = ~np.eye(n, dtype=bool)
    no_distance = False
    for b, band in enumerate(bands):
        key = band.name if service.time_dependent else ANY_BAND
        durations, distances = routed.durations[key], routed.distances[key]
        have = ~np.isnan(durations) & off_diagonal
        drive[b][have] = durations[have]
        have_m = have & ~np.isnan(distances)
        metres[b][have_m] = distances[have_m]
        no_distance |= bool((have & np.isnan(distances)).any())
        origin[b][~have & off_diagonal] = _FALLBACK

    fallbacks: list[Fallback] = []
    for key, block, reason in routed.failures:
        bands_of = all_bands if key == ANY_BAND else (key,)
        rows, cols = np.array(block.sources), np.array(block.destinations)
        # The legs of the block that no answer (cached or fetched) covers.
        missing = ~routed.known[key][np.ix_(rows, cols)] & (rows[:, None] != cols[None, :])
        whole = missing | (rows[:, None] == cols[None, :])
        if whole.all():
            fallbacks.append(
                Fallback(tuple(ids[i] for i in rows), tuple(ids[j] for j in cols), bands_of, reason)
            )
            continue
        for r, i in enumerate(rows):
            if missing[r].any():
                dests = tuple(ids[j] for j in cols[missing[r]])
                fallbacks.append(Fallback((ids[i],), dests, bands_of, reason))
    for key, durations in routed.durations.items():
        no_route = routed.known[key] & np.isnan(durations) & off_diagonal
        for i in np.flatnonzero(no_route.any(axis=1)):
            fallbacks.append(
                Fallback(
                    (ids[i],),
                    tuple(ids[j] for j in np.flatnonzero(no_route[i])),
                    all_bands if key == ANY_BAND else (key,),
                    f"{service.name} has no route",
                )
            )
    if not service.time_dependent:
        notes.append(
            f"{service.name} times do not depend on the time of day: "
            "the same drive times serve every band"
        )
    if no_distance:
        notes.append(
            f"{service.name} gave no distances for some legs: metres from the offline model"
        )
    return _assemble(
        ids,
        bands,
        drive,
        metres,
        model,
        provider=service.name,
        origin=origin,
        origin_names=("offline", service.name, "offline-fallback"),
        fallbacks=tuple(fallbacks),
        cached=routed.cached,
        notes=tuple(notes),
        service=service.describe(),
        requests=service.requests,
    )


def _assemble(
    ids: tuple[str, ...],
    bands: Sequence[Band],
    drive: FloatArray,
    metres: FloatArray,
    model: OfflineModel,
    *,
    provider: str,
    origin: np.ndarray | None = None,
    origin_names: tuple[str, ...] = ("offline",),
    fallbacks: tuple[Fallback, ...] = (),
    cached: int = 0,
    notes: tuple[str, ...] = (),
    service: dict[str, object] | None = None,
    requests: int = 0,
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
        origin=origin,
        origin_names=origin_names,
        fallbacks=fallbacks,
        cached=cached,
        notes=notes,
        service=service or {},
        requests=requests,
    )
