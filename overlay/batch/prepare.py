"""Check every row before anything renders: plan it, key it, decide render, skip or invalid."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from overlay import render
from overlay.batch.manifest import Manifest, Options, Row, _path, job_from_row
from overlay.batch.records import content_key, read_record
from overlay.batch.status import Status
from overlay.errors import OverlayError, UsageError
from overlay.i18n import _
from overlay.render import Job
from overlay.report import load


@dataclass(frozen=True)
class Entry:
    """One manifest row after validation: what will happen to it, and why."""
    row: Row
    status: Status                   # READY, SKIPPED or INVALID
    job: Job | None = None
    output: Path | None = None
    duration: float | None = None
    start: float = 0.0
    cut: bool = False
    source_duration: float | None = None
    key: str | None = None
    report: Path | None = None
    reason: str = ""                 # INVALID: the problem; otherwise a note (re-render, skip)
    warnings: tuple[str, ...] = ()


def _validate_report(data: Path) -> None:
    """A report data file with a mistake is found now, not after its clip has rendered."""
    load(data)


def prepare_row(row: Row, base: Path, options: Options) -> Entry:
    """Plan one row (probe, names, logos, subtitles) and decide: render, skip or invalid."""
    try:
        job = job_from_row(row, base, options)
        report = _path(row.values.get("report"), base)
        if report is not None and not report.is_file():
            raise UsageError(_("The report data file {path} does not exist.").format(path=report),
                             _('Fix the "report" column or leave it empty.'))
        if report is not None:
            _validate_report(report)
        # Plan as if forced: whether an existing output may be replaced is decided below.
        p = render.plan(replace(job, force=True))
        key = content_key(p, report)
    except OverlayError as exc:
        return Entry(row, Status.INVALID, reason=exc.line())
    except OSError as exc:           # a file vanished or is unreadable while hashing
        return Entry(row, Status.INVALID, reason=f"{exc.strerror or exc}: {exc.filename}")
    entry = Entry(row, Status.READY, job=job, output=p.output, duration=p.duration, start=p.start,
                  cut=p.cut, source_duration=p.info.duration, key=key, report=report,
                  warnings=p.warnings)
    if not p.output.exists() or options.force:
        return entry
    record = read_record(p.output)
    if record is None:
        return replace(entry, status=Status.INVALID, reason=_(
            "{path} already exists and was not made by a batch in this folder. "
            "Use --force to replace it, or choose another --out-dir.").format(path=p.output.name))
    if record.get("key") == key and record.get("complete"):
        return replace(entry, status=Status.SKIPPED, reason=_("unchanged since the last run"))
    why = (_("the last run left it failing its check or without its report")
           if record.get("key") == key
           else _("its input or settings changed"))
    return replace(entry, job=replace(job, force=True),
                   reason=_("re-rendered: {why}").format(why=why))


def mark_duplicates(entries: Sequence[Entry]) -> list[Entry]:
    """Rows that would write the same file are all invalid: which one is meant is unclear."""
    by_output: dict[str, list[int]] = {}
    for entry in entries:
        if entry.output is not None and entry.status != Status.INVALID:
            by_output.setdefault(os.path.normcase(str(entry.output)), []).append(entry.row.number)
    out = []
    for entry in entries:
        rows = by_output.get(os.path.normcase(str(entry.output)), []) if entry.output else []
        if entry.output is not None and len(rows) > 1 and entry.status != Status.INVALID:
            others = ", ".join(str(n) for n in rows if n != entry.row.number)
            entry = replace(entry, status=Status.INVALID, reason=_(
                "writes the same file as row {others}: {name}").format(
                others=others, name=entry.output.name))
        out.append(entry)
    return out


def prepare(manifest: Manifest, options: Options) -> list[Entry]:
    entries = [prepare_row(row, manifest.folder, options) for row in manifest.rows]
    return mark_duplicates(entries)
