"""The morning of a visit: a delegate's day at a glance, stop by stop with needs, map links and
a driver card; host pages Chinese first with names lists; the coordinators' index with its
problems, named figures and venue load. HTML here; what a browser shows is below, marked."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from findhz.maps import render_site
from findhz.maps.morning import map_links
from findhz.maps.words import country_name, language_name
from findhz.planner.metrics import PlanMetrics
from findhz.planner.models import Bilingual, BusDetails, Morning, Plan, Scenario
from findhz.planner.naming import delegate_page_name
from findhz.planner.travel.datum import wgs84_to_gcj02

XSS = "<script>alert(1)</script>"
SECRET = "morning-test-secret"


def _morning(scenario: Scenario, plan: Plan) -> Morning:
    first = plan.groups[0].id
    return Morning.model_validate(
        {
            "be_there_min": 20,
            "meeting_points": {
                "expo-hotel": {
                    "text": {"en": f"Lobby east door {XSS}", "zh": "酒店东门大堂"},
                    "location": {
                        "lat": 30.2301,
                        "lon": 120.2583,
                        "confidence": "medium",
                        "source": "test",
                    },
                }
            },
            "organiser": {
                "name": {"en": "Visits desk", "zh": "参访服务台"},
                "hotline": "+86 571 0000 0001",
                "wechat": "visits-desk",
                "wechat_qr": "https://example.org/wechat-card",
            },
            "buses": {
                first: {
                    "sign": f"FIND HZ A {XSS}",
                    "plate": "浙A·00000",
                    "guide": {"name": f"Guide {XSS}", "phone": "+86 138 0000 0000"},
                }
            },
            "venues": {
                "zhejiang-lab": {"bring_id": True, "photos": "ask"},
                "future-canteen": {"meals": ["halal"]},
            },
            "lunch_paid": True,
            "examples": True,
        }
    )


def _two_buses(plan: Plan) -> Plan:
    """The sample plan with the first route-day split over two buses."""
    first = plan.groups[0]
    one = first.model_copy(update={"delegates": first.delegates[:2]})
    two = first.model_copy(update={"id": first.id[:-1] + "2", "delegates": first.delegates[2:]})
    return plan.model_copy(update={"groups": [one, two, *plan.groups[1:]]})


@pytest.fixture(scope="module")
def morning_case(sample_plan: Plan, sample_scenario: Scenario) -> tuple[Plan, Scenario]:
    plan = _two_buses(sample_plan)
    delegates = tuple(
        d.model_copy(update={"needs": ["step-free", "halal", "vegan"]}) if d.id == "D003" else d
        for d in sample_scenario.delegates
    )
    spec = sample_scenario.spec.model_copy(update={"morning": _morning(sample_scenario, plan)})
    gen_ai = sample_scenario.routes["gen-ai"].model_copy(update={"must_visit": ["zhejiang-lab"]})
    scenario = sample_scenario.model_copy(
        update={
            "spec": spec,
            "delegates": delegates,
            "routes": {**sample_scenario.routes, "gen-ai": gen_ai},
        }
    )
    return plan, scenario


@pytest.fixture(scope="module")
def morning_site(
    tmp_path_factory: pytest.TempPathFactory, morning_case: tuple[Plan, Scenario]
) -> Path:
    plan, scenario = morning_case
    out = tmp_path_factory.mktemp("morning")
    render_site(plan, scenario, out)
    return out


def _read(site: Path, relative: str) -> str:
    return (site / relative).read_text(encoding="utf-8")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _section(html: str, group_id: str) -> str:
    match = re.search(
        rf'<section class="fh-day"[^>]*data-group="{group_id}".*?</section>', html, re.S
    )
    assert match, group_id
    return match.group(0)


def test_delegate_day_leads_with_meeting_point_time_bus_guide_and_return(
    morning_site: Path, morning_case: tuple[Plan, Scenario]
) -> None:
    plan, _ = morning_case
    first = plan.groups[0]
    html = _read(morning_site, f"delegates/{first.delegates[0]}.html")
    day = _section(html, first.id)
    glance = day[: day.index("fh-stops")]
    text = _text(glance)
    assert "Lobby east door" in text and "酒店东门大堂" in text
    assert "08:10" in text  # the bus leaves 08:30, be there 20 minutes before
    assert "Bus 1" in text and "1号车" in text
    assert "浙A·00000" in text
    assert "+86 138 0000 0000" in text and "(example" in text
    assert "15:30" in text  # back at base
    assert first.id not in text  # the internal group id is not how delegates know the bus


def test_two_buses_of_one_route_are_told_apart_by_their_label(
    morning_site: Path, morning_case: tuple[Plan, Scenario]
) -> None:
    plan, _ = morning_case
    one, two = plan.groups[0], plan.groups[1]
    assert (one.route, one.date) == (two.route, two.date)
    first = _text(_section(_read(morning_site, f"delegates/{one.delegates[0]}.html"), one.id))
    second = _text(_section(_read(morning_site, f"delegates/{two.delegates[0]}.html"), two.id))
    assert "Bus 1" in first and "Bus 2" not in first
    assert "Bus 2" in second and "Bus 1" not in second
    assert "Sign and plate: on this page on the morning" in second  # not known yet


def test_stops_show_leg_minutes_needs_notes_and_a_driver_card(
    morning_site: Path, morning_case: tuple[Plan, Scenario]
) -> None:
    plan, scenario = morning_case
    group = next(g for g in plan.groups if "D003" in g.delegates and g.route == "biomed")
    day = _section(_read(morning_site, "delegates/D003.html"), group.id)
    text = _text(day)
    legs = [s.travel_s // 60 for s in group.stops if s.kind != "depart" and s.travel_s]
    for minutes in legs:
        assert f"{minutes} min by bus" in text
    assert "✓ Step-free access" in text
    assert "✓ Halal lunch" in text  # the canteen confirmed halal meals
    assert "Vegan lunch: passed to the host, not yet confirmed" in text
    assert "Lunch is paid by the organisers" in text
    canteen = scenario.venues["future-canteen"]
    card = re.findall(r'<div class="fh-driver-card" lang="zh">(.*?)</div>', day, re.S)
    assert len(card) == len(group.stops)
    assert any(canteen.name.zh in c for c in card)


def test_practical_notes_of_a_venue(
    morning_site: Path, morning_case: tuple[Plan, Scenario]
) -> None:
    plan, _ = morning_case
    group = plan.groups[0]
    text = _text(_read(morning_site, f"delegates/{group.delegates[0]}.html"))
    assert "Bring your passport: ID is checked" in text
    assert "Photos: ask the host first" in text


def test_map_links_use_gcj02_for_amap_and_wgs84_for_the_others() -> None:
    lat, lon = 30.2590, 120.1551
    links = map_links(Bilingual("West Lake", "西湖"), lat, lon, rough=False)
    amap = parse_qs(urlparse(links.amap).query)
    g_lat, g_lon = wgs84_to_gcj02(lat, lon)
    assert amap["position"] == [f"{g_lon:.6f},{g_lat:.6f}"]
    assert amap["coordinate"] == ["gaode"] and amap["name"] == ["西湖"]
    assert parse_qs(urlparse(links.apple).query)["ll"] == [f"{lat:.6f},{lon:.6f}"]
    assert parse_qs(urlparse(links.google).query)["query"] == [f"{lat:.6f},{lon:.6f}"]
    assert abs(g_lon - lon) > 0.003  # the shift is real: about 500 m in Hangzhou


def test_a_rough_point_is_searched_for_by_name_not_pinned() -> None:
    links = map_links(Bilingual("Zhejiang Lab", "之江实验室"), 30.259, 119.8985, rough=True)
    assert links.by_name
    assert "30.259" not in links.amap + links.apple + links.google
    assert parse_qs(urlparse(links.amap).query)["keyword"] == ["之江实验室"]


def test_approximate_locations_are_said_once_calmly(morning_site: Path) -> None:
    html = _read(morning_site, "delegates/D001.html")
    assert html.count("Some map positions are approximate") == 1
    assert "Location rough" not in html


def test_every_morning_string_is_escaped(morning_site: Path) -> None:
    for page in (morning_site / "delegates").glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert(1)</script>" not in html, page.name
    html = _read(morning_site, "delegates/D001.html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_organiser_contact_for_an_unplaced_delegate(morning_site: Path) -> None:
    text = _text(_read(morning_site, "delegates/D005.html"))
    assert "No visit is planned for you yet" in text
    assert "call Visits desk on +86 571 0000 0001" in text
    assert "biomed" not in text  # no internal wording


def test_host_page_is_chinese_first_with_bus_guide_totals_and_names(
    morning_site: Path, morning_case: tuple[Plan, Scenario]
) -> None:
    plan, scenario = morning_case
    html = _read(morning_site, "hosts/zhejiang-lab.html")
    text = _text(html)
    assert text.index("之江实验室") < text.index("Zhejiang Lab")
    assert "本日共 2 批" in text  # the two buses of the first day
    assert "浙A·00000" in text and "Guide &lt;script&gt;" in html
    names = re.findall(r'<ol class="fh-name-list">(.*?)</ol>', html, re.S)
    first = plan.groups[0]
    people = {d.id: d for d in scenario.delegates}
    for d in first.delegates:
        assert re.sub(r"<[^>]+>", "", str(people[d].name)) in _text(names[0]) or d == "D002"
    assert "<table" not in html  # cards, not a table that a phone clips


def test_published_host_pages_hold_no_names(
    tmp_path: Path, morning_case: tuple[Plan, Scenario]
) -> None:
    plan, scenario = morning_case
    render_site(plan, scenario, tmp_path, publish=True, page_secret=SECRET)
    html = _read(tmp_path, "hosts/zhejiang-lab.html")
    assert '<ol class="fh-name-list">' not in html
    assert "门岗登记名单由组委会另行发送" in html
    for delegate in scenario.delegates:
        if delegate.id != "D002":
            assert delegate.name not in html


def test_country_and_language_names_in_chinese() -> None:
    assert country_name("Netherlands") == Bilingual("Netherlands", "荷兰")
    assert country_name("UK").zh == "英国"
    assert country_name("Hong Kong SAR").zh.startswith("中国香港")
    assert country_name("Atlantis") == Bilingual("Atlantis", "")
    assert language_name("fr") == Bilingual("French", "法语")


def test_index_leads_with_problems_and_names_its_figures(
    tmp_path: Path, morning_case: tuple[Plan, Scenario]
) -> None:
    plan, scenario = morning_case
    metrics = PlanMetrics(bus_time_s=36000, cost_cny=12000, assignment_status="OPTIMAL/FEASIBLE")
    render_site(plan.model_copy(update={"metrics": metrics}), scenario, tmp_path)
    html = _read(tmp_path, "index.html")
    assert html.index('id="problems"') < html.index('id="summary"')
    panel = html[
        html.index('id="problems"') : html.index("</section>", html.index('id="problems"'))
    ]
    kinds = re.findall(r'data-kind="([a-z-]+)"', panel)
    assert "unplaced" in kinds and "thin-bus" in kinds
    assert 'href="#unassigned-D005"' in panel and 'id="unassigned-D005"' in html
    assert "approximate" in kinds  # zhejiang-lab: low confidence, a must-visit of gen-ai
    figures = _text(html[html.index('id="metrics"') :])
    assert "Bus time, base to base · 车辆运行时间 10.0 hours" in figures
    assert "proven optimal / feasible" in figures
    assert "bus_time_s" not in figures


def test_index_delegates_table_has_route_date_bus_and_departure(
    morning_site: Path, morning_case: tuple[Plan, Scenario]
) -> None:
    plan, _ = morning_case
    html = _read(morning_site, "index.html")
    rows = re.findall(r'<tr data-delegate="D004">(.*?)</tr>', html, re.S)
    assert len(rows) == sum("D004" in g.delegates for g in plan.groups)
    assert "2024-09-28" in rows[0] and "Bus 2" in rows[0] and "08:30" in rows[0]
    assert 'id="fh-search"' in html


def test_venue_load_timeline_shows_each_visit_against_capacity(
    morning_site: Path, morning_case: tuple[Plan, Scenario]
) -> None:
    plan, _ = morning_case
    html = _read(morning_site, "index.html")
    day = plan.groups[0].date.isoformat()
    row = re.search(rf'id="load-{day}-zhejiang-lab">(.*?)</div>\n</div>', html, re.S)
    assert row is not None
    assert row.group(1).count('class="fh-block"') == 2  # both buses of the route
    assert "peak 2/1" in row.group(1)  # two groups at once at a venue that takes one


# -- in the browser ---------------------------------------------------------------------------


def _delegate_page(site: Path, plan: Plan) -> Path:
    return site / "delegates" / f"{plan.groups[0].delegates[0]}.html"


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_first_screen_holds_meeting_place_time_and_bus(
    browser: Any, morning_site: Path, morning_case: tuple[Plan, Scenario], width: int
) -> None:
    plan, _ = morning_case
    context = browser.new_context(viewport={"width": width, "height": 844})
    context.route(
        "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
    )
    page = context.new_page()
    page.goto(_delegate_page(morning_site, plan).as_uri())
    day = page.locator("section.fh-day").first
    for part in (".fh-meet dd", ".fh-be-there dd", ".fh-bus dd"):
        box = day.locator(part).bounding_box()
        assert box is not None and box["y"] + box["height"] <= 844, (part, box)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()


@pytest.mark.browser
def test_todays_day_comes_first_with_its_next_stop_cued(
    browser: Any, morning_site: Path, morning_case: tuple[Plan, Scenario]
) -> None:
    plan, _ = morning_case
    day2 = next(g for g in plan.groups if "D001" in g.delegates and g.date != plan.groups[0].date)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.clock.install(time=f"{day2.date.isoformat()}T10:00:00+08:00")
    page.goto((morning_site / "delegates/D001.html").as_uri())
    first = page.locator("section.fh-day").first
    assert first.get_attribute("data-date") == day2.date.isoformat()
    assert first.locator(".fh-today-badge").is_visible()
    nxt = first.locator("li.fh-next")
    assert nxt.count() == 1
    assert "Westlake University" in nxt.inner_text()  # 09:30-10:30 is under way at 10:00
    context.close()


@pytest.mark.browser
def test_on_another_day_the_order_is_the_calendars(browser: Any, morning_site: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.clock.install(time="2024-09-01T10:00:00+08:00")
    page.goto((morning_site / "delegates/D001.html").as_uri())
    dates = [s.get_attribute("data-date") for s in page.locator("section.fh-day").all()]
    assert dates == sorted(dates)
    assert page.locator("li.fh-next").count() == 0
    context.close()


@pytest.mark.browser
def test_driver_card_opens_in_large_type(
    browser: Any, morning_site: Path, morning_case: tuple[Plan, Scenario]
) -> None:
    plan, _ = morning_case
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(_delegate_page(morning_site, plan).as_uri())
    driver = page.locator("details.fh-driver").nth(1)
    driver.locator("summary").click()
    name = driver.locator(".fh-driver-name")
    assert name.is_visible()
    size = float(name.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px"))
    assert size >= 28
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_host_page_has_no_horizontal_scroll(browser: Any, morning_site: Path, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    for host in sorted((morning_site / "hosts").glob("*.html")):
        page.goto(host.as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= width, host.name
    context.close()


@pytest.mark.browser
def test_index_search_filters_the_delegates(browser: Any, morning_site: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto((morning_site / "index.html").as_uri())
    rows = page.locator("table.fh-delegates tbody tr")
    total = rows.count()
    page.fill("#fh-search", "Nigeria")
    visible = [r for r in rows.all() if r.is_visible()]
    assert 0 < len(visible) < total
    assert all("Nigeria" in r.inner_text() for r in visible)
    page.fill("#fh-search", "")
    assert sum(r.is_visible() for r in rows.all()) == total
    context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_axe_on_the_morning_pages(
    browser: Any, tmp_path: Path, morning_site: Path, morning_case: tuple[Plan, Scenario]
) -> None:
    from tests.maps.test_maps_axe import AXE, RUN

    plan, scenario = morning_case
    render_site(plan, scenario, tmp_path, publish=True, page_secret=SECRET)
    pages = [
        _delegate_page(morning_site, plan),
        morning_site / "delegates/D005.html",
        morning_site / "hosts/zhejiang-lab.html",
        morning_site / "index.html",
        tmp_path / "delegates" / f"{delegate_page_name('D003', SECRET)}.html",
        tmp_path / "hosts/zhejiang-lab.html",
    ]
    script = AXE.read_text(encoding="utf-8")
    found = {}
    for width in (390, 1280):
        context = browser.new_context(viewport={"width": width, "height": 844})
        context.route(
            "**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort()
        )
        page = context.new_page()
        for path in pages:
            page.goto(path.as_uri())
            page.add_script_tag(content=script)
            bad = [v for v in page.evaluate(RUN) if v["impact"] in ("serious", "critical")]
            if bad:
                found[f"{width}:{path.name}"] = bad
        context.close()
    assert found == {}


def test_index_flags_a_venue_over_capacity_and_bus_details_for_no_group(
    tmp_path: Path, morning_case: tuple[Plan, Scenario]
) -> None:
    plan, scenario = morning_case
    buses = {**scenario.spec.morning.buses, "2024-09-30-gen-ai-9": BusDetails(plate="浙A·99999")}
    morning = scenario.spec.morning.model_copy(update={"buses": buses})
    spec = scenario.spec.model_copy(update={"morning": morning})
    render_site(plan, scenario.model_copy(update={"spec": spec}), tmp_path)
    html = _read(tmp_path, "index.html")
    day = plan.groups[0].date.isoformat()
    assert f'href="#load-{day}-zhejiang-lab"' in html  # two groups at a venue that takes one
    assert f'id="load-{day}-zhejiang-lab"' in html
    assert "Bus details for a group not in this plan: 2024-09-30-gen-ai-9" in html


def test_popups_open_the_stop_in_map_apps(
    morning_site: Path, morning_case: tuple[Plan, Scenario]
) -> None:
    plan, _ = morning_case
    html = _read(morning_site, f"maps/{plan.groups[0].id}.html")
    assert "uri.amap.com" in html and "maps.apple.com" in html


def test_sheets_and_help_carry_the_bus_label_plate_guide_and_organiser(
    morning_site: Path, morning_case: tuple[Plan, Scenario]
) -> None:
    plan, _ = morning_case
    first = plan.groups[0].id
    guide = _text(_read(morning_site, f"sheets/{first}-guide.html"))
    driver = _text(_read(morning_site, f"sheets/{first}-driver.html"))
    assert "Bus 1" in guide and "浙A·00000" in guide and "+86 571 0000 0001" in guide
    assert "1号车" in driver and "浙A·00000" in driver and "+86 571 0000 0001" in driver
    delegate = _read(morning_site, f"delegates/{plan.groups[0].delegates[0]}.html")
    assert '<li class="fh-wechat-qr"><svg' in delegate
    assert "visits-desk" in delegate
