"""The coordinators' web app: events, import, plan in a worker, review, adjust, publish.

Built on the same library as the ``findhz`` command (``planner`` and ``maps``); nothing here
plans on its own. Every form carries a CSRF token (double-submit cookie); with a token set
(any host other than loopback), every request needs the token's cookie.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import multiprocessing
import os
import secrets
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from findhz.planner.errors import InputError, Problem
from findhz.planner.metrics import ChangeRecord
from findhz.planner.models import Plan, rides
from findhz.web import events as ev
from findhz.web.store import Store, now, safe_id
from findhz.web.summary import VersionSummary
from findhz.web.worker import SCENARIO_COPY, run_plan, version_folder

__all__ = ["TOKEN_SETTING", "create_app", "hash_token"]

CSRF_COOKIE = "findhz_csrf"
TOKEN_COOKIE = "findhz_token"
TOKEN_SETTING = "token_sha256"
WHO_COOKIE = "findhz_who"
EXAMPLES = ("findhz-2024", "conference-300")
MAX_FORM_BYTES = ev.MAX_UPLOAD_BYTES + 64 * 1024
#: A published version's folder: ``site/`` to upload, and a re-plan's notices.
PUBLISHED = "published"

_env = Environment(loader=PackageLoader("findhz.web", "templates"), autoescape=True)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("csrf", request.state.csrf)
    context.setdefault("who", _who(request))
    return HTMLResponse(_env.get_template(name).render(**context), status_code=status)


def _who(request: Request) -> str:
    name = request.cookies.get(WHO_COOKIE, "").strip()
    return " ".join(name.split())[:60] or "coordinator"


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def _form(request: Request) -> FormData:
    """The posted form, after its CSRF token and size were checked."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_FORM_BYTES:
        raise HTTPException(413, "the upload is too large (at most 5 MiB)")
    form = await request.form(max_files=1, max_fields=2000)
    sent = form.get("csrf")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not isinstance(sent, str) or not cookie or not secrets.compare_digest(sent, cookie):
        await form.close()
        raise HTTPException(403, "the form's security token is missing or stale; reload the page")
    return form


def _text(form: FormData, key: str, limit: int = 200) -> str:
    value = form.get(key)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _event(request: Request) -> Any:
    event_id = str(request.path_params["event_id"])
    row = _store(request).row("SELECT * FROM events WHERE id = ?", event_id)
    if row is None:
        raise HTTPException(404, "no such event")
    return row


def _version(request: Request, event_id: str, number: int) -> Any:
    row = _store(request).row(
        "SELECT * FROM versions WHERE event_id = ? AND number = ?", event_id, number
    )
    if row is None:
        raise HTTPException(404, "no such version")
    return row


def _published(request: Request, event_id: str) -> Any:
    """The event's most recently published version, or None."""
    return _store(request).row(
        "SELECT * FROM versions WHERE event_id = ? AND published_at IS NOT NULL "
        "ORDER BY published_at DESC, number DESC LIMIT 1",
        event_id,
    )


def _read_plan(folder: Path) -> Plan:
    return Plan.model_validate_json((folder / "plan.json").read_bytes())


# ---------------------------------------------------------------------------------------------
# Pages


async def home(request: Request) -> Response:
    store = _store(request)
    rows = store.rows(
        "SELECT e.*, (SELECT COUNT(*) FROM versions v WHERE v.event_id = e.id) AS versions "
        "FROM events e ORDER BY created_at, id"
    )
    return _render(request, "home.html", events=rows, examples=EXAMPLES)


async def create_event(request: Request) -> Response:
    form = await _form(request)
    name = _text(form, "name", 120) or "New event"
    example = _text(form, "example")
    if example not in EXAMPLES:
        raise HTTPException(400, "choose one of the bundled examples")
    store = _store(request)
    base = safe_id(name)
    with store.transaction() as con:
        taken = {r[0] for r in con.execute("SELECT id FROM events")}
        event_id, n = base, 2
        while event_id in taken:
            event_id, n = f"{base}-{n}", n + 1
        con.execute(
            "INSERT INTO events (id, name, example, created_at, created_by) VALUES (?,?,?,?,?)",
            (event_id, name, example, now(), _who(request)),
        )
    ev.copy_example(example, store.event_dir(event_id), event_id, name)
    return RedirectResponse(f"/events/{event_id}", status_code=303)


async def event_page(request: Request) -> Response:
    event = _event(request)
    return _render_event(request, event)


def _render_event(request: Request, event: Any, status: int = 200, **extra: Any) -> HTMLResponse:
    store = _store(request)
    event_dir = store.event_dir(event["id"])
    problems: list[Problem] = []
    scenario = None
    try:
        scenario = ev.load_event(event_dir)
    except InputError as error:
        problems = list(error.problems)
    runs = store.rows(
        "SELECT * FROM runs WHERE event_id = ? ORDER BY id DESC LIMIT 10", event["id"]
    )
    versions = store.rows(
        "SELECT * FROM versions WHERE event_id = ? ORDER BY number DESC", event["id"]
    )
    edits = store.rows(
        "SELECT * FROM edits WHERE event_id = ? ORDER BY id DESC LIMIT 20", event["id"]
    )
    published = _published(request, event["id"])
    published_groups: list[Any] = []
    if published is not None:
        folder = version_folder(store, event["id"], int(published["run_id"]))
        published_groups = list(_read_plan(folder).groups)
    return _render(
        request,
        "event.html",
        status=status,
        event=event,
        scenario=scenario,
        problems=problems,
        runs=runs,
        versions=[(v, VersionSummary.model_validate_json(v["summary"])) for v in versions],
        edits=edits,
        published=published,
        published_groups=published_groups,
        has_pins=ev.HAS_PINS,
        **extra,
    )


async def upload(request: Request) -> Response:
    event = _event(request)
    form = await _form(request)
    file = form.get("file")
    try:
        if not isinstance(file, UploadFile) or not file.filename:
            return _render_event(request, event, 400, upload_error="choose a file to upload")
        data = await file.read(ev.MAX_UPLOAD_BYTES + 1)
        shown = file.filename[-120:]
    finally:
        await form.close()
    try:
        table = ev.read_table(data, shown)
    except ev.UploadRefused as refused:
        return _render_event(request, event, 400, upload_error=f"{shown}: {refused}")
    store = _store(request)
    suffix = ".xlsx" if table.unit == "row" else ".csv"
    uploads = store.event_dir(event["id"]) / "uploads"
    uploads.mkdir(exist_ok=True)
    with store.transaction() as con:
        cursor = con.execute(
            "INSERT INTO files (event_id, kind, original_name, stored_name, rows, uploaded_at, "
            "uploaded_by) VALUES (?, 'delegates', ?, '', ?, ?, ?)",
            (event["id"], shown, len(table.rows), now(), _who(request)),
        )
        file_id = int(cursor.lastrowid or 0)
        stored = f"{file_id}{suffix}"
        con.execute("UPDATE files SET stored_name = ? WHERE id = ?", (stored, file_id))
    (uploads / stored).write_bytes(data)
    return RedirectResponse(f"/events/{event['id']}/import/{file_id}", status_code=303)


def _upload(request: Request, event_id: str) -> tuple[Any, ev.Table]:
    """An upload of the event, read again, with the cells corrected in the page."""
    store = _store(request)
    row = store.row(
        "SELECT * FROM files WHERE id = ? AND event_id = ?",
        int(request.path_params["file_id"]),
        event_id,
    )
    if row is None:
        raise HTTPException(404, "no such upload")
    data = (store.event_dir(event_id) / "uploads" / str(row["stored_name"])).read_bytes()
    table = ev.read_table(data, str(row["stored_name"]))
    return row, ev.cell_fixes(table, json.loads(row["fixes"]))


def _remembered_values(request: Request, event_id: str) -> dict[str, dict[str, str]]:
    remembered: dict[str, dict[str, str]] = {c: {} for c in ev.VALUE_COLUMNS}
    for r in _store(request).rows(
        "SELECT column_name, theirs, ours FROM value_mappings WHERE event_id = ?", event_id
    ):
        remembered.setdefault(str(r["column_name"]), {})[str(r["theirs"])] = str(r["ours"])
    return remembered


def _value_rows(
    request: Request,
    event_id: str,
    table: ev.Table,
    mapping: dict[str, str],
    chosen: dict[str, dict[str, str]],
) -> dict[str, list[tuple[str, str, bool]]]:
    """Per list column, each word of theirs that is not one of ours: the word, our value
    (chosen in the form, else remembered for the event, else suggested), and whether the
    coordinator already confirmed it."""
    _, routes = ev.catalogue(_store(request).event_dir(event_id))
    remembered = _remembered_values(request, event_id)
    rows: dict[str, list[tuple[str, str, bool]]] = {}
    for column in ev.VALUE_COLUMNS:
        header = mapping.get(column)
        if not header:
            continue
        choices = ev.value_choices(column, routes)
        words = [w for w in ev.value_words(table, header) if w not in choices]
        rows[column] = [
            (w, chosen[column][w], True)
            if w in chosen.get(column, {})
            else (w, remembered[column][w], True)
            if w in remembered.get(column, {})
            else (w, ev.suggest_value(w, choices), False)
            for w in words
        ]
    return rows


async def import_form(request: Request) -> Response:
    event = _event(request)
    row, table = _upload(request, event["id"])
    remembered = _store(request).row("SELECT mapping FROM mappings WHERE event_id = ?", event["id"])
    mapping = ev.guess_mapping(table.header, json.loads(remembered[0]) if remembered else None)
    return _import_page(request, event, row, table, mapping, problems=[])


def _import_page(
    request: Request,
    event: Any,
    upload: Any,
    table: Any,
    mapping: dict[str, str],
    *,
    problems: list[Any],
    values: dict[str, dict[str, str]] | None = None,
    status: int = 200,
    confirm: bool = False,
) -> Response:
    """The column-mapping form of an upload, their free-text values with ours, and the
    problems of the last attempt, each with its cell to correct in the page."""
    _, routes = ev.catalogue(_store(request).event_dir(event["id"]))
    cells = []
    for problem in problems:
        at = ev.problem_cell(problem, table, mapping)
        value = ""
        if at is not None:
            cells_of: list[str] = next((c for n, c in table.rows if n == at[0]), [])
            value = cells_of[at[1]] if at[1] < len(cells_of) else ""
        cells.append((problem, at, value))
    return _render(
        request,
        "import.html",
        status=status,
        event=event,
        upload=upload,
        table=table,
        mapping=mapping,
        columns=ev.COLUMNS,
        required=ev.COLUMNS[:4],
        problems=cells,
        value_rows=_value_rows(request, event["id"], table, mapping, values or {}),
        options={
            "interests": sorted(routes),
            "needs": list(ev.NEED_WORDS),
        },
        confirm=confirm,
    )


def _posted_values(form: FormData) -> dict[str, dict[str, str]]:
    """The value mappings of the form: ``valword-<column>-<n>`` (their word) and
    ``val-<column>-<n>`` (ours, "-" to leave it out, "" to keep it as written)."""
    values: dict[str, dict[str, str]] = {c: {} for c in ev.VALUE_COLUMNS}
    for column in ev.VALUE_COLUMNS:
        for n in range(300):
            word = _text(form, f"valword-{column}-{n}", 500)
            if not word:
                continue
            values[column][word] = _text(form, f"val-{column}-{n}", 200)
    return values


async def import_apply(request: Request) -> Response:
    event = _event(request)
    form = await _form(request)
    store = _store(request)
    file_row, table = _upload(request, event["id"])
    # cells corrected in the page are kept with the upload (the file itself stays as sent)
    fixes = json.loads(file_row["fixes"])
    for key in form:
        parts = key.split("-")
        if len(parts) == 3 and parts[0] == "fix" and parts[1].isdigit() and parts[2].isdigit():
            fixes[f"{int(parts[1])}:{int(parts[2])}"] = _text(form, key, 2000)
    if fixes != json.loads(file_row["fixes"]):
        with store.transaction() as con:
            con.execute(
                "UPDATE files SET fixes = ? WHERE id = ?",
                (json.dumps(fixes, ensure_ascii=False), file_row["id"]),
            )
        file_row, table = _upload(request, event["id"])
    chosen = {c: _text(form, f"map-{c}", 500) for c in ev.COLUMNS}
    mapping = {c: h for c, h in chosen.items() if h and h in table.header}
    with store.transaction() as con:
        con.execute(
            "INSERT INTO mappings (event_id, mapping) VALUES (?, ?) "
            "ON CONFLICT(event_id) DO UPDATE SET mapping = excluded.mapping",
            (event["id"], json.dumps(mapping, ensure_ascii=False)),
        )
    posted = _posted_values(form)
    rows = _value_rows(request, event["id"], table, mapping, posted)
    if any(not confirmed for column in rows.values() for _w, _o, confirmed in column):
        # their words for routes or needs: the coordinator confirms our suggestions first
        return _import_page(
            request, event, file_row, table, mapping, problems=[], values=posted, confirm=True
        )
    values = {c: {w: ours for w, ours, _ in rows.get(c, [])} for c in ev.VALUE_COLUMNS}
    with store.transaction() as con:
        for column, words in posted.items():
            for word, ours in words.items():
                con.execute(
                    "INSERT INTO value_mappings (event_id, column_name, theirs, ours) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT(event_id, column_name, theirs) "
                    "DO UPDATE SET ours = excluded.ours",
                    (event["id"], column, word, ours),
                )
    count, problems = await run_in_threadpool(
        ev.apply_mapping,
        store.event_dir(event["id"]),
        table,
        mapping,
        str(file_row["original_name"]),
        {c: {w: o for w, o in v.items() if o} for c, v in values.items()},
    )
    if problems:
        return _import_page(
            request, event, file_row, table, mapping, problems=problems, values=posted, status=422
        )
    store.record_edit(
        event["id"],
        "import",
        {"file": file_row["original_name"], "delegates": count, "cells_corrected": len(fixes)},
        _who(request),
    )
    return RedirectResponse(f"/events/{event['id']}?imported={count}", status_code=303)


async def adjust(request: Request) -> Response:
    event = _event(request)
    form = await _form(request)
    action = str(request.path_params["action"])
    event_dir = _store(request).event_dir(event["id"])
    detail: dict[str, str] | ev.PinEdit | ev.CloseEdit
    if action == "lock":
        detail = {"group": _text(form, "group")}
        problems = ev.lock_group(event_dir, detail["group"])
    elif action == "unpin":
        detail = {"pin": _text(form, "pin")}
        number = int(detail["pin"]) if detail["pin"].isdigit() else 0
        problems = ev.unpin(event_dir, number - 1)
    else:
        try:
            date = dt.date.fromisoformat(_text(form, "date"))
        except ValueError:
            return _render_event(request, event, 400, adjust_error="give a date as YYYY-MM-DD")
        if action == "pin":
            delegate, route = _text(form, "delegate"), _text(form, "route")
            pin = ev.PinEdit(delegate=delegate, route=route, date=date)
            problems = ev.pin_delegate(event_dir, pin.delegate, pin.route, date)
            detail = pin
        elif action == "close":
            closing = ev.CloseEdit(venue=_text(form, "venue"), date=date)
            problems = ev.close_venue(event_dir, closing.venue, date)
            detail = closing
        else:
            raise HTTPException(404, "no such adjustment")
    if problems:
        return _render_event(
            request, event, 422, adjust_error="; ".join(str(p) for p in problems[:5])
        )
    _store(request).record_edit(event["id"], action, detail, _who(request))
    return RedirectResponse(f"/events/{event['id']}#adjust", status_code=303)


# ---------------------------------------------------------------------------------------------
# Set-up


def _form_lists(form: FormData) -> ev.Form:
    return {
        key: [v[:500] for v in form.getlist(key) if isinstance(v, str)]
        for key in list(form.keys())[:400]
        if key != "csrf"
    }


def _setup_page(
    request: Request,
    event: Any,
    values: ev.Form,
    problems: list[Problem],
    status: int = 200,
    saved: bool = False,
) -> Response:
    venues, routes = ev.catalogue(_store(request).event_dir(event["id"]))
    count = {
        prefix: max(
            [int(k.rsplit("-", 1)[1]) + 1 for k in values if k.startswith(prefix + "-")] or [0]
        )
        for prefix in ("fleet-id", "ov-venue")
    }
    return _render(
        request,
        "setup.html",
        status=status,
        event=event,
        v={k: vs[0] if vs else "" for k, vs in values.items()},
        chosen=values.get("route"),
        venues=sorted(venues.values(), key=lambda x: x.id),
        routes=list(routes.values()),
        fleet_rows=range(count["fleet-id"] + 2),
        ov_rows=range(count["ov-venue"] + 3),
        problems=[(p, ev.setup_field(p)) for p in problems],
        saved=saved,
    )


async def setup_page(request: Request) -> Response:
    event = _event(request)
    values = ev.setup_form(_store(request).event_dir(event["id"]))
    return _setup_page(request, event, values, [], saved="saved" in request.query_params)


async def _setup_checked(
    request: Request, keep: bool
) -> tuple[Any, ev.Form, dict[str, Any], list[Problem]]:
    event = _event(request)
    form = await _form(request)
    values = _form_lists(form)
    event_dir = _store(request).event_dir(event["id"])
    _, routes = ev.catalogue(event_dir)
    change = ev.setup_change(list(routes), values)
    problems = await run_in_threadpool(ev.check_setup, event_dir, change, keep=keep)
    return event, values, change, problems


async def setup_check(request: Request) -> Response:
    """Validation as the coordinator types: the loader's problems of the form, as JSON."""
    _, _, _, problems = await _setup_checked(request, keep=False)
    return JSONResponse(
        {
            "problems": [
                {
                    "text": f"{p.field}: {p.message}" if p.field else p.message,
                    "input": ev.setup_field(p),
                }
                for p in problems[:50]
            ]
        },
        headers={"Cache-Control": "no-store"},
    )


async def setup_save(request: Request) -> Response:
    event, values, change, problems = await _setup_checked(request, keep=True)
    if problems:
        return _setup_page(request, event, values, problems, status=422)
    # the whole set-up as saved, so the history says what each edit set
    _store(request).record_edit(event["id"], "setup", change, _who(request))
    return RedirectResponse(f"/events/{event['id']}/setup?saved=1", status_code=303)


async def setup_map(request: Request) -> Response:
    from findhz.web.catalogue_map import catalogue_map

    event = _event(request)
    try:
        scenario = ev.load_event(_store(request).event_dir(event["id"]))
    except InputError:
        raise HTTPException(
            409, "the map needs an event that loads; fix the set-up first"
        ) from None
    return HTMLResponse(await run_in_threadpool(catalogue_map, scenario))


# ---------------------------------------------------------------------------------------------
# Runs


def _spawn(request: Request, run_id: int) -> None:
    context = multiprocessing.get_context("spawn")
    process = context.Process(
        target=run_plan,
        args=(str(_store(request).folder), run_id, os.getpid()),
        name=f"findhz-plan-{run_id}",
    )
    process.start()
    request.app.state.workers[run_id] = process


def _reap(request: Request) -> None:
    """Close the runs whose worker ended without closing them (a crash)."""
    workers: dict[int, Any] = request.app.state.workers
    for run_id, process in list(workers.items()):
        if process.is_alive():
            continue
        process.join(0)
        del workers[run_id]
        _store(request).finish_run(
            run_id, "failed", f"the planning process stopped (exit code {process.exitcode})"
        )


async def start_plan(request: Request) -> Response:
    event = _event(request)
    form = await _form(request)
    try:
        seed = int(_text(form, "seed") or 0)
        time_limit = float(_text(form, "time_limit") or 6)
    except ValueError:
        return _render_event(request, event, 400, plan_error="seed and time limit are numbers")
    if not (0 <= seed <= 2**31 - 1 and 1 <= time_limit <= 600):
        return _render_event(
            request, event, 400, plan_error="seed 0 to 2147483647, time limit 1 to 600 s"
        )
    who = _text(form, "who", 60) or _who(request)
    _reap(request)
    published = None if _text(form, "fresh") else _published(request, event["id"])
    run_id = _store(request).start_run(
        event["id"], seed, time_limit, who, None if published is None else published["number"]
    )
    if run_id is None:
        return _render_event(
            request, event, 409, plan_error="a plan of this event is already running"
        )
    _spawn(request, run_id)
    response = RedirectResponse(f"/runs/{run_id}", status_code=303)
    response.set_cookie(WHO_COOKIE, who, httponly=True, samesite="strict")
    return response


def _run(request: Request) -> Any:
    row = _store(request).row("SELECT * FROM runs WHERE id = ?", int(request.path_params["run_id"]))
    if row is None:
        raise HTTPException(404, "no such run")
    return row


class RunState(BaseModel):
    """A run as its page shows it and ``/runs/<id>.json`` answers (the page's script polls it)."""

    model_config = ConfigDict(frozen=True)

    id: int
    event: str
    status: str
    message: str
    progress: float
    #: The version the run made, once it is done.
    version: int | None


def _run_state(request: Request, run: Any) -> RunState:
    version = _store(request).row("SELECT number FROM versions WHERE run_id = ?", run["id"])
    return RunState(
        id=run["id"],
        event=run["event_id"],
        status=run["status"],
        message=run["message"],
        progress=run["progress"],
        version=None if version is None else version[0],
    )


async def run_page(request: Request) -> Response:
    _reap(request)
    run = _run(request)
    return _render(request, "run.html", run=run, state=_run_state(request, run))


async def run_status(request: Request) -> Response:
    _reap(request)
    state = _run_state(request, _run(request))
    return JSONResponse(state.model_dump(), headers={"Cache-Control": "no-store"})


async def cancel_run(request: Request) -> Response:
    await _form(request)
    run = _run(request)
    if _store(request).finish_run(run["id"], "cancelled", "cancelled by " + _who(request)):
        process = request.app.state.workers.pop(run["id"], None)
        if process is not None:
            process.terminate()
            process.join(10)
    return RedirectResponse(f"/runs/{run['id']}", status_code=303)


# ---------------------------------------------------------------------------------------------
# Review and publish


async def version_page(request: Request) -> Response:
    from findhz.planner.assign import cost_metrics
    from findhz.web.charts import bus_timelines, venue_gantt

    event = _event(request)
    version = _version(request, event["id"], int(request.path_params["number"]))
    store = _store(request)
    folder = version_folder(store, event["id"], int(version["run_id"]))
    plan = _read_plan(folder)
    try:
        scenario = ev.load_event(store.event_dir(event["id"]))
    except InputError:
        scenario = None
    dates = sorted({g.date for g in plan.groups})
    charts: list[tuple[dt.date, Markup, Markup]] = []
    if scenario is not None:
        charts = [
            (d, venue_gantt(plan, scenario, d), bus_timelines(plan, scenario, d)) for d in dates
        ]
    others = store.rows(
        "SELECT number FROM versions WHERE event_id = ? AND number != ? ORDER BY number",
        event["id"],
        version["number"],
    )
    costs = cost_metrics(scenario, plan.groups) if scenario is not None else None
    changes = None
    if (folder / "changes.json").is_file():
        changes = ChangeRecord.model_validate_json((folder / "changes.json").read_bytes())
    return _render(
        request,
        "version.html",
        event=event,
        version=version,
        plan=plan,
        costs=costs,
        changes=changes,
        published_zip=(folder / PUBLISHED).is_dir(),
        summary=VersionSummary.model_validate_json(version["summary"]),
        charts=charts,
        others=others,
        metrics=plan.metrics,
    )


def _placements(plan: Plan) -> dict[str, tuple[str, str, str]]:
    # A delegate on several days is compared by their last group, as before.
    return {
        d: (g[-1].date.isoformat(), g[-1].route, g[-1].bus) for d, g in rides(plan.groups).items()
    }


async def compare(request: Request) -> Response:
    event = _event(request)
    store = _store(request)
    try:
        a, b = int(request.query_params["a"]), int(request.query_params["b"])
    except (KeyError, ValueError):
        raise HTTPException(400, "choose two versions") from None
    versions = [_version(request, event["id"], n) for n in (a, b)]
    plans = [_read_plan(version_folder(store, event["id"], int(v["run_id"]))) for v in versions]
    first, second = (_placements(p) for p in plans)
    moved = sorted(
        (d, first.get(d), second.get(d))
        for d in set(first) | set(second)
        if first.get(d) != second.get(d)
    )
    return _render(
        request,
        "compare.html",
        event=event,
        versions=versions,
        summaries=[VersionSummary.model_validate_json(v["summary"]) for v in versions],
        moved=moved,
    )


def _site_file(request: Request) -> Path:
    event = _event(request)
    version = _version(request, event["id"], int(request.path_params["number"]))
    folder = version_folder(_store(request), event["id"], int(version["run_id"])).resolve()
    wanted = str(request.path_params.get("path") or "index.html")
    if "\x00" in wanted or wanted.startswith(("/", "\\")) or ".." in Path(wanted).parts:
        raise HTTPException(404, "no such file")
    target = (folder / wanted).resolve()
    if not target.is_relative_to(folder) or not target.is_file():
        raise HTTPException(404, "no such file")
    return target


async def site_file(request: Request) -> Response:
    return FileResponse(_site_file(request))


def _base_url(text: str) -> str | None:
    """An absolute http(s) address of a web folder (as ``findhz publish --base-url``)."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        return None
    return text if text.endswith("/") else text + "/"


def _page_secret(event_dir: Path) -> str:
    """The secret naming the event's published delegate pages: one per event, kept, so that a
    re-planned version keeps every published address."""
    from findhz.planner.naming import new_page_secret

    path = event_dir / "page-secret.txt"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    secret = new_page_secret()
    partial = path.with_name(".page-secret.txt.part")
    partial.write_text(secret + "\n", encoding="utf-8")
    os.replace(partial, path)
    return secret


def _write_published(event_dir: Path, folder: Path, base_url: str) -> None:
    """The site to upload (``findhz publish``): delegate and host pages, maps, shared assets;
    beside it the QR sheets to print (they list riders' names, so they are not part of the
    site) and a re-plan's change report and notices."""
    import shutil

    from findhz.maps import render_qr_sheets, render_site
    from findhz.planner.exports.atomic import atomic_output_dir
    from findhz.planner.loading import load_scenario
    from findhz.planner.verify import verify_plan

    plan = _read_plan(folder)
    scenario = load_scenario(folder / SCENARIO_COPY / "scenario.yaml")
    violations = verify_plan(plan, scenario)
    if violations:
        raise HTTPException(409, f"the version breaks a constraint: {violations[0]}")
    secret = _page_secret(event_dir)
    with atomic_output_dir(folder / PUBLISHED) as work:
        render_site(
            plan, scenario, work / "site", base_url=base_url, publish=True, page_secret=secret
        )
        render_qr_sheets(plan, scenario, work / "qr-sheets", base_url=base_url, page_secret=secret)
        if (folder / "changes.json").is_file():
            shutil.copyfile(folder / "changes.json", work / "changes.json")
        if (folder / "notices").is_dir():
            shutil.copytree(folder / "notices", work / "notices")


async def publish(request: Request) -> Response:
    event = _event(request)
    form = await _form(request)
    version = _version(request, event["id"], int(request.path_params["number"]))
    base_url = _base_url(_text(form, "base_url", 300))
    if base_url is None:
        raise HTTPException(
            400,
            "give the address the site will have: an absolute http(s) URL without ? or #, "
            "e.g. https://visits.example.org/findhz/",
        )
    store = _store(request)
    folder = version_folder(store, event["id"], int(version["run_id"]))
    if not (folder / SCENARIO_COPY).is_dir():
        raise HTTPException(409, "this version was made by an older findhz; plan again")
    await run_in_threadpool(_write_published, store.event_dir(event["id"]), folder, base_url)
    with store.transaction() as con:
        con.execute(
            "UPDATE versions SET published_at = ?, published_by = ?, base_url = ? WHERE id = ?",
            (now(), _who(request), base_url, version["id"]),
        )
    return RedirectResponse(f"/events/{event['id']}/versions/{version['number']}", status_code=303)


async def site_zip(request: Request) -> Response:
    """The published site as a zip: ``site/`` (what to upload at the base URL), ``qr-sheets/``
    (to print for the guides), and, for a re-plan, ``changes.json`` and ``notices/`` (what to
    send to whom)."""
    event = _event(request)
    version = _version(request, event["id"], int(request.path_params["number"]))
    folder = version_folder(_store(request), event["id"], int(version["run_id"])) / PUBLISHED
    if not folder.is_dir():
        raise HTTPException(409, "publish the version first (with the address of the site)")
    buffer = io.BytesIO()
    prefix = f"{event['id']}-v{version['number']}"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                info = zipfile.ZipInfo(f"{prefix}/{path.relative_to(folder).as_posix()}")
                info.date_time = (2000, 1, 1, 0, 0, 0)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{prefix}.zip"'},
    )


# ---------------------------------------------------------------------------------------------
# Access


async def login(request: Request) -> Response:
    if request.method == "GET":
        return _render(request, "login.html", error="")
    form = await _form(request)
    token = _text(form, "token", 200)
    expected = request.app.state.token_hash
    if not expected or not secrets.compare_digest(hash_token(token), expected):
        return _render(request, "login.html", status=403, error="that is not the token")
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
    return response


async def who(request: Request) -> Response:
    form = await _form(request)
    response = RedirectResponse(
        _text(form, "back", 300)
        if _text(form, "back", 300).startswith("/")
        and not _text(form, "back", 300).startswith("//")
        else "/",
        status_code=303,
    )
    response.set_cookie(WHO_COOKIE, _text(form, "who", 60), httponly=True, samesite="strict")
    return response


async def _error_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if not hasattr(request.state, "csrf"):
        request.state.csrf = ""
    return _render(request, "error.html", status=exc.status_code, message=exc.detail)


def _add_examples(store: Store) -> None:
    """At the very first start, one event from each bundled scenario (synthetic delegates)."""
    if store.setting("examples_added"):
        return
    for example in EXAMPLES:
        event_id = f"example-{example}"
        name = f"Example: {example} (synthetic delegates)"
        if store.row("SELECT id FROM events WHERE id = ?", event_id) is None:
            folder = store.event_dir(event_id)
            if not folder.exists():
                ev.copy_example(example, folder, event_id, name)
            with store.transaction() as con:
                con.execute(
                    "INSERT INTO events (id, name, example, created_at, created_by) "
                    "VALUES (?, ?, ?, ?, 'findhz')",
                    (event_id, name, example, now()),
                )
    store.set_setting("examples_added", now())


def create_app(folder: Path, token_hash: str | None = None) -> Starlette:
    """The app over a data folder that ``prepare_data_folder`` accepted."""
    store = Store(Path(folder))
    store.migrate()
    _add_examples(store)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store.fail_orphaned_runs()
        yield
        for run_id, process in list(app.state.workers.items()):
            if process.is_alive():
                process.terminate()
                process.join(10)
            store.finish_run(run_id, "failed", "the server stopped during this run")

    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        cookie = request.cookies.get(CSRF_COOKIE)
        request.state.csrf = cookie or secrets.token_urlsafe(24)
        path = request.url.path
        if token_hash and path != "/login" and not path.startswith("/static/"):
            sent = request.cookies.get(TOKEN_COOKIE, "")
            if not sent or not secrets.compare_digest(hash_token(sent), token_hash):
                return RedirectResponse("/login", status_code=303)
        response = await call_next(request)
        if not cookie:
            response.set_cookie(CSRF_COOKIE, request.state.csrf, httponly=True, samesite="strict")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response

    app = Starlette(
        middleware=[Middleware(BaseHTTPMiddleware, dispatch=guard)],
        routes=[
            Route("/", home),
            Route("/login", login, methods=["GET", "POST"]),
            Route("/who", who, methods=["POST"]),
            Route("/events", create_event, methods=["POST"]),
            Route("/events/{event_id}", event_page),
            Route("/events/{event_id}/upload", upload, methods=["POST"]),
            Route("/events/{event_id}/setup", setup_page),
            Route("/events/{event_id}/setup", setup_save, methods=["POST"]),
            Route("/events/{event_id}/setup/check", setup_check, methods=["POST"]),
            Route("/events/{event_id}/setup/map", setup_map),
            Route("/events/{event_id}/import/{file_id:int}", import_form),
            Route("/events/{event_id}/import/{file_id:int}", import_apply, methods=["POST"]),
            Route("/events/{event_id}/plan", start_plan, methods=["POST"]),
            Route("/events/{event_id}/adjust/{action}", adjust, methods=["POST"]),
            Route("/events/{event_id}/compare", compare),
            Route("/events/{event_id}/versions/{number:int}", version_page),
            Route("/events/{event_id}/versions/{number:int}/publish", publish, methods=["POST"]),
            Route("/events/{event_id}/versions/{number:int}/site.zip", site_zip),
            Route("/events/{event_id}/versions/{number:int}/site/", site_file),
            Route("/events/{event_id}/versions/{number:int}/site/{path:path}", site_file),
            Route("/runs/{run_id:int}", run_page),
            Route("/runs/{run_id:int}.json", run_status),
            Route("/runs/{run_id:int}/cancel", cancel_run, methods=["POST"]),
            Mount("/static", StaticFiles(packages=[("findhz.web", "static")]), name="static"),
        ],
        exception_handlers={HTTPException: _error_page},
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.workers = {}
    app.state.token_hash = token_hash

    return app
