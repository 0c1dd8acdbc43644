"""Reading and checking a scenario: the only code that reads the coordinator's files.

``load_scenario(path)`` parses the scenario YAML, the venue catalogue, the routes and the
delegates table (CSV or xlsx), validates each record with the models, cross-checks them
against each other, and returns a frozen :class:`~planner.models.Scenario`. Every problem of
every file is collected first and raised together as one :class:`~planner.errors.InputError`,
one line per problem naming the file, the line or row, the field and what is wrong.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import logging
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from planner.bundled import bundled_routes
from planner.errors import InputError, Problem
from planner.models import (
    Delegate,
    Route,
    Scenario,
    ScenarioSpec,
    Venue,
)

__all__ = ["HANGZHOU_BOUNDS", "load_catalogue", "load_delegates", "load_routes", "load_scenario"]

log = logging.getLogger(__name__)

#: The Hangzhou municipality (with a margin): (south, north, west, east) in degrees WGS-84.
HANGZHOU_BOUNDS = (29.10, 30.65, 118.30, 120.80)
DELEGATE_COLUMNS = ("id", "name", "country", "interests")
DELEGATE_OPTIONAL = ("organisation", "field", "languages", "available", "needs")
_LIST_COLUMNS = ("interests", "languages", "available", "needs")

M = TypeVar("M", bound=BaseModel)


# ---------------------------------------------------------------------------------------------
# Public entry points


def load_scenario(path: str | Path) -> Scenario:
    """Load a scenario and everything it names; raise ``InputError`` listing every problem."""
    path = Path(path)
    problems: list[Problem] = []
    spec = _parse_spec(path, problems)
    if spec is None:
        raise InputError(problems)

    folder = path.parent
    catalogue_path = _resolve(folder, spec.catalogue, "venues.yaml")
    routes_path = _resolve(folder, spec.themes, "themes.yaml")
    venues = _parse_venues(catalogue_path, problems)
    routes = _parse_routes(routes_path, problems)
    delegates = _parse_delegates(folder / spec.delegates, problems)

    checks = _CrossCheck(path, spec, venues, routes, delegates, catalogue_path, routes_path)
    problems.extend(checks.run())
    if problems:
        raise InputError(problems)
    return Scenario(
        spec=spec,
        venues={v.model.id: v.model for v in venues},
        routes={r.model.id: r.model for r in routes},
        delegates=tuple(d.model for d in delegates),
        source=str(path),
    )


def load_catalogue(path: str | Path) -> dict[str, Venue]:
    """Load a venue catalogue on its own (with the checks that need no scenario)."""
    problems: list[Problem] = []
    venues = _parse_venues(Path(path), problems)
    problems.extend(_check_venues(Path(path), venues))
    if problems:
        raise InputError(problems)
    return {v.model.id: v.model for v in venues}


def load_routes(path: str | Path) -> dict[str, Route]:
    """Load a routes file on its own."""
    problems: list[Problem] = []
    routes = _parse_routes(Path(path), problems)
    problems.extend(_duplicates(Path(path), routes, "route"))
    if problems:
        raise InputError(problems)
    return {r.model.id: r.model for r in routes}


def load_delegates(path: str | Path) -> list[Delegate]:
    """Load a delegates table (CSV, or the first sheet of an xlsx) on its own."""
    problems: list[Problem] = []
    delegates = _parse_delegates(Path(path), problems)
    problems.extend(_duplicates(Path(path), delegates, "delegate"))
    if problems:
        raise InputError(problems)
    return [d.model for d in delegates]


# ---------------------------------------------------------------------------------------------
# Records with where they came from


T = TypeVar("T")


@dataclass(frozen=True)
class _Record(Generic[T]):
    """A validated model with its place in the file (``"line 12"`` or ``"row 5"``)."""

    model: T
    where: str
    lines: Mapping[tuple[Any, ...], int] = field(default_factory=dict)

    def line_of(self, *key: Any) -> str:
        """The line of a field inside this record, or the record's own place."""
        for cut in range(len(key), 0, -1):
            line = self.lines.get(tuple(key[:cut]))
            if line is not None:
                return f"line {line}"
        return self.where


def _resolve(folder: Path, named: str | None, default: str) -> Path:
    return folder / named if named else bundled_routes() / default


def _display(path: Path) -> str:
    return str(path)


# ---------------------------------------------------------------------------------------------
# YAML with line numbers


def _read_text(path: Path, problems: list[Problem]) -> str | None:
    name = _display(path)
    if not path.exists():
        problems.append(Problem(name, "", "", "file not found"))
        return None
    if path.is_dir():
        problems.append(Problem(name, "", "", "is a folder, not a file"))
        return None
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        problems.append(
            Problem(
                name,
                f"line {line}",
                "",
                f"is not UTF-8 text (byte 0x{data[err.start]:02x}); save the file as UTF-8",
            )
        )
        return None
    if not text.strip():
        problems.append(Problem(name, "", "", "file is empty"))
        return None
    return text


def _load_yaml(path: Path, problems: list[Problem]) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Parse YAML; return the data and a map from key paths to 1-based line numbers."""
    text = _read_text(path, problems)
    if text is None:
        return None, {}
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        reason = getattr(err, "problem", None) or str(err).splitlines()[0]
        problems.append(Problem(_display(path), where, "", f"is not valid YAML: {reason}"))
        return None, {}
    lines: dict[tuple[Any, ...], int] = {}
    if node is not None:
        _index_lines(node, (), lines)
    return data, lines


def _index_lines(node: yaml.Node, key: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> None:
    lines[key] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            child = (*key, k.value)
            lines[child] = k.start_mark.line + 1
            _index_lines(v, child, lines)
            lines[child] = k.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _index_lines(v, (*key, i), lines)


def _yaml_list(
    path: Path, key: str, problems: list[Problem]
) -> Iterator[tuple[int, Any, dict[tuple[Any, ...], int]]]:
    """The items of the top-level list ``key`` of a YAML file, with per-item line maps."""
    data, lines = _load_yaml(path, problems)
    if data is None:
        return
    name = _display(path)
    if not isinstance(data, dict) or key not in data:
        problems.append(Problem(name, "line 1", key, f"the file has no top-level '{key}:' list"))
        return
    extra = sorted(str(k) for k in data if k != key)
    for k in extra:
        problems.append(Problem(name, f"line {lines.get((k,), 1)}", k, "unknown top-level key"))
    items = data[key]
    if not isinstance(items, list) or not items:
        problems.append(
            Problem(name, f"line {lines.get((key,), 1)}", key, "must be a non-empty list")
        )
        return
    for i, item in enumerate(items):
        prefix = (key, i)
        sub = {k[2:]: line for k, line in lines.items() if k[:2] == prefix}
        yield i, item, sub


# ---------------------------------------------------------------------------------------------
# Validation errors to problems


def _format_loc(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _clean_loc(loc: Sequence[Any]) -> tuple[Any, ...]:
    """Drop pydantic's internal markers (function-before[...], tagged unions) from a loc."""
    return tuple(p for p in loc if not (isinstance(p, str) and "[" in p))


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    msg = str(error["msg"])
    value = error.get("input")
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if kind in {"string_pattern_mismatch"}:
        return f"'{value}' is not a valid id (use lowercase letters, digits and hyphens)"
    if (
        isinstance(value, str | int | float)
        and not isinstance(value, bool)
        and kind not in {"value_error"}
    ):
        return f"{msg.lower() if msg[:1].isupper() else msg} (got {value!r})"
    return msg


def _validate(
    model: type[M],
    data: Any,
    file: str,
    where: str,
    label: str,
    lines: Mapping[tuple[Any, ...], int],
    problems: list[Problem],
) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        for error in err.errors(include_url=False):
            loc = _clean_loc(error["loc"])
            line = where
            for cut in range(len(loc), 0, -1):
                if loc[:cut] in lines:
                    line = f"line {lines[loc[:cut]]}"
                    break
            field_name = _format_loc(loc)
            field_text = f"{label}: {field_name}" if label and field_name else label or field_name
            problems.append(Problem(file, line, field_text, _message(error)))
        return None


# ---------------------------------------------------------------------------------------------
# The four parsers


def _parse_spec(path: Path, problems: list[Problem]) -> ScenarioSpec | None:
    data, lines = _load_yaml(path, problems)
    if data is None:
        return None
    if not isinstance(data, dict):
        problems.append(Problem(_display(path), "line 1", "", "must be a mapping of fields"))
        return None
    return _validate(ScenarioSpec, data, _display(path), "line 1", "", lines, problems)


def _parse_venues(path: Path, problems: list[Problem]) -> list[_Record[Venue]]:
    out: list[_Record[Venue]] = []
    for i, item, lines in _yaml_list(path, "venues", problems):
        label = _item_label("venue", item, i)
        where = f"line {lines.get((), 1)}"
        venue = _validate(Venue, item, _display(path), where, label, lines, problems)
        if venue is not None:
            out.append(_Record(venue, where, lines))
    return out


def _parse_routes(path: Path, problems: list[Problem]) -> list[_Record[Route]]:
    out: list[_Record[Route]] = []
    for i, item, lines in _yaml_list(path, "routes", problems):
        label = _item_label("route", item, i)
        where = f"line {lines.get((), 1)}"
        route = _validate(Route, item, _display(path), where, label, lines, problems)
        if route is not None:
            out.append(_Record(route, where, lines))
    return out


def _item_label(kind: str, item: Any, index: int) -> str:
    if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]:
        return f"{kind} {item['id']}"
    return f"{kind} #{index + 1}"


def _parse_delegates(path: Path, problems: list[Problem]) -> list[_Record[Delegate]]:
    name = _display(path)
    if path.suffix.lower() == ".xlsx":
        table = _read_xlsx(path, problems)
    elif path.suffix.lower() == ".csv":
        table = _read_csv(path, problems)
    else:
        problems.append(Problem(name, "", "", "delegates must be a .csv or .xlsx file"))
        return []
    if table is None:
        return []
    header, rows, unit = table
    missing = [c for c in DELEGATE_COLUMNS if c not in header]
    if missing:
        found = ", ".join(h for h in header if h) or "nothing"
        problems.append(
            Problem(
                name,
                f"{unit} 1",
                "",
                f"missing column(s) {', '.join(missing)} (found {found})",
            )
        )
        return []
    out: list[_Record[Delegate]] = []
    for number, cells in rows:
        record = dict(zip(header, cells, strict=False))
        if not any(str(v).strip() for v in record.values() if v is not None):
            continue
        data = _delegate_fields(record)
        where = f"{unit} {number}"
        label = f"delegate {data['id']}" if data.get("id") else ""
        delegate = _validate(Delegate, data, name, where, label, {}, problems)
        if delegate is not None:
            out.append(_Record(delegate, where))
    if not out and not [p for p in problems if p.file == name]:
        problems.append(Problem(name, "", "", "has a header but no delegates"))
    return out


def _delegate_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for column in DELEGATE_COLUMNS + DELEGATE_OPTIONAL:
        value = record.get(column)
        if value is None:
            continue
        if column in _LIST_COLUMNS:
            data[column] = _split_list(value)
        else:
            data[column] = str(value).strip()
    return data


def _split_list(value: Any) -> list[Any]:
    if isinstance(value, dt.datetime):
        return [value.date()]
    if isinstance(value, dt.date):
        return [value]
    parts = str(value).replace("；", ";").split(";")
    return [p.strip() for p in parts if p.strip()]


def _read_csv(
    path: Path, problems: list[Problem]
) -> tuple[list[str], list[tuple[int, list[Any]]], str] | None:
    text = _read_text(path, problems)
    if text is None:
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
        rows = []
        for cells in reader:
            rows.append((reader.line_num, cells))
    except csv.Error as err:
        problems.append(Problem(_display(path), f"line {reader.line_num}", "", f"bad CSV: {err}"))
        return None
    return header, rows, "line"


def _read_xlsx(
    path: Path, problems: list[Problem]
) -> tuple[list[str], list[tuple[int, list[Any]]], str] | None:
    import openpyxl

    name = _display(path)
    if not path.exists():
        problems.append(Problem(name, "", "", "file not found"))
        return None
    if path.stat().st_size == 0:
        problems.append(Problem(name, "", "", "file is empty"))
        return None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
        problems.append(Problem(name, "", "", f"is not a readable xlsx workbook ({err})"))
        return None
    try:
        sheet = book["delegates"] if "delegates" in book.sheetnames else book.worksheets[0]
        rows_iter = sheet.iter_rows(values_only=True)
        first = next(rows_iter, None)
        if first is None:
            problems.append(Problem(name, "", "", f"sheet '{sheet.title}' is empty"))
            return None
        header = [str(h).strip().lower() if h is not None else "" for h in first]
        if "id" not in header:
            problems.append(
                Problem(
                    name,
                    "row 1",
                    "",
                    f"sheet '{sheet.title}' is not a delegates table (no 'id' column); "
                    "put the delegates on the first sheet or on a sheet named 'delegates'",
                )
            )
            return None
        rows = [
            (number, ["" if c is None else c for c in cells])
            for number, cells in enumerate(rows_iter, start=2)
        ]
    finally:
        book.close()
    return header, rows, "row"


# ---------------------------------------------------------------------------------------------
# Cross-checks between files


def _duplicates(path: Path, records: Iterable[_Record[Any]], kind: str) -> list[Problem]:
    counts = Counter(getattr(r.model, "id") for r in records)  # noqa: B009
    seen: set[str] = set()
    out = []
    for r in records:
        ident = getattr(r.model, "id")  # noqa: B009
        if counts[ident] > 1:
            if ident in seen:
                out.append(Problem(_display(path), r.where, f"{kind} {ident}", "duplicate id"))
            seen.add(ident)
    return out


def _check_venues(path: Path, venues: list[_Record[Venue]]) -> list[Problem]:
    out = _duplicates(path, venues, "venue")
    south, north, west, east = HANGZHOU_BOUNDS
    name = _display(path)
    for r in venues:
        v = r.model
        lat, lon = v.location.lat, v.location.lon
        label = f"venue {v.id}"
        if not (south <= lat <= north and west <= lon <= east):
            if south <= lon <= north and west <= lat <= east:
                message = f"latitude {lat} and longitude {lon} look swapped"
            else:
                message = f"({lat}, {lon}) lies outside the Hangzhou region"
            out.append(Problem(name, r.line_of("location"), f"{label}: location", message))
        for day, windows in v.hours.items():
            ordered = sorted(windows, key=lambda w: w.start)
            for a, b in itertools.pairwise(ordered):
                if b.start < a.end:
                    out.append(
                        Problem(
                            name,
                            r.line_of("hours", day),
                            f"{label}: hours.{day}",
                            f"windows '{a}' and '{b}' overlap",
                        )
                    )
    return out


@dataclass
class _CrossCheck:
    path: Path
    spec: ScenarioSpec
    venues: list[_Record[Venue]]
    routes: list[_Record[Route]]
    delegates: list[_Record[Delegate]]
    catalogue_path: Path
    routes_path: Path

    def run(self) -> list[Problem]:
        out = _check_venues(self.catalogue_path, self.venues)
        out += _duplicates(self.routes_path, self.routes, "route")
        out += _duplicates(self.path.parent / self.spec.delegates, self.delegates, "delegate")
        out += self._routes()
        out += self._scenario()
        out += self._delegates()
        return out

    def _routes(self) -> list[Problem]:
        venue_ids = {v.model.id for v in self.venues}
        name = _display(self.routes_path)
        out = []
        for r in self.routes:
            route = r.model
            label = f"route {route.id}"
            pool = [v.id for v in route.venues]
            for i, vid in enumerate(pool):
                if vid not in venue_ids:
                    out.append(
                        Problem(
                            name,
                            r.line_of("venues", i),
                            f"{label}: venues[{i}]",
                            f"unknown venue '{vid}'",
                        )
                    )
            for vid, n in Counter(pool).items():
                if n > 1:
                    out.append(
                        Problem(
                            name,
                            r.line_of("venues"),
                            f"{label}: venues",
                            f"venue '{vid}' is listed {n} times",
                        )
                    )
            for i, vid in enumerate(route.must_visit):
                if vid not in pool:
                    out.append(
                        Problem(
                            name,
                            r.line_of("must_visit", i),
                            f"{label}: must_visit[{i}]",
                            f"'{vid}' is not among the route's venues",
                        )
                    )
            if route.min_stops > len(pool):
                out.append(
                    Problem(
                        name,
                        r.line_of("min_stops"),
                        f"{label}: min_stops",
                        f"{route.min_stops} stops but only {len(pool)} candidate venues",
                    )
                )
        return out

    def _scenario(self) -> list[Problem]:
        spec = self.spec
        name = _display(self.path)
        venues = {v.model.id: v.model for v in self.venues}
        route_ids = {r.model.id for r in self.routes}
        out = []

        def add(field_name: str, message: str) -> None:
            out.append(Problem(name, "", field_name, message))

        if spec.base not in venues and self.venues:
            add("base", f"'{spec.base}' is not a venue of the catalogue")
        for i, (d, n) in enumerate(Counter(spec.dates).items()):
            if n > 1:
                add(f"dates[{i}]", f"{d} is listed {n} times")
        if spec.dates != sorted(spec.dates):
            add("dates", "dates must be in calendar order")
        if spec.day.end <= spec.day.start:
            add("day.end", "the day ends before it starts")
        lo, hi = spec.lunch.window
        if hi < lo:
            add("lunch.window", "the lunch window ends before it starts")
        elif lo < spec.day.start or hi + spec.lunch.minutes > spec.day.end:
            add("lunch.window", "lunch must fit inside the day")
        for i, (bus, n) in enumerate(Counter(b.id for b in spec.fleet).items()):
            if n > 1:
                add(f"fleet[{i}]", f"bus type '{bus}' is listed {n} times")
        if sum(b.count for b in spec.fleet) == 0:
            add("fleet", "no bus runs: every count is 0")
        if spec.routes is not None:
            for i, rid in enumerate(spec.routes):
                if rid not in route_ids and self.routes:
                    add(f"routes[{i}]", f"unknown route '{rid}'")
        for i, o in enumerate(spec.overrides):
            if o.venue != "*" and o.venue not in venues and self.venues:
                add(f"overrides[{i}].venue", f"unknown venue '{o.venue}'")
            if o.date not in spec.dates:
                add(f"overrides[{i}].date", f"{o.date} is not one of the scenario's dates")
        if venues and not any(v.lunch for v in venues.values()):
            add("catalogue", "no venue of the catalogue serves lunch")
        return out

    def _delegates(self) -> list[Problem]:
        spec = self.spec
        name = _display(self.path.parent / spec.delegates)
        known = {r.model.id for r in self.routes}
        running = known if spec.routes is None else set(spec.routes) & known
        dates = set(spec.dates)
        out: list[Problem] = []
        if not self.routes:
            return out
        for r in self.delegates:
            d = r.model
            label = f"delegate {d.id}"
            unknown = [i for i in d.interests if i not in known]
            for rid in unknown:
                out.append(Problem(name, r.where, f"{label}: interests", f"unknown route '{rid}'"))
            if not unknown and not any(i in running for i in d.interests):
                out.append(
                    Problem(
                        name,
                        r.where,
                        f"{label}: interests",
                        "none of these routes runs in this scenario",
                    )
                )
            for day in d.available:
                if day not in dates:
                    out.append(
                        Problem(
                            name,
                            r.where,
                            f"{label}: available",
                            f"{day} is not one of the scenario's dates",
                        )
                    )
        return out
