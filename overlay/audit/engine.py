"""The audit of a folder: every clip and report a province's districts sent, one row each.

scan (any layout of sub-folders) → names (which district, what differs) → the receipt of
``overlay check`` for each clip, from one read of it (one open for the probe, the streams and
the few keyframes the logos and the contact sheet need; one ffmpeg pass for the sound: never
the whole picture) → the report documents → one row per district of the gazetteer, sent or not.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from overlay.audit.names import VIDEO_SUFFIXES, NameCheck, diagnose
from overlay.audit.reports import REPORT_SUFFIXES, ReportDoc, read_report
from overlay.check import Item, read_clip
from overlay.errors import OverlayError
from overlay.gazetteer import Province, gazetteer
from overlay.i18n import _
from overlay.naming import Place
from overlay.presets import Preset

SHEET_TIMES = (0.05, 0.35, 0.65, 0.95)     # contact sheet: fractions of the clip's length


@dataclass
class ClipResult:
    path: Path
    name: NameCheck
    duration: float | None = None
    items: tuple[Item, ...] = ()              # the receipt, less its name line
    error: str | None = None                  # could not be read: why
    sheet: bytes | None = None                # contact sheet, JPEG
    corner: bytes | None = None               # the top-right region of the middle frame, JPEG

    @property
    def checks_ok(self) -> bool:
        return self.error is None and all(i.ok is not False for i in self.items)


@dataclass
class Row:
    district: str
    district_en: str | None
    clips: list[ClipResult] = field(default_factory=list)
    reports: list[ReportDoc] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if not self.clips and not self.reports:
            return "missing"
        return "problems" if self.problems else "complete"

    @property
    def files(self) -> list[Path]:
        return [c.path for c in self.clips] + [r.path for r in self.reports]

    @property
    def youtube_url(self) -> tuple[str | None, bool | None]:
        for report in self.reports:
            if report.youtube_url:
                return report.youtube_url, report.url_ok
        return None, None


@dataclass
class Audit:
    folder: Path
    province: Province
    rows: list[Row]
    other_province: list[tuple[Path, str]] = field(default_factory=list)
    unreadable: list[tuple[Path, str]] = field(default_factory=list)
    unmatched: list[tuple[Path, str]] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)

    @property
    def complete(self) -> int:
        return sum(r.status == "complete" for r in self.rows)

    def summary(self) -> str:
        return _("{n} of {total} districts complete").format(n=self.complete, total=len(self.rows))


@dataclass(frozen=True)
class Scan:
    clips: list[Path]
    reports: list[Path]
    ignored: list[Path]
    unreadable: list[tuple[Path, str]] = field(default_factory=list)   # folders we may not open


def scan(folder: Path, skip: tuple[Path, ...] = ()) -> Scan:
    """Every file under ``folder`` by kind; hidden files, temporary files and ``skip`` left out."""
    clips, reports, ignored = [], [], []
    refused: list[tuple[Path, str]] = []
    skipped = {p.resolve() for p in skip}

    def unreadable(exc: OSError) -> None:     # a sub-folder we may not open: listed, not skipped
        refused.append((Path(exc.filename or folder), _("cannot be opened ({reason})").format(
            reason=exc.strerror or exc)))

    for root, dirs, files in os.walk(folder, onerror=unreadable):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and (here / d).resolve() not in skipped)
        for name in sorted(files):
            path = here / name
            low = name.lower()
            if name.startswith((".", "~$")) or low.endswith((".part", ".tmp")) or low == "thumbs.db":
                continue
            suffix = path.suffix.lower()
            if suffix in VIDEO_SUFFIXES:
                clips.append(path)
            elif suffix in REPORT_SUFFIXES:
                reports.append(path)
            else:
                ignored.append(path)
    return Scan(clips, reports, ignored, refused)


def run_audit(folder: Path, preset: Preset, province: Province | None = None, *,
              logo_dirs: tuple[Path, ...] = (), limit: float | None = None,
              skip: tuple[Path, ...] = (), jobs: int | None = None,
              progress: Callable[[Path], None] | None = None,
              renamed: Callable[[Scan, Province], Scan] | None = None) -> Audit:
    """Audit ``folder`` for ``province`` (default: the preset's).

    ``renamed``: called with the scan before anything is decoded (``--fix-names``); it may
    rename files and returns the scan with the new paths.
    """
    folder = Path(folder)
    gaz = gazetteer()
    province = province or gaz.province(preset.province or "")
    found = scan(folder, skip)
    if renamed is not None:
        found = renamed(found, province)
    rows = {d.name_th: Row(d.name_th, d.name_en) for d in province.districts}
    audit = Audit(folder, province, list(rows.values()), unreadable=list(found.unreadable),
                  ignored=found.ignored)

    named = [(path, diagnose(path.name, province, preset.name_template, preset.extension))
             for path in found.clips]
    workers = max(1, jobs or min(4, os.cpu_count() or 1))

    def one(item: tuple[Path, NameCheck]) -> ClipResult:
        path, name = item
        result = check_clip(path, name, preset, logo_dirs, limit, province)
        if progress is not None:
            progress(path)
        return result

    if named:
        from overlay.selftest import require
        require()       # once, before the threads: an unfit ffmpeg is one clear error, not nine
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(one, named))

    for result in results:
        name = result.name
        if name.other_province:
            audit.other_province.append((result.path, _("a clip for จังหวัด{p}").format(
                p=name.other_province)))
            continue
        if result.error is not None:
            audit.unreadable.append((result.path, result.error))
        if name.district is None:
            if result.error is None:
                audit.unmatched.append((result.path, _("a clip whose name names no district of "
                                                       "จังหวัด{p}").format(p=province.name_th)))
            continue
        rows[name.district].clips.append(result)

    for path in found.reports:
        doc = read_report(path)
        district = _report_district(doc, province)
        if isinstance(district, tuple):
            audit.other_province.append((path, _("a report for จังหวัด{p}").format(p=district[0])))
            continue
        if doc.error is not None:
            audit.unreadable.append((path, doc.error))
        if district is None:
            if doc.error is None:
                audit.unmatched.append((path, _("a report that names no district of จังหวัด{p}")
                                        .format(p=province.name_th)))
            continue
        rows[district].reports.append(doc)

    for row in audit.rows:
        row.problems = row_problems(row)
    return audit


def _report_district(doc: ReportDoc, province: Province) -> str | tuple[str] | None:
    """The district of the audited province a report is for; (other province,) or None."""
    gaz = gazetteer()
    if doc.province:
        try:
            prov = gaz.province(doc.province)
            if prov.name_th != province.name_th:
                return (prov.name_th,)
        except OverlayError:
            pass
    if doc.district:
        try:
            return gaz.district(province, doc.district).name_th
        except OverlayError:
            pass
    # A document that could not be read (or says nothing) may still be named after a district.
    name = diagnose(doc.path.stem + ".mp4", province)
    return name.district


def check_clip(path: Path, name: NameCheck, preset: Preset, logo_dirs: tuple[Path, ...],
               limit: float | None, province: Province | None = None) -> ClipResult:
    """The receipt of ``overlay check`` for one clip, and its contact sheet; never raises.

    One read of the clip (``check.read_clip``): one probe whose open container gives the
    logo keyframes and the sheet's, one ffmpeg pass for the sound. The name is the name
    column's (``diagnose``, with the audit's province): the receipt is made without a name line.
    """
    result = ClipResult(path, name)
    if name.other_province:     # listed as another province's: nothing of it is shown
        return result
    try:
        read = read_clip(path, preset, logo_dirs=logo_dirs, limit=limit, district=name.district,
                         quick=True, named=False, place=_place(name, province), sheet=SHEET_TIMES)
    except OverlayError as exc:
        result.error = exc.line()
        return result
    except Exception as exc:  # a damaged file that PyAV trips over half-way
        result.error = _("cannot be read ({reason})").format(reason=str(exc) or type(exc).__name__)
        return result
    result.items = read.receipt.items
    result.duration = read.duration
    if read.sheet:
        try:
            result.sheet, result.corner = sheet_images(list(read.sheet))
        except Exception:  # a picture for people; the checks above already said what matters
            pass
    return result


def _place(name: NameCheck, province: Province | None) -> Place | None:
    """The clip's district in the audited province, as the name column found it."""
    if name.district is None or province is None:
        return None
    district = next((d for d in province.districts if d.name_th == name.district), None)
    return Place(name.district, province.name_th, district.name_en if district else None,
                 province.name_en)


def sheet_images(frames: list[np.ndarray], width: int = 240) -> tuple[bytes, bytes]:
    """A strip of frames across the clip (keyframes: nothing decoded between), as JPEG,
    and the top-right region of the middle one at a size where the logos can be told."""
    import io

    from PIL import Image

    from overlay.detect import search_region

    thumbs = []
    for frame in frames:
        im = Image.fromarray(frame)
        thumbs.append(im.resize((width, max(1, round(im.height * width / im.width))),
                                Image.Resampling.BILINEAR))
    gap = 4
    sheet = Image.new("RGB", (len(thumbs) * (width + gap) - gap, max(t.height for t in thumbs)),
                      "white")
    for i, thumb in enumerate(thumbs):
        sheet.paste(thumb, (i * (width + gap), 0))
    middle = Image.fromarray(frames[len(frames) // 2])
    x0, y0, x1, y1 = search_region(middle.width, middle.height)
    corner = middle.crop((x0, y0, x1, y1))
    if corner.width != 640:     # big enough to tell the logos apart, small enough to send
        corner = corner.resize((640, max(1, round(corner.height * 640 / corner.width))),
                               Image.Resampling.LANCZOS)

    def jpeg(im) -> bytes:
        buffer = io.BytesIO()
        im.save(buffer, "JPEG", quality=80)
        return buffer.getvalue()

    return jpeg(sheet), jpeg(corner)


def row_problems(row: Row) -> list[str]:
    """Every problem of a district's submission, one plain sentence each."""
    problems: list[str] = []
    if not row.clips and not row.reports:
        return [_("Nothing was sent: no clip and no report.")]
    if not row.clips:
        problems.append(_("No clip was found."))
    if len(row.clips) > 1:
        problems.append(_("{n} clips were found for this district: keep one.").format(n=len(row.clips)))
    for clip in row.clips:
        # One clip: "The clip" reads better than its 70-character name; several: their names.
        file = clip.path.name if len(row.clips) > 1 else _("The clip")
        if not clip.name.exact:
            what = " ".join(clip.name.differences)
            if clip.name.expected:
                problems.append(_("{file}: not the mandated name. {what} It should be “{right}”.")
                                .format(file=file, what=what, right=clip.name.expected))
            else:
                problems.append(_("{file}: not the mandated name. {what}").format(file=file, what=what))
        if clip.error is not None:
            problems.append(_("{file} cannot be checked: {reason}").format(file=file, reason=clip.error))
        for item in clip.items:
            if item.ok is False:
                problems.append(_("{file}: {check}: {detail}.").format(
                    file=file, check=item.name, detail=item.detail))
    if not row.reports:
        problems.append(_("No report document was found."))
    for report in row.reports:
        file = report.path.name
        if report.error is not None:
            problems.append(_("{file} {reason}.").format(file=file, reason=report.error))
            continue
        if report.missing:
            problems.append(_("{file}: {n} answer(s) missing: {questions}.").format(
                file=file, n=len(report.missing), questions="; ".join(report.missing)))
        problems.extend(f"{file}: {p}" for p in report.problems)
    readable = [r for r in row.reports if r.error is None]
    if readable:
        url, ok = row.youtube_url
        if url is None:
            problems.append(_("The report gives no YouTube URL."))
        elif not ok:
            problems.append(_("The YouTube URL “{url}” is not the address of a YouTube video.")
                            .format(url=url))
    return problems
