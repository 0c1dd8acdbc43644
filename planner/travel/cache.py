"""A persistent cache of routed legs, in SQLite, shared safely between runs.

Road geometries of legs (for the maps) sit in a second table, ``roads``, keyed the same way
without the band.

One row per leg: provider, profile, band (``"*"`` for services that ignore the time of day),
origin and destination rounded to 1e-5 degree (about a metre; WGS-84), and the drive seconds
and road metres (``NULL`` when the service said there is no route, so that answer is kept
too). The file lives in the user's cache folder (``platformdirs``), or in
``$FINDHZ_CACHE_DIR``. Each block of answers is written in one transaction (all or nothing);
WAL mode and a busy timeout let two runs read and write the same file at once.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import platformdirs

__all__ = [
    "ANY_BAND",
    "CACHE_DIR_ENV",
    "CachedLeg",
    "LegCache",
    "default_cache_path",
    "set_aside",
]

log = logging.getLogger(__name__)

CACHE_DIR_ENV = "FINDHZ_CACHE_DIR"
ANY_BAND = "*"
_DECIMALS = 5
_SCALE = 10**_DECIMALS
_SCHEMA = """
CREATE TABLE IF NOT EXISTS legs (
    provider TEXT NOT NULL,
    profile TEXT NOT NULL,
    band TEXT NOT NULL,
    from_lat INTEGER NOT NULL,
    from_lon INTEGER NOT NULL,
    to_lat INTEGER NOT NULL,
    to_lon INTEGER NOT NULL,
    duration_s REAL,
    distance_m REAL,
    PRIMARY KEY (provider, profile, band, from_lat, from_lon, to_lat, to_lon)
) WITHOUT ROWID
"""

_ROADS_SCHEMA = """
CREATE TABLE IF NOT EXISTS roads (
    provider TEXT NOT NULL,
    profile TEXT NOT NULL,
    from_lat INTEGER NOT NULL,
    from_lon INTEGER NOT NULL,
    to_lat INTEGER NOT NULL,
    to_lon INTEGER NOT NULL,
    polyline TEXT NOT NULL,
    PRIMARY KEY (provider, profile, from_lat, from_lon, to_lat, to_lon)
) WITHOUT ROWID
"""

Point = tuple[float, float]


@dataclass(frozen=True)
class CachedLeg:
    """A cached answer; ``None`` durations mean the service found no route."""

    duration_s: float | None
    distance_m: float | None


def default_cache_path() -> Path:
    """``$FINDHZ_CACHE_DIR/travel.sqlite``, else the user's cache folder for findhz."""
    folder = os.environ.get(CACHE_DIR_ENV) or platformdirs.user_cache_dir("findhz", False)
    return Path(folder) / "travel.sqlite"


def set_aside(path: Path) -> Path:
    """Move a damaged cache file, with its journal files, to ``<name>.damaged`` (replacing an
    older one there); return where it went. The cache is only a cache: nothing is lost."""
    aside = path.with_name(path.name + ".damaged")
    for suffix in ("", "-wal", "-shm"):
        part = path.with_name(path.name + suffix)
        if part.exists():
            part.replace(aside.with_name(aside.name + suffix))
    return aside


def _key(point: Point) -> tuple[int, int]:
    return round(point[0] * _SCALE), round(point[1] * _SCALE)


class LegCache:
    """Open (creating if needed) the cache file; use as a context manager."""

    def __init__(self, path: Path | None = None, *, timeout_s: float = 30.0) -> None:
        self.path = path or default_cache_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=timeout_s, isolation_level=None)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA busy_timeout={int(timeout_s * 1000)}")
            self._db.execute(_SCHEMA)
            self._db.execute(_ROADS_SCHEMA)
            (verdict,) = self._db.execute("PRAGMA quick_check").fetchone()
            if verdict != "ok":
                raise sqlite3.DatabaseError(f"the cache file is damaged ({verdict})")
        except sqlite3.DatabaseError:
            self._db.close()
            raise

    def __enter__(self) -> LegCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def get_many(
        self, provider: str, profile: str, band: str, pairs: Sequence[tuple[Point, Point]]
    ) -> dict[int, CachedLeg]:
        """Cached answers for the pairs that have one, by position in ``pairs``."""
        wanted: dict[tuple[int, int, int, int], list[int]] = {}
        for k, (a, b) in enumerate(pairs):
            wanted.setdefault((*_key(a), *_key(b)), []).append(k)
        found: dict[int, CachedLeg] = {}
        if not wanted:
            return found
        rows = self._db.execute(
            "SELECT from_lat, from_lon, to_lat, to_lon, duration_s, distance_m FROM legs "
            "WHERE provider = ? AND profile = ? AND band = ?",
            (provider, profile, band),
        )
        for row in rows:
            positions = wanted.get((row[0], row[1], row[2], row[3]))
            if positions:
                for k in positions:
                    found[k] = CachedLeg(row[4], row[5])
        return found

    def put_many(
        self,
        provider: str,
        profile: str,
        band: str,
        legs: Iterable[tuple[Point, Point, float | None, float | None]],
    ) -> int:
        """Store answers in one transaction (all or none); returns how many."""
        rows = [
            (provider, profile, band, *_key(a), *_key(b), duration, distance)
            for a, b, duration, distance in legs
        ]
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO legs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
            )
        return len(rows)

    def delete_many(
        self, provider: str, profile: str, band: str, pairs: Iterable[tuple[Point, Point]]
    ) -> int:
        """Forget the answers for these legs (one transaction); returns how many were asked."""
        rows = [(provider, profile, band, *_key(a), *_key(b)) for a, b in pairs]
        with self._transaction():
            self._db.executemany(
                "DELETE FROM legs WHERE provider = ? AND profile = ? AND band = ? AND "
                "from_lat = ? AND from_lon = ? AND to_lat = ? AND to_lon = ?",
                rows,
            )
        return len(rows)

    def get_roads(
        self, provider: str, profile: str, pairs: Sequence[tuple[Point, Point]]
    ) -> dict[int, str]:
        """Cached road geometries (encoded polylines) for the pairs that have one, by position."""
        found: dict[int, str] = {}
        for k, (a, b) in enumerate(pairs):
            row = self._db.execute(
                "SELECT polyline FROM roads WHERE provider = ? AND profile = ? AND "
                "from_lat = ? AND from_lon = ? AND to_lat = ? AND to_lon = ?",
                (provider, profile, *_key(a), *_key(b)),
            ).fetchone()
            if row is not None:
                found[k] = str(row[0])
        return found

    def put_road(self, provider: str, profile: str, a: Point, b: Point, polyline: str) -> None:
        """Store one leg's road geometry."""
        with self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO roads VALUES (?, ?, ?, ?, ?, ?, ?)",
                (provider, profile, *_key(a), *_key(b), polyline),
            )

    def count(self, provider: str | None = None) -> int:
        if provider is None:
            return int(self._db.execute("SELECT COUNT(*) FROM legs").fetchone()[0])
        return int(
            self._db.execute(
                "SELECT COUNT(*) FROM legs WHERE provider = ?", (provider,)
            ).fetchone()[0]
        )

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        self._db.execute("ROLLBACK" if kind is not None else "COMMIT")
