"""Accessibility of every kind of page, checked with axe-core (vendored, see
maps/vendor/README.md) in Chromium at phone width: no serious or critical violation."""

from __future__ import annotations

from pathlib import Path

import pytest

from findhz.maps import render_site
from findhz.planner.models import Plan, Scenario
from findhz.planner.naming import delegate_page_name

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core-4.14.1" / "axe.min.js"
BASE_URL = "https://visits.example.org/findhz/"
RUN = """async () => (await axe.run(document)).violations.map(
  v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""


@pytest.fixture(scope="module")
def folders(
    tmp_path_factory: pytest.TempPathFactory, sample_plan: Plan, sample_scenario: Scenario
) -> tuple[Path, Path]:
    own = tmp_path_factory.mktemp("axe-own")
    render_site(sample_plan, sample_scenario, own, base_url=BASE_URL, page_secret=SECRET)
    site = tmp_path_factory.mktemp("axe-site")
    render_site(
        sample_plan, sample_scenario, site, base_url=BASE_URL, publish=True, page_secret=SECRET
    )
    return own, site


SECRET = "axe-test-secret"


def _one_of_each(own: Path, site: Path, plan: Plan) -> list[Path]:
    group = plan.groups[0]
    delegate = sorted(group.delegates)[0]
    return [
        own / "index.html",
        own / "maps" / "overview.html",
        own / "maps" / f"{group.date.isoformat()}-{group.route}.html",
        own / "maps" / f"{group.id}.html",
        own / "delegates" / f"{delegate}.html",
        own / "hosts" / f"{group.stops[1].venue}.html",
        own / "sheets" / f"{group.id}-guide.html",
        own / "sheets" / f"{group.id}-driver.html",
        own / "sheets" / f"{group.id}-qr.html",
        site / "delegates" / f"{delegate_page_name(delegate, SECRET)}.html",
        site / "maps" / "overview.html",
    ]


@pytest.mark.browser
@pytest.mark.slow
def test_no_serious_or_critical_violation_on_any_kind_of_page(
    folders: tuple[Path, Path], sample_plan: Plan, page: object
) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    own, site = folders
    script = AXE.read_text(encoding="utf-8")
    found = {}
    for path in _one_of_each(own, site, sample_plan):
        assert path.is_file(), path
        page.goto(path.as_uri())
        page.add_script_tag(content=script)
        violations = page.evaluate(RUN)
        bad = [v for v in violations if v["impact"] in ("serious", "critical")]
        if bad:
            found[path.relative_to(path.parents[1]).as_posix()] = bad
    assert found == {}


@pytest.mark.browser
def test_full_page_maps_have_a_main_landmark_and_a_heading(
    folders: tuple[Path, Path], sample_plan: Plan, page: object
) -> None:
    """Moderate findings too, on every whole-page map: one main landmark, one h1, all content
    in landmarks."""
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    own, site = folders
    script = AXE.read_text(encoding="utf-8")
    maps = [*sorted((own / "maps").glob("*.html")), site / "maps" / "overview.html"]
    found = {}
    for path in maps:
        page.goto(path.as_uri())
        page.add_script_tag(content=script)
        violations = page.evaluate(RUN)
        assert page.locator("main h1").count() == 1
        if violations:
            found[path.name] = violations
    assert found == {}


@pytest.mark.browser
def test_axe_finds_a_planted_violation(tmp_path: Path, page: object) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    broken = tmp_path / "broken.html"
    broken.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>x</title></head><body><main>'
        '<img src="data:,"><p style="color:#eee;background:#fff">faint</p></main></body></html>',
        encoding="utf-8",
    )
    page.goto(broken.as_uri())
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    ids = {v["id"] for v in page.evaluate(RUN) if v["impact"] in ("serious", "critical")}
    assert {"image-alt", "color-contrast"} <= ids
