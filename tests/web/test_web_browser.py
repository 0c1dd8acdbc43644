"""The coordinators' app end to end in Chromium (Playwright, Debian's chromium), real planner.

Every request of a page goes through a handler: the app's own address and ``file:`` pages are
allowed, map tiles are answered with a blank tile, anything else is recorded and aborted, so a
page that reached for a CDN fails the test.
"""

from __future__ import annotations

import base64
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from webhelpers import RENAMED, movable, renamed_xlsx, served

from findhz.planner.bundled import bundled_routes
from findhz.planner.naming import delegate_page_name
from findhz.web.store import prepare_data_folder

pytestmark = pytest.mark.slow

TILES = re.compile(r"^https://(webrd0[1-4]\.is\.autonavi\.com|tile\.openstreetmap\.org)/")
BLANK_TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC"
)
EVENT = "example-findhz-2024"
# The run page records every message it shows, so a test can see the progress it reported.
WATCH_MESSAGES = """
window.__seen = [];
document.addEventListener("DOMContentLoaded", function () {
  var message = document.getElementById("message");
  if (!message) { return; }
  window.__seen.push(message.textContent);
  new MutationObserver(function () { window.__seen.push(message.textContent); })
    .observe(message, { childList: true, characterData: true, subtree: true });
});
"""


def new_page(browser: Any, base: str, stray: list[str], downloads: bool = False) -> Any:
    """A page of its own browser context (its own cookies: a separate session)."""
    from playwright.sync_api import Route

    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, accept_downloads=downloads
    )

    def handle(route: Route) -> None:
        url = route.request.url
        if url.startswith((base, "file:", "data:", "about:")):
            route.continue_()
        elif TILES.match(url):
            route.fulfill(status=200, content_type="image/png", body=BLANK_TILE)
        else:
            stray.append(url)
            route.abort()

    context.route("**/*", handle)
    context.set_default_timeout(20_000)
    context.add_init_script(WATCH_MESSAGES)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


def wait_done(page: Any) -> None:
    """Wait on the run page until its status is no longer queued or running (a safety limit).
    The click that starts a run navigates: until the run page has parsed, there is no status."""
    page.wait_for_function(
        "() => { const status = document.getElementById('status');"
        " return status !== null && !['queued', 'running'].includes(status.textContent); }",
        timeout=300_000,
        polling=500,
    )
    assert page.text_content("#status") == "done", page.text_content("#message")


def test_import_plan_review_pin_replan_publish_in_chromium(browser: Any, tmp_path: Path) -> None:
    data = prepare_data_folder(tmp_path / "data")
    stray: list[str] = []
    with served(data) as base:
        page = new_page(browser, base, stray, downloads=True)
        page.goto(f"{base}/events/{EVENT}")

        # import the bundled delegates workbook with renamed headers, and map its columns
        page.set_input_files(
            "#upload-form input[type=file]",
            files=[
                {
                    "name": "registrations export.xlsx",
                    "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "buffer": renamed_xlsx(),
                }
            ],
        )
        page.click("#upload-form button")
        page.wait_for_selector("#mapping-form")
        for ours, theirs in RENAMED.items():
            if ours != "note":
                page.select_option(f"#map-{ours}", theirs)
        page.click("#mapping-form button")
        page.wait_for_selector("#delegate-count")
        rows = len(
            (bundled_routes() / "scenarios" / "findhz-2024-delegates.csv")
            .read_text("utf-8")
            .splitlines()
        )
        assert str(page.text_content("#delegate-count")).startswith(str(rows - 1))

        # plan, and see the progress the worker reports
        page.fill("#plan-form input[name=time_limit]", "1")
        page.click("#plan-button")
        page.wait_for_selector("#progress")
        wait_done(page)
        seen = page.evaluate("window.__seen")
        assert len(set(seen)) >= 2, seen  # the page showed the run's steps as they came
        assert page.get_attribute("#progress", "value") == "1"

        # review: the overview map draws, the Gantt chart and the figures are there
        page.click("#result a")
        page.wait_for_selector("#figures")
        assert "total" in page.text_content("#costs")
        overview = page.frame_locator("#overview")
        overview.locator(".leaflet-container").wait_for()
        assert overview.locator(".leaflet-marker-icon").count() > 0
        gantt = page.locator("svg[id^=arrivals-]").first
        gantt.wait_for()
        assert gantt.locator(".bar").count() > 0
        assert page.locator("svg[id^=buses-]").count() == page.locator("svg[id^=arrivals-]").count()

        # publish version 1 at an address
        page.fill("#publish-form input[name=base_url]", "https://visits.example.org/findhz/")
        page.click("#publish-form button")
        page.wait_for_selector("#published")

        # pin a delegate to a route-day other than theirs, then re-plan with minimal changes
        versions = data / "events" / EVENT / "versions"
        plan = json.loads(next(versions.glob("run-*/plan.json")).read_text(encoding="utf-8"))
        mover, route, date = movable(data, EVENT, plan)
        page.goto(f"{base}/events/{EVENT}#adjust")
        page.fill("#pin-form input[name=delegate]", mover)
        page.select_option("#pin-form select[name=route]", route)
        page.select_option("#pin-form select[name=date]", date)
        page.click("#pin-form button")
        page.wait_for_selector("#edits")
        assert mover in page.text_content("#edits")
        assert "Re-plan version 1" in page.text_content("#plan-button")
        page.click("#plan-button")
        wait_done(page)
        page.click("#result a")
        page.wait_for_selector("#change")
        assert mover in page.text_content("#notices")

        # publish version 2 and download the site
        page.fill("#publish-form input[name=base_url]", "https://visits.example.org/findhz/")
        page.click("#publish-form button")
        page.wait_for_selector("#published")
        with page.expect_download() as info:
            page.click("#zip")
        archive = tmp_path / "site.zip"
        info.value.save_as(archive)
        unpacked = tmp_path / "unpacked"
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(unpacked)
        site = unpacked / f"{EVENT}-v2" / "site"
        assert (unpacked / f"{EVENT}-v2" / "notices" / "delegates" / f"{mover}.txt").is_file()

        # open a delegate page from the zip, as a delegate would
        secret = (data / "events" / EVENT / "page-secret.txt").read_text().strip()
        plans = [
            json.loads(p.read_text(encoding="utf-8")) for p in versions.glob("run-*/plan.json")
        ]
        replanned = next(p for p in plans if p["metrics"].get("version") == 2)
        someone = replanned["groups"][0]["delegates"][0]
        delegate_page = site / "delegates" / f"{delegate_page_name(someone, secret)}.html"
        assert delegate_page.is_file()
        reader = new_page(browser, base, stray)
        reader.goto(delegate_page.as_uri())
        reader.wait_for_selector("body")
        assert reader.locator("svg, img").count() > 0  # its QR code and map
        names = {
            row.split(",")[0]: row.split(",")[1]
            for row in (data / "events" / EVENT / "scenario" / "delegates.csv")
            .read_text(encoding="utf-8")
            .splitlines()[1:]
        }
        assert names[someone] in reader.text_content("body")
        assert page.errors == [] and reader.errors == []
        assert [u for u in stray if not u.startswith("https://visits.example.org/")] == []


def test_two_sessions_plan_two_events_at_once(browser: Any, tmp_path: Path) -> None:
    data = prepare_data_folder(tmp_path / "data")
    stray: list[str] = []
    with served(data) as base:
        ann = new_page(browser, base, stray)
        bo = new_page(browser, base, stray)
        bo.goto(base + "/")
        bo.fill("#new-event input[name=name]", "Second weekend")
        bo.select_option("#new-event select[name=example]", "findhz-2024")
        bo.click("#new-event button")
        bo.wait_for_selector("#plan-form")
        second = bo.url
        ann.goto(f"{base}/events/{EVENT}")
        for page in (ann, bo):
            page.fill("#plan-form input[name=time_limit]", "2")
        ann.click("#plan-button")
        bo.click("#plan-button")
        for page in (ann, bo):
            wait_done(page)
        assert "version 1" in ann.text_content("#message")
        assert "version 1" in bo.text_content("#message")
        assert ann.get_attribute("#run", "data-event") == EVENT
        assert second.endswith("/events/" + str(bo.get_attribute("#run", "data-event")))
        assert ann.errors == [] and bo.errors == [] and stray == []


HOSTILE = "<img src=x onerror=window.__pwned=1>"


def test_setup_checks_as_you_type_and_hostile_uploads_stay_text(
    browser: Any, tmp_path: Path
) -> None:
    data = prepare_data_folder(tmp_path / "data")
    stray: list[str] = []
    with served(data) as base:
        page = new_page(browser, base, stray)
        # set-up: a wrong number is named at its field while typing, and the save is refused
        page.goto(f"{base}/events/{EVENT}/setup")
        page.frame_locator("#venue-map").locator(".leaflet-interactive").first.wait_for()
        page.fill("input[name=fleet-seats-0]", "lots")
        page.wait_for_selector("input[name=fleet-seats-0].bad")
        assert "fleet[0].seats" in str(page.text_content("#setup-problems"))
        page.fill("input[name=fleet-seats-0]", "45")
        page.wait_for_selector("#setup-ok")
        assert page.locator(".bad").count() == 0

        # an upload whose name, cells and words are markup: shown as text, never run
        text = (
            "Reg,Name,Country,Wanted\n"
            f'R1,"{HOSTILE}",Chile,"{HOSTILE}; green-energy"\n'
            f'R2,Bo Example,"{HOSTILE}",general-ai\n'
        )
        page.goto(f"{base}/events/{EVENT}")
        page.set_input_files(
            "#upload-form input[type=file]",
            files=[{"name": f"{HOSTILE}.csv", "mimeType": "text/csv", "buffer": text.encode()}],
        )
        page.click("#upload-form button")
        page.wait_for_selector("#mapping-form")
        for ours, theirs in (("id", "Reg"), ("name", "Name"), ("country", "Country")):
            page.select_option(f"#map-{ours}", theirs)
        page.select_option("#map-interests", "Wanted")
        page.click("#mapping-form button")
        page.wait_for_selector("#confirm")  # their markup word, to map to a route
        assert HOSTILE in str(page.text_content("#values"))
        page.select_option("select[name=val-interests-0]", "-")
        page.click("#mapping-form button")
        page.wait_for_selector("#delegate-count")
        assert page.text_content("#delegate-count") == "2"  # imported: not marked synthetic
        assert HOSTILE in str(page.text_content("#edits"))  # the file's name, as text
        assert page.evaluate("window.__pwned") is None
        assert page.errors == [] and stray == []
