"""Addresses people can use: bilingual, free of research notes, honest when unknown."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from findhz.cli import app
from findhz.maps import render_site
from findhz.planner.bundled import bundled_routes
from findhz.planner.exports import build_tables
from findhz.planner.loading import load_catalogue
from findhz.planner.models import Address, Plan, Scenario, Venue

# Words of our research notes that must never reach a driver's or a delegate's page.
NOTE_WORDS = re.compile(
    r"from memory|verify|verified|per public|not found|found|GitHub|inventory|report|"
    r"assumed|source|http|\(|（.*来源|;|~",
    re.IGNORECASE,
)
NOTES = "exact address not found; from memory, verify (Daily 2020-06-03)"


def _catalogue() -> list[Venue]:
    return list(load_catalogue(bundled_routes() / "venues.yaml").values())


def test_bundled_addresses_hold_only_postal_addresses() -> None:
    venues = _catalogue()
    assert len(venues) == 67
    unknown = 0
    for venue in venues:
        address = venue.address
        if not address.known:
            unknown += 1
            continue
        for text in (address.zh, address.en):
            assert text, f"{venue.id}: an address in one language only"
            assert not NOTE_WORDS.search(text), f"{venue.id}: {text!r}"
        assert re.search(r"\d+(号|幢)", address.zh), f"{venue.id}: no house number in {address.zh}"
        assert "Hangzhou" in address.en and "杭州" in address.zh, venue.id
    # The research that was in the address before is kept for coordinators.
    assert sum(1 for v in venues if v.notes) >= 33
    assert 0 < unknown < len(venues)


def test_a_plain_string_address_is_still_read() -> None:
    base = _catalogue()[0].model_dump(mode="json")
    venue = Venue.model_validate({**base, "address": "良睦路1399号"})
    assert venue.address == Address(zh="良睦路1399号", en="良睦路1399号")
    assert not Venue.model_validate({**base, "address": ""}).address.known
    assert not Venue.model_validate({**base, "address": {}}).address.known


def _with_notes(scenario: Scenario, venue_id: str) -> Scenario:
    venue = scenario.venues[venue_id].model_copy(update={"address": Address(), "notes": NOTES})
    return scenario.model_copy(update={"venues": {**scenario.venues, venue_id: venue}})


def test_pages_show_the_address_never_the_notes(
    sample_plan: Plan, sample_scenario: Scenario, tmp_path: Path
) -> None:
    visited = sample_plan.groups[0].stops[1].venue
    scenario = _with_notes(sample_scenario, visited)
    render_site(sample_plan, scenario, tmp_path)
    host = (tmp_path / "hosts" / f"{visited}.html").read_text(encoding="utf-8")
    assert "Address to be confirmed" in host
    assert "地址待确认" in host
    pages = [p.read_text(encoding="utf-8") for p in tmp_path.rglob("*.html")]
    assert not any("from memory" in page for page in pages)
    other = next(v for v in sample_scenario.venues.values() if v.id != visited)
    assert other.address.known


def test_the_workbook_keeps_the_notes_for_coordinators(
    sample_plan: Plan, sample_scenario: Scenario
) -> None:
    visited = sample_plan.groups[0].stops[1].venue
    tables = {t.name: t for t in build_tables(sample_plan, _with_notes(sample_scenario, visited))}
    venues = tables["venues"]
    rows = {row[0]: dict(zip(venues.columns, row, strict=True)) for row in venues.rows}
    assert rows[visited]["notes"] == NOTES
    assert rows[visited]["address_confirmed"] == "no"
    assert rows[sample_scenario.spec.base]["address_zh"]


def test_validate_verbose_lists_addresses_and_notes() -> None:
    result = CliRunner().invoke(app, ["validate", "--verbose"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(
        line.startswith("  zhejiang-lab: 杭州市余杭区文一西路2880号") and "notes: " in line
        for line in lines
    )
    assert any(line.startswith("  tianmushan-lab: address to be confirmed") for line in lines)
    plain = CliRunner().invoke(app, ["validate"])
    assert "notes:" not in plain.output
