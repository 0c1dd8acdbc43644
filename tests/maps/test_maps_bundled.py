"""The bundled default scenario, planned and written end to end: every page within bounds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from findhz.maps.assets import check_self_contained
from findhz.planner.bundled import default_scenario
from findhz.planner.loading import load_scenario
from findhz.planner.models import Plan

MAX_PAGE_BYTES = 1_500_000


@pytest.mark.slow
@pytest.mark.xdist_group("bundled-plans")
def test_default_scenario_renders_whole_and_small(
    bundled_output: Callable[[str], Path],
) -> None:
    out = bundled_output("findhz-2024")  # as `findhz plan` writes it
    scenario = load_scenario(default_scenario())
    plan = Plan.model_validate_json((out / "plan.json").read_text(encoding="utf-8"))
    pages = sorted(out.rglob("*.html"))
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
    overview = (out / "maps/overview.html").read_text(encoding="utf-8")
    stops = sum(1 for g in plan.groups for s in g.stops if s.kind in ("visit", "lunch"))
    assert overview.count("data-stop=") == stops
    placed = {d for g in plan.groups for d in g.delegates}
    assert {p.stem for p in (out / "delegates").glob("*.ics")} == placed
