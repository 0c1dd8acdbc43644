"""A delegate's itinerary prints on one A4 page per day (Chromium's own PDF printing)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from findhz.maps import render_site
from findhz.planner.models import Plan, Scenario


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, sample_plan: Plan, sample_scenario: Scenario
) -> Path:
    out = tmp_path_factory.mktemp("print")
    render_site(sample_plan, sample_scenario, out)
    return out


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


@pytest.mark.browser
def test_an_itinerary_prints_one_a4_page_per_day(
    site: Path, sample_plan: Plan, sample_scenario: Scenario, page: object
) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    days = {
        d.id: sum(d.id in g.delegates for g in sample_plan.groups)
        for d in sample_scenario.delegates
    }
    assert max(days.values()) >= 2 and min(days.values()) == 0  # several days, and none
    for delegate_id, count in sorted(days.items()):
        page.goto((site / "delegates" / f"{delegate_id}.html").as_uri())
        page.wait_for_load_state("load")
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        assert _pages(pdf) == max(count, 1), (delegate_id, count)
        # each day starts its own page: the days' headings are as far apart as the pages
        page.emulate_media(media="print")
        tops = page.evaluate(
            "() => [...document.querySelectorAll('.fh-day')].map(s => getComputedStyle(s)"
            ".breakBefore)"
        )
        page.emulate_media(media=None)
        assert tops == (["auto"] + ["page"] * (count - 1) if count else [])
