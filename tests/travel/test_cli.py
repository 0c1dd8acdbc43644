"""``findhz travel ...`` and ``findhz geocode`` on the bundled scenario."""

from __future__ import annotations

import csv
from pathlib import Path

import httpx
import pytest
import typer
from typer.testing import CliRunner

from findhz import cli_travel
from findhz.planner.travel import geocode as geocode_module
from findhz.planner.travel.geocode import NominatimGeocoder
from findhz.planner.travel.http import RateLimiter, RetryPolicy

from .osrm_server import running
from .test_geocode import nominatim_answer


@pytest.fixture
def app() -> typer.Typer:
    main = typer.Typer()

    @main.callback()
    def _root() -> None:
        """findhz"""

    cli_travel.register(main)
    return main


runner = CliRunner()


def test_show_prints_legs_from_the_base_offline(app: typer.Typer) -> None:
    result = runner.invoke(app, ["travel", "show", "findhz-2024"])
    assert result.exit_code == 0, result.output
    assert "door-to-door minutes" in result.output
    assert "offline" in result.output
    assert "midday" in result.output


def test_show_names_an_unknown_venue(app: typer.Typer) -> None:
    result = runner.invoke(app, ["travel", "show", "findhz-2024", "--from", "atlantis"])
    assert result.exit_code == 2
    assert "atlantis" in result.output


@pytest.mark.network
def test_warm_fills_the_cache_then_plans_need_no_request(
    app: typer.Typer, _private_cache: Path
) -> None:
    with running() as server:
        url = f"http://127.0.0.1:{server.server_port}"
        first = runner.invoke(app, ["travel", "warm", "findhz-2024", "--osrm-url", url])
        assert first.exit_code == 0, first.output
        assert "0 leg(s) already cached" in first.output
        requests = len(server.requests)
        assert requests >= 1
        again = runner.invoke(app, ["travel", "warm", "findhz-2024", "--osrm-url", url])
        assert again.exit_code == 0, again.output
        assert "0 request(s)" in again.output
        assert len(server.requests) == requests
    info = runner.invoke(app, ["travel", "cache"])
    assert "osrm" in info.output
    assert str(_private_cache) in info.output.replace("\n", "")


@pytest.mark.network
def test_warm_against_a_dead_server_says_what_fell_back(app: typer.Typer) -> None:
    with running() as server:
        url = f"http://127.0.0.1:{server.server_port}"
    result = runner.invoke(app, ["travel", "warm", "findhz-2024", "--osrm-url", url])
    assert result.exit_code == 1
    assert "connection failed" in result.output


def test_warm_without_a_key_is_one_line(app: typer.Typer) -> None:
    result = runner.invoke(app, ["travel", "warm", "findhz-2024", "--provider", "amap"])
    assert result.exit_code == 1
    assert "findhz: amap: set FINDHZ_AMAP_KEY" in result.output


def test_geocode_writes_a_report_and_leaves_the_catalogue_alone(
    app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from findhz.planner.bundled import bundled_routes

    catalogue = bundled_routes() / "venues.yaml"
    before = catalogue.read_bytes()

    def fake_open(name: str, **kwargs: object) -> NominatimGeocoder:
        transport = httpx.MockTransport(
            lambda r: httpx.Response(200, json=nominatim_answer(30.2921, 119.9989))
        )
        return NominatimGeocoder(
            transport=transport,
            rate_limiter=RateLimiter(1000),
            policy=RetryPolicy(attempts=1),
        )

    monkeypatch.setattr(geocode_module, "open_geocoder", fake_open)
    report = tmp_path / "review.csv"
    result = runner.invoke(
        app,
        ["geocode", "findhz-2024", "--out", str(report), "--confidence", "low"],
    )
    assert result.exit_code == 0, result.output
    assert "the catalogue was not changed" in result.output
    rows = list(csv.DictReader(report.read_text(encoding="utf-8-sig").splitlines()))
    assert rows and all(r["confidence"] == "low" for r in rows)
    assert all(r["status"] == "found" and int(r["shift_m"]) >= 0 for r in rows)
    assert catalogue.read_bytes() == before
