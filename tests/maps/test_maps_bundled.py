"""The bundled default scenario, planned and written end to end: every page within bounds."""

from __future__ import annotations

from pathlib import Path

import pytest

from findhz.maps import render_site
from findhz.maps.assets import check_self_contained
from findhz.planner.bundled import default_scenario
from findhz.planner.exports import write_exports
from findhz.planner.loading import load_scenario

MAX_PAGE_BYTES = 1_500_000


@pytest.mark.slow
def test_default_scenario_renders_whole_and_small(tmp_path: Path) -> None:
    from findhz.planner.planning import make_plan
    from findhz.planner.travel import build_matrix

    scenario = load_scenario(default_scenario())
    plan, _ = make_plan(scenario, build_matrix(scenario, "offline", use_cache=False))
    render_site(plan, scenario, tmp_path)
    write_exports(plan, scenario, tmp_path)
    pages = sorted(tmp_path.rglob("*.html"))
    assert len(pages) == (
        2  # index and overview
        + len({(g.date, g.route) for g in plan.groups})
        + len(plan.groups)
        + len(scenario.delegates)
        + len({s.venue for g in plan.groups for s in g.stops})
        + 2 * len(plan.groups)  # a guide's and a driver's sheet per bus
    )
    for page in pages:
        assert page.stat().st_size <= MAX_PAGE_BYTES, page
        check_self_contained(page.read_text(encoding="utf-8"), page=page.name)
    overview = (tmp_path / "maps/overview.html").read_text(encoding="utf-8")
    stops = sum(1 for g in plan.groups for s in g.stops if s.kind in ("visit", "lunch"))
    assert overview.count("data-stop=") == stops
    placed = {d for g in plan.groups for d in g.delegates}
    assert {p.stem for p in (tmp_path / "delegates").glob("*.ics")} == placed
