"""Helpers of the web app tests: the app served on a free port, form posts with the CSRF token,
uploads, waiting for runs."""

from __future__ import annotations

import io
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from findhz.planner.bundled import bundled_routes
from findhz.web.app import create_app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(folder: Path, token_hash: str | None = None) -> Iterator[str]:
    """Run the app with uvicorn in a thread; yield its base URL; stop it at the end."""
    port = free_port()
    config = uvicorn.Config(
        create_app(folder, token_hash), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


#: Our headers, renamed the way a registration platform might export them.
RENAMED = {
    "id": "Registration No.",
    "name": "Full name 姓名",
    "country": "Nationality",
    "organisation": "Affiliation",
    "field": "Research field",
    "interests": "Routes wanted",
    "languages": "Languages spoken",
    "available": "Days free",
    "needs": "Access needs",
    "note": "Remarks",
}


def csrf(client: httpx.Client) -> str:
    token = client.cookies.get("findhz_csrf")
    assert token
    return str(token)


def post(client: httpx.Client, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
    return client.post(url, data={"csrf": csrf(client), **(data or {})}, **kw)


def renamed_xlsx() -> bytes:
    """The bundled delegates workbook with every header renamed."""
    import openpyxl

    source = bundled_routes() / "scenarios" / "findhz-2024-delegates.xlsx"
    book = openpyxl.load_workbook(source)
    sheet = book.worksheets[0]
    for cell in sheet[1]:
        if cell.value in RENAMED:
            cell.value = RENAMED[str(cell.value)]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def mapping_form() -> dict[str, str]:
    return {f"map-{ours}": theirs for ours, theirs in RENAMED.items() if ours != "note"}


def wait_run(client: httpx.Client, run_id: int, limit_s: float = 240) -> dict[str, Any]:
    """Poll a run until it ends (a safety limit, not a timing assertion)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        state: dict[str, Any] = client.get(f"/runs/{run_id}.json").json()
        if state["status"] not in ("queued", "running"):
            return state
        time.sleep(0.3)
    raise AssertionError(f"run {run_id} did not end")


def run_id_of(response: Any) -> int:
    match = re.search(r"/runs/(\d+)", str(response.headers["location"]))
    assert match, response.headers
    return int(match.group(1))


def movable(data_dir: Path, event_id: str, plan: dict[str, Any]) -> tuple[str, str, str]:
    """A placed delegate, and a route-day of the plan they chose and can come on, not theirs,
    with a free seat on one of its buses: (delegate, route, date), for a pin that moves them.

    With the scenario's pins, another route on their day (re-planning moves a delegate off
    their bus of the pinned day); without, another day (the pin changes their days)."""
    from findhz.web.events import HAS_PINS, load_event

    scenario = load_event(data_dir / "events" / event_id)

    def roomy(group: dict[str, Any]) -> bool:  # a seat free, and room at every venue
        riders = len(group["delegates"])
        venues = [scenario.venues[s["venue"]] for s in group["stops"][1:-1]]
        return riders < group["seats"] and all(v.max_group > riders for v in venues)

    running = {(g["route"], g["date"]) for g in plan["groups"] if roomy(g)}
    candidates = []
    for group in plan["groups"]:
        for did in group["delegates"]:
            delegate = next(d for d in scenario.delegates if d.id == did)
            days = {d.isoformat() for d in scenario.delegate_dates(delegate)}
            for route, date in sorted(running):
                if (
                    (date == group["date"] and route != group["route"])
                    if HAS_PINS
                    else date != group["date"]
                ) and (route in delegate.interests and date in days and not delegate.step_free):
                    # plainest first: a route that runs on no other day the delegate can come
                    others = {g["date"] for g in plan["groups"] if g["route"] == route} & days
                    candidates.append((len(others), did, route, date))
    if not candidates:
        raise AssertionError("no delegate of the plan can be moved to another route-day")
    _, did, route, date = min(candidates)
    return did, route, date
