"""Every stop can be tapped: each marker of a delegate page and of every map is the top element
at its own centre (co-located venues fanned out, never under the legend or a control), at
phone and laptop widths; a popup's close control is not covered and Escape closes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from findhz.maps import render_site
from findhz.planner.models import Plan, Scenario

COVERED = """() => { const out = [];
  for (const m of document.querySelectorAll('.leaflet-marker-icon')) {
    m.scrollIntoView({block: 'center', inline: 'center'});
    const r = m.getBoundingClientRect();
    const e = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    if (!(e === m || m.contains(e))) {
      out.push([m.textContent.trim(), e ? e.tagName + '.' + e.className : null]);
    }
  }
  return out; }"""


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, sample_plan: Plan, sample_scenario: Scenario
) -> Path:
    # Two visited venues moved onto the same point, as co-located venues are in the catalogue.
    first, second = sample_plan.groups[0].stops[1].venue, sample_plan.groups[0].stops[2].venue
    venues = dict(sample_scenario.venues)
    venues[second] = venues[second].model_copy(update={"location": venues[first].location})
    out = tmp_path_factory.mktemp("tappable")
    render_site(sample_plan, sample_scenario.model_copy(update={"venues": venues}), out)
    return out


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_every_marker_is_on_top_at_its_centre(site: Path, page: object, width: int) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.set_viewport_size({"width": width, "height": 844})
    pages = sorted((site / "delegates").glob("*.html")) + sorted((site / "maps").glob("*.html"))
    covered = {}
    markers = 0
    for path in pages:
        page.goto(path.as_uri())
        markers += page.locator(".leaflet-marker-icon").count()
        found = page.evaluate(COVERED)
        if found:
            covered[path.name] = found
    assert markers > 20
    assert covered == {}


@pytest.mark.browser
def test_a_popup_fits_and_closes_with_escape(site: Path, sample_plan: Plan, page: object) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto((site / "maps" / f"{sample_plan.groups[0].id}.html").as_uri())
    page.locator(".leaflet-marker-icon").nth(1).click()
    popup = page.locator(".leaflet-popup")
    popup.wait_for()
    page.wait_for_function(  # the map pans to show the whole popup
        "() => { const r = document.querySelector('.leaflet-popup').getBoundingClientRect();"
        " return r.left >= 0 && r.right <= window.innerWidth && r.top >= 0; }"
    )
    box = popup.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    close = page.locator(".leaflet-popup-close-button")
    r = close.bounding_box()
    assert r is not None
    top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y)"
        ".closest('.leaflet-popup-close-button') !== null",
        [r["x"] + r["width"] / 2, r["y"] + r["height"] / 2],
    )
    assert top
    page.keyboard.press("Escape")
    page.wait_for_selector(".leaflet-popup", state="detached", timeout=2000)
