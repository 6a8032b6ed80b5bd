"""Build the report's three files from a data file, atomically, refusing to overwrite."""

from __future__ import annotations

from pathlib import Path

from overlay.files import write_atomic
from overlay.i18n import _
from overlay.naming import clip_name
from overlay.report.model import Report, ReportError, load


def outputs(report: Report, out_dir: Path) -> dict[str, Path]:
    stem = report.file_stem
    return {"docx": out_dir / f"{stem}.docx", "pdf": out_dir / f"{stem}.pdf",
            "youtube": out_dir / f"{clip_name(report.district, report.province)}.youtube.txt"}


def build_report(data_path: Path, out_dir: Path, *, clip: Path | None = None,
                 force: bool = False) -> list[Path]:
    """Validate ``data_path`` and write the DOCX, PDF and YouTube text into ``out_dir``."""
    # Deferred: the PDF writer's fpdf2 (~0.4 s) and python-docx (~0.1 s) would load with
    # `overlay --help` and every command (cli.report imports this module); measured with
    # `python -X importtime -m overlay --help` (benchmarks/house.py).
    from overlay.report.docx_writer import write_docx
    from overlay.report.pdf_writer import write_pdf
    from overlay.report.youtube import youtube_text

    report = load(Path(data_path), clip)
    targets = outputs(report, Path(out_dir))
    existing = [p for p in targets.values() if p.exists()]
    if existing and not force:
        raise ReportError(_("{names} already exist(s) in {folder}.").format(
            names=", ".join(p.name for p in existing), folder=out_dir),
            _("Use --force to replace them, or choose another --out-dir."))
    # Render everything before writing anything: a failure leaves no partial set behind.
    contents = {
        "docx": write_docx(report),
        "pdf": write_pdf(report),
        "youtube": youtube_text(report, clip_name(report.district, report.province))
        .encode("utf-8"),
    }
    try:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        for key, path in targets.items():
            write_atomic(path, contents[key])
    except OSError as exc:
        from overlay.errors import OverlayError
        raise OverlayError(_("Cannot write the report to {folder}: {reason}.").format(
            folder=out_dir, reason=exc.strerror or exc),
            _("Check that the folder is writable and the disk has space.")) from exc
    return list(targets.values())
