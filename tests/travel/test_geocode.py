"""Geocoding help: proposals with distances, from fakes that answer like Nominatim and AMap."""

from __future__ import annotations

import csv
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from geopy.distance import geodesic

from findhz.planner.errors import ProviderAuthError
from findhz.planner.models import Address
from findhz.planner.travel.datum import wgs84_to_gcj02
from findhz.planner.travel.geocode import (
    AmapGeocoder,
    NominatimGeocoder,
    open_geocoder,
    propose,
    queries_for,
    write_report,
)
from findhz.planner.travel.http import Fetcher, RateLimiter, RetryPolicy

from .conftest import make_venue

FAST = RetryPolicy(attempts=2, base_s=0.0)
KEY = "feedface0123456789abcdef01234567"


def venue(address: str = "", lat: float = 30.2800, lon: float = 120.0000, notes: str = ""):  # type: ignore[no-untyped-def]
    v = make_venue("dream-town", lat, lon)
    return v.model_copy(update={"address": Address(zh=address), "notes": notes})


def nominatim_answer(lat: float, lon: float) -> list[dict[str, object]]:
    return [
        {
            "place_id": 238127343,
            "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
            "osm_type": "way",
            "osm_id": 521553425,
            "lat": f"{lat:.7f}",
            "lon": f"{lon:.7f}",
            "class": "tourism",
            "type": "attraction",
            "place_rank": 30,
            "importance": 0.31,
            "addresstype": "tourism",
            "name": "梦想小镇",
            "display_name": "梦想小镇, 良睦路, 仓前街道, 余杭区, 杭州市, 浙江省, 311121, 中国",
            "boundingbox": ["30.2890", "30.2950", "119.9950", "120.0030"],
        }
    ]


def test_queries_prefer_a_street_address_then_the_name() -> None:
    v = venue("良睦路1399号 (梦想小镇互联网村), Cangqian")
    assert queries_for(v, "amap") == [("address", "杭州市良睦路1399号"), ("name", "场馆")]
    assert queries_for(v, "nominatim")[0] == ("address", "良睦路1399号, 杭州市")
    from_notes = venue("", notes="良睦路1399号 (梦想小镇互联网村), Cangqian")
    assert queries_for(from_notes, "amap")[0] == ("address", "杭州市良睦路1399号")
    assert queries_for(venue("杭州市余杭区良睦路1399号"), "amap")[0] == (
        "address",
        "杭州市余杭区良睦路1399号",
    )
    assert queries_for(venue(""), "nominatim")[0] == (
        "name",
        "Dream-Town, Hangzhou",
    )


def test_nominatim_through_geopy_over_httpx(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=nominatim_answer(30.2921, 119.9989))

    geocoder = NominatimGeocoder(
        transport=httpx.MockTransport(handle),
        rate_limiter=RateLimiter(1000),
        policy=FAST,
    )
    [proposal] = propose([venue("良睦路1399号")], geocoder)
    geocoder.close()
    query = parse_qs(urlsplit(str(seen[0].url)).query)
    assert seen[0].url.path == "/search"
    assert query["q"] == ["良睦路1399号, 杭州市"]
    assert query["countrycodes"] == ["cn"]
    assert "findhz" in seen[0].headers["User-Agent"]
    assert proposal.status == "found"
    assert (proposal.found_lat, proposal.found_lon) == (30.2921, 119.9989)
    assert proposal.shift_m == round(geodesic((30.28, 120.0), (30.2921, 119.9989)).meters)
    assert 1000 < proposal.shift_m < 2000
    assert proposal.precision == "tourism/attraction"

    report = write_report([proposal], tmp_path / "geocode.csv")
    rows = list(csv.DictReader(report.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0]["venue"] == "dream-town"
    assert rows[0]["shift_m"] == str(proposal.shift_m)


def test_nominatim_nothing_found_tries_every_query() -> None:
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(parse_qs(urlsplit(str(request.url)).query)["q"][0])
        return httpx.Response(200, json=[])

    geocoder = NominatimGeocoder(
        transport=httpx.MockTransport(handle), rate_limiter=RateLimiter(1000), policy=FAST
    )
    [proposal] = propose([venue("somewhere vague")], geocoder)
    assert proposal.status == "not found"
    assert seen == ["Dream-Town, Hangzhou", "场馆"]


def test_nominatim_errors_become_rows_not_crashes() -> None:
    geocoder = NominatimGeocoder(
        transport=httpx.MockTransport(lambda r: httpx.Response(503, text="busy")),
        rate_limiter=RateLimiter(1000),
        policy=FAST,
    )
    [proposal] = propose([venue()], geocoder)
    assert proposal.status.startswith("error: nominatim: ")
    assert "503" in proposal.status


def test_amap_geocoder_converts_gcj02_back_to_wgs84() -> None:
    true_point = (30.2921, 119.9989)
    gcj_lat, gcj_lon = wgs84_to_gcj02(*true_point)
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json={
                "status": "1",
                "info": "OK",
                "infocode": "10000",
                "count": "1",
                "geocodes": [
                    {
                        "formatted_address": "浙江省杭州市余杭区良睦路1399号",
                        "country": "中国",
                        "province": "浙江省",
                        "citycode": "0571",
                        "city": "杭州市",
                        "district": "余杭区",
                        "township": [],
                        "adcode": "330110",
                        "street": "良睦路",
                        "number": "1399号",
                        "location": f"{gcj_lon:.6f},{gcj_lat:.6f}",
                        "level": "门址",
                    }
                ],
            },
        )

    geocoder = AmapGeocoder(KEY, Fetcher("amap", transport=httpx.MockTransport(handle)))
    [proposal] = propose([venue("良睦路1399号", *true_point)], geocoder)
    assert seen[0].url.path == "/v3/geocode/geo"
    assert seen[0].url.params["address"] == "杭州市良睦路1399号"
    assert proposal.shift_m == 0  # the catalogue point, once converted back
    assert proposal.precision == "门址"


def test_amap_geocoder_errors_hide_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    body = {"status": "0", "info": "INVALID_USER_KEY", "infocode": "10001"}
    monkeypatch.setenv("FINDHZ_AMAP_KEY", KEY)
    geocoder = open_geocoder(
        "amap", transport=httpx.MockTransport(lambda r: httpx.Response(200, json=body))
    )
    [proposal] = propose([venue()], geocoder)
    geocoder.close()
    assert proposal.status == "error: amap: geocoding failed (10001 INVALID_USER_KEY)"
    assert KEY not in repr(proposal)


def test_amap_geocoder_needs_a_key() -> None:
    with pytest.raises(ProviderAuthError, match="FINDHZ_AMAP_KEY"):
        open_geocoder("amap")


def test_report_sorts_by_shift(tmp_path: Path) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=nominatim_answer(30.30, 120.00))

    geocoder = NominatimGeocoder(
        transport=httpx.MockTransport(handle), rate_limiter=RateLimiter(1000), policy=FAST
    )
    near, far = venue(lat=30.2999), venue(lat=30.20)
    far = far.model_copy(update={"id": "far-away"})
    path = write_report(propose([near, far], geocoder), tmp_path / "r.csv")
    rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert [r["venue"] for r in rows] == ["far-away", "dream-town"]
    assert int(rows[0]["shift_m"]) > int(rows[1]["shift_m"])


def test_no_lookup_starts_after_the_geocode_deadline() -> None:
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(parse_qs(urlsplit(str(request.url)).query)["q"][0])
        return httpx.Response(200, json=nominatim_answer(30.2920, 119.9990))

    geocoder = NominatimGeocoder(
        transport=httpx.MockTransport(handle), rate_limiter=RateLimiter(1000), policy=FAST
    )
    now = [0.0]

    def clock() -> float:
        now[0] += 1.0  # each look at the clock is a second later
        return now[0]

    first, second = propose([venue(), venue()], geocoder, deadline=1.5, clock=clock)
    assert first.status == "found"
    assert second.status == "not looked up: the geocode deadline passed"
    assert len(seen) == 1


def test_a_nominatim_request_waits_no_longer_than_the_time_left() -> None:
    geocoder = NominatimGeocoder(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json=[])),
        rate_limiter=RateLimiter(1000),
        policy=FAST,
        deadline=0.0,  # a monotonic instant long past
    )
    [proposal] = propose([venue()], geocoder)
    assert proposal.status == "error: nominatim: the geocode deadline passed"


def test_geocode_has_a_deadline_option() -> None:
    from typer.testing import CliRunner

    from findhz.cli import app

    result = CliRunner().invoke(app, ["geocode", "--deadline", "0"])
    assert result.exit_code == 2
    assert "--deadline" in result.output
