"""An event's files: its scenario folder, uploads read through the planner's own loader, edits.

Every event lives in ``events/<id>/scenario/``: ``scenario.yaml``, ``venues.yaml``,
``themes.yaml`` and ``delegates.csv``, all made by findhz (copied from a bundled example, or
written from an upload after its columns were mapped). Uploads are stored under a name findhz
chooses (``uploads/<n>.csv|xlsx``); the name the user gave is only ever shown, escaped.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import os
import re
import secrets
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from findhz.planner.bundled import bundled_routes
from findhz.planner.changes import Change, DelegateDays, VenueClosed
from findhz.planner.errors import InputError, Problem
from findhz.planner.loading import (
    DELEGATE_COLUMNS,
    DELEGATE_OPTIONAL,
    cell_text,
    load_catalogue,
    load_delegates,
    load_routes,
    load_scenario,
)
from findhz.planner.models import (
    DEFAULT_CNY_PER_RANK_STEP,
    Route,
    Scenario,
    ScenarioSpec,
    Venue,
    format_clock,
)

__all__ = [
    "COLUMNS",
    "MAX_ROWS",
    "MAX_UPLOAD_BYTES",
    "CloseEdit",
    "PinEdit",
    "Table",
    "UploadRefused",
    "adjustment_of_edit",
    "apply_mapping",
    "changes_of_edits",
    "close_venue",
    "copy_example",
    "guess_mapping",
    "load_event",
    "lock_group",
    "pin_delegate",
    "read_table",
    "scenario_file",
    "unpin",
]

#: Our delegate columns, required first.
COLUMNS: tuple[str, ...] = DELEGATE_COLUMNS + DELEGATE_OPTIONAL
#: The largest upload the app reads, and the most delegate rows it takes.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000


class UploadRefused(Exception):
    """An upload the app will not read; the message is one line for the page."""


@dataclass(frozen=True)
class Table:
    """An uploaded table: its header as written, and its rows with their numbers in the file."""

    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    unit: str = "line"


def scenario_file(event_dir: Path) -> Path:
    return event_dir / "scenario" / "scenario.yaml"


def copy_example(example: str, event_dir: Path, event_id: str, name: str) -> None:
    """Make an event's scenario folder from a bundled scenario."""
    routes = bundled_routes()
    source = routes / "scenarios" / f"{example}.yaml"
    spec = yaml.safe_load(source.read_text(encoding="utf-8"))
    folder = event_dir / "scenario"
    folder.mkdir(parents=True)
    shutil.copyfile(routes / "venues.yaml", folder / "venues.yaml")
    shutil.copyfile(routes / "themes.yaml", folder / "themes.yaml")
    delegates = load_delegates(source.parent / spec["delegates"])
    _write_delegates_csv(folder / "delegates.csv", [d.model_dump(mode="json") for d in delegates])
    spec.update({"id": event_id, "delegates": "delegates.csv"})
    spec.pop("catalogue", None)
    spec.pop("themes", None)
    spec["name"] = {"en": name, "zh": name}
    _write_spec(folder, spec)


def load_event(event_dir: Path) -> Scenario:
    """The event's scenario through ``load_scenario`` (raises ``InputError``)."""
    return load_scenario(scenario_file(event_dir))


def _read_spec(event_dir: Path) -> dict[str, Any]:
    data = yaml.safe_load(scenario_file(event_dir).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _write_spec(folder: Path, spec: dict[str, Any]) -> None:
    text = yaml.safe_dump(spec, allow_unicode=True, sort_keys=False)
    _atomic_write(folder / "scenario.yaml", text.encode("utf-8"))


def _atomic_write(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.part")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _write_delegates_csv(path: Path, records: list[dict[str, Any]]) -> list[int]:
    """Write delegates as our CSV; return, per record, the line it starts on."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for record in records:
        row = []
        for column in COLUMNS:
            value = record.get(column, "")
            if isinstance(value, list):
                value = ";".join(str(v) for v in value)
            row.append(" ".join(str(value if value is not None else "").split()))
        writer.writerow(row)
    _atomic_write(path, buffer.getvalue().encode("utf-8"))
    return list(range(2, len(records) + 2))


# ---------------------------------------------------------------------------------------------
# Uploads


def read_table(data: bytes, filename: str) -> Table:
    """Read an uploaded CSV (UTF-8 or GB18030) or xlsx into a header and rows."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused(
            f"the file is {len(data) // 1024} KiB; the app takes at most "
            f"{MAX_UPLOAD_BYTES // 1024 // 1024} MiB"
        )
    if not data.strip():
        raise UploadRefused("the file is empty")
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx" or data[:2] == b"PK":
        table = _read_xlsx(data)
    elif suffix in {".csv", ".txt", ""}:
        table = _read_csv(data)
    else:
        raise UploadRefused("send the registrations as a .csv (UTF-8 or GB18030) or .xlsx file")
    if len(table.rows) > MAX_ROWS:
        raise UploadRefused(
            f"the file has {len(table.rows)} rows; the app takes at most {MAX_ROWS}"
        )
    if not any(h.strip() for h in table.header):
        raise UploadRefused("the first row has no column names")
    return table


def _read_csv(data: bytes) -> Table:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost any bytes
        raise UploadRefused("the CSV is neither UTF-8 nor GB18030 text")
    if "\x00" in text:
        raise UploadRefused("the file is not a text CSV (it holds NUL bytes)")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
        rows: list[tuple[int, list[str]]] = []
        last = reader.line_num
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append((last + 1, cells))
            last = reader.line_num
            if len(rows) > MAX_ROWS:
                break
    except csv.Error as error:
        raise UploadRefused(f"line {reader.line_num}: not a valid CSV ({error})") from None
    return Table(header, rows, "line")


def _read_xlsx(data: bytes) -> Table:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a file that is no workbook
        raise UploadRefused("the file is not an Excel workbook (.xlsx)") from None
    try:
        sheet = book["delegates"] if "delegates" in book.sheetnames else book.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        header = [cell_text(h) for h in next(values, None) or ()]
        rows: list[tuple[int, list[str]]] = []
        for number, cells in enumerate(values, start=2):
            texts = [cell_text(c) for c in cells]
            if any(texts):
                rows.append((number, texts))
            if len(rows) > MAX_ROWS:
                break
    except UploadRefused:
        raise
    except Exception:  # a damaged sheet fails while it is read
        raise UploadRefused("the workbook is damaged and cannot be read") from None
    finally:
        book.close()
    return Table(header, rows, "row")


def guess_mapping(header: list[str], remembered: dict[str, str] | None = None) -> dict[str, str]:
    """Our column -> their header: the remembered choice, else the same name."""
    lowered = {h.strip().lower(): h for h in header}
    mapping: dict[str, str] = {}
    for column in COLUMNS:
        if remembered and remembered.get(column) in header:
            mapping[column] = remembered[column]
        elif column in lowered:
            mapping[column] = lowered[column]
    return mapping


def apply_mapping(
    event_dir: Path,
    table: Table,
    mapping: dict[str, str],
    shown_name: str,
    values: dict[str, dict[str, str]] | None = None,
) -> tuple[int, list[Problem]]:
    """Write the mapped delegates into the event and check them with the planner's loader.

    ``values`` maps, per list column, their words to ours ("-": leave the word out). Returns
    the number of delegates and the problems, each at its row or line of the upload; the
    event's delegates are replaced only when the whole scenario loads.
    """
    missing = [c for c in DELEGATE_COLUMNS if not mapping.get(c)]
    if missing:
        return 0, [Problem(shown_name, "", c, "choose the column that holds it") for c in missing]
    index = {h: i for i, h in enumerate(table.header)}
    records = []
    for _number, cells in table.rows:
        record = {}
        for column, theirs in mapping.items():
            if theirs in index and index[theirs] < len(cells):
                record[column] = cells[index[theirs]]
                if column in VALUE_COLUMNS:
                    record[column] = _translate(record[column], (values or {}).get(column, {}))
        records.append(record)
    folder = event_dir / "scenario"
    candidate = folder / "delegates.next.csv"
    lines = _write_delegates_csv(candidate, records)
    back = {
        f"line {line}": f"{table.unit} {number}"
        for line, (number, _) in zip(lines, table.rows, strict=True)
    }
    problems: list[Problem] = []
    try:
        load_delegates(candidate)
    except InputError as error:
        problems = [_relabel(p, shown_name, back) for p in error.problems]
    if not problems:
        spec = _read_spec(event_dir)
        spec_next = {**spec, "delegates": "delegates.next.csv"}
        _write_spec_as(folder, "scenario.next.yaml", spec_next)
        try:
            load_scenario(folder / "scenario.next.yaml")
        except InputError as error:
            problems = [_relabel(p, shown_name, back) for p in error.problems]
        finally:
            (folder / "scenario.next.yaml").unlink(missing_ok=True)
    if problems:
        candidate.unlink(missing_ok=True)
        return len(records), problems
    os.replace(candidate, folder / "delegates.csv")
    spec = _read_spec(event_dir)
    if spec.get("synthetic"):  # the example's made-up delegates are gone: these are registrations
        spec["synthetic"] = False
        _write_spec(folder, spec)
    return len(records), []


def _write_spec_as(folder: Path, name: str, spec: dict[str, Any]) -> None:
    text = yaml.safe_dump(spec, allow_unicode=True, sort_keys=False)
    (folder / name).write_text(text, encoding="utf-8")


def _relabel(problem: Problem, shown_name: str, back: dict[str, str]) -> Problem:
    if problem.file.endswith(("delegates.next.csv", "scenario.next.yaml")):
        return Problem(
            shown_name, back.get(problem.where, problem.where), problem.field, problem.message
        )
    return problem


# ---------------------------------------------------------------------------------------------
# Adjustments: edits of the event's scenario, checked by the loader before they are kept


def _edit_checked(
    event_dir: Path,
    change: dict[str, Any],
    delegates: list[dict[str, Any]] | None,
    *,
    keep: bool = True,
) -> list[Problem]:
    """Load the event's scenario with ``change`` applied; keep it only if it loads (and
    ``keep``). Returns the loader's problems."""
    return _spec_checked(event_dir, {**_read_spec(event_dir), **change}, delegates, keep=keep)


def _spec_checked(
    event_dir: Path,
    spec: dict[str, Any],
    delegates: list[dict[str, Any]] | None,
    *,
    keep: bool = True,
) -> list[Problem]:
    folder = event_dir / "scenario"
    tag = secrets.token_hex(4)  # checks of several requests never share a file
    spec_name, delegates_name = f"scenario.next-{tag}.yaml", f"delegates.next-{tag}.csv"
    names = {spec_name}
    if delegates is not None:
        _write_delegates_csv(folder / delegates_name, delegates)
        spec["delegates"] = delegates_name
        names.add(delegates_name)
    _write_spec_as(folder, spec_name, spec)
    try:
        load_scenario(folder / spec_name)
    except InputError as error:
        for name in names:
            (folder / name).unlink(missing_ok=True)
        return [
            Problem("set-up", "", p.field, p.message) if p.file.endswith(spec_name) else p
            for p in error.problems
        ]
    if not keep:
        for name in names:
            (folder / name).unlink(missing_ok=True)
        return []
    if delegates is not None:
        os.replace(folder / delegates_name, folder / "delegates.csv")
        spec["delegates"] = "delegates.csv"
    (folder / spec_name).unlink(missing_ok=True)
    _write_spec(folder, spec)
    return []


#: Whether this findhz's scenarios carry ``pins`` (a delegate on a route-day, a locked group),
#: which planning and re-planning keep.
HAS_PINS = "pins" in ScenarioSpec.model_fields


def pin_delegate(event_dir: Path, delegate_id: str, route: str, date: dt.date) -> list[Problem]:
    """Keep a delegate to one route on one day: a pin of the scenario (the route must be one
    of their interests, the day one they can come); without pins, their only interest and
    available day."""
    if HAS_PINS:
        spec = _read_spec(event_dir)
        pins = [
            p
            for p in spec.get("pins") or []
            if not (p.get("delegate") == delegate_id and str(p.get("date")) == date.isoformat())
        ]
        pins.append({"delegate": delegate_id, "route": route, "date": date.isoformat()})
        return _edit_checked(event_dir, {"pins": pins}, None)
    scenario = load_event(event_dir)
    records = [d.model_dump(mode="json") for d in scenario.delegates]
    found = False
    for record in records:
        if record["id"] == delegate_id:
            record["interests"] = [route]
            record["available"] = [date.isoformat()]
            found = True
    if not found:
        return [Problem("delegates", "", "id", f"no delegate {delegate_id}")]
    return _edit_checked(event_dir, {}, records)


def lock_group(event_dir: Path, group: str) -> list[Problem]:
    """Lock a published group: re-planning keeps its riders and stops (a pin of the group)."""
    if not HAS_PINS:
        return [Problem("set-up", "", "pins", "this findhz cannot lock groups yet")]
    spec = _read_spec(event_dir)
    pins = [p for p in spec.get("pins") or [] if p.get("group") != group]
    pins.append({"group": group})
    return _edit_checked(event_dir, {"pins": pins}, None)


def unpin(event_dir: Path, index: int) -> list[Problem]:
    """Remove one pin of the scenario (by its place in ``pins``)."""
    spec = _read_spec(event_dir)
    pins = list(spec.get("pins") or [])
    if not 0 <= index < len(pins):
        return [Problem("set-up", "", "pins", f"no pin number {index + 1}")]
    del pins[index]
    return _edit_checked(event_dir, {"pins": pins}, None)


def close_venue(event_dir: Path, venue: str, date: dt.date) -> list[Problem]:
    """Close a venue on a day (an override with no hours)."""
    spec = _read_spec(event_dir)
    overrides = [
        o
        for o in spec.get("overrides") or []
        if not (o.get("venue") == venue and str(o.get("date")) == date.isoformat())
    ]
    overrides.append({"venue": venue, "date": date.isoformat(), "hours": []})
    return _edit_checked(event_dir, {"overrides": overrides}, None)


class PinEdit(BaseModel):
    """An adjustment as the ``edits`` table records it (``detail``): a delegate pinned to a
    route on a day."""

    model_config = ConfigDict(frozen=True)

    delegate: str
    route: str
    date: dt.date


class CloseEdit(BaseModel):
    """An adjustment as the ``edits`` table records it (``detail``): a venue closed on a day."""

    model_config = ConfigDict(frozen=True)

    venue: str
    date: dt.date


def adjustment_of_edit(kind: str, detail: str) -> PinEdit | CloseEdit:
    """The pin or closure an ``edits`` row of that kind records (``detail``, its JSON)."""
    if kind == "pin":
        return PinEdit.model_validate_json(detail)
    if kind == "close":
        return CloseEdit.model_validate_json(detail)
    raise ValueError(f"an edit of kind {kind!r} is not a pin or a closure")


def changes_of_edits(edits: list[PinEdit | CloseEdit]) -> list[Change]:
    """The adjustments made since a published version, as the changes ``replan`` repairs.

    A closed venue is a ``venue-closed`` change. A pin is in the scenario, which ``replan``
    keeps; a findhz without pins gets a ``delegate-days`` change to the pinned day instead
    (their route is then their only interest).
    """
    changes: list[Change] = []
    for edit in edits:
        if isinstance(edit, CloseEdit):
            changes.append(
                VenueClosed.model_validate(
                    {"kind": "venue-closed", "venue": edit.venue, "date": edit.date}
                )
            )
        elif not HAS_PINS:
            changes.append(
                DelegateDays(kind="delegate-days", delegate=edit.delegate, available=[edit.date])
            )
    return changes


# ---------------------------------------------------------------------------------------------
# Set-up: the scenario's settings from a form, checked by the loader as the coordinator types

#: The scenario keys the set-up form writes.
SETUP_KEYS = (
    "name",
    "dates",
    "base",
    "day",
    "lunch",
    "fleet",
    "routes",
    "route_settings",
    "rides",
    "staff_per_bus",
    "min_riders",
    "max_rank",
    "cny_per_rank_step",
    "overrides",
)

Form = dict[str, list[str]]


def _one(form: Form, key: str) -> str:
    values = form.get(key) or [""]
    return " ".join(values[0].split())


def _number(text: str) -> int | str:
    """An integer when the text is one; else the text, for the loader to name the problem."""
    return int(text) if re.fullmatch(r"-?\d{1,12}", text) else text


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s,;，；、]+", text) if w]


def _rows(form: Form, prefix: str, names: tuple[str, ...]) -> list[dict[str, str]]:
    """The numbered rows ``prefix-<name>-<n>`` of a form, blank rows left out."""
    numbers = sorted(
        {
            int(k.rsplit("-", 1)[1])
            for k in form
            if k.startswith(prefix + "-") and k.rsplit("-", 1)[1].isdigit()
        }
    )
    rows = []
    for n in numbers[:200]:
        row = {name: _one(form, f"{prefix}-{name}-{n}") for name in names}
        if any(row.values()):
            rows.append(row)
    return rows


def _clock(value: Any) -> str:
    """A time of day as the scenario file writes it (YAML may read 08:30 as minutes)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return format_clock(value)
    return "" if value is None else str(value)


def setup_form(event_dir: Path) -> Form:
    """The set-up form's fields from the event's scenario file as it is."""
    spec = _read_spec(event_dir)
    name = spec.get("name")
    names = name if isinstance(name, dict) else {"en": name or "", "zh": name or ""}
    day = spec.get("day") or {}
    lunch = spec.get("lunch") or {}
    window = [*(lunch.get("window") or ["", ""]), "", ""]
    form: dict[str, str | list[str]] = {
        "name_en": str(names.get("en", "")),
        "name_zh": str(names.get("zh", "")),
        "dates": " ".join(str(d) for d in spec.get("dates") or []),
        "base": str(spec.get("base", "")),
        "day_start": _clock(day.get("start")),
        "day_end": _clock(day.get("end")),
        "lunch_from": _clock(window[0]),
        "lunch_to": _clock(window[1]),
        "lunch_minutes": str(lunch.get("minutes", "")),
        "rides": str(spec.get("rides", 1)),
        "staff_per_bus": str(spec.get("staff_per_bus", 0)),
        "min_riders": str(spec.get("min_riders", 1)),
        "max_rank": "" if spec.get("max_rank") is None else str(spec["max_rank"]),
        "cny_per_rank_step": str(spec.get("cny_per_rank_step", DEFAULT_CNY_PER_RANK_STEP)),
    }
    for n, bus in enumerate(spec.get("fleet") or []):
        form[f"fleet-id-{n}"] = str(bus.get("id", ""))
        form[f"fleet-seats-{n}"] = str(bus.get("seats", ""))
        form[f"fleet-count-{n}"] = str(bus.get("count", ""))
        form[f"fleet-cost-{n}"] = str(bus.get("cost_per_day", 0))
    for n, override in enumerate(spec.get("overrides") or []):
        form[f"ov-venue-{n}"] = str(override.get("venue", ""))
        form[f"ov-date-{n}"] = str(override.get("date", ""))
        form[f"ov-hours-{n}"] = " ".join(str(h) for h in override.get("hours") or [])
    routes = spec.get("routes")
    if routes is not None:
        form["route"] = [str(r) for r in routes]
    for rid, entry in (spec.get("route_settings") or {}).items():
        form[f"route-dates-{rid}"] = " ".join(str(d) for d in entry.get("dates") or [])
        form[f"route-min-{rid}"] = str(entry.get("min_riders") or "")
        form[f"route-max-{rid}"] = str(entry.get("max_buses") or "")
    return {k: v if isinstance(v, list) else [v] for k, v in form.items()}


def catalogue(event_dir: Path) -> tuple[dict[str, Venue], dict[str, Route]]:
    """The event's venues and routes (its own copies of the catalogue)."""
    folder = event_dir / "scenario"
    return load_catalogue(folder / "venues.yaml"), load_routes(folder / "themes.yaml")


def setup_change(routes: list[str], form: Form) -> dict[str, Any]:
    """The scenario keys of the set-up form, as the scenario file writes them (unchecked: the
    loader checks them)."""
    change: dict[str, Any] = {
        "name": {"en": _one(form, "name_en"), "zh": _one(form, "name_zh")},
        "dates": _words(_one(form, "dates")),
        "base": _one(form, "base"),
        "day": {"start": _one(form, "day_start"), "end": _one(form, "day_end")},
        "lunch": {
            "window": [_one(form, "lunch_from"), _one(form, "lunch_to")],
            "minutes": _number(_one(form, "lunch_minutes")),
        },
        "fleet": [
            {
                "id": row["id"],
                "seats": _number(row["seats"]),
                "count": _number(row["count"]),
                "cost_per_day": _number(row["cost"] or "0"),
            }
            for row in _rows(form, "fleet", ("id", "seats", "count", "cost"))
        ],
        "rides": _number(_one(form, "rides") or "1"),
        "staff_per_bus": _number(_one(form, "staff_per_bus") or "0"),
        "min_riders": _number(_one(form, "min_riders") or "1"),
        "max_rank": _number(_one(form, "max_rank")) if _one(form, "max_rank") else None,
        "cny_per_rank_step": _number(_one(form, "cny_per_rank_step") or "0"),
        "overrides": [
            {"venue": row["venue"], "date": row["date"], "hours": _words(row["hours"])}
            for row in _rows(form, "ov", ("venue", "date", "hours"))
        ],
    }
    chosen = [r for r in routes if r in (form.get("route") or [])]
    change["routes"] = None if len(chosen) == len(routes) else chosen
    settings: dict[str, Any] = {}
    for rid in routes:
        entry: dict[str, Any] = {}
        if dates := _words(_one(form, f"route-dates-{rid}")):
            entry["dates"] = dates
        if low := _one(form, f"route-min-{rid}"):
            entry["min_riders"] = _number(low)
        if high := _one(form, f"route-max-{rid}"):
            entry["max_buses"] = _number(high)
        if entry:
            settings[rid] = entry
    change["route_settings"] = settings
    return change


def check_setup(event_dir: Path, change: dict[str, Any], *, keep: bool) -> list[Problem]:
    """The loader's problems of the event with the set-up ``change`` (kept when none and
    ``keep``): the same rules as ``findhz validate``."""
    spec = {**_read_spec(event_dir), **change}
    for key in ("routes", "max_rank"):
        if spec.get(key) is None:
            spec.pop(key, None)
    if not spec.get("route_settings"):
        spec.pop("route_settings", None)
    return _spec_checked(event_dir, spec, None, keep=keep)


def setup_field(problem: Problem) -> str:
    """The form field a problem of the scenario file is about (empty when none is)."""
    path = problem.field
    if m := re.match(r"fleet\[(\d+)\]\.(\w+)", path):
        return f"fleet-{'cost' if m[2] == 'cost_per_day' else m[2]}-{m[1]}"
    if m := re.match(r"overrides\[(\d+)\]\.(\w+)", path):
        return f"ov-{m[2]}-{m[1]}"
    if m := re.match(r"route_settings\.([\w-]+)\.(\w+)", path):
        kind = {"dates": "dates", "min_riders": "min", "max_buses": "max"}.get(m[2], "dates")
        return f"route-{kind}-{m[1]}"
    if m := re.match(r"lunch\.window\[(\d)\]", path):
        return "lunch_from" if m[1] == "0" else "lunch_to"
    head = re.split(r"[.\[]", path)[0] if path else ""
    simple = {
        "dates": "dates",
        "base": "base",
        "rides": "rides",
        "staff_per_bus": "staff_per_bus",
        "min_riders": "min_riders",
        "max_rank": "max_rank",
        "cny_per_rank_step": "cny_per_rank_step",
    }
    if head in simple:
        return simple[head]
    if path.startswith("day."):
        return "day_" + path.split(".")[1]
    if path == "lunch.minutes":
        return "lunch_minutes"
    if path.startswith("name."):
        return "name_" + path.split(".")[1]
    return ""


# ---------------------------------------------------------------------------------------------
# Free-text values: a registration platform's words for routes and needs, mapped to ours

#: The list columns whose values are ours (route ids, needs): their words are mapped per event.
VALUE_COLUMNS = ("interests", "needs")
#: Words often written for a need (English and Chinese), besides the need's own name.
NEED_WORDS: dict[str, tuple[str, ...]] = {
    "step-free": ("wheelchair", "step free", "no stairs", "mobility", "轮椅", "无障碍"),
    "vegetarian": ("vegetarian", "veggie", "素食", "吃素"),
    "vegan": ("vegan", "plant based", "纯素"),
    "halal": ("halal", "muslim", "清真"),
    "kosher": ("kosher", "犹太洁食"),
    "no-pork": ("no pork", "pork free", "不吃猪肉"),
    "interpreter": ("interpreter", "interpretation", "translator", "翻译", "口译"),
}
_WORD_SPLIT = re.compile(r"[;；,，、/|\n]+")


def split_words(cell: str) -> list[str]:
    """The words of a list cell of a registration export (``;`` as our files, or commas,
    ``、`` and slashes as people type them), in order."""
    return [w.strip() for w in _WORD_SPLIT.split(cell) if w.strip()]


def _translate(cell: str, values: dict[str, str]) -> str:
    """A list cell in our words: each word mapped, "-" left out, the rest kept as written
    (so the loader names it at its row); order kept, repeats dropped."""
    out: list[str] = []
    for word in split_words(cell):
        ours = values.get(word, word)
        if ours != "-" and ours not in out:
            out.append(ours)
    return ";".join(out)


def _normal(text: str) -> str:
    """Lower case, letters and digits only (Chinese characters kept), for matching."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def value_choices(column: str, routes: dict[str, Route]) -> dict[str, list[str]]:
    """Our values of a list column, each with the names it may be written as."""
    if column == "interests":
        return {r.id: [r.id, r.title.en, r.title.zh] for r in routes.values()}
    return {need: [need, *words] for need, words in NEED_WORDS.items()}


def suggest_value(word: str, choices: dict[str, list[str]]) -> str:
    """Our value a free-text word most likely means, by normalised matching; "" if none.

    The same text first, then one name inside the other (names of three or more letters),
    then the closest spelling (difflib, ratio 0.75 or more)."""
    key = _normal(word)
    if not key:
        return ""
    named = [(ours, _normal(n)) for ours, names in choices.items() for n in names]
    named = [(ours, n) for ours, n in named if n]
    for ours, n in named:
        if n == key:
            return ours
    for ours, n in named:
        if len(n) >= 3 and len(key) >= 3 and (n in key or key in n):
            return ours
    flat = {n: ours for ours, n in named}
    close = difflib.get_close_matches(key, list(flat), n=1, cutoff=0.75)
    return flat[close[0]] if close else ""


def value_words(table: Table, header: str, limit: int = 300) -> list[str]:
    """The distinct words of a list column of an upload, in the order they first appear."""
    if header not in table.header:
        return []
    index = table.header.index(header)
    seen: dict[str, None] = {}
    for _number, cells in table.rows:
        if index < len(cells):
            for word in split_words(cells[index]):
                seen.setdefault(word, None)
                if len(seen) >= limit:
                    return list(seen)
    return list(seen)


def cell_fixes(table: Table, fixes: dict[str, str]) -> Table:
    """The table with the cells the coordinator corrected in the page (``"row:column"``)."""
    if not fixes:
        return table
    rows = []
    for number, cells in table.rows:
        cells = list(cells)
        for col in range(len(table.header)):
            fixed = fixes.get(f"{number}:{col}")
            if fixed is not None:
                cells.extend([""] * (col + 1 - len(cells)))
                cells[col] = fixed
        rows.append((number, cells))
    return Table(table.header, rows, table.unit)


def problem_cell(problem: Problem, table: Table, mapping: dict[str, str]) -> tuple[int, int] | None:
    """The row number and column index in the upload of a problem's cell, when it has one."""
    where = re.fullmatch(r"(?:row|line) (\d+)", problem.where)
    named = problem.field.rsplit(": ", 1)[-1]  # "delegate D2: interests"
    column = re.split(r"[.\[]", named)[0] if named else ""
    theirs = mapping.get(column)
    if where is None or theirs is None or theirs not in table.header:
        return None
    return int(where[1]), table.header.index(theirs)
