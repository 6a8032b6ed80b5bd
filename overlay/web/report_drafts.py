"""The report form's drafts, one per district, in the web database; and a district's report status.

A draft holds the answers exactly as typed, as the tables of the data file ``report init``
writes (``part1``/``part2``/``part3``/``chapters``/``report``), so import, export and
``report build`` read the same thing. Nothing here knows a rule of the form: whether a
draft is complete is ``overlay.report.model.validate``'s answer.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from overlay.i18n import _
from overlay.naming import parse_clip_name
from overlay.report.model import DIGITS, TOPICS, all_items
from overlay.web import db

PART = "report"
STEPS = (
    # 1: one draft per district
    """
    CREATE TABLE report_drafts (
        province TEXT NOT NULL,
        district TEXT NOT NULL,
        updated REAL NOT NULL,
        answers TEXT NOT NULL,           -- JSON: the data file's tables, as typed
        complete INTEGER NOT NULL,       -- 1 when report build would accept it
        made TEXT,                       -- JSON: the documents last made {kind: path}, when, digest
        PRIMARY KEY (province, district)
    );
    """,
)

TABLES = ("part1", "part2", "part3")


def clean_answers(body: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Only the form's keys, each a string or a number (TOML's types): nothing else is stored."""
    out: dict[str, dict[str, Any]] = {t: {} for t in (*TABLES, "chapters", "report")}

    def keep(table: str, key: str) -> None:
        source = body.get(table)
        value = source.get(key) if isinstance(source, Mapping) else None
        if isinstance(value, bool) or value is None:
            return
        if isinstance(value, (int, float)):
            out[table][key] = value
        elif isinstance(value, str):
            out[table][key] = value.replace("\r\n", "\n")[:20_000]

    for item in all_items():
        keep(item.table, item.key)
    for key, _num in TOPICS:
        keep("chapters", key)
    keep("report", "digits")
    if out["report"].get("digits") not in DIGITS:
        out["report"]["digits"] = "thai"
    return out


def digest(answers: Mapping[str, Any]) -> str:
    """Which answers a set of documents was made from (to tell when they are out of date)."""
    text = json.dumps(answers, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class Draft:
    province: str
    district: str
    answers: dict[str, Any]
    complete: bool = False
    updated: float = field(default_factory=time.time)
    made: dict[str, Any] | None = None     # {"files": {kind: path}, "when": t, "digest": d}

    def documents(self) -> dict[str, Path]:
        """The documents last made that are still on disk."""
        files = (self.made or {}).get("files", {})
        return {kind: Path(p) for kind, p in files.items() if Path(p).is_file()}

    def status(self) -> dict[str, Any]:
        """Where the district's report stands: complete, documents made, made from these answers."""
        made = bool(self.made) and len(self.documents()) == len((self.made or {}).get("files", {}))
        return {"province": self.province, "district": self.district, "complete": self.complete,
                "made": made, "current": made and (self.made or {}).get("digest") == digest(self.answers),
                "updated": self.updated, "href": report_href(self.province, self.district)}


def report_href(province: str, district: str) -> str:
    from urllib.parse import quote

    return f"/report/{quote(province, safe='')}/{quote(district, safe='')}"


class DraftStore:
    """Drafts keyed by province and district; every method opens its own connection."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or db.default_path()
        db.migrate(self.path, PART, STEPS)

    def get(self, province: str, district: str) -> Draft | None:
        with db.transaction(self.path) as conn:
            row = conn.execute("SELECT * FROM report_drafts WHERE province = ? AND district = ?",
                               (province, district)).fetchone()
        return _draft(row) if row else None

    def save(self, draft: Draft) -> Draft:
        draft.updated = time.time()
        with db.transaction(self.path) as conn:
            conn.execute(
                "INSERT INTO report_drafts (province, district, updated, answers, complete, made) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(province, district) DO UPDATE SET "
                "updated = excluded.updated, answers = excluded.answers, "
                "complete = excluded.complete, made = excluded.made",
                (draft.province, draft.district, draft.updated,
                 json.dumps(draft.answers, ensure_ascii=False), int(draft.complete),
                 json.dumps(draft.made, ensure_ascii=False) if draft.made else None))
        return draft

    def all(self) -> list[Draft]:
        """The most recently edited first."""
        with db.transaction(self.path) as conn:
            rows = conn.execute("SELECT * FROM report_drafts ORDER BY updated DESC").fetchall()
        return [_draft(r) for r in rows]

    def delete(self, province: str, district: str) -> None:
        with db.transaction(self.path) as conn:
            conn.execute("DELETE FROM report_drafts WHERE province = ? AND district = ?",
                         (province, district))


def _draft(row: Mapping[str, Any]) -> Draft:
    return Draft(province=row["province"], district=row["district"], answers=json.loads(row["answers"]),
                 complete=bool(row["complete"]), updated=row["updated"],
                 made=json.loads(row["made"]) if row["made"] else None)


def report_status(db_path: Path | None, province: str, district: str) -> dict[str, Any]:
    """A district's report status for the job list (no draft: nothing started)."""
    draft = DraftStore(db_path).get(province, district)
    if draft is None:
        return {"province": province, "district": district, "complete": False, "made": False,
                "current": False, "updated": None, "href": report_href(province, district)}
    return draft.status()


def job_report(settings: Mapping[str, Any], db_path: Path | None) -> dict[str, Any] | None:
    """The job list's word on the district's report: the clip's mandated name says which district."""
    import sqlite3

    place = parse_clip_name(str(settings.get("file_name") or ""))
    if place is None:
        return None
    district, province = place
    try:
        with db.transaction(db_path) as conn:       # read only: no migration for a list of jobs
            row = conn.execute("SELECT * FROM report_drafts WHERE province = ? AND district = ?",
                               (province, district)).fetchone()
    except sqlite3.OperationalError:                # no draft table yet: no report started
        row = None
    status = _draft(row).status() if row else {"complete": False, "made": False, "current": False,
                                                "href": report_href(province, district)}
    status["started"] = row is not None
    status["label"] = (_("Report: documents made") if status["current"] else
                       _("Report: documents to make again") if status["made"] else
                       _("Report: complete") if status["complete"] else
                       _("Report: not complete") if row else _("Report: not started"))
    return status
