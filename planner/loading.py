"""Reading and checking a scenario: the only code that reads the coordinator's files.

``load_scenario(path)`` parses the scenario YAML, the venue catalogue, the routes and the
delegates table (CSV or xlsx), validates each record with the models, cross-checks them
against each other, and returns a frozen :class:`~findhz.planner.models.Scenario`. Every problem of
every file is collected first and raised together as one :class:`~findhz.planner.errors.InputError`,
one line per problem naming the file, the line or row, the field and what is wrong.

A record that fails validation still lends its id to the cross-checks, so one bad venue is
reported once, not again by every route and override that names it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import logging
import re
import stat
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from findhz.planner.bundled import bundled_routes
from findhz.planner.errors import InputError, Problem
from findhz.planner.models import (
    DELEGATE_ID_PATTERN,
    SLUG_PATTERN,
    Delegate,
    Route,
    Scenario,
    ScenarioSpec,
    Venue,
)
from findhz.planner.naming import file_name_problem

__all__ = [
    "HANGZHOU_BOUNDS",
    "cell_text",
    "load_catalogue",
    "load_delegates",
    "load_routes",
    "load_scenario",
]

log = logging.getLogger(__name__)

#: The Hangzhou municipality (with a margin): (south, north, west, east) in degrees WGS-84.
HANGZHOU_BOUNDS = (29.10, 30.65, 118.30, 120.80)
DELEGATE_COLUMNS = ("id", "name", "country", "interests")
DELEGATE_OPTIONAL = ("organisation", "field", "languages", "available", "needs")

#: The largest input file findhz reads (a catalogue, a scenario or a delegates table).
MAX_INPUT_BYTES = 50 * 2**20
#: The most delegates a table may hold.
MAX_DELEGATES = 20_000

#: Columns findhz knows it does not read (free text for the coordinator).
IGNORED_COLUMNS = ("note", "notes", "comment", "comments")

#: Headers that registration exports use for our columns (compared in lower case, with runs
#: of spaces, underscores and hyphens as one space). A header that is neither ours nor listed
#: here is not read; the loader says so in one warning line.
HEADER_ALIASES: Mapping[str, str] = {
    "delegate id": "id",
    "registration id": "id",
    "no": "id",
    "编号": "id",
    "full name": "name",
    "delegate name": "name",
    "姓名": "name",
    "country region": "country",
    "country or region": "country",
    "country/region": "country",
    "nationality": "country",
    "国家": "country",
    "国家/地区": "country",
    "国家或地区": "country",
    "organization": "organisation",
    "affiliation": "organisation",
    "institution": "organisation",
    "university": "organisation",
    "employer": "organisation",
    "单位": "organisation",
    "工作单位": "organisation",
    "research field": "field",
    "discipline": "field",
    "major": "field",
    "研究领域": "field",
    "专业": "field",
    "interest": "interests",
    "routes": "interests",
    "route interests": "interests",
    "preferred routes": "interests",
    "意向路线": "interests",
    "language": "languages",
    "languages spoken": "languages",
    "语言": "languages",
    "availability": "available",
    "available dates": "available",
    "dates available": "available",
    "可参加日期": "available",
    "need": "needs",
    "special needs": "needs",
    "dietary requirements": "needs",
    "dietary needs": "needs",
    "dietary": "needs",
    "accessibility": "needs",
    "特殊需求": "needs",
    "需求": "needs",
}
_LIST_COLUMNS = ("interests", "languages", "available", "needs")
_PATTERN_HINTS = {
    SLUG_PATTERN: "is not a valid id (use lowercase letters, digits and single hyphens)",
    DELEGATE_ID_PATTERN: "is not a valid delegate id (use letters, digits and single hyphens)",
    r"^#[0-9a-fA-F]{6}$": "is not a colour (write it as #rrggbb, e.g. #1f77b4)",
}
_LONGEST_VALUE = 60
_KINDS = {
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
}
_BOUNDS = {
    "greater_than_equal": "must be at least",
    "less_than_equal": "must be at most",
    "greater_than": "must be more than",
    "less_than": "must be less than",
}

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
Lines = dict[tuple[Any, ...], int]


# ---------------------------------------------------------------------------------------------
# Public entry points


def load_scenario(path: str | Path) -> Scenario:
    """Load a scenario and everything it names; raise ``InputError`` listing every problem."""
    path = Path(path)
    problems: list[Problem] = []
    folder = path.parent
    data, spec_lines = _load_yaml(path, problems)
    spec = _parse_spec(path, data, spec_lines, problems)
    if spec is None:
        _check_named_files(folder, data, problems)
        raise InputError(_one_line_each(problems))

    catalogue_path = _resolve(folder, spec.catalogue, "venues.yaml")
    routes_path = _resolve(folder, spec.themes, "themes.yaml")
    venues = _parse_venues(catalogue_path, problems)
    routes = _parse_routes(routes_path, problems)
    delegates = _parse_delegates(folder / spec.delegates, problems)

    checks = _CrossCheck(
        path, spec, spec_lines, venues, routes, delegates, catalogue_path, routes_path
    )
    problems.extend(checks.run())
    if problems:
        raise InputError(_one_line_each(problems))
    return Scenario(
        spec=spec,
        venues={v.model.id: v.model for v in venues.records},
        routes={r.model.id: r.model for r in routes.records},
        delegates=tuple(d.model for d in delegates.records),
        source=str(path),
        notices=tuple(delegates.notices),
    )


def load_catalogue(path: str | Path) -> dict[str, Venue]:
    """Load a venue catalogue on its own (with the checks that need no scenario)."""
    problems: list[Problem] = []
    venues = _parse_venues(Path(path), problems)
    problems.extend(_check_venues(Path(path), venues.records))
    if problems:
        raise InputError(_one_line_each(problems))
    return {v.model.id: v.model for v in venues.records}


def load_routes(path: str | Path) -> dict[str, Route]:
    """Load a routes file on its own."""
    problems: list[Problem] = []
    routes = _parse_routes(Path(path), problems)
    problems.extend(_duplicates(Path(path), routes.records, "route"))
    if problems:
        raise InputError(_one_line_each(problems))
    return {r.model.id: r.model for r in routes.records}


def load_delegates(path: str | Path) -> list[Delegate]:
    """Load a delegates table (CSV, or the first sheet of an xlsx) on its own."""
    problems: list[Problem] = []
    delegates = _parse_delegates(Path(path), problems)
    problems.extend(_duplicates(Path(path), delegates.records, "delegate"))
    if problems:
        raise InputError(_one_line_each(problems))
    return [d.model for d in delegates.records]


# ---------------------------------------------------------------------------------------------
# Records with where they came from


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


@dataclass
class _Parsed(Generic[T]):
    """The valid records of a file, and the ids named in it (valid records or not).

    References into the file are checked only when it ``knows_ids``: it could be read and
    every record in it has an id. Otherwise its own problems already say what is wrong.
    """

    records: list[_Record[T]] = field(default_factory=list)
    named: set[str] = field(default_factory=set)
    readable: bool = False
    invalid: int = 0
    notices: list[str] = field(default_factory=list)
    anonymous: int = 0

    @property
    def knows_ids(self) -> bool:
        return self.readable and not self.anonymous


def _resolve(folder: Path, named: str | None, default: str) -> Path:
    return folder / named if named else bundled_routes() / default


def _display(path: Path) -> str:
    return str(path)


def _one_line_each(problems: Iterable[Problem]) -> list[Problem]:
    """Problems with line breaks and other control characters escaped: one line each."""

    def flat(text: str) -> str:
        return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)

    return [Problem(flat(p.file), p.where, flat(p.field), flat(p.message)) for p in problems]


# ---------------------------------------------------------------------------------------------
# Text files and YAML with line numbers


def _read_bytes(path: Path, problems: list[Problem]) -> bytes | None:
    name = _display(path)
    try:
        if not path.exists():
            problems.append(Problem(name, "", "", "file not found"))
            return None
        if path.is_dir():
            problems.append(Problem(name, "", "", "is a folder, not a file"))
            return None
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            problems.append(
                Problem(name, "", "", "is not a file (a device, a pipe or a socket); name a file")
            )
            return None
        if info.st_size > MAX_INPUT_BYTES:
            problems.append(Problem(name, "", "", _too_large(info.st_size)))
            return None
        with path.open("rb") as stream:
            data = stream.read(MAX_INPUT_BYTES + 1)
        if len(data) > MAX_INPUT_BYTES:  # it grew while being read
            problems.append(Problem(name, "", "", _too_large(len(data))))
            return None
    except (OSError, ValueError) as err:
        problems.append(Problem(name, "", "", f"cannot be read ({err})"))
        return None
    if not data.strip():
        problems.append(Problem(name, "", "", "file is empty"))
        return None
    return data


def _too_large(size: int) -> str:
    return (
        f"is {size / 2**20:.1f} MiB; findhz reads input files of at most "
        f"{MAX_INPUT_BYTES // 2**20} MiB"
    )


def _read_text(path: Path, problems: list[Problem]) -> str | None:
    data = _read_bytes(path, problems)
    if data is None:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        problems.append(
            Problem(
                _display(path),
                f"line {line}",
                "",
                f"is not UTF-8 text (byte 0x{data[err.start]:02x}); save the file as UTF-8"
                + (" (in Excel: CSV UTF-8)" if path.suffix.lower() == ".csv" else ""),
            )
        )
        return None


class _Loader(yaml.SafeLoader):
    """The safe loader, reporting where a value cannot become a Python object.

    PyYAML raises a bare ``ValueError`` for a timestamp such as ``2024-09-31``; this turns it
    into a ``ConstructorError`` that carries the value's line.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, OverflowError) as err:
            raise yaml.constructor.ConstructorError(
                None, None, f"'{node.value}' cannot be read ({err})", node.start_mark
            ) from None


def _load_yaml(path: Path, problems: list[Problem]) -> tuple[Any, Lines]:
    """Parse YAML; return the data and a map from key paths to 1-based line numbers.

    Any problem is added to ``problems`` and the data returned is then ``None``.
    """
    text = _read_text(path, problems)
    if text is None:
        return None, {}
    name = _display(path)
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as err:
        line = text[: err.position].count("\n") + 1
        problems.append(
            Problem(
                name,
                f"line {line}",
                "",
                f"contains a control character (#x{err.character:04x}) that YAML does not allow",
            )
        )
        return None, {}
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        reason = getattr(err, "problem", None) or str(err).splitlines()[0]
        if "'\\t'" in reason:
            reason += " (indent with spaces, not tabs)"
        problems.append(Problem(name, where, "", f"is not valid YAML: {reason}"))
        return None, {}
    except RecursionError:
        problems.append(Problem(name, "", "", "is not valid YAML: nested too deeply"))
        return None, {}
    finally:
        loader.dispose()
    if node is None or data is None:
        problems.append(Problem(name, "", "", "has nothing in it but comments"))
        return None, {}
    lines: Lines = {}
    _index_lines(node, (), lines, name, problems, set())
    return data, lines


def _index_lines(
    node: yaml.Node,
    key: tuple[Any, ...],
    lines: Lines,
    name: str,
    problems: list[Problem],
    seen: set[int],
) -> None:
    if id(node) in seen:  # an alias: its lines were indexed where the anchor is
        return
    seen.add(id(node))
    lines.setdefault(key, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        first: dict[Any, int] = {}
        for k, v in node.value:
            label = k.value if isinstance(k, yaml.ScalarNode) else None
            if label is None:
                continue
            line = k.start_mark.line + 1
            if label in first and label != "<<":
                problems.append(
                    Problem(
                        name,
                        f"line {line}",
                        _format_loc((*key, label)),
                        f"appears twice in the same place (first on line {first[label]}); keep one",
                    )
                )
                continue
            first[label] = line
            child = (*key, label)
            lines[child] = line  # a key's own line wins over where its value starts
            _index_lines(v, child, lines, name, problems, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _index_lines(v, (*key, i), lines, name, problems, seen)


def _line(lines: Mapping[tuple[Any, ...], int], *key: Any, default: str = "") -> str:
    """The line of the deepest known prefix of ``key``."""
    for cut in range(len(key), 0, -1):
        line = lines.get(tuple(key[:cut]))
        if line is not None:
            return f"line {line}"
    return default


def _yaml_list(path: Path, key: str, problems: list[Problem]) -> Iterator[tuple[int, Any, Lines]]:
    """The items of the top-level list ``key`` of a YAML file, with per-item line maps."""
    data, lines = _load_yaml(path, problems)
    if data is None:
        return
    name = _display(path)
    if not isinstance(data, dict) or key not in data:
        found = ", ".join(sorted(map(str, data))) if isinstance(data, dict) else ""
        problems.append(
            Problem(
                name,
                "line 1",
                key,
                f"the file has no top-level '{key}:' list"
                + (f" (found: {found})" if found else ""),
            )
        )
        return
    for k in sorted((k for k in data if k != key), key=str):
        problems.append(
            Problem(name, f"line {lines.get((k,), 1)}", str(k), "is not a known top-level key")
        )
    items = data[key]
    if not isinstance(items, list) or not items:
        problems.append(
            Problem(name, f"line {lines.get((key,), 1)}", key, "must be a non-empty list")
        )
        return
    by_item: dict[int, Lines] = {}
    for k, line in lines.items():
        if len(k) >= 2 and k[0] == key and isinstance(k[1], int):
            by_item.setdefault(k[1], {})[k[2:]] = line
    for i, item in enumerate(items):
        yield i, item, by_item.get(i, {})


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
    return tuple(p for p in loc if not (isinstance(p, str) and p.endswith("]") and "[" in p))


def _shown(value: Any) -> str:
    text = repr(value)
    if len(text) > _LONGEST_VALUE:
        text = text[: _LONGEST_VALUE - 3] + "..."
    return text


def _message(error: Mapping[str, Any]) -> str:
    """A pydantic error in words a coordinator understands."""
    kind = str(error["type"])
    msg = str(error["msg"])
    value = error.get("input")
    context = error.get("ctx") or {}
    got = f" (got {_shown(value)})" if isinstance(value, str | int | float) else ""
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field (check its spelling)"
    if kind == "string_pattern_mismatch":
        hint = _PATTERN_HINTS.get(str(context.get("pattern")))
        return f"{_shown(value)} {hint}" if hint else f"{_shown(value)} has the wrong form"
    if kind == "string_too_short" and context.get("min_length") == 1:
        return "must not be empty"
    if kind == "too_long":
        return f"must list at most {context.get('max_length')} item(s)"
    if kind == "invalid_key":
        return "is not a known field (field names are words)"
    if kind == "too_short":
        return f"must list at least {context.get('min_length')} item(s)"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return f"must be a mapping of fields (key: value){got}"
    if kind in {"list_type", "tuple_type"}:
        return f"must be a list{got}"
    if kind.startswith("date_"):
        return f"must be a date YYYY-MM-DD{got}"
    if kind in _KINDS:
        return _KINDS[kind] + got
    if kind in _BOUNDS:
        return f"{_BOUNDS[kind]} {next(iter(context.values()), '')}{got}"
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    if msg.startswith("Input should be "):
        msg = "must be " + msg[len("Input should be ") :]
    elif msg[:1].isupper():
        msg = msg[0].lower() + msg[1:]
    return msg + got


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
            line = _line(lines, *loc, default=where)
            field_name = _format_loc(loc)
            field_text = f"{label}: {field_name}" if label and field_name else label or field_name
            problems.append(Problem(file, line, field_text, _message(error)))
        return None


# ---------------------------------------------------------------------------------------------
# The four parsers


def _parse_spec(
    path: Path, data: Any, lines: Lines, problems: list[Problem]
) -> ScenarioSpec | None:
    if data is None:  # _load_yaml said why
        return None
    if not isinstance(data, dict):
        problems.append(
            Problem(_display(path), "line 1", "", "must be a mapping of fields (key: value)")
        )
        return None
    return _validate(ScenarioSpec, data, _display(path), "line 1", "", lines, problems)


def _check_named_files(folder: Path, data: Any, problems: list[Problem]) -> None:
    """Check the files a broken scenario names, each on its own, so all problems show at once."""
    if not isinstance(data, dict):
        return
    # a name that is not text, or holds a control character, is a problem of the scenario itself
    named = {
        key: value
        for key in ("catalogue", "themes", "delegates")
        if (value := data.get(key)) is None or (isinstance(value, str) and value.isprintable())
    }
    if "catalogue" in named:
        catalogue = _resolve(folder, named["catalogue"], "venues.yaml")
        problems.extend(_check_venues(catalogue, _parse_venues(catalogue, problems).records))
    if "themes" in named:
        themes = _resolve(folder, named["themes"], "themes.yaml")
        problems.extend(_duplicates(themes, _parse_routes(themes, problems).records, "route"))
    delegates_name = named.get("delegates")
    if delegates_name is not None and delegates_name.strip():
        table = folder / delegates_name.strip()
        delegates = _parse_delegates(table, problems)
        problems.extend(_duplicates(table, delegates.records, "delegate"))


def _parse_items(
    path: Path, key: str, kind: str, model: type[M], problems: list[Problem]
) -> _Parsed[M]:
    parsed: _Parsed[M] = _Parsed()
    name = _display(path)
    for i, item, lines in _yaml_list(path, key, problems):
        parsed.readable = True
        ident = item.get("id") if isinstance(item, dict) else None
        if isinstance(ident, str) and ident:
            parsed.named.add(ident)
            label = f"{kind} {ident}"
        else:
            parsed.anonymous += 1
            label = f"{kind} #{i + 1}"
        where = f"line {lines.get((), 1)}"
        record = _validate(model, item, name, where, label, lines, problems)
        if record is None:
            parsed.invalid += 1
        else:
            parsed.records.append(_Record(record, where, lines))
    return parsed


def _parse_venues(path: Path, problems: list[Problem]) -> _Parsed[Venue]:
    return _parse_items(path, "venues", "venue", Venue, problems)


def _parse_routes(path: Path, problems: list[Problem]) -> _Parsed[Route]:
    return _parse_items(path, "routes", "route", Route, problems)


Table = tuple[list[str], list[tuple[int, list[Any]]], str]


def _parse_delegates(path: Path, problems: list[Problem]) -> _Parsed[Delegate]:
    name = _display(path)
    parsed: _Parsed[Delegate] = _Parsed()
    suffix = path.suffix.lower()
    table: Table | None
    if suffix == ".xlsx":
        table = _read_xlsx(path, problems)
    elif suffix == ".csv":
        table = _read_csv(path, problems)
    else:
        problems.append(
            Problem(name, "", "", "the delegates table must be a .csv or an .xlsx file")
        )
        return parsed
    if table is None:
        return parsed
    raw_header, rows, unit = table
    if len(rows) > MAX_DELEGATES:
        problems.append(
            Problem(
                name,
                "",
                "",
                f"holds more than {MAX_DELEGATES:,} rows; findhz plans at most "
                f"{MAX_DELEGATES:,} delegates",
            )
        )
        return parsed
    header = [_known_header(h) for h in raw_header]
    unused = [
        raw
        for raw, h in zip(raw_header, header, strict=True)
        if h and h not in _ALL and h not in IGNORED_COLUMNS
    ]
    if unused:
        parsed.notices.append(_unused_columns(name, unit, unused))
    missing = [c for c in DELEGATE_COLUMNS if c not in header]
    if missing:
        found = ", ".join(h for h in header if h) or "nothing"
        problems.append(
            Problem(
                name,
                f"{unit} 1",
                "",
                f"missing column(s) {', '.join(missing)} (the header has {found})",
            )
        )
        return parsed
    for column, n in Counter(h for h in header if h).items():
        if n > 1:
            problems.append(
                Problem(name, f"{unit} 1", column, f"the column appears {n} times; keep one")
            )
    parsed.readable = True
    filled = 0
    for number, cells in rows:
        if not any(cell_text(c) for c in cells):
            continue
        filled += 1
        where = f"{unit} {number}"
        if unit == "line" and len(cells) > len(header):  # a CSV cell with an unquoted comma
            problems.append(
                Problem(
                    name,
                    where,
                    "",
                    f"has {len(cells)} cells but the header has {len(header)} columns "
                    "(put text that contains commas in double quotes)",
                )
            )
            continue
        record = dict(zip(header, cells, strict=False))
        interests = cell_text(record.get("interests"))
        if "," in interests and ";" not in interests:
            row_id = cell_text(record.get("id"))
            problems.append(
                Problem(
                    name,
                    where,
                    f"delegate {row_id}: interests" if row_id else "interests",
                    f"separate choices with ; (got '{interests}'), best first",
                )
            )
            continue
        data = _delegate_fields(record)
        ident = data.get("id")
        if isinstance(ident, str) and ident:
            parsed.named.add(ident)
        label = f"delegate {ident}" if ident else ""
        delegate = _validate(Delegate, data, name, where, label, {}, problems)
        if delegate is not None:
            parsed.records.append(_Record(delegate, where))
    if not filled:
        problems.append(Problem(name, "", "", "has a header but no delegates"))
    return parsed


def cell_text(value: Any) -> str:
    """A cell as text: integral numbers without ``.0``, dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_ALL = DELEGATE_COLUMNS + DELEGATE_OPTIONAL


def _known_header(header: str) -> str:
    """Our name for a column header: ``Organization`` -> ``organisation``; else as it was."""
    key = re.sub(r"[\s_\-]+", " ", header.strip().lower())
    if key in _ALL:
        return key
    return HEADER_ALIASES.get(key, HEADER_ALIASES.get(key.replace(" ", ""), header.strip()))


def _unused_columns(name: str, unit: str, unused: list[str]) -> str:
    """One warning line for the columns findhz does not read, with the closest names."""
    import difflib

    described = []
    for column in unused:
        close = difflib.get_close_matches(column.lower(), [*_ALL, *HEADER_ALIASES], 1, 0.75)
        hint = f" (did you mean {_known_header(close[0])}?)" if close else ""
        described.append(f"'{column}'{hint}")
    return (
        f"{name}: {unit} 1: column(s) {', '.join(described)} not read; findhz reads "
        f"{', '.join(_ALL)}"
    )


def _delegate_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for column in DELEGATE_COLUMNS + DELEGATE_OPTIONAL:
        value = record.get(column)
        if value is None:
            continue
        if column in _LIST_COLUMNS:
            data[column] = _split_list(value)
        else:
            data[column] = cell_text(value)
    return data


def _split_list(value: Any) -> list[str]:
    parts = cell_text(value).replace("；", ";").split(";")
    return [p.strip() for p in parts if p.strip()]


def _read_csv(path: Path, problems: list[Problem]) -> Table | None:
    text = _read_text(path, problems)
    if text is None:
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[Any]]] = []
    try:
        header = [h.strip().lstrip("\ufeff").lower() for h in next(reader, [])]
        last = reader.line_num
        for cells in itertools.islice(reader, MAX_DELEGATES + 1):
            rows.append((last + 1, cells))  # the line where the record starts
            last = reader.line_num
    except csv.Error as err:
        problems.append(
            Problem(_display(path), f"line {reader.line_num}", "", f"is not a valid CSV: {err}")
        )
        return None
    return header, rows, "line"


def _read_xlsx(path: Path, problems: list[Problem]) -> Table | None:
    import openpyxl

    name = _display(path)
    if _read_bytes(path, problems) is None:
        return None
    try:
        with warnings.catch_warnings():  # style warnings mean nothing to a coordinator
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds on a file that is no workbook
        log.debug("openpyxl cannot read %s: %r", path, err)
        problems.append(
            Problem(name, "", "", "is not an Excel workbook (.xlsx); save it as .xlsx or CSV")
        )
        return None
    try:
        sheets = book.sheetnames
        sheet = book["delegates"] if "delegates" in sheets else book.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            # a workbook may declare 1,048,576 x 16,384 cells in a few bytes: read only the
            # cells it holds, never the size it claims
            sheet.reset_dimensions()
        rows_iter = sheet.iter_rows(values_only=True)
        first = next(rows_iter, None)
        header = [cell_text(h).lower() for h in first or ()]
        if "id" not in header:
            problems.append(
                Problem(
                    name,
                    "row 1",
                    "",
                    f"sheet '{sheet.title}' is not a delegates table (no 'id' column in its "
                    "first row); put the delegates on the first sheet or on a sheet named "
                    f"'delegates' (the workbook has: {', '.join(sheets)})",
                )
            )
            return None
        numbered = enumerate(rows_iter, start=2)
        rows = [(n, list(c)) for n, c in itertools.islice(numbered, MAX_DELEGATES + 1)]
    except Exception as err:  # a damaged sheet fails while it is read
        log.debug("openpyxl cannot read the rows of %s: %r", path, err)
        problems.append(Problem(name, "", "", "the workbook is damaged and cannot be read"))
        return None
    finally:
        book.close()
    return header, rows, "row"


# ---------------------------------------------------------------------------------------------
# Cross-checks between files


def _duplicates(path: Path, records: Iterable[_Record[Any]], kind: str) -> list[Problem]:
    """Ids must differ in more than letter case (their pages share a folder), and delegates'
    and venues' ids must be names every file system accepts."""
    first: dict[str, tuple[str, str]] = {}
    out = []
    for r in records:
        ident = str(r.model.id)
        key = ident.casefold()
        if key in first:
            other, where = first[key]
            message = (
                f"duplicate id (first at {where})"
                if other == ident
                else f"differs from {other} (at {where}) only in letter case; make them differ"
            )
            out.append(Problem(_display(path), r.where, f"{kind} {ident}", message))
        else:
            first[key] = (ident, r.where)
        if kind in ("delegate", "venue") and (problem := file_name_problem(ident)):
            out.append(Problem(_display(path), r.where, f"{kind} {ident}", f"id {problem}"))
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
                message = (
                    f"latitude {lat} and longitude {lon} look swapped: latitude comes first "
                    "(about 30 in Hangzhou), then longitude (about 120)"
                )
            else:
                message = (
                    f"({lat}, {lon}) lies outside the Hangzhou region (latitude "
                    f"{south}-{north}, longitude {west}-{east}, WGS-84)"
                )
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
    spec_lines: Lines
    venues: _Parsed[Venue]
    routes: _Parsed[Route]
    delegates: _Parsed[Delegate]
    catalogue_path: Path
    routes_path: Path

    def run(self) -> list[Problem]:
        out = _check_venues(self.catalogue_path, self.venues.records)
        out += _duplicates(self.routes_path, self.routes.records, "route")
        out += _duplicates(
            self.path.parent / self.spec.delegates, self.delegates.records, "delegate"
        )
        out += self._routes()
        out += self._scenario()
        out += self._delegates()
        return out

    def _routes(self) -> list[Problem]:
        if not self.venues.knows_ids:
            return []
        venue_ids = self.venues.named
        name = _display(self.routes_path)
        out = []
        for r in self.routes.records:
            route = r.model
            label = f"route {route.id}"
            pool = [v.id for v in route.venues]
            seen: set[str] = set()
            for i, vid in enumerate(pool):
                if vid not in venue_ids:
                    message = f"unknown venue '{vid}'"
                    out.append(
                        Problem(name, r.line_of("venues", i), f"{label}: venues[{i}]", message)
                    )
                if vid in seen:
                    out.append(
                        Problem(
                            name,
                            r.line_of("venues", i),
                            f"{label}: venues[{i}]",
                            f"venue '{vid}' is listed twice",
                        )
                    )
                seen.add(vid)
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
            if route.min_stops > len(set(pool)):
                out.append(
                    Problem(
                        name,
                        r.line_of("min_stops"),
                        f"{label}: min_stops",
                        f"{route.min_stops} stops but only {len(set(pool))} candidate venues",
                    )
                )
        return out

    def _scenario(self) -> list[Problem]:
        spec = self.spec
        name = _display(self.path)
        venues = {v.model.id: v.model for v in self.venues.records}
        out = []

        def add(key: tuple[Any, ...], message: str) -> None:
            out.append(Problem(name, _line(self.spec_lines, *key), _format_loc(key), message))

        if self.venues.knows_ids and spec.base not in self.venues.named:
            add(("base",), f"'{spec.base}' is not a venue of the catalogue")
        seen_dates: set[dt.date] = set()
        for i, d in enumerate(spec.dates):
            if d in seen_dates:
                add(("dates", i), f"{d} is listed twice")
            seen_dates.add(d)
        if spec.dates != sorted(spec.dates):
            add(("dates",), "the dates must be in calendar order")
        if spec.day.end <= spec.day.start:
            add(("day", "end"), "the day ends before it starts")
        lo, hi = spec.lunch.window
        if hi < lo:
            add(("lunch", "window"), "the lunch window ends before it starts")
        elif spec.day.start < spec.day.end and (
            lo < spec.day.start or hi + spec.lunch.minutes > spec.day.end
        ):
            add(
                ("lunch", "window"),
                "lunch must fit inside the day (start no earlier than day.start, "
                "end no later than day.end)",
            )
        seen_buses: set[str] = set()
        for i, bus in enumerate(spec.fleet):
            if bus.id in seen_buses:
                add(("fleet", i, "id"), f"bus type '{bus.id}' is listed twice")
            seen_buses.add(bus.id)
        if sum(b.count for b in spec.fleet) == 0:
            add(("fleet",), "no bus runs: every count is 0")
        most_seats = max((b.seats for b in spec.fleet), default=0)
        if spec.min_riders > most_seats:
            add(
                ("min_riders",),
                f"{spec.min_riders} riders, but no bus of the fleet has more than "
                f"{most_seats} seats",
            )
        for rid, own in spec.route_settings.items():
            if self.routes.knows_ids and rid not in self.routes.named:
                add(("route_settings", rid), f"unknown route '{rid}'")
            elif spec.routes is not None and rid not in spec.routes:
                add(("route_settings", rid), f"route '{rid}' does not run in this scenario")
            if own.min_riders is not None and own.min_riders > most_seats:
                add(
                    ("route_settings", rid, "min_riders"),
                    f"{own.min_riders} riders, but no bus of the fleet has more than "
                    f"{most_seats} seats",
                )
            for i, d in enumerate(own.dates or []):
                if d not in spec.dates:
                    add(
                        ("route_settings", rid, "dates", i),
                        f"{d} is not one of the scenario's dates",
                    )
        if spec.routes is not None and self.routes.knows_ids:
            for i, rid in enumerate(spec.routes):
                if rid not in self.routes.named:
                    add(("routes", i), f"unknown route '{rid}'")
        overridden: dict[tuple[str, dt.date], int] = {}
        for i, o in enumerate(spec.overrides):
            if (o.venue, o.date) in overridden:
                add(
                    ("overrides", i),
                    f"'{o.venue}' on {o.date} is already overridden by overrides"
                    f"[{overridden[o.venue, o.date]}]; keep one line per venue and date",
                )
            overridden.setdefault((o.venue, o.date), i)
            if o.venue != "*" and self.venues.knows_ids and o.venue not in self.venues.named:
                add(
                    ("overrides", i, "venue"),
                    f"unknown venue '{o.venue}' (use a venue id, or \"*\" for every venue)",
                )
            if o.date not in spec.dates:
                add(("overrides", i, "date"), f"{o.date} is not one of the scenario's dates")
        self._pins(add)
        if venues and not self.venues.invalid and not any(v.lunch for v in venues.values()):
            add(("catalogue",), "no venue of the catalogue serves lunch (lunch: true)")
        self._morning(add)
        return out

    def _pins(self, add: Callable[[tuple[Any, ...], str], None]) -> None:
        """Each pin of a delegate names a delegate who chose that route and can come that
        day, on a date the route runs; one pin per delegate and date; a group once."""
        spec = self.spec
        delegates = {r.model.id: r.model for r in self.delegates.records}
        seen: dict[tuple[str, dt.date], int] = {}
        groups: dict[str, int] = {}
        for i, pin in enumerate(spec.pins):
            if pin.group is not None:
                if pin.group in groups:
                    add(
                        ("pins", i),
                        f"group '{pin.group}' is pinned twice (pins[{groups[pin.group]}])",
                    )
                groups.setdefault(pin.group, i)
                continue
            assert pin.delegate is not None and pin.route is not None and pin.date is not None
            key = (pin.delegate, pin.date)
            if key in seen:
                add(
                    ("pins", i),
                    f"delegate {pin.delegate} is already pinned on {pin.date} by pins[{seen[key]}]",
                )
            seen.setdefault(key, i)
            delegate = delegates.get(pin.delegate)
            if delegate is None:
                add(("pins", i, "delegate"), f"no delegate {pin.delegate} in the delegates table")
                continue
            if self.routes.knows_ids and pin.route not in self.routes.named:
                add(("pins", i, "route"), f"unknown route '{pin.route}'")
            elif pin.route not in delegate.interests:
                add(
                    ("pins", i, "route"),
                    f"route '{pin.route}' is not among {pin.delegate}'s interests "
                    f"({', '.join(delegate.interests)})",
                )
            elif spec.routes is not None and pin.route not in spec.routes:
                add(("pins", i, "route"), f"route '{pin.route}' does not run in this scenario")
            own = spec.route_settings.get(pin.route)
            if pin.date not in spec.dates:
                add(("pins", i, "date"), f"{pin.date} is not one of the scenario's dates")
            elif delegate.available and pin.date not in delegate.available:
                add(("pins", i, "date"), f"{pin.delegate} cannot come on {pin.date}")
            elif own is not None and own.dates and pin.date not in own.dates:
                add(("pins", i, "date"), f"route '{pin.route}' does not run on {pin.date}")

    def _morning(self, add: Callable[[tuple[Any, ...], str], None]) -> None:
        """The morning's notes name venues and groups that exist."""
        morning = self.spec.morning
        if self.venues.knows_ids:
            for vid in morning.meeting_points:
                if vid not in self.venues.named:
                    add(("morning", "meeting_points", vid), f"unknown venue '{vid}'")
                elif vid != self.spec.base:
                    add(
                        ("morning", "meeting_points", vid),
                        f"'{vid}' is not the scenario's base '{self.spec.base}': buses leave "
                        "only from the base",
                    )
            for vid in morning.venues:
                if vid not in self.venues.named:
                    add(("morning", "venues", vid), f"unknown venue '{vid}'")
        for gid in morning.buses:
            if file_name_problem(gid):
                add(
                    ("morning", "buses", gid),
                    f"'{gid}' is not a group id (use the ids of plan.json, e.g. "
                    "2024-09-28-smart-iot-1)",
                )

    def _delegates(self) -> list[Problem]:
        spec = self.spec
        name = _display(self.path.parent / spec.delegates)
        out: list[Problem] = []
        if not self.routes.knows_ids:
            return out
        known = self.routes.named
        running = known if spec.routes is None else set(spec.routes) & known
        dates = set(spec.dates)
        for r in self.delegates.records:
            d = r.model
            label = f"delegate {d.id}"
            unknown = [i for i in d.interests if i not in known]
            for rid, n in Counter(d.interests).items():
                if n > 1:
                    out.append(
                        Problem(
                            name,
                            r.where,
                            f"{label}: interests",
                            f"route '{rid}' is listed {n} times; list each route once, best first",
                        )
                    )
            for rid in unknown:
                out.append(
                    Problem(
                        name,
                        r.where,
                        f"{label}: interests",
                        f"unknown route '{rid}'",
                    )
                )
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
