"""The roads the buses drive, for the maps: one OSRM ``route`` request per leg of a plan.

:func:`plan_roads` asks the server for every distinct leg (venue to venue) of the plan's
groups, from the cache first (``roads`` table of the travel cache), and returns the legs it
could draw. A leg the server cannot give (no route, server gone, deadline passed, an answer
that is not a road between the two venues) is left out: the maps draw it as a straight line
and say so. A refused request (a bad URL) raises, as for travel times.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from findhz.planner.errors import ProviderAuthError, TravelError
from findhz.planner.models import Plan, RoadLeg, Scenario
from findhz.planner.travel.build import CIRCUIT_BREAK, DEFAULT_TRAVEL_DEADLINE_S, _open_cache
from findhz.planner.travel.http import Fetcher, RetryPolicy
from findhz.planner.travel.osrm import NoRoad, OsrmProvider

__all__ = ["Roads", "plan_legs", "plan_roads"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Roads:
    """The legs drawn on roads, how many came from the cache, and why others are straight."""

    legs: tuple[RoadLeg, ...]
    cached: int
    requests: int
    missing: tuple[tuple[str, str, str], ...]  # origin, destination, reason


def plan_legs(plan: Plan) -> list[tuple[str, str]]:
    """Every distinct leg (venue to next venue) of the plan's groups, sorted."""
    legs = {
        (a.venue, b.venue)
        for group in plan.groups
        for a, b in zip(group.stops, group.stops[1:], strict=False)
        if a.venue != b.venue
    }
    return sorted(legs)


def plan_roads(
    plan: Plan,
    scenario: Scenario,
    osrm_url: str,
    *,
    use_cache: bool = True,
    transport: httpx.BaseTransport | None = None,
    retry: RetryPolicy | None = None,
    cache_path: Path | None = None,
    deadline_s: float | None = DEFAULT_TRAVEL_DEADLINE_S,
) -> Roads:
    """The road of each leg of the plan from the OSRM server at ``osrm_url``."""
    deadline = None if deadline_s is None else time.monotonic() + deadline_s
    fetcher = Fetcher("osrm", policy=retry, transport=transport, deadline=deadline)
    try:
        service = OsrmProvider(osrm_url, fetcher)
    except Exception:
        fetcher.close()
        raise
    legs = plan_legs(plan)

    def point(venue_id: str) -> tuple[float, float]:
        location = scenario.venues[venue_id].location
        return (location.lat, location.lon)

    pairs = [(point(a), point(b)) for a, b in legs]
    found: dict[int, str] = {}
    missing: list[tuple[str, str, str]] = []
    cache = _open_cache(cache_path) if use_cache else None
    try:
        if cache is not None:
            try:
                found = cache.get_roads(service.name, service.cache_profile, pairs)
            except sqlite3.Error as err:
                log.warning("travel cache unreadable, asking the service instead: %s", err)
                cache = None
        cached = len(found)
        failed_in_a_row = 0
        for k, (a, b) in enumerate(pairs):
            if k in found:
                continue
            if failed_in_a_row >= CIRCUIT_BREAK:
                missing.append((*legs[k], f"not asked after {CIRCUIT_BREAK} failures in a row"))
                continue
            try:
                found[k] = service.road(a, b)
            except ProviderAuthError:
                raise
            except TravelError as err:
                if not missing:
                    log.warning("osrm: no road geometry (%s); drawing straight lines", err)
                missing.append((*legs[k], str(err)))
                # a server that answers "no road" is alive: only failures to answer count
                failed_in_a_row = 0 if isinstance(err, NoRoad) else failed_in_a_row + 1
                continue
            failed_in_a_row = 0
            if cache is not None:
                try:
                    cache.put_road(service.name, service.cache_profile, a, b, found[k])
                except sqlite3.Error as err:
                    log.warning("travel cache: could not store a road: %s", err)
    finally:
        if cache is not None:
            cache.close()
        requests = service.requests
        service.close()
    drawn = tuple(
        RoadLeg(origin=legs[k][0], destination=legs[k][1], polyline=found[k]) for k in sorted(found)
    )
    return Roads(legs=drawn, cached=cached, requests=requests, missing=tuple(missing))
