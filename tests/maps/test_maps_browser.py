"""The pages in a real headless Chromium, offline: what a person sees and what the page fetches."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from findhz.maps.layers import to_datum

pytestmark = pytest.mark.browser

XSS_NAME = "<img src=x onerror=alert(1)>"


def _open(page: Any, path: Path, fragment: str = "") -> None:
    page.goto(path.as_uri() + fragment)
    page.wait_for_function("window.findhzMap !== undefined")


def _plan(site: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((site / "plan.json").read_text(encoding="utf-8"))
    return data


def _world_px(lat: float, lon: float, zoom: float) -> tuple[float, float]:
    """Web Mercator pixel coordinates at a zoom level (256-pixel tiles)."""
    scale = 256 * 2**zoom
    x = scale * (lon + 180) / 360
    siny = math.sin(math.radians(lat))
    y = scale * (0.5 - math.log((1 + siny) / (1 - siny)) / (4 * math.pi))
    return x, y


def _marker_centre(page: Any, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_overview_opens_without_errors_and_shows_every_stop(
    page: Any, traffic: Any, sample_site: Path, artifacts: Path
) -> None:
    _open(page, sample_site / "maps/overview.html", "#all")  # every day at once
    plan = _plan(sample_site)
    stops = [s for g in plan["groups"] for s in g["stops"] if s["kind"] in ("visit", "lunch")]
    assert page.locator(".leaflet-marker-pane .fh-stop").count() == len(stops)
    assert page.locator(".leaflet-marker-pane .fh-base").count() == 1
    assert page.locator(".leaflet-marker-pane .fh-conf-low").count() == 2
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "overview.png"), full_page=True)
    assert page.errors == []
    assert traffic.stray == []
    assert traffic.tiles, "the AMap base layer asked for no tiles"
    assert all("autonavi.com" in url for url in traffic.tiles)


def test_clicking_a_marker_shows_its_times(page: Any, sample_site: Path) -> None:
    _open(page, sample_site / "maps/overview.html")
    group = _plan(sample_site)["groups"][0]
    first = next(s for s in group["stops"] if s["kind"] == "visit")
    page.locator(f'.fh-stop[data-group="{group["id"]}"][data-stop="1"]').click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.locator(".fh-arrive").inner_text() == first["arrive"][11:16]
    assert popup.locator(".fh-visit").inner_text() == (
        f"{first['start'][11:16]}–{first['end'][11:16]}"
    )
    assert popup.locator(".fh-depart").inner_text() == first["depart"][11:16]
    assert "Zhejiang Lab" in popup.inner_text() and "之江实验室" in popup.inner_text()
    assert "approximate" in popup.inner_text()
    assert page.errors == []


def test_switching_to_openstreetmap_moves_overlays_by_the_datum_shift(
    page: Any, traffic: Any, sample_site: Path, sample_scenario: Any
) -> None:
    _open(page, sample_site / "maps/overview.html")
    assert page.locator(".folium-map").get_attribute("data-datum") == "GCJ-02"
    group = _plan(sample_site)["groups"][0]
    selector = f'.fh-stop[data-group="{group["id"]}"][data-stop="4"]'
    venue = sample_scenario.venues[page.locator(selector).get_attribute("data-venue")]
    point = (venue.location.lat, venue.location.lon)
    gcj = to_datum(point, "GCJ-02")
    zoom = 15
    page.evaluate(f"window.findhzMap.setView([{gcj[0]}, {gcj[1]}], {zoom}, {{animate: false}})")
    page.wait_for_timeout(100)
    before = _marker_centre(page, selector)

    page.locator(".leaflet-control-layers").hover()  # the control starts folded
    page.locator(".leaflet-control-layers-base label", has_text="OpenStreetMap").click()
    page.wait_for_function("document.querySelector('.folium-map').dataset.datum === 'WGS-84'")
    after = _marker_centre(page, selector)

    gcj_px = _world_px(*gcj, zoom)
    wgs_px = _world_px(*to_datum(point, "WGS-84"), zoom)
    expected = (wgs_px[0] - gcj_px[0], wgs_px[1] - gcj_px[1])
    moved = (after[0] - before[0], after[1] - before[1])
    assert math.hypot(*expected) > 50, "the shift should be plain to see at this zoom"
    assert moved == pytest.approx(expected, abs=1.5)
    assert any("tile.openstreetmap.org" in url for url in traffic.tiles)
    assert traffic.stray == []
    assert page.errors == []


def test_chinese_text_renders_with_a_cjk_font(page: Any, sample_site: Path) -> None:
    page.goto((sample_site / "delegates/D003.html").as_uri())
    session = page.context.new_cdp_session(page)
    session.send("DOM.enable")
    session.send("CSS.enable")
    root = session.send("DOM.getDocument")["root"]["nodeId"]
    node = session.send("DOM.querySelector", {"nodeId": root, "selector": "h1.fh-name"})
    fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    assert page.locator("h1.fh-name").inner_text() == "李明"
    assert any("CJK" in f["familyName"] and f["glyphCount"] >= 2 for f in fonts), fonts


def test_xss_delegate_name_shows_as_text(page: Any, traffic: Any, sample_site: Path) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for relative in ("delegates/D002.html", "index.html"):
        page.goto((sample_site / relative).as_uri())
        page.wait_for_load_state("load")
        assert page.locator("img[src=x]").count() == 0
        assert XSS_NAME in page.locator("body").inner_text()
    assert page.locator("h1.fh-name").count() == 0  # index has no name heading
    page.goto((sample_site / "delegates/D002.html").as_uri())
    assert page.locator("h1.fh-name").inner_text() == XSS_NAME
    assert dialogs == []
    assert page.errors == []
    assert traffic.stray == []


def test_delegate_page_maps_work_offline(page: Any, traffic: Any, sample_site: Path) -> None:
    page.goto((sample_site / "delegates/D001.html").as_uri())
    page.wait_for_function("window.findhzMap !== undefined")
    plan = _plan(sample_site)
    mine = [g for g in plan["groups"] if "D001" in g["delegates"]]
    stops = sum(1 for g in mine for s in g["stops"] if s["kind"] in ("visit", "lunch"))
    assert page.locator(".fh-daymap .folium-map").count() == len(mine)
    assert page.locator(".leaflet-marker-pane .fh-stop").count() == stops
    assert page.errors == []
    assert traffic.stray == []
