"""The app's state: one SQLite database in the data folder, with numbered schema migrations.

The data folder holds ``findhz-serve.sqlite3`` (events, uploaded files, scenario edits, runs and
plan versions with who and when), a marker file that says findhz made the folder, and
``events/<event id>/`` with each event's scenario files and the output folder of every version.
A folder that findhz did not make is never taken over.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from findhz.planner.errors import OutputRefused

__all__ = [
    "DB_NAME",
    "MARKER",
    "MIGRATIONS",
    "DataFolderRefused",
    "Store",
    "prepare_data_folder",
]

DB_NAME = "findhz-serve.sqlite3"
MARKER = ".findhz-serve"
_MARKER_TEXT = "This folder is the data folder of `findhz serve`; findhz wrote it.\n"

#: The schema, one numbered step per entry; ``PRAGMA user_version`` says how many ran.
MIGRATIONS: tuple[str, ...] = (
    # 1: the first version
    """
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE events (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        example TEXT,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
    );
    CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL REFERENCES events(id),
        kind TEXT NOT NULL,
        original_name TEXT NOT NULL,
        stored_name TEXT NOT NULL,
        rows INTEGER NOT NULL,
        uploaded_at TEXT NOT NULL,
        uploaded_by TEXT NOT NULL
    );
    CREATE TABLE mappings (
        event_id TEXT PRIMARY KEY REFERENCES events(id),
        mapping TEXT NOT NULL
    );
    CREATE TABLE edits (
        id INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL REFERENCES events(id),
        kind TEXT NOT NULL,
        detail TEXT NOT NULL,
        at TEXT NOT NULL,
        who TEXT NOT NULL
    );
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL REFERENCES events(id),
        status TEXT NOT NULL,
        message TEXT NOT NULL DEFAULT '',
        progress REAL NOT NULL DEFAULT 0,
        seed INTEGER NOT NULL,
        time_limit REAL NOT NULL,
        pid INTEGER,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        who TEXT NOT NULL
    );
    CREATE TABLE versions (
        id INTEGER PRIMARY KEY,
        event_id TEXT NOT NULL REFERENCES events(id),
        number INTEGER NOT NULL,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        folder TEXT NOT NULL,
        summary TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        published_at TEXT,
        published_by TEXT,
        UNIQUE (event_id, number)
    );
    """,
    # 2: re-planning from a published version, the published site's address, value mappings
    """
    ALTER TABLE runs ADD COLUMN base_version INTEGER;
    ALTER TABLE runs ADD COLUMN edits_upto INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE versions ADD COLUMN base_url TEXT;
    ALTER TABLE versions ADD COLUMN kind TEXT NOT NULL DEFAULT 'plan';
    CREATE TABLE value_mappings (
        event_id TEXT NOT NULL REFERENCES events(id),
        column_name TEXT NOT NULL,
        theirs TEXT NOT NULL,
        ours TEXT NOT NULL,
        PRIMARY KEY (event_id, column_name, theirs)
    );
    """,
    # 3: cells of an upload corrected in the page, by "row:column"
    """
    ALTER TABLE files ADD COLUMN fixes TEXT NOT NULL DEFAULT '{}';
    """,
)

ACTIVE = ("queued", "running")


class DataFolderRefused(OutputRefused):
    """The data folder holds things findhz did not write."""


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def prepare_data_folder(folder: Path) -> Path:
    """Create the data folder, or accept one findhz made; refuse anything else."""
    folder = Path(folder)
    if folder.is_symlink():
        raise DataFolderRefused(f"{folder} is a symbolic link; name a folder for findhz serve")
    if folder.exists():
        if not folder.is_dir():
            raise DataFolderRefused(f"{folder} is a file, not a folder")
        if not (folder / MARKER).is_file() and any(folder.iterdir()):
            raise DataFolderRefused(
                f"{folder} holds files findhz did not write; name a new or empty folder"
            )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        marker = folder / MARKER
        if not marker.exists():
            marker.write_text(_MARKER_TEXT, encoding="utf-8")
        (folder / "events").mkdir(exist_ok=True)
    except OSError as error:
        raise DataFolderRefused(f"cannot use {folder}: {error.strerror or error}") from None
    return folder


@dataclass(frozen=True)
class Store:
    """Short-lived connections to the app's database (safe across threads and processes)."""

    folder: Path

    @property
    def db_path(self) -> Path:
        return self.folder / DB_NAME

    def event_dir(self, event_id: str) -> Path:
        if not _SAFE_ID.match(event_id):
            raise ValueError(f"not an event id: {event_id!r}")
        return self.folder / "events" / event_id

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.db_path, timeout=30, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("PRAGMA busy_timeout = 30000")
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def migrate(self) -> int:
        """Run the migrations the database has not seen; return the schema version."""
        with self.connect() as con:
            con.execute("PRAGMA journal_mode = WAL")
            version = int(con.execute("PRAGMA user_version").fetchone()[0])
            if version > len(MIGRATIONS):
                raise DataFolderRefused(
                    f"{self.db_path} has schema version {version}, newer than this findhz "
                    f"({len(MIGRATIONS)}); use a newer findhz"
                )
            for number in range(version, len(MIGRATIONS)):
                con.executescript(
                    "BEGIN;" + MIGRATIONS[number] + f"; PRAGMA user_version = {number + 1}; COMMIT;"
                )
            return len(MIGRATIONS)

    # -- settings -------------------------------------------------------------------------------

    def setting(self, key: str) -> str | None:
        with self.connect() as con:
            row = con.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction() as con:
            con.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- reading --------------------------------------------------------------------------------

    def rows(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        with self.connect() as con:
            return list(con.execute(sql, args).fetchall())

    def row(self, sql: str, *args: Any) -> sqlite3.Row | None:
        with self.connect() as con:
            found: sqlite3.Row | None = con.execute(sql, args).fetchone()
            return found

    def record_edit(
        self, event_id: str, kind: str, detail: BaseModel | dict[str, Any], who: str
    ) -> None:
        """Record an edit; ``detail`` as JSON (a pin or a closure is read back by the re-plan:
        ``findhz.web.events.adjustment_of_edit``)."""
        if isinstance(detail, BaseModel):
            detail = detail.model_dump(mode="json")
        with self.transaction() as con:
            con.execute(
                "INSERT INTO edits (event_id, kind, detail, at, who) VALUES (?, ?, ?, ?, ?)",
                (event_id, kind, json.dumps(detail, ensure_ascii=False), now(), who),
            )

    # -- runs -----------------------------------------------------------------------------------

    def start_run(
        self,
        event_id: str,
        seed: int,
        time_limit: float,
        who: str,
        base_version: int | None = None,
    ) -> int | None:
        """Queue a run of an event (a re-plan of ``base_version`` when given); ``None`` when
        one is already queued or running."""
        with self.transaction() as con:
            busy = con.execute(
                "SELECT id FROM runs WHERE event_id = ? AND status IN (?, ?)",
                (event_id, *ACTIVE),
            ).fetchone()
            if busy is not None:
                return None
            upto = con.execute(
                "SELECT COALESCE(MAX(id), 0) FROM edits WHERE event_id = ?", (event_id,)
            ).fetchone()[0]
            cursor = con.execute(
                "INSERT INTO runs (event_id, status, message, seed, time_limit, started_at, who, "
                "base_version, edits_upto) "
                "VALUES (?, 'queued', 'waiting for a worker', ?, ?, ?, ?, ?, ?)",
                (event_id, seed, time_limit, now(), who, base_version, upto),
            )
            return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, status: str, message: str) -> bool:
        """Close a run that is still active; False when it was closed already."""
        with self.transaction() as con:
            cursor = con.execute(
                "UPDATE runs SET status = ?, message = ?, finished_at = ? "
                "WHERE id = ? AND status IN (?, ?)",
                (status, message, now(), run_id, *ACTIVE),
            )
            return cursor.rowcount == 1

    def fail_orphaned_runs(self) -> int:
        """At start: every run still marked active belonged to a server that stopped."""
        with self.transaction() as con:
            cursor = con.execute(
                "UPDATE runs SET status = 'failed', finished_at = ?, "
                "message = 'the server stopped during this run; earlier versions are intact' "
                "WHERE status IN (?, ?)",
                (now(), *ACTIVE),
            )
            return cursor.rowcount


_SAFE_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def safe_id(text: str) -> str:
    """A folder-safe id made from free text (lowercase letters, digits, hyphens)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-")
    return slug or "event"
