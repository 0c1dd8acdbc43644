"""Property: whatever a coordinator's files hold, the loader loads them or raises InputError.

A valid small scenario (as Python data) is mutated at random: keys deleted or added, values
replaced by garbage of another type, list items duplicated or dropped, coordinates swapped,
CSV cells and columns damaged, bytes corrupted, files truncated. ``load_scenario`` must return
a :class:`Scenario` or raise :class:`InputError` whose problems print one line each; any other
exception is a loader bug. The run is derandomized, so CI sees the same examples every time.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from findhz.planner.errors import InputError
from findhz.planner.loading import load_scenario
from findhz.planner.models import Scenario

VALID = Path(__file__).parent / "data" / "valid"
FILES = ("scenario.yaml", "venues.yaml", "themes.yaml", "delegates.csv")


def _base() -> dict[str, Any]:
    """The valid scenario as data: three YAML documents and the delegates table as rows."""
    data: dict[str, Any] = {
        name: yaml.safe_load((VALID / name).read_text(encoding="utf-8")) for name in FILES[:3]
    }
    with (VALID / "delegates.csv").open(encoding="utf-8", newline="") as handle:
        data["delegates.csv"] = [list(row) for row in csv.reader(handle)]
    return data


BASE = _base()

garbage = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["", " ", "*", "-", "24:00", "9:30", "09:00-08:00", "2024-02-30", "../x"]),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
    st.lists(st.text(max_size=4), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


def _containers(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every dict and list inside a YAML document (the document itself included)."""
    out = [path] if isinstance(value, dict | list) else []
    if isinstance(value, dict):
        for key, child in value.items():
            out += _containers(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            out += _containers(child, (*path, i))
    return out


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        document = document[key]
    return document


def _mutate_yaml(draw: st.DrawFn, document: Any) -> Any:
    if not isinstance(document, dict | list):
        return draw(garbage)
    path = draw(st.sampled_from(_containers(document)))
    node = _at(document, path)
    keys = list(node) if isinstance(node, dict) else list(range(len(node)))
    op = draw(st.sampled_from(["delete", "replace", "add", "duplicate", "swap", "whole"]))
    if op == "whole":
        return draw(garbage)
    if op == "add" or not keys:
        if isinstance(node, dict):
            node[draw(st.one_of(st.text(max_size=8), st.integers()))] = draw(garbage)
        else:
            node.append(draw(garbage))
        return document
    key = draw(st.sampled_from(keys))
    if op == "delete":
        del node[key]
    elif op == "replace":
        node[key] = draw(garbage)
    elif op == "duplicate" and isinstance(node, list):
        node.insert(key, copy.deepcopy(node[key]))
    elif op == "swap" and isinstance(node, dict) and {"lat", "lon"} <= set(node):
        node["lat"], node["lon"] = node["lon"], node["lat"]
    else:
        node[key] = draw(garbage)
    return document


def _mutate_table(draw: st.DrawFn, rows: list[list[str]]) -> list[list[str]]:
    op = draw(st.sampled_from(["cell", "drop-column", "duplicate-row", "drop-row", "extra-cell"]))
    r = draw(st.integers(min_value=0, max_value=len(rows) - 1))
    if op == "cell" and rows[r]:
        c = draw(st.integers(min_value=0, max_value=len(rows[r]) - 1))
        rows[r][c] = draw(st.one_of(st.text(max_size=10), garbage.map(str)))
    elif op == "drop-column" and rows[0]:
        c = draw(st.integers(min_value=0, max_value=len(rows[0]) - 1))
        rows = [row[:c] + row[c + 1 :] for row in rows]
    elif op == "duplicate-row":
        rows.insert(r, list(rows[r]))
    elif op == "drop-row":
        del rows[r]
    else:
        rows[r].append(draw(st.text(max_size=5)))
    return rows


def _write(files: dict[str, Any], folder: Path) -> dict[str, bytes]:
    out = {}
    for name, content in files.items():
        if name.endswith(".csv"):
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(content)
            out[name] = buffer.getvalue().encode("utf-8")
        else:
            out[name] = yaml.safe_dump(content, allow_unicode=True, sort_keys=False).encode()
    return out


TEXT_DAMAGE = ("truncate", "flip", "insert", "gbk", "bom", "tab")
BINARY_DAMAGE = ("truncate", "flip", "insert")


def _damage_bytes(draw: st.DrawFn, data: bytes, ops: tuple[str, ...] = TEXT_DAMAGE) -> bytes:
    op = draw(st.sampled_from(ops))
    at = draw(st.integers(min_value=0, max_value=len(data)))
    if op == "truncate":
        return data[:at]
    if op == "flip" and data:
        at = min(at, len(data) - 1)
        return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
    if op == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
    if op == "gbk":
        return data.decode("utf-8", errors="replace").encode("gbk", errors="replace")
    if op == "bom":
        return b"\xef\xbb\xbf" + data
    return data[:at] + b"\t" + data[at:]


@st.composite
def mutated_scenarios(draw: st.DrawFn) -> dict[str, bytes]:
    """The four files of the small scenario with one to three mutations.

    Sometimes the scenario reads the delegates from the xlsx workbook instead, whole or
    damaged (truncated, a byte changed, bytes inserted).
    """
    files = copy.deepcopy(BASE)
    damaged: dict[str, bytes] = {}
    if draw(st.integers(min_value=0, max_value=3)) == 0:
        files["scenario.yaml"]["delegates"] = "delegates.xlsx"
        workbook = (VALID / "delegates.xlsx").read_bytes()
        if draw(st.booleans()):
            workbook = _damage_bytes(draw, workbook, BINARY_DAMAGE)
        damaged["delegates.xlsx"] = workbook
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        name = draw(st.sampled_from(FILES))
        kind = draw(st.sampled_from(["data", "data", "bytes"]))
        if kind == "bytes":
            damaged[name] = _damage_bytes(draw, damaged.get(name) or _write(files, Path())[name])
        elif name.endswith(".csv"):
            files[name] = _mutate_table(draw, files[name])
            damaged.pop(name, None)
        else:
            files[name] = _mutate_yaml(draw, files[name])
            damaged.pop(name, None)
    return {**_write(files, Path()), **damaged}


def _check(contents: dict[str, bytes]) -> Scenario | InputError:
    with tempfile.TemporaryDirectory() as folder:
        for name, data in contents.items():
            (Path(folder) / name).write_bytes(data)
        try:
            return load_scenario(Path(folder) / "scenario.yaml")
        except InputError as error:
            return error


def test_the_unmutated_base_loads() -> None:
    assert isinstance(_check(_write(copy.deepcopy(BASE), Path())), Scenario)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(mutated_scenarios())
def test_mutated_scenarios_load_or_raise_input_error(contents: dict[str, bytes]) -> None:
    outcome = _check(contents)  # any exception but InputError fails the test here
    if isinstance(outcome, InputError):
        assert outcome.problems
        lines = str(outcome).split("\n")
        assert len(lines) == len(outcome.problems)
        assert all(line.isprintable() for line in lines)
    else:
        assert isinstance(outcome, Scenario)
        assert outcome.spec.base in outcome.venues
