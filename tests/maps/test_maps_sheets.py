"""Sheets for the people on the bus: the guide's manifest and the driver's sheet in Chinese,
print-ready on A4 (checked with Chromium's own PDF printing)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from findhz.maps import render_site
from findhz.planner.models import Address, HostContact, Plan, Scenario

# A made-up contact (the number is not a real one).
CONTACT = HostContact(name="Ms Example 示例", phone="+86 0000-0000")


@pytest.fixture(scope="module")
def sheets(
    tmp_path_factory: pytest.TempPathFactory, sample_plan: Plan, sample_scenario: Scenario
) -> Path:
    # One visited venue with no known address, one with an unconfirmed one.
    first, second = sample_plan.groups[0].stops[1].venue, sample_plan.groups[0].stops[2].venue
    venues = dict(sample_scenario.venues)
    venues[first] = venues[first].model_copy(update={"address": Address(), "notes": "NOTE-X"})
    venues[second] = venues[second].model_copy(
        update={
            "address": Address(zh="杭州市某路1号", en="1 Mou Road", confirmed=False),
            "contact": CONTACT,
        }
    )
    out = tmp_path_factory.mktemp("sheets")
    render_site(sample_plan, sample_scenario.model_copy(update={"venues": venues}), out)
    return out / "sheets"


def test_the_guide_manifest_lists_every_rider_and_stop(
    sheets: Path, sample_plan: Plan, sample_scenario: Scenario
) -> None:
    people = {d.id: d for d in sample_scenario.delegates}
    for group in sample_plan.groups:
        html = (sheets / f"{group.id}-guide.html").read_text(encoding="utf-8")
        assert html.count("<td>☐</td>") == len(group.delegates)
        for delegate_id in group.delegates:
            person = people[delegate_id]
            assert f"<td>{person.country}</td>" in html
            for need in person.needs:
                assert need in html
        for stop in group.stops:
            assert sample_scenario.venues[stop.venue].name.zh in html
        assert "NOTE-X" not in html


def test_the_driver_sheet_is_chinese_with_addresses(
    sheets: Path, sample_plan: Plan, sample_scenario: Scenario
) -> None:
    group = sample_plan.groups[0]
    html = (sheets / f"{group.id}-driver.html").read_text(encoding="utf-8")
    assert '<div lang="zh">' in html
    assert "地址待确认" in html
    assert "杭州市某路1号（地址待确认）" in html
    assert "NOTE-X" not in html
    assert html.count('class="park"') == len(group.stops)
    times = re.findall(r'<td class="time">([^<]*)</td>', html)
    assert len(times) == len(group.stops) and all(times)


def test_host_contacts_are_printed_where_known_and_left_to_write_in_otherwise(
    sheets: Path, sample_plan: Plan
) -> None:
    group = sample_plan.groups[0]
    guide = (sheets / f"{group.id}-guide.html").read_text(encoding="utf-8")
    assert guide.count('class="host-contact"') == 1
    assert 'Ms Example 示例 · <a href="tel:+8600000000">+86 0000-0000</a>' in guide
    visits = sum(1 for s in group.stops if s.kind in ("visit", "lunch"))
    assert guide.count('<span class="write">') == visits - 1
    assert "Host contacts not in the catalogue" in guide
    driver = (sheets / f"{group.id}-driver.html").read_text(encoding="utf-8")
    assert "联系人：Ms Example 示例 <b>+86 0000-0000</b>" in driver
    host = (sheets.parent / "hosts" / f"{group.stops[2].venue}.html").read_text(encoding="utf-8")
    assert "+86 0000-0000" in host
    other = (sheets.parent / "hosts" / f"{group.stops[1].venue}.html").read_text(encoding="utf-8")
    assert "host-contact" not in other


@pytest.mark.browser
def test_sheets_print_on_a4(sheets: Path, sample_plan: Plan, page: object) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    for group in sample_plan.groups:
        for who in ("guide", "driver"):
            page.goto((sheets / f"{group.id}-{who}.html").as_uri())
            pdf = page.pdf(format="A4", prefer_css_page_size=True)
            pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
            assert pages == 1, (group.id, who, pages)
