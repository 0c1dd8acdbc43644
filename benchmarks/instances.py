"""Readers for the external benchmark sets: TOPTW (orienteering with time windows) and
Solomon VRPTW, and their tables of best known results.

Each reader returns a frozen dataclass in the file's own units (floats); turning those into
the solver's integers is the adapters' business (:mod:`findhz.benchmarks.adapters`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "OptwInstance",
    "SolomonBks",
    "SolomonInstance",
    "find_instances",
    "read_optw",
    "read_optw_optima",
    "read_solomon",
    "read_solomon_bks",
]

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class OptwInstance:
    """An orienteering instance: vertex 0 is the depot; ``decimals`` is the number of
    decimals distances are truncated to (1 for Solomon-based files, 2 for Cordeau-based)."""

    name: str
    x: tuple[float, ...]
    y: tuple[float, ...]
    service: tuple[float, ...]
    score: tuple[int, ...]
    ready: tuple[float, ...]
    due: tuple[float, ...]
    tmax: float
    decimals: int


@dataclass(frozen=True)
class SolomonInstance:
    """A Solomon VRPTW instance: node 0 is the depot, whose due date is the horizon."""

    name: str
    vehicles: int
    capacity: int
    x: tuple[float, ...]
    y: tuple[float, ...]
    demand: tuple[int, ...]
    ready: tuple[float, ...]
    due: tuple[float, ...]
    service: tuple[float, ...]


@dataclass(frozen=True)
class SolomonBks:
    vehicles: int
    distance: float


def _number(token: str) -> float:
    return float(token)


def read_optw(path: Path) -> OptwInstance:
    """Read a TOPTW file (KU Leuven format, see ``TOPTW_format.txt``).

    Each vertex line is ``i x y d S f a <a ints> O C``; the depot line's last value is Tmax.
    Cordeau-based files (``pr*``) truncate distances to 2 decimals, the others to 1.
    """
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    n = int(lines[0][2])
    rows = lines[2 : 2 + n + 1]
    if len(rows) != n + 1:
        raise ValueError(f"{path.name}: expected {n + 1} vertex lines, found {len(rows)}")
    x, y, service, score, ready, due = [], [], [], [], [], []
    for i, row in enumerate(rows):
        if int(row[0]) != i:
            raise ValueError(f"{path.name}: vertex line {i} is numbered {row[0]}")
        x.append(_number(row[1]))
        y.append(_number(row[2]))
        service.append(_number(row[3]))
        score.append(round(_number(row[4])))
        ready.append(_number(row[-2]))
        due.append(_number(row[-1]))
    name = path.stem
    return OptwInstance(
        name=name,
        x=tuple(x),
        y=tuple(y),
        service=tuple(service),
        score=tuple(score),
        ready=tuple(ready),
        due=tuple(due),
        tmax=due[0],
        decimals=2 if name.startswith("pr") else 1,
    )


def read_solomon(path: Path) -> SolomonInstance:
    """Read a Solomon VRPTW file (header, vehicle number and capacity, 101 node rows)."""
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    name = lines[0][0]
    vehicle_row = next(i for i, row in enumerate(lines) if row[:1] == ["VEHICLE"])
    vehicles, capacity = (int(t) for t in lines[vehicle_row + 2][:2])
    customer_row = next(i for i, row in enumerate(lines) if row[:1] == ["CUSTOMER"])
    rows = [row for row in lines[customer_row + 2 :] if row and row[0].isdigit()]
    for i, row in enumerate(rows):
        if int(row[0]) != i or len(row) != 7:
            raise ValueError(f"{path.name}: bad customer row {i}: {' '.join(row)}")
    return SolomonInstance(
        name=name,
        vehicles=vehicles,
        capacity=capacity,
        x=tuple(float(r[1]) for r in rows),
        y=tuple(float(r[2]) for r in rows),
        demand=tuple(int(float(r[3])) for r in rows),
        ready=tuple(float(r[4]) for r in rows),
        due=tuple(float(r[5]) for r in rows),
        service=tuple(float(r[6]) for r in rows),
    )


def read_optw_optima(path: Path = DATA / "toptw_bks.csv") -> dict[tuple[str, int], int]:
    """Proven optimal scores by (instance, tours)."""
    with path.open(newline="") as handle:
        return {
            (row["instance"], int(row["tours"])): int(row["best_score"])
            for row in csv.DictReader(handle)
            if row["proven_optimal"].strip().lower() == "yes"
        }


def read_solomon_bks(path: Path) -> dict[str, SolomonBks]:
    """A BKS table by upper-case instance name."""
    with path.open(newline="") as handle:
        return {
            row["instance"].upper(): SolomonBks(int(row["vehicles"]), float(row["distance"]))
            for row in csv.DictReader(handle)
        }


def find_instances(data: Path, names: list[str] | None, *, pattern: str = "*.txt") -> list[Path]:
    """Instance files under ``data`` (searched recursively), sorted by name; ``names``
    (case-insensitive stems) selects and orders a subset."""
    files = {
        p.stem.lower(): p
        for p in sorted(data.rglob(pattern))
        if p.is_file() and "format" not in p.stem.lower()
    }
    if names is None:
        return [files[k] for k in sorted(files)]
    missing = [n for n in names if n.lower() not in files]
    if missing:
        raise FileNotFoundError(f"no instance file for {', '.join(missing)} under {data}")
    return [files[n.lower()] for n in names]
