"""The job history and the uploads, kept in the web database (``overlay.web.db``).

A job is stored with the fields of a ``batch`` row (``settings``), its status, its output,
its receipt and its times. A job that was queued or running when the server stopped is
marked ``stopped`` at the next start, by the server that holds the data folder's lock
(``overlay.web.instance``): the history never shows a render nobody is doing, and never calls
stopped a render a live server is doing.

Reads take no write lock: a full disk (where SQLite cannot write) still shows the history.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Iterator, Mapping

from overlay.web import db

PART = "jobs"

# Statuses. A job starts queued; it ends done, failed, cancelled (by the user) or stopped
# (the server went away under it).
QUEUED, RUNNING, DONE, FAILED, CANCELLED, STOPPED = (
    "queued", "running", "done", "failed", "cancelled", "stopped")
ACTIVE = (QUEUED, RUNNING)
FINISHED = (DONE, FAILED, CANCELLED, STOPPED)

STEPS = (
    # 1: jobs and uploads
    """
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        created REAL NOT NULL,
        started REAL,
        finished REAL,
        status TEXT NOT NULL,
        settings TEXT NOT NULL,          -- JSON: the batch row's fields and upload ids
        output TEXT,                     -- the written file
        receipt TEXT,                    -- JSON: overlay check's items
        warnings TEXT,                   -- JSON list of lines
        error TEXT                       -- the one-line message, as the CLI prints it
    );
    CREATE INDEX jobs_created ON jobs (created);
    CREATE TABLE uploads (
        id TEXT PRIMARY KEY,
        created REAL NOT NULL,
        kind TEXT NOT NULL,              -- clip, subs
        display_name TEXT NOT NULL,      -- the user's file name: shown, never used as a path
        path TEXT NOT NULL,              -- a generated name in the work folder
        size INTEGER NOT NULL,
        info TEXT                        -- JSON: what the probe found
    );
    """,
)


def new_id() -> str:
    return uuid.uuid4().hex[:16]


@dataclass
class JobRecord:
    id: str
    settings: dict[str, Any]
    status: str = QUEUED
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    output: str | None = None
    receipt: list[dict[str, Any]] | None = None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Upload:
    id: str
    kind: str
    display_name: str
    path: str
    size: int
    created: float = field(default_factory=time.time)
    info: dict[str, Any] | None = None


_JSON = {"settings", "receipt", "warnings", "info"}


def _encode(name: str, value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if name in _JSON and value is not None else value


def _decode(row: Mapping[str, Any], cls: type) -> Any:
    values = {f.name: row[f.name] for f in fields(cls)}
    for name in _JSON & values.keys():
        if values[name] is not None:
            values[name] = json.loads(values[name])
    if cls is JobRecord and values["warnings"] is None:
        values["warnings"] = []
    return cls(**values)


@contextmanager
def _reading(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only unit of work: no ``BEGIN IMMEDIATE``, so nothing to write on the disk."""
    with closing(db.connect(path)) as conn:
        yield conn


class JobStore:
    """Jobs and uploads; every method opens its own connection (safe from any thread)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or db.default_path()
        db.migrate(self.path, PART, STEPS)

    # ------------------------------------------------------------ jobs

    def add(self, job: JobRecord) -> JobRecord:
        names = [f.name for f in fields(JobRecord)]
        with db.transaction(self.path) as conn:
            conn.execute(f"INSERT INTO jobs ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                         [_encode(n, getattr(job, n)) for n in names])
        return job

    def get(self, job_id: str) -> JobRecord | None:
        with _reading(self.path) as conn:
            row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _decode(row, JobRecord) if row else None

    def jobs(self, limit: int = 100) -> list[JobRecord]:
        """The newest first."""
        with _reading(self.path) as conn:
            rows = conn.execute("SELECT * FROM jobs ORDER BY created DESC LIMIT ?", (limit,)).fetchall()
        return [_decode(r, JobRecord) for r in rows]

    def update(self, job_id: str, **values: Any) -> None:
        allowed = {f.name for f in fields(JobRecord)} - {"id"}
        unknown = set(values) - allowed
        if unknown:
            raise ValueError(f"unknown job fields: {sorted(unknown)}")
        sets = ", ".join(f"{name} = ?" for name in values)
        with db.transaction(self.path) as conn:
            conn.execute(f"UPDATE jobs SET {sets} WHERE id = ?",
                         [*(_encode(n, v) for n, v in values.items()), job_id])

    def delete(self, job_id: str) -> None:
        with db.transaction(self.path) as conn:
            conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def mark_interrupted(self) -> int:
        """At start, once this server holds the data folder: queued or running jobs of an
        earlier server (which is gone) become ``stopped``."""
        with db.transaction(self.path) as conn:
            cur = conn.execute("UPDATE jobs SET status = ?, finished = COALESCE(finished, ?) "
                               f"WHERE status IN ({', '.join('?' * len(ACTIVE))})",
                               (STOPPED, time.time(), *ACTIVE))
            return cur.rowcount

    # ------------------------------------------------------------ uploads

    def add_upload(self, upload: Upload) -> Upload:
        names = [f.name for f in fields(Upload)]
        with db.transaction(self.path) as conn:
            conn.execute(f"INSERT INTO uploads ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                         [_encode(n, getattr(upload, n)) for n in names])
        return upload

    def get_upload(self, upload_id: str) -> Upload | None:
        with _reading(self.path) as conn:
            row = conn.execute("SELECT * FROM uploads WHERE id = ?", (upload_id,)).fetchone()
        return _decode(row, Upload) if row else None

    def uploads_before(self, when: float) -> list[Upload]:
        with _reading(self.path) as conn:
            rows = conn.execute("SELECT * FROM uploads WHERE created < ?", (when,)).fetchall()
        return [_decode(r, Upload) for r in rows]

    def delete_upload(self, upload_id: str) -> None:
        with db.transaction(self.path) as conn:
            conn.execute("DELETE FROM uploads WHERE id = ?", (upload_id,))
