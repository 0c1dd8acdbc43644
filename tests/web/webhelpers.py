"""Helpers of the web app tests: form posts with the CSRF token, uploads, waiting for runs."""

from __future__ import annotations

import io
import re
import time
from typing import Any

import httpx

from planner.bundled import bundled_routes

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
