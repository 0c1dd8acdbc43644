"""The published site: shared assets written once and linked, absolute QR codes, the folder
working from the file system and from a static web server; the QR sheet per bus, which lists
riders' names, stays in the coordinators' folder."""

from __future__ import annotations

import base64
import functools
import http.server
import io
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from findhz.maps import render_site
from findhz.planner.models import Plan, Scenario
from findhz.planner.naming import delegate_page_name

BLANK_TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC"
)
TILE_HOSTS = re.compile(r"^https://(webrd0[1-4]\.is\.autonavi\.com|tile\.openstreetmap\.org)/")

BASE_URL = "https://visits.example.org/findhz/"
SECRET = "a test secret, not for publishing"


def _page(delegate_id: str) -> str:
    return delegate_page_name(delegate_id, SECRET)


@pytest.fixture(scope="module")
def published(
    tmp_path_factory: pytest.TempPathFactory, sample_plan: Plan, sample_scenario: Scenario
) -> Path:
    out = tmp_path_factory.mktemp("published")
    render_site(
        sample_plan, sample_scenario, out, base_url=BASE_URL, publish=True, page_secret=SECRET
    )
    return out


def _pages(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))


def test_assets_are_written_once_and_linked(published: Path) -> None:
    assets = sorted(p.name for p in (published / "assets").iterdir())
    assert assets == [
        "delegate.css",
        "host.css",
        "leaflet-1.9.3.css",
        "leaflet-1.9.3.js",
        "maps.css",
        "maps.js",
        "site.css",
    ]
    leaflet = (published / "assets" / "leaflet-1.9.3.js").read_text(encoding="utf-8")
    marker = leaflet[1000:1100]  # a piece of Leaflet's code, found only in the shared file
    for page in _pages(published):
        html = page.read_text(encoding="utf-8")
        assert marker not in html, page
        root = "../" * (len(page.relative_to(published).parts) - 1)
        for link in re.findall(r'(?:src|href)="([^"#:]+\.(?:js|css))"', html):
            assert link.startswith(f"{root}assets/"), (page, link)
            assert (page.parent / link).resolve().is_file(), (page, link)
        if "L.map(" in html:
            assert f'src="{root}assets/leaflet-1.9.3.js"' in html, page


def test_the_coordinators_index_is_left_out(published: Path) -> None:
    assert not (published / "index.html").exists()
    assert not any("index.html" in p.read_text(encoding="utf-8") for p in _pages(published))


def test_published_delegate_pages_are_not_named_by_id(
    published: Path, sample_plan: Plan, sample_scenario: Scenario, tmp_path: Path
) -> None:
    ids = sorted(d.id for d in sample_scenario.delegates)
    names = sorted(p.stem for p in (published / "delegates").glob("*.html"))
    assert names == sorted(_page(i) for i in ids)
    assert not set(names) & set(ids)
    assert all(re.fullmatch(r"[0-9a-f]{24}", name) for name in names)
    # another secret, other names: the names come from the key, not from the ids alone
    render_site(
        sample_plan, sample_scenario, tmp_path, base_url=BASE_URL, publish=True, page_secret="k2"
    )
    others = {p.stem for p in (tmp_path / "delegates").glob("*.html")}
    assert len(others) == len(ids) and not others & set(names)
    for page in _pages(published):  # no page carries another page's id-named address
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"delegates/D\d+\.html|\bD\d{3}\.ics", html), page


def test_publishing_without_a_page_secret_is_refused(
    sample_plan: Plan, sample_scenario: Scenario, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="page secret"):
        render_site(sample_plan, sample_scenario, tmp_path, base_url=BASE_URL, publish=True)
    assert not any(tmp_path.iterdir())


@pytest.fixture(scope="module")
def coordinators(
    tmp_path_factory: pytest.TempPathFactory, sample_plan: Plan, sample_scenario: Scenario
) -> Path:
    """The coordinators' folder of the same plan, with the same base URL and secret."""
    out = tmp_path_factory.mktemp("coordinators")
    render_site(sample_plan, sample_scenario, out, base_url=BASE_URL, page_secret=SECRET)
    return out


def test_no_sheet_or_map_of_the_site_lists_riders(
    published: Path, sample_scenario: Scenario
) -> None:
    assert not (published / "qr").exists() and not (published / "sheets").exists()
    names = [d.name for d in sample_scenario.delegates]
    for page in _pages(published / "maps"):
        html = page.read_text(encoding="utf-8")
        assert not [n for n in names if n in html], page


def test_one_qr_sheet_per_bus_with_every_rider(coordinators: Path, sample_plan: Plan) -> None:
    for group in sample_plan.groups:
        html = (coordinators / "sheets" / f"{group.id}-qr.html").read_text(encoding="utf-8")
        assert html.count("<svg") == len(group.delegates)
        for delegate_id in group.delegates:
            assert f"<title>{BASE_URL}delegates/{_page(delegate_id)}.html</title>" in html


def test_the_published_site_is_much_smaller(
    published: Path, sample_plan: Plan, sample_scenario: Scenario, tmp_path: Path
) -> None:
    render_site(sample_plan, sample_scenario, tmp_path, base_url=BASE_URL)
    inlined = sum(p.stat().st_size for p in _pages(tmp_path))
    linked = sum(p.stat().st_size for p in published.rglob("*") if p.is_file())
    assert linked * 2 < inlined


def _decode(png: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


@pytest.mark.browser
def test_qr_codes_decode_to_the_absolute_address(
    published: Path, coordinators: Path, sample_plan: Plan, page: object
) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    group = sample_plan.groups[0]
    page.goto((coordinators / "sheets" / f"{group.id}-qr.html").as_uri())
    cards = page.locator(".qr-card .qr svg")
    found = [_decode(cards.nth(i).screenshot()) for i in range(cards.count())]
    expected = [[f"{BASE_URL}delegates/{_page(d)}.html"] for d in sorted(group.delegates)]
    assert found == expected
    delegate = sorted(group.delegates)[0]
    page.goto((published / "delegates" / f"{_page(delegate)}.html").as_uri())
    assert _decode(page.locator(".qr svg").first.screenshot()) == [
        f"{BASE_URL}delegates/{_page(delegate)}.html"
    ]


@pytest.mark.browser
def test_a_published_map_works_from_the_file_system(published: Path, page: object) -> None:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.goto((published / "maps" / "overview.html").as_uri())
    page.wait_for_selector(".leaflet-marker-icon")
    assert page.evaluate("typeof L") == "object"
    assert page.errors == []  # type: ignore[attr-defined]


@pytest.fixture
def server(published: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(published))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.browser
@pytest.mark.network
def test_the_site_opens_from_a_static_server_with_only_tiles_leaving_it(
    published: Path, sample_scenario: Scenario, browser: object, server: str
) -> None:
    from playwright.sync_api import Browser, Route

    assert isinstance(browser, Browser)
    local, tiles, stray = [], [], []

    def handle(route: Route) -> None:
        url = route.request.url
        if url.startswith(server) or url.startswith("data:"):
            local.append(url)
            route.continue_()
        elif TILE_HOSTS.match(url):
            tiles.append(url)
            route.fulfill(status=200, content_type="image/png", body=BLANK_TILE)
        else:
            stray.append(url)
            route.abort()

    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.route("**/*", handle)
    context.set_default_timeout(5000)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        delegate = sorted(d.id for d in sample_scenario.delegates)[0]
        for path in ("maps/overview.html", f"delegates/{_page(delegate)}.html"):
            response = page.goto(server + path)
            assert response is not None and response.ok
            page.wait_for_selector(".leaflet-tile-loaded")
        assert errors == []
        assert stray == []
        assert tiles
        assert any(url.endswith("assets/leaflet-1.9.3.js") for url in local)
    finally:
        context.close()
