"""Browser fixtures: Debian's Chromium driven by Playwright, with no network at all.

Every request of a page goes through a handler: ``file:`` and ``data:`` are allowed, map tiles
are recorded and answered with a blank tile (so nothing goes online), anything else is
recorded as a stray request and aborted.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from findhz.maps import render_site
from findhz.planner.exports import write_exports
from findhz.planner.models import Plan, Scenario

TILE_HOSTS = re.compile(r"^https://(webrd0[1-4]\.is\.autonavi\.com|tile\.openstreetmap\.org)/")
# A 1x1 light-grey PNG, served for every tile so that the map has a quiet background.
BLANK_TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC"
)


@dataclass
class Traffic:
    """What a page asked for."""

    tiles: list[str] = field(default_factory=list)
    stray: list[str] = field(default_factory=list)


@pytest.fixture
def traffic() -> Traffic:
    return Traffic()


@pytest.fixture
def page(browser: object, traffic: Traffic) -> Iterator[object]:
    """A phone-sized page whose every request is checked and recorded."""
    from playwright.sync_api import Browser, Route

    assert isinstance(browser, Browser)
    context = browser.new_context(viewport={"width": 412, "height": 860}, device_scale_factor=1)

    def handle(route: Route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        elif TILE_HOSTS.match(url):
            traffic.tiles.append(url)
            route.fulfill(status=200, content_type="image/png", body=BLANK_TILE)
        else:
            traffic.stray.append(url)
            route.abort()

    context.route("**/*", handle)
    context.set_default_timeout(5000)
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: page.errors.append(str(error)))  # type: ignore[attr-defined]
    yield page
    context.close()


@pytest.fixture(scope="session")
def sample_site(
    tmp_path_factory: pytest.TempPathFactory, sample_plan: Plan, sample_scenario: Scenario
) -> Path:
    """The sample plan's whole output folder, rendered once for all browser tests."""
    plan, scenario = sample_plan, sample_scenario
    out = tmp_path_factory.mktemp("site")
    render_site(plan, scenario, out)
    write_exports(plan, scenario, out)
    (out / "plan.json").write_text(plan.model_dump_json(indent=2), encoding="utf-8")
    return out


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """``test-artifacts/`` at the repository root (ignored by git), for screenshots."""
    folder = Path(__file__).resolve().parents[2] / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder
