"""Look venues up by address or name, and propose coordinate changes for a person to review.

Nothing here writes the catalogue: :func:`propose` returns one :class:`Proposal` per venue
(what was asked, what was found, how far it is from the catalogue's point) and
:func:`write_report` writes them as a CSV to read before editing ``venues.yaml`` by hand.

Two services: Nominatim (OpenStreetMap) through geopy, with geopy's requests carried by httpx
(so they get the same timeouts and the tests the same fake transports) at Nominatim's one
request per second; and AMap (key in ``FINDHZ_AMAP_KEY``): its geocoder for street addresses
and its place search for names, both answering in GCJ-02, converted back to WGS-84 here with
the iterative inverse.
"""

from __future__ import annotations

import csv
import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Protocol

import httpx
from geopy.adapters import AdapterHTTPError, BaseSyncAdapter
from geopy.distance import geodesic
from geopy.exc import (
    GeocoderParseError,
    GeocoderServiceError,
    GeocoderTimedOut,
    GeocoderUnavailable,
)
from geopy.geocoders import Nominatim

from findhz.planner.errors import TravelError
from findhz.planner.models import Venue
from findhz.planner.travel.amap import amap_key
from findhz.planner.travel.datum import gcj02_to_wgs84
from findhz.planner.travel.http import Fetcher, RateLimiter, RetryPolicy

__all__ = [
    "GEOCODERS",
    "AmapGeocoder",
    "Geocoder",
    "Hit",
    "NominatimGeocoder",
    "Proposal",
    "open_geocoder",
    "propose",
    "queries_for",
    "write_report",
]

#: The geocoder names the CLI accepts.
GEOCODERS = ("nominatim", "amap")

GEOCODE_URL = "https://restapi.amap.com/v3/geocode/geo"
PLACE_URL = "https://restapi.amap.com/v3/place/text"
CITY_ZH = "杭州"

# A Chinese street address: a road name and a house number (文一西路1818号).
_STREET_NUMBER = re.compile(r"[\u4e00-\u9fff]{2,12}(?:路|街|大道|道|巷|弄)\d+号")


@dataclass(frozen=True)
class Hit:
    """A place a service found: WGS-84, with its own label and precision."""

    lat: float
    lon: float
    label: str
    precision: str


class Geocoder(Protocol):
    name: str

    def lookup(self, query: str, kind: str) -> Hit | None:
        """The best match for an ``"address"`` or a ``"name"`` query, None when none."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Proposal:
    """One venue's row of the report."""

    venue: str
    name_en: str
    name_zh: str
    confidence: str
    current_lat: float
    current_lon: float
    service: str
    query: str
    status: str  # found, not found, error: ...
    found_lat: float | None = None
    found_lon: float | None = None
    shift_m: int | None = None
    found_label: str = ""
    precision: str = ""


def queries_for(venue: Venue, service: str) -> list[tuple[str, str]]:
    """The queries to try, best first: a street address (``address.zh``, else one in the
    coordinators' ``notes``), then the name."""
    out: list[tuple[str, str]] = []
    for street in _STREET_NUMBER.findall(f"{venue.address.zh} {venue.notes}"):
        street = street.removeprefix("杭州市")
        out.append(("address", f"杭州市{street}" if service == "amap" else f"{street}, 杭州市"))
    if service == "amap":
        out.append(("name", venue.name.zh))
    else:
        out.append(("name", f"{venue.name.en}, Hangzhou"))
        out.append(("name", venue.name.zh))
    return list(dict.fromkeys(out))


def propose(
    venues: Iterable[Venue],
    geocoder: Geocoder,
    *,
    progress: Callable[[int, int], None] | None = None,
    deadline: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> list[Proposal]:
    """Look every venue up; a failed lookup becomes a row that says so, not an exception.
    No lookup starts after ``deadline`` (a ``clock()`` instant): the venues left are rows
    that say the deadline passed."""
    venues = list(venues)
    proposals = []
    for done, venue in enumerate(venues, start=1):
        if deadline is not None and clock() >= deadline:
            proposals.append(_not_looked_up(venue, geocoder.name))
        else:
            proposals.append(_propose_one(venue, geocoder))
        if progress is not None:
            progress(done, len(venues))
    return proposals


def _not_looked_up(venue: Venue, service: str) -> Proposal:
    return Proposal(
        **_row(venue, service), query="", status="not looked up: the geocode deadline passed"
    )


def _row(venue: Venue, service: str) -> dict[str, Any]:
    return {
        "venue": venue.id,
        "name_en": venue.name.en,
        "name_zh": venue.name.zh,
        "confidence": venue.location.confidence,
        "current_lat": venue.location.lat,
        "current_lon": venue.location.lon,
        "service": service,
    }


def _propose_one(venue: Venue, geocoder: Geocoder) -> Proposal:
    base = _row(venue, geocoder.name)
    tried = []
    for kind, query in queries_for(venue, geocoder.name):
        tried.append(query)
        try:
            hit = geocoder.lookup(query, kind)
        except TravelError as err:
            return Proposal(**base, query=query, status=f"error: {err}")
        if hit is not None:
            shift = geodesic((venue.location.lat, venue.location.lon), (hit.lat, hit.lon)).meters
            return Proposal(
                **base,
                query=query,
                status="found",
                found_lat=round(hit.lat, 6),
                found_lon=round(hit.lon, 6),
                shift_m=round(shift),
                found_label=hit.label,
                precision=hit.precision,
            )
    return Proposal(**base, query=" | ".join(tried), status="not found")


def write_report(proposals: Sequence[Proposal], path: Path) -> Path:
    """The proposals as CSV, largest shift first (UTF-8 with a BOM: spreadsheets then read
    the Chinese names right)."""
    order = sorted(proposals, key=lambda p: (p.shift_m is None, -(p.shift_m or 0), p.venue))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[f.name for f in fields(Proposal)])
        writer.writeheader()
        for proposal in order:
            writer.writerow({k: "" if v is None else v for k, v in asdict(proposal).items()})
    return path


# -- AMap --------------------------------------------------------------------------------------


class AmapGeocoder:
    """AMap's geocoder (addresses) and place search (names), in Hangzhou."""

    name = "amap"

    def __init__(self, key: str, fetcher: Fetcher) -> None:
        self._key = key
        self._fetcher = fetcher

    def lookup(self, query: str, kind: str) -> Hit | None:
        try:
            if kind == "address":
                body = self._get(GEOCODE_URL, {"address": query, "city": CITY_ZH})
                items = body.get("geocodes") or []
                if not items:
                    return None
                top = items[0]
                label, precision = str(top.get("formatted_address", "")), str(top.get("level", ""))
            else:
                body = self._get(
                    PLACE_URL,
                    {"keywords": query, "city": CITY_ZH, "citylimit": "true", "offset": "1"},
                )
                items = body.get("pois") or []
                if not items:
                    return None
                top = items[0]
                label = f"{top.get('name', '')} {top.get('address', '')}".strip()
                precision = "POI"
            lon, lat = (float(x) for x in str(top["location"]).split(","))
        except TravelError as err:
            raise type(err)(self._fetcher.mask(str(err))) from None
        except (KeyError, ValueError, AttributeError):
            raise TravelError("amap: a geocoding answer without a usable location") from None
        wgs_lat, wgs_lon = gcj02_to_wgs84(lat, lon)
        return Hit(wgs_lat, wgs_lon, label, precision)

    def _get(self, url: str, params: dict[str, str]) -> dict[str, Any]:
        body = self._fetcher.get_json(url, {**params, "output": "json", "key": self._key})
        if not isinstance(body, dict) or body.get("status") != "1":
            code = body.get("infocode", "") if isinstance(body, dict) else ""
            info = body.get("info", "") if isinstance(body, dict) else "not an AMap answer"
            raise TravelError(f"amap: geocoding failed ({code} {info})")
        return body

    def close(self) -> None:
        self._fetcher.close()


# -- Nominatim through geopy -------------------------------------------------------------------


class HttpxAdapter(BaseSyncAdapter):  # type: ignore[misc]
    """A geopy adapter that sends geopy's requests with httpx."""

    def __init__(self, *, proxies: Any, ssl_context: Any, client: httpx.Client) -> None:
        super().__init__(proxies=proxies, ssl_context=ssl_context)
        self._client = client

    def get_json(self, url: str, *, timeout: float, headers: dict[str, str]) -> Any:
        text = self.get_text(url, timeout=timeout, headers=headers)
        try:
            return json.loads(text)
        except ValueError:
            raise GeocoderParseError("the answer is not JSON") from None

    def get_text(self, url: str, *, timeout: float, headers: dict[str, str]) -> str:
        try:
            response = self._client.get(url, headers=headers, timeout=timeout)
        except httpx.TimeoutException:
            raise GeocoderTimedOut("Service timed out") from None
        except httpx.TransportError:
            raise GeocoderUnavailable("Service not available") from None
        if response.status_code >= 400:
            raise AdapterHTTPError(
                f"Non-successful status code {response.status_code}",
                status_code=response.status_code,
                headers=dict(response.headers),
                text=response.text,
            )
        return response.text


class NominatimGeocoder:
    """OpenStreetMap's Nominatim via geopy, limited to China and spaced one second apart."""

    name = "nominatim"

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        domain: str = "nominatim.openstreetmap.org",
        rate_limiter: RateLimiter | None = None,
        policy: RetryPolicy | None = None,
        deadline: float | None = None,
    ) -> None:
        policy = policy or RetryPolicy()
        self._timeout = policy.read_timeout_s
        self._deadline = deadline
        self._client = httpx.Client(transport=transport, timeout=policy.timeout())
        self._rate = rate_limiter or RateLimiter(1.0)
        self._geopy = Nominatim(
            user_agent="findhz (venue catalogue review)",
            domain=domain,
            timeout=policy.read_timeout_s,
            adapter_factory=lambda proxies, ssl_context: HttpxAdapter(
                proxies=proxies, ssl_context=ssl_context, client=self._client
            ),
        )

    def lookup(self, query: str, kind: str) -> Hit | None:
        self._rate.wait()
        timeout = self._timeout
        if self._deadline is not None:  # no request waits past the run's deadline
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise TravelError("nominatim: the geocode deadline passed")
            timeout = min(timeout, left)
        try:
            found = self._geopy.geocode(
                query, exactly_one=True, country_codes="cn", timeout=timeout
            )
        except (GeocoderServiceError, GeocoderParseError) as err:
            raise TravelError(f"nominatim: {type(err).__name__}: {err}"[:200]) from None
        if found is None:
            return None
        raw = found.raw if isinstance(found.raw, dict) else {}
        precision = f"{raw.get('class', '')}/{raw.get('type', '')}".strip("/")
        return Hit(float(found.latitude), float(found.longitude), str(found.address), precision)

    def close(self) -> None:
        self._client.close()


def open_geocoder(
    name: str,
    *,
    transport: httpx.BaseTransport | None = None,
    policy: RetryPolicy | None = None,
    deadline: float | None = None,
) -> Geocoder:
    """A geocoder by name (``nominatim`` or ``amap``); close it when done. ``deadline`` (a
    ``time.monotonic()`` instant): no request runs past it."""
    if name == "nominatim":
        return NominatimGeocoder(transport=transport, policy=policy, deadline=deadline)
    if name == "amap":
        key = amap_key()
        fetcher = Fetcher(
            "amap",
            transport=transport,
            policy=policy,
            rate_limiter=RateLimiter(3.0),
            secrets=(key,),
            deadline=deadline,
        )
        return AmapGeocoder(key, fetcher)
    raise TravelError(f"unknown geocoder '{name}' (choose from {', '.join(GEOCODERS)})")
