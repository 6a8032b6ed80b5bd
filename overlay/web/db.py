"""The web page's SQLite database in the user's data folder, with a schema version per part.

Each part of the app that keeps state (the job history, the report drafts, …) owns its tables
and a list of migration steps; ``migrate(conn, "jobs", STEPS)`` applies the steps the
database has not seen yet, in one transaction, and records the part's new version in
``schema_versions``. Parts never edit each other's steps, so adding a table is adding a module.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Iterator, Sequence

from overlay.store import data_home

DB_NAME = "overlay.db"


def default_path() -> Path:
    return data_home() / DB_NAME


def connect(path: Path | None = None) -> sqlite3.Connection:
    """A connection for one unit of work (connections are cheap; threads never share one)."""
    path = path or default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)   # explicit BEGIN/COMMIT
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")          # readers never wait for the worker's writes
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


@contextmanager
def transaction(path: Path | None = None) -> Iterator[sqlite3.Connection]:
    """``with transaction() as conn:`` — committed on success, rolled back on any error."""
    with closing(connect(path)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def version(conn: sqlite3.Connection, part: str) -> int:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_versions "
                 "(part TEXT PRIMARY KEY, version INTEGER NOT NULL)")
    row = conn.execute("SELECT version FROM schema_versions WHERE part = ?", (part,)).fetchone()
    return int(row["version"]) if row else 0


def migrate(path: Path | None, part: str, steps: Sequence[str]) -> int:
    """Bring ``part``'s tables up to ``len(steps)``; return that version.

    ``steps[i]`` is the SQL (one or more statements) that takes the part from version i to
    i + 1. Only append to a part's list; never edit a step that has shipped.
    """
    with transaction(path) as conn:
        current = version(conn, part)
        for number in range(current, len(steps)):
            for statement in _statements(steps[number]):
                conn.execute(statement)
        if current < len(steps):
            conn.execute("INSERT INTO schema_versions (part, version) VALUES (?, ?) "
                         "ON CONFLICT(part) DO UPDATE SET version = excluded.version",
                         (part, len(steps)))
        return max(current, len(steps))


def _statements(sql: str) -> list[str]:
    """Split a step into statements (executescript would commit our transaction)."""
    out, buf = [], ""
    for piece in sql.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):      # a ';' inside a string literal does not end it
            if buf.strip(" \n\t;"):
                out.append(buf.strip())
            buf = ""
    if buf.strip(" \n\t;"):
        out.append(buf.strip())
    return out
