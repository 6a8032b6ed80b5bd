"""The batch report: one row per manifest row, as JSON and as a CSV Excel opens in Thai
(every cell spreadsheet-safe: ``files.SafeCsvWriter``)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from overlay import __version__
from overlay.batch.prepare import Entry
from overlay.batch.records import plain, read_record
from overlay.batch.run import JobResult
from overlay.batch.status import Status
from overlay.files import SafeCsvWriter, write_atomic
from overlay.i18n import _

REPORT_JSON = "batch-report.json"
REPORT_CSV = "batch-report.csv"


@dataclass(frozen=True)
class Outcome:
    """One row of the batch report: the manifest row, and what became of it."""
    row: int
    input: str
    district: str
    status: Status
    output: str = ""
    duration: float | None = None
    check: str = ""
    error: str = ""
    note: str = ""
    elapsed: float | None = None
    reports: str = ""                    # the report form's files written beside the clip
    fields: Mapping[str, str] = field(default_factory=dict)


def outcomes(entries: Sequence[Entry], results: Iterable[JobResult]) -> list[Outcome]:
    """Entries and results joined by row, in manifest order; a ready row with no result
    was stopped before it finished."""
    by_row = {r.row: r for r in results}
    out = []
    for e in entries:
        base = Outcome(row=e.row.number, input=e.row.values.get("input", ""),
                       district=e.row.values.get("district", ""), status=e.status,
                       output=e.output.name if e.output else "", duration=e.duration,
                       fields=dict(e.row.values))
        if e.status == Status.INVALID:
            out.append(replace(base, error=e.reason))
        elif e.status == Status.SKIPPED:
            record = (read_record(e.output) if e.output else None) or {}
            out.append(replace(base, check=str(record.get("check", "")), note=e.reason))
        elif e.row.number in by_row:
            r = by_row[e.row.number]
            out.append(replace(base, status=r.status, check=r.check, error=r.error,
                               note=e.reason, elapsed=round(r.elapsed, 2),
                               reports="; ".join(p.name for p in r.report_files)))
        else:
            out.append(replace(base, status=Status.FAILED, error=_("stopped before it finished")))
    return out


def summary(rows: Iterable[Outcome]) -> dict[str, int]:
    counts: dict[str, int] = {Status.DONE: 0, Status.SKIPPED: 0, Status.FAILED: 0, Status.INVALID: 0}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


def exit_code(rows: Iterable[Outcome]) -> int:
    return 1 if any(r.status in (Status.FAILED, Status.INVALID) for r in rows) else 0


CSV_COLUMNS = ("row", "input", "district", "status", "output", "duration", "check", "error",
               "note", "elapsed", "reports")


def write_reports(out_dir: Path, manifest: Path, rows: Sequence[Outcome]) -> tuple[Path, Path]:
    """batch-report.json and batch-report.csv (UTF-8 with BOM: Excel then shows Thai)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = {"manifest": str(manifest), "overlay": __version__,
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "summary": summary(rows), "jobs": [plain(r) for r in rows]}
    json_path, csv_path = out_dir / REPORT_JSON, out_dir / REPORT_CSV
    write_atomic(json_path, json.dumps(data, ensure_ascii=False, indent=2))
    buffer = io.StringIO(newline="")
    writer = SafeCsvWriter(buffer)      # a manifest's text never runs as a formula in Excel
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow(["" if getattr(r, c) is None else getattr(r, c) for c in CSV_COLUMNS])
    write_atomic(csv_path, buffer.getvalue().encode("utf-8-sig"))
    return json_path, csv_path
