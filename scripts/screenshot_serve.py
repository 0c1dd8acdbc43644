"""Take the README's screenshot of ``findhz serve``: a version's review page in Chromium.

Usage: .venv/bin/python scripts/screenshot_serve.py docs/findhz-serve.png

Serves the app on a fresh data folder (a temporary one), plans the bundled default example
with a 2-second budget, opens the review page of version 1 in Debian's Chromium (map tiles
answered with a blank tile: no network) and writes a PNG of the top of the page, reduced to
a 256-colour palette so that it stays small.
"""

from __future__ import annotations

import base64
import io
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from PIL import Image
from playwright.sync_api import Route, sync_playwright

from findhz.web.app import create_app
from findhz.web.store import prepare_data_folder

BLANK_TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC"
)
EVENT = "example-findhz-2024"


def main(target: Path) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        data = prepare_data_folder(Path(scratch) / "data")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        server = uvicorn.Server(
            uvicorn.Config(create_app(data), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, follow_redirects=False, timeout=120) as client:
            client.get("/")
            token = client.cookies["findhz_csrf"]
            started = client.post(
                f"/events/{EVENT}/plan",
                data={"csrf": token, "time_limit": "2", "seed": "0", "who": "Coordinator"},
            )
            run = started.headers["location"].rsplit("/", 1)[1]
            while client.get(f"/runs/{run}.json").json()["status"] in ("queued", "running"):
                time.sleep(0.5)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1200, "height": 1000})

            def handle(route: Route) -> None:
                if route.request.url.startswith(base):
                    route.continue_()
                elif "tile" in route.request.url or "autonavi" in route.request.url:
                    route.fulfill(status=200, content_type="image/png", body=BLANK_TILE)
                else:
                    route.abort()

            page.route("**/*", handle)
            page.goto(f"{base}/events/{EVENT}/versions/1")
            page.frame_locator("#overview").locator(".leaflet-container").wait_for()
            page.wait_for_timeout(1500)
            png = page.screenshot(type="png")
            browser.close()
        server.should_exit = True
        thread.join(30)
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256)
    image.save(target, optimize=True)
    print(f"wrote {target} ({target.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
