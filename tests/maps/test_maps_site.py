"""The output pages as HTML: files, self-containment, escaping, determinism, size."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import folium
import pytest
import segno

import findhz.maps
from findhz.maps import render_site
from findhz.maps.assets import ExternalAssetError, check_self_contained, inline_assets
from findhz.maps.layers import to_datum
from findhz.maps.site import QR_MASK
from findhz.planner.metrics import PlanMetrics
from findhz.planner.models import Plan, Scenario

XSS_NAME = "<img src=x onerror=alert(1)>"
MAX_PAGE_BYTES = 1_500_000


@pytest.fixture
def site(sample_plan: Plan, sample_scenario: Scenario, tmp_path: Path) -> Path:
    render_site(sample_plan, sample_scenario, tmp_path)
    return tmp_path


def _pages(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))


def test_public_surface() -> None:
    assert findhz.maps.__all__ == ["render_qr_sheets", "render_site"]


def test_writes_every_page(site: Path, sample_plan: Plan, sample_scenario: Scenario) -> None:
    written = {p.relative_to(site).as_posix() for p in _pages(site)}
    expected = {"index.html", "maps/overview.html"}
    expected |= {f"maps/{g.date.isoformat()}-{g.route}.html" for g in sample_plan.groups}
    expected |= {f"maps/{g.id}.html" for g in sample_plan.groups}
    expected |= {f"delegates/{d.id}.html" for d in sample_scenario.delegates}
    expected |= {f"hosts/{s.venue}.html" for g in sample_plan.groups for s in g.stops}
    expected |= {
        f"sheets/{g.id}-{who}.html" for g in sample_plan.groups for who in ("guide", "driver")
    }
    assert written == expected


def test_render_site_returns_the_paths_it_wrote(
    sample_plan: Plan, sample_scenario: Scenario, tmp_path: Path
) -> None:
    paths = render_site(sample_plan, sample_scenario, tmp_path)
    assert paths == sorted(paths)
    assert set(paths) == set(_pages(tmp_path))


def test_every_page_is_self_contained_small_and_mobile_ready(site: Path) -> None:
    for page in _pages(site):
        html = page.read_text(encoding="utf-8")
        check_self_contained(html, page=page.name)
        assert page.stat().st_size <= MAX_PAGE_BYTES, page
        assert 'name="viewport"' in html, page
        assert "cdn.jsdelivr" not in html and "code.jquery" not in html, page


def test_a_default_folium_map_is_refused() -> None:
    """folium's own page links CDNs that are not vendored: the inliner must not let it pass."""
    html = folium.Map(location=(30.27, 120.15)).get_root().render()
    with pytest.raises(ExternalAssetError):
        check_self_contained(inline_assets(html))


@pytest.mark.parametrize(
    "snippet",
    [
        '<script src="https://example.org/x.js"></script>',
        '<link rel="stylesheet" href="//example.org/x.css">',
        "<style>@import 'https://example.org/x.css';</style>",
        '<style>.a{background:url("https://example.org/x.png")}</style>',
    ],
)
def test_external_assets_are_caught(snippet: str) -> None:
    with pytest.raises(ExternalAssetError):
        check_self_contained(f"<html><head>{snippet}</head></html>")


def test_inlined_data_uris_and_fragments_pass() -> None:
    check_self_contained('<style>.a{background:url("data:image/png;base64,AA==")}</style>')
    check_self_contained('<link rel="icon" href="data:,">')


def test_same_plan_same_bytes(sample_plan: Plan, sample_scenario: Scenario, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    render_site(sample_plan, sample_scenario, first)
    render_site(sample_plan, sample_scenario, second)
    for page in _pages(first):
        twin = second / page.relative_to(first)
        assert page.read_bytes() == twin.read_bytes(), page
    overview = (first / "maps/overview.html").read_text(encoding="utf-8")
    assert not re.search(r"_[0-9a-f]{32}(?![0-9a-f])", overview), (
        "folium's random element ids are left"
    )


def test_input_text_is_escaped_everywhere(site: Path) -> None:
    for page in _pages(site):
        assert XSS_NAME not in page.read_text(encoding="utf-8"), page
    delegate = (site / "delegates/D002.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in delegate


def test_overview_has_a_marker_and_popup_per_stop(site: Path, sample_plan: Plan) -> None:
    html = (site / "maps/overview.html").read_text(encoding="utf-8")
    stops = [s for g in sample_plan.groups for s in g.stops if s.kind in ("visit", "lunch")]
    assert html.count("data-stop=") == len(stops)
    markers = re.findall(r"var marker_\w+ = L\.marker\(.*\n\.bindPopup\(", html)
    assert len(markers) == len(stops) + 1  # and the base
    assert "fh-conf-low" in html  # the low-confidence venue is drawn as approximate
    assert html.count("L.circle(") == sum(
        1 for s in stops if s.venue == "zhejiang-lab"
    )  # a dashed "somewhere near here" circle around each low-confidence stop


def test_group_map_numbers_its_stops_in_visit_order(site: Path, sample_plan: Plan) -> None:
    group = sample_plan.groups[0]
    html = (site / f"maps/{group.id}.html").read_text(encoding="utf-8")
    visits = [s.venue for s in group.stops if s.kind in ("visit", "lunch")]
    found = re.findall(r'data-stop=\\"(\d+)\\" data-venue=\\"([a-z0-9-]+)\\"', html)
    assert found == [(str(i), venue) for i, venue in enumerate(visits, start=1)]


def test_overlays_carry_both_datums(sample_scenario: Scenario) -> None:
    venue = sample_scenario.venues["westlake-univ"]
    wgs = to_datum((venue.location.lat, venue.location.lon), "WGS-84")
    gcj = to_datum((venue.location.lat, venue.location.lon), "GCJ-02")
    assert wgs == (venue.location.lat, venue.location.lon)
    # In Hangzhou GCJ-02 is a few hundred metres south-east-ish of WGS-84.
    assert 0.001 < gcj[1] - wgs[1] < 0.01
    assert -0.005 < gcj[0] - wgs[0] < 0.0


def test_qr_code_holds_the_page_address(
    sample_plan: Plan, sample_scenario: Scenario, tmp_path: Path
) -> None:
    render_site(sample_plan, sample_scenario, tmp_path, base_url="https://example.org/findhz")
    html = (tmp_path / "delegates/D001.html").read_text(encoding="utf-8")
    target = "https://example.org/findhz/delegates/D001.html"
    code = segno.make(target, error="m", mask=QR_MASK)  # the site fixes the mask pattern
    assert code.svg_inline(scale=4, title=target) in html
    assert "not a full web address" not in html


def test_qr_code_without_base_url_says_it_is_relative(site: Path) -> None:
    html = (site / "delegates/D001.html").read_text(encoding="utf-8")
    assert "delegates/D001.html" in html
    assert "not a full web address" in html


def test_delegate_page_has_contacts_calendar_and_days(
    site: Path, sample_scenario: Scenario
) -> None:
    html = (site / "delegates/D003.html").read_text(encoding="utf-8")
    assert "李明" in html
    for contact in sample_scenario.spec.contacts:
        assert contact.phone in html
    assert 'href="D003.ics"' in html
    assert html.count('class="fh-day"') == 2
    assert html.count("<script>") >= 3  # Leaflet once, then one map per day


def test_unassigned_delegate_page_is_friendly_and_the_index_gives_the_reason(site: Path) -> None:
    html = (site / "delegates/D005.html").read_text(encoding="utf-8")
    assert "No visit is planned for you yet" in html
    assert "call a help line below" in html
    assert "no biomed group runs" not in html  # the planner's internal reason stays internal
    assert ".ics" not in html
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "no biomed group runs on 2024-09-29" in index


def test_host_page_counts_people_and_countries_in_chinese_first(site: Path) -> None:
    html = (site / "hosts/westlake-univ.html").read_text(encoding="utf-8")
    counts = re.sub(r"<[^>]+>", "", html)
    assert "巴西 Brazil 1、法国 France 1、尼日利亚 Nigeria 1" in counts
    assert "法语 French 1" in counts and "英语 English 3" in counts
    assert "无障碍通行 step-free access 1" in counts
    assert "09:40–10:40" in html


def test_index_links_resolve_once_exports_are_written(
    sample_plan: Plan, sample_scenario: Scenario, tmp_path: Path
) -> None:
    from findhz.planner.exports import write_exports

    render_site(sample_plan, sample_scenario, tmp_path)
    write_exports(sample_plan, sample_scenario, tmp_path)
    (tmp_path / "plan.json").write_text(sample_plan.model_dump_json(), encoding="utf-8")
    for page in _pages(tmp_path):
        html = page.read_text(encoding="utf-8")
        for href in re.findall(r'href="([^"#:]+)"', html):
            assert (page.parent / href).exists(), f"{page.name}: broken link {href}"


def test_plan_with_unknown_venue_is_refused(
    sample_plan: Plan, sample_scenario: Scenario, tmp_path: Path
) -> None:
    group = sample_plan.groups[0]
    stops = [group.stops[0].model_copy(update={"venue": "nowhere"}), *group.stops[1:]]
    broken = sample_plan.model_copy(update={"groups": [group.model_copy(update={"stops": stops})]})
    with pytest.raises(ValueError, match="unknown venue 'nowhere'"):
        render_site(broken, sample_scenario, tmp_path)


def test_planner_never_imports_maps() -> None:
    code = (
        "import pkgutil, importlib, sys, planner\n"
        "for m in pkgutil.walk_packages(planner.__path__, 'planner.'):\n"
        "    if m.name != 'findhz.cli':\n"
        "        importlib.import_module(m.name)\n"
        "assert not any(n == 'maps' or n.startswith('maps.') for n in sys.modules), 'maps'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_template_syntax_in_input_text_stays_text(
    sample_plan: Plan, sample_scenario: Scenario, tmp_path: Path
) -> None:
    """branca compiles each element's output again as a jinja2 template: braces must not run."""
    lab = sample_scenario.venues["zhejiang-lab"]
    lab = lab.model_copy(
        update={
            "name": lab.name.model_copy(update={"en": "{{ 7*7 }} Lab"}),
            "description": lab.name.model_copy(
                update={"en": "{% for x in 'ab' %}{{x}}{% endfor %}"}
            ),
        }
    )
    route = sample_scenario.routes["gen-ai"]
    route = route.model_copy(
        update={"title": route.title.model_copy(update={"en": "AI {{ 6*7 }}"})}
    )
    scenario = sample_scenario.model_copy(
        update={
            "venues": {**sample_scenario.venues, lab.id: lab},
            "routes": {**sample_scenario.routes, route.id: route},
        }
    )
    render_site(sample_plan, scenario, tmp_path)
    html = (tmp_path / "maps/overview.html").read_text(encoding="utf-8")
    assert "{{" not in html and "{%" not in html
    assert "\\u007b\\u007b 7*7 \\u007d\\u007d Lab" in html  # the popup, as a JS string
    assert "AI &#123;&#123; 6*7 &#125;&#125;" in html  # the legend and the layer names
    assert "AI 42" not in html and "49 Lab" not in html


def test_a_plan_with_no_groups_still_renders(
    sample_plan: Plan, sample_scenario: Scenario, tmp_path: Path
) -> None:
    empty = sample_plan.model_copy(update={"groups": []})
    render_site(empty, sample_scenario, tmp_path)
    assert (tmp_path / "maps/overview.html").is_file()
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert 'data-figure="groups"><b>0</b>' in index
    delegate = (tmp_path / "delegates/D001.html").read_text(encoding="utf-8")
    assert "No visit is planned for you yet" in delegate


def test_index_shows_each_days_quality_certificate(
    sample_plan: Plan, sample_scenario: Scenario, tmp_path: Path
) -> None:
    dates = sorted({g.date.isoformat() for g in sample_plan.groups})
    days = {
        date: {"groups": 1, "prize": 90, "bound": 100 if i else 90, "gap": 0.1 if i else 0.0,
               "proven_optimal": not i}
        for i, date in enumerate(dates)
    }  # fmt: skip
    metrics = PlanMetrics.model_validate({**sample_plan.metrics.model_dump(), "days": days})
    plan = sample_plan.model_copy(update={"metrics": metrics})
    render_site(plan, sample_scenario, tmp_path)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr data-date="([^"]+)">(.*?)</tr>', index, flags=re.S)
    assert [date for date, _ in rows] == dates
    assert "proven optimal" in rows[0][1]
    for _, row in rows[1:]:
        assert "within 10.00 % of the bound" in row


def test_index_shows_costs_and_the_frontier_plot(
    sample_plan: Plan, sample_scenario: Scenario, tmp_path: Path
) -> None:
    """Cost per day and in total, and the frontier as an inline SVG (no script, no CDN) with
    each plan's command line, escaped."""
    point = {
        "buses": 2,
        "cost_cny": 7600,
        "rank_steps": 4,
        "first_choice": 1,
        "second_choice": 2,
        "lower_choice": 0,
        "placed": 3,
        "share_first_or_second_choice": 1.0,
        "scenario_rate": False,
    }
    frontier = [
        {**point, "cny_per_rank_step": 0, "command": "findhz plan <x>.yaml --cny-per-rank-step 0"},
        {
            **point,
            "cny_per_rank_step": 200,
            "buses": 3,
            "cost_cny": 11400,
            "rank_steps": 0,
            "command": "findhz plan x.yaml --cny-per-rank-step 200",
        },
    ]
    metrics = PlanMetrics.model_validate(
        {
            **sample_plan.metrics.model_dump(),
            "cost_cny": 11400,
            "cost_cny_by_date": {"2024-09-28": 7600, "2024-09-29": 3800},
            "cny_per_rank_step": 200,
            "frontier": frontier,
        }
    )
    render_site(sample_plan.model_copy(update={"metrics": metrics}), sample_scenario, tmp_path)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    costs = re.findall(r'<tr data-cost-date="([^"]+)">(.*?)</tr>', index, flags=re.S)
    assert [d for d, _ in costs] == ["2024-09-28", "2024-09-29", "total"]
    assert "7,600" in costs[0][1] and "11,400" in costs[2][1]
    svg = index[index.index('<svg class="frontier"') : index.index("</svg>")]
    circles = re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg)
    assert len(circles) == 2
    (x0, y0), (x1, y1) = ((float(x), float(y)) for x, y in circles)
    assert x0 < x1 and y0 > y1  # dearer to the right, more satisfied higher up
    assert "&lt;x&gt;.yaml" in index and "<x>.yaml" not in index
    assert "(this plan)" in index
