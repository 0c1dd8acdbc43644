"""Road geometry for the maps: OSRM's ``route`` service per leg, cached, straight when absent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
import pytest

from findhz.planner.errors import ProviderAuthError, TravelError
from findhz.planner.models import Group, Plan, Scenario, Stop, TravelInfo
from findhz.planner.polyline import decode, encode
from findhz.planner.travel.http import RetryPolicy
from findhz.planner.travel.osrm import ROAD_SNAP_M, _parse_road
from findhz.planner.travel.roads import plan_legs, plan_roads

from .conftest import HANGZHOU
from .fakes import OsrmFake, answer, raise_
from .osrm_server import running

URL = "http://osrm.test:5000"
FAST = RetryPolicy(attempts=2, base_s=0.0)
TZ = dt.timezone(dt.timedelta(hours=8))


def _plan(*tours: tuple[str, ...]) -> Plan:
    groups = []
    for n, tour in enumerate(tours):
        at = dt.datetime(2024, 9, 26, 9, tzinfo=TZ)
        stops = [Stop(kind="depart", venue=tour[0], depart=at)]
        stops += [
            Stop(kind="visit", venue=v, arrive=at, start=at, end=at, depart=at) for v in tour[1:]
        ]
        stops.append(Stop(kind="return", venue=tour[0], arrive=at))
        groups.append(
            Group(
                id=f"g{n}",
                route="every-venue",
                date=dt.date(2024, 9, 26),
                bus="coach",
                seats=45,
                delegates=[],
                stops=stops,
            )
        )
    return Plan(
        scenario="travel-test",
        timezone="Asia/Shanghai",
        travel=TravelInfo(provider="osrm"),
        groups=groups,
    )


def _point(scenario: Scenario, venue: str) -> tuple[float, float]:
    location = scenario.venues[venue].location
    return (location.lat, location.lon)


def test_polyline_round_trip_and_refusals() -> None:
    points = [(30.2741, 120.1551), (30.2799, 120.0266), (-33.9, 151.2)]
    assert decode(encode(points)) == points
    assert decode("_p~iF~ps|U_ulLnnqC_mqNvxq`@") == [
        (38.5, -120.2),
        (40.7, -120.95),
        (43.252, -126.453),
    ]
    for bad in ("_p~iF~ps|", "_p~iF~ps|U_", "ab\x7f", "~~~~~~~~~~~~~~~~~~~"):
        with pytest.raises(ValueError):
            decode(bad)


def test_every_distinct_leg_is_one_request_and_follows_the_road(scenario: Scenario) -> None:
    west, xixi, binjiang = HANGZHOU[0][0], HANGZHOU[1][0], HANGZHOU[2][0]
    plan = _plan((west, xixi, binjiang), (west, xixi))
    fake = OsrmFake()
    roads = plan_roads(plan, scenario, URL, transport=fake.transport(), retry=FAST)
    legs = plan_legs(plan)
    assert legs == sorted({(west, xixi), (xixi, binjiang), (binjiang, west), (xixi, west)})
    assert len(fake.requests) == len(legs) == len(roads.legs)
    assert all(r.url.path.startswith("/route/v1/driving/") for r in fake.requests)
    assert roads.missing == ()
    for leg in roads.legs:
        line = decode(leg.polyline)
        a, b = _point(scenario, leg.origin), _point(scenario, leg.destination)
        assert line[0] == pytest.approx(a, abs=1e-5) and line[-1] == pytest.approx(b, abs=1e-5)
        # the stand-in's road is an L: its corner is far from the straight line
        assert (b[0], a[1]) in [(round(p[0], 4), round(p[1], 4)) for p in line] or len(line) > 2


def test_the_second_run_reads_the_cache(scenario: Scenario, tmp_path: Path) -> None:
    plan = _plan((HANGZHOU[0][0], HANGZHOU[1][0]))
    first = OsrmFake()
    one = plan_roads(plan, scenario, URL, transport=first.transport(), retry=FAST)
    again = OsrmFake()
    two = plan_roads(plan, scenario, URL, transport=again.transport(), retry=FAST)
    assert len(first.requests) == 2 and one.cached == 0
    assert again.requests == [] and two.cached == 2
    assert two.legs == one.legs
    none = OsrmFake()
    plan_roads(plan, scenario, URL, transport=none.transport(), retry=FAST, use_cache=False)
    assert len(none.requests) == 2


def test_a_dead_server_leaves_every_leg_straight(scenario: Scenario) -> None:
    plan = _plan((HANGZHOU[0][0], HANGZHOU[1][0], HANGZHOU[2][0]))
    dead = httpx.MockTransport(raise_(httpx.ConnectError("refused")))
    roads = plan_roads(plan, scenario, URL, transport=dead, retry=FAST)
    assert roads.legs == ()
    assert len(roads.missing) == 3
    assert "connection failed" in roads.missing[0][2]
    assert "not asked" in roads.missing[-1][2]  # the circuit breaker spares the rest


def test_no_route_leaves_that_leg_straight(scenario: Scenario) -> None:
    island = HANGZHOU[2]
    plan = _plan((HANGZHOU[0][0], HANGZHOU[1][0], island[0]))
    fake = OsrmFake(unroutable=frozenset({(island[2], island[1])}))
    roads = plan_roads(plan, scenario, URL, transport=fake.transport(), retry=FAST)
    drawn = {(leg.origin, leg.destination) for leg in roads.legs}
    assert drawn == {(HANGZHOU[0][0], HANGZHOU[1][0])}
    assert {m[:2] for m in roads.missing} == {
        (HANGZHOU[1][0], island[0]),
        (island[0], HANGZHOU[0][0]),
    }
    assert all("NoRoute" in m[2] for m in roads.missing)


def test_a_refused_request_is_not_hidden(scenario: Scenario) -> None:
    plan = _plan((HANGZHOU[0][0], HANGZHOU[1][0]))
    refused = httpx.MockTransport(answer(403, "Forbidden"))
    with pytest.raises(ProviderAuthError):
        plan_roads(plan, scenario, URL, transport=refused, retry=FAST)


def test_geometry_that_is_not_the_leg_is_refused() -> None:
    a, b = (30.2741, 120.1551), (30.2799, 120.0266)
    good = {"code": "Ok", "routes": [{"geometry": encode([a, b])}]}
    assert decode(_parse_road(good, a, b)) == [a, b]
    far = (a[0] + 0.1, a[1])  # about 11 km away
    assert ROAD_SNAP_M < 11_000
    for body in (
        {"code": "Ok", "routes": [{"geometry": encode([far, b])}]},
        {"code": "Ok", "routes": [{"geometry": encode([a])}]},
        {"code": "Ok", "routes": [{"geometry": "_p~iF~ps|"}]},
        {"code": "Ok", "routes": []},
        {"code": "NoRoute", "message": "Impossible route"},
        ["not", "osrm"],
    ):
        with pytest.raises(TravelError):
            _parse_road(body, a, b)


@pytest.mark.network
def test_roads_from_the_local_osrm_server(scenario: Scenario) -> None:
    plan = _plan((HANGZHOU[0][0], HANGZHOU[3][0], HANGZHOU[4][0]))
    with running() as server:
        roads = plan_roads(plan, scenario, f"http://127.0.0.1:{server.server_port}", retry=FAST)
        assert len(server.requests) == 3
        assert all(path.startswith("/route/v1/driving/") for path in server.requests)
    assert len(roads.legs) == 3 and roads.missing == ()
    assert all(len(decode(leg.polyline)) > 2 for leg in roads.legs)


@pytest.mark.network
def test_plan_with_osrm_keeps_the_roads_and_the_maps_draw_them(tmp_path: Path) -> None:
    import json
    import shutil

    from typer.testing import CliRunner

    from findhz.cli import app

    valid = Path(__file__).resolve().parents[1] / "data" / "valid"
    folder = tmp_path / "scenario"
    shutil.copytree(valid, folder)
    out = tmp_path / "out"
    with running() as server:
        url = f"http://127.0.0.1:{server.server_port}"
        command = ["plan", str(folder / "scenario.yaml"), "--out", str(out), "--time-limit", "1"]
        result = CliRunner().invoke(app, [*command, "--travel", "osrm", "--osrm-url", url])
        assert result.exit_code == 0, result.output
    plan = Plan.model_validate(json.loads((out / "plan.json").read_text(encoding="utf-8")))
    assert plan.roads and len(plan.roads) == len(plan_legs(plan))
    overview = (out / "maps" / "overview.html").read_text(encoding="utf-8")
    assert "The bus&#39;s road" in overview or "The bus's road" in overview
    assert "Straight line, not the road" not in overview
