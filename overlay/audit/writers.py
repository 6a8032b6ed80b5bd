"""The audit as files: ``audit.csv`` (Excel, Thai intact, no cell read as a formula),
``audit.json``, ``audit.html``.

All three come from :func:`records`, one plain dict per district, so they say the same.
Each file is written beside its final name and renamed over it: never half a file.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

from overlay.audit.engine import Audit, Row
from overlay.i18n import _

CHECK_COLUMNS = ("video length", "audio length", "video codec", "pixel format", "size",
                 "frame rate", "colour tags", "audio", "fast start", "loudness",
                 "logos at the start", "logos at the middle", "logos at the end",
                 "static overlay top-right", "placeholder logos")


# The receipt's stable item keys (``receipt.Item.key``) → the CSV's column names.
COLUMN_OF = {"logos_at_start": "logos at the start", "logos_at_middle": "logos at the middle",
             "logos_at_end": "logos at the end", "static_overlay": "static overlay top-right",
             "logos.placeholders": "placeholder logos"}


def _check_key(key: str) -> str:
    """The column of a receipt line, by its key: never by its words, which are translated."""
    return COLUMN_OF.get(key, key.replace("_", " "))


def record(row: Row) -> dict[str, Any]:
    url, url_ok = row.youtube_url
    clips = []
    for clip in row.clips:
        clips.append({
            "path": str(clip.path),
            "name_ok": clip.name.exact,
            "expected_name": clip.name.expected,
            "name_differences": list(clip.name.differences),
            "rename_certain": clip.name.certain,
            "duration": round(clip.duration, 2) if clip.duration is not None else None,
            "error": clip.error,
            "checks": [{"check": _check_key(i.key), "label": i.name, "ok": i.ok, "detail": i.detail}
                       for i in clip.items],
        })
    reports = [{"path": str(r.path), "kind": r.kind, "complete": r.complete,
                "missing": list(r.missing), "problems": list(r.problems), "error": r.error,
                "youtube_url": r.youtube_url, "youtube_url_ok": r.url_ok} for r in row.reports]
    return {"district": row.district, "district_en": row.district_en, "status": row.status,
            "files": [str(p) for p in row.files], "problems": list(row.problems),
            "clips": clips, "reports": reports, "youtube_url": url, "youtube_url_ok": url_ok}


def records(audit: Audit) -> list[dict[str, Any]]:
    return [record(row) for row in audit.rows]


def _atomic(path: Path, data: bytes) -> None:
    """All or nothing; an audit.csv open in Excel is one line naming it (the old one kept)."""
    from overlay.files import write_atomic

    write_atomic(path, data)


def _mark(ok: bool | None) -> str:
    return {True: "✓", False: "✗", None: "·"}[ok]


def csv_text(audit: Audit) -> str:
    """One row per district; the first clip's checks in columns (the others in 'problems')."""
    header = ["district", "district_en", "status", "clip", "name_ok", "expected_name",
              "name_differences", "duration_s", *CHECK_COLUMNS, "reports", "reports_complete",
              "youtube_url", "youtube_url_ok", "problems", "files"]
    from overlay.files import SafeCsvWriter

    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)      # a district's text never runs as a formula in Excel
    writer.writerow(header)
    for rec in records(audit):
        clip = rec["clips"][0] if rec["clips"] else None
        checks = {c["check"]: f"{_mark(c['ok'])} {c['detail']}" for c in (clip["checks"] if clip else [])}
        writer.writerow([
            rec["district"], rec["district_en"] or "", rec["status"],
            clip["path"] if clip else "",
            ("yes" if clip["name_ok"] else "no") if clip else "",
            (clip["expected_name"] or "") if clip else "",
            " ".join(clip["name_differences"]) if clip else "",
            clip["duration"] if clip and clip["duration"] is not None else "",
            *[checks.get(key, "") for key in CHECK_COLUMNS],
            " | ".join(r["path"] for r in rec["reports"]),
            ("yes" if all(r["complete"] for r in rec["reports"]) else "no") if rec["reports"] else "",
            rec["youtube_url"] or "",
            "" if rec["youtube_url_ok"] is None else ("yes" if rec["youtube_url_ok"] else "no"),
            "\n".join(rec["problems"]), " | ".join(rec["files"]),
        ])
    return buffer.getvalue()


def others(audit: Audit) -> list[tuple[str, str, str]]:
    """(kind, path, reason) of every file that is in no district's row."""
    out = [("other province", str(p), why) for p, why in audit.other_province]
    out += [("unreadable", str(p), why) for p, why in audit.unreadable]
    out += [("unmatched", str(p), why) for p, why in audit.unmatched]
    out += [("ignored", str(p), _("not a video or a report document")) for p in audit.ignored]
    return out


def write_all(audit: Audit, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    targets = {
        "audit.csv": csv_text(audit).encode("utf-8-sig"),     # Excel reads Thai only with the BOM
        "audit.json": json.dumps(records(audit), ensure_ascii=False, indent=2).encode("utf-8"),
        "audit.html": html_text(audit).encode("utf-8"),
    }
    written = []
    for name, data in targets.items():
        _atomic(out_dir / name, data)
        written.append(out_dir / name)
    return written


def _data_uri(jpeg: bytes | None) -> str | None:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii") if jpeg else None




def html_text(audit: Audit) -> str:
    from jinja2 import Environment

    env = Environment(autoescape=True)
    page = (Path(__file__).parent / "audit.html.j2").read_text(encoding="utf-8")
    recs = records(audit)
    rows = []
    for row, rec in zip(audit.rows, recs, strict=True):
        clips = []
        for clip, crec in zip(row.clips, rec["clips"], strict=True):
            failed = [c for c in crec["checks"] if c["ok"] is False]
            summary = (_("all checks pass") if clip.checks_ok else
                       clip.error if clip.error else
                       _("{n} check(s) fail: {names}").format(
                           n=len(failed), names=", ".join(c["label"] for c in failed)))
            clips.append({
                "file": clip.path.name, "path": str(clip.path), "name_ok": clip.name.exact,
                "expected": clip.name.expected, "checks_ok": clip.checks_ok,
                "checks_summary": summary,
                "duration": f"{clip.duration:.1f} s" if clip.duration is not None else "–",
                "sheet": _data_uri(clip.sheet), "corner": _data_uri(clip.corner),
                "checks": [{**c, "mark": _mark(c["ok"])} for c in crec["checks"]],
            })
        reports = [{"file": r.path.name, "complete": r.complete,
                    "state": (r.error if r.error else _("complete") if r.complete else
                              _("{n} answer(s) missing").format(n=len(r.missing) + len(r.problems)))}
                   for r in row.reports]
        rows.append({"district": row.district, "district_en": row.district_en,
                     "status": row.status, "problems": row.problems, "clips": clips,
                     "reports": reports, "url": rec["youtube_url"], "url_ok": rec["youtube_url_ok"]})
    return env.from_string(page).render(
        title=_("Audit of the clips and reports of จังหวัด{p}").format(p=audit.province.name_th),
        summary=audit.summary(), folder=str(audit.folder), folder_label=_("Folder"),
        headers=[_("District"), _("Status"), _("Clip"), _("Length"), _("Checks"), _("Reports"),
                 _("YouTube URL")],
        status_labels={"complete": _("complete"), "problems": _("problems"), "missing": _("missing")},
        rows=rows, others=others(audit), others_label=_("Other files"),
        should_be=_("The mandated name"), report_label=_("Report"),
        corner_label=_("The top-right corner of the middle frame, where the logos must be:"))
