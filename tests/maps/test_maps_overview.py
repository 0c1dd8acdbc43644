"""The overview reads at a glance: one day at a time, a colour per bus named in the legend,
legs on the roads when the routing service drew them and dashed straight lines said to be so
otherwise, counts where stops share a place, and a legend that stays out of the way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from findhz.maps import render_site
from findhz.maps.layers import _luminance, bus_colors, to_datum
from findhz.planner.models import Plan, RoadLeg, Scenario
from findhz.planner.polyline import encode


def _two_buses(plan: Plan) -> Plan:
    """The sample plan with a second bus on the first group's route-day."""
    first = plan.groups[0]
    twin = first.model_copy(update={"id": f"{first.id[:-2]}-2", "bus": "minibus-19"})
    return plan.model_copy(update={"groups": [*plan.groups, twin]})


def _corner(scenario: Scenario, a: str, b: str) -> tuple[float, float]:
    pa, pb = scenario.venues[a].location, scenario.venues[b].location
    return (pb.lat, pa.lon)


def _with_road(plan: Plan, scenario: Scenario) -> tuple[Plan, tuple[str, str]]:
    """A road (an L through a corner) for the first group's first leg."""
    stops = plan.groups[0].stops
    a, b = stops[0].venue, stops[1].venue
    pa, pb = scenario.venues[a].location, scenario.venues[b].location
    line = [(pa.lat, pa.lon), _corner(scenario, a, b), (pb.lat, pb.lon)]
    road = RoadLeg(origin=a, destination=b, polyline=encode(line))
    return plan.model_copy(update={"roads": [road]}), (a, b)


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, sample_plan: Plan, sample_scenario: Scenario
) -> Path:
    # Two visited venues of the first day moved onto one point, as co-located venues are.
    plan, _ = _with_road(_two_buses(sample_plan), sample_scenario)
    first, second = plan.groups[0].stops[1].venue, plan.groups[0].stops[2].venue
    venues = dict(sample_scenario.venues)
    venues[second] = venues[second].model_copy(update={"location": venues[first].location})
    out = tmp_path_factory.mktemp("overview")
    render_site(plan, sample_scenario.model_copy(update={"venues": venues}), out)
    return out


def test_each_bus_of_a_route_day_has_its_own_colour(
    sample_plan: Plan, sample_scenario: Scenario
) -> None:
    plan = _two_buses(sample_plan)
    colors = bus_colors(plan.groups, sample_scenario)
    first, twin = plan.groups[0], plan.groups[-1]
    route = sample_scenario.routes[first.route]
    assert colors[first.id] == route.color
    assert colors[twin.id] != route.color
    red, green, blue = (int(colors[twin.id][k : k + 2], 16) / 255 for k in (1, 3, 5))
    assert (1.05 / (_luminance((red, green, blue)) + 0.05)) >= 4.5  # white numbers stay legible
    # groups of other route-days keep their route's colour
    for group in plan.groups[1:-1]:
        assert colors[group.id] == sample_scenario.routes[group.route].color


def test_the_route_day_map_names_each_bus_in_its_colour(
    site: Path, sample_plan: Plan, sample_scenario: Scenario
) -> None:
    plan = _two_buses(sample_plan)
    first, twin = plan.groups[0], plan.groups[-1]
    colors = bus_colors(plan.groups, sample_scenario)
    html = (site / "maps" / f"{first.date.isoformat()}-{first.route}.html").read_text(
        encoding="utf-8"
    )
    for group in (first, twin):
        item = f'<li data-date="{group.date.isoformat()}" data-group="{group.id}">'
        assert item in html
        after = html.split(item, 1)[1].split("</li>", 1)[0]
        assert f"background:{colors[group.id]}" in after and group.bus in after
        assert f"--c:{colors[group.id]}" in html


def test_a_road_is_drawn_and_straight_legs_are_said_to_be_straight(
    site: Path, sample_plan: Plan, sample_scenario: Scenario
) -> None:
    plan, (a, b) = _with_road(sample_plan, sample_scenario)
    group = plan.groups[0]
    html = (site / "maps" / f"{group.id}.html").read_text(encoding="utf-8")
    corner = to_datum(_corner(sample_scenario, a, b), "GCJ-02")
    assert f"[{corner[0]}, {corner[1]}]" in html  # the road passes its corner
    assert "The bus&#39;s road" in html or "The bus's road" in html
    assert "Straight line, not the road" in html  # the other legs
    # a map with no road at all has no road key
    other = (site / "maps" / f"{plan.groups[2].id}.html").read_text(encoding="utf-8")
    assert "The bus&#39;s road" not in other and "Straight line, not the road" in other


def _stops_of(plan: Plan, date: str) -> int:
    return sum(
        1
        for g in plan.groups
        if g.date.isoformat() == date
        for s in g.stops
        if s.kind in ("visit", "lunch")
    )


@pytest.mark.browser
def test_the_overview_shows_one_day_at_a_time(site: Path, sample_plan: Plan, page: Any) -> None:
    plan = _two_buses(sample_plan)
    days = sorted({g.date.isoformat() for g in plan.groups})
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto((site / "maps" / "overview.html").as_uri())
    page.wait_for_function("window.findhzMap !== undefined")
    select = page.locator(".fh-day-select")
    assert select.input_value() == days[0]  # the event is not on today: its first day
    assert page.locator(".leaflet-marker-pane .fh-stop").count() == _stops_of(plan, days[0])
    visible = page.locator(".fh-buses li:not([hidden])")
    assert visible.count() == sum(1 for g in plan.groups if g.date.isoformat() == days[0])
    select.select_option(days[1])
    assert page.locator(".leaflet-marker-pane .fh-stop").count() == _stops_of(plan, days[1])
    assert visible.count() == sum(1 for g in plan.groups if g.date.isoformat() == days[1])
    assert page.evaluate("location.hash") == f"#{days[1]}"
    select.select_option("all")
    assert page.locator(".leaflet-marker-pane .fh-stop").count() == sum(
        _stops_of(plan, d) for d in days
    )
    page.goto((site / "maps" / "overview.html").as_uri() + f"#{days[1]}")
    page.reload()
    page.wait_for_function("window.findhzMap !== undefined")
    assert page.locator(".fh-day-select").input_value() == days[1]
    assert page.errors == []


@pytest.mark.browser
def test_stops_sharing_a_place_are_spread_with_a_count(site: Path, page: Any) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto((site / "maps" / "overview.html").as_uri())
    page.wait_for_function("window.findhzMap !== undefined")
    counts = [int(t) for t in page.locator(".leaflet-marker-pane .fh-count").all_inner_texts()]
    assert counts and max(counts) >= 2
    # every marker stays tappable: the counts never catch a tap
    assert page.evaluate(
        "() => [...document.querySelectorAll('.fh-count')]"
        ".every(c => getComputedStyle(c).pointerEvents === 'none')"
    )


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_the_legend_never_covers_a_marker(
    site: Path, sample_plan: Plan, page: Any, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    first = sample_plan.groups[0]
    for name in ("overview.html", f"{first.date.isoformat()}-{first.route}.html"):
        page.goto((site / "maps" / name).as_uri())
        page.wait_for_function("window.findhzMap !== undefined")
        is_open = page.evaluate("document.querySelector('.fh-legend details').open")
        assert is_open == (width >= 600)  # closed by default on a phone
        overlaps = page.evaluate(
            """() => { const l = document.querySelector('.fh-legend').getBoundingClientRect();
            return [...document.querySelectorAll('.leaflet-marker-icon')].filter(m => {
              const r = m.getBoundingClientRect();
              return r.left < l.right && r.right > l.left && r.top < l.bottom && r.bottom > l.top;
            }).length; }"""
        )
        assert overlaps == 0
