"""``overlay report init`` and ``overlay report build``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from overlay.errors import OverlayError
from overlay.i18n import _
from overlay.report.build import build_report, write_atomic
from overlay.report.model import ReportError

report_app = typer.Typer(
    help=_("The report form (แบบรายงาน) for the province: a data file, then DOCX, PDF and "
           "the YouTube title and description."),
    no_args_is_help=True)


def _fail(exc: OverlayError) -> typer.Exit:
    typer.echo(_("Error: {line}").format(line=exc.line()), err=True)
    return typer.Exit(exc.exit_code)


@report_app.command("init", help=_("Write a report data file with the form's questions, filled with what the preset knows."))
def init(
    preset: str = typer.Option(..., "--preset", help=_("Preset name or .toml path.")),
    district: str = typer.Option(..., "--district", help=_("The district, in Thai or English.")),
    output: Path = typer.Option(..., "-o", "--output", help=_("The data file to write (.toml).")),
    force: bool = typer.Option(False, "--force", help=_("Replace an existing file.")),
) -> None:
    """Write a report data file with the form's questions, filled with what the preset knows."""
    from overlay.naming import check_names
    from overlay.presets import load_preset
    from overlay.report.template import render_template

    try:
        loaded = load_preset(preset)
        entry = loaded.district(district)
        place = check_names(entry.name, loaded.province or "")
        if output.exists() and not force:
            raise ReportError(_("{path} already exists.").format(path=output),
                              _("Use --force to replace it, or choose another -o."))
        text = render_template(place.province, place.district, entry.lao,
                               getattr(entry, "lao_confirmed", True))
        output.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(output, text.encode("utf-8"))
    except OverlayError as exc:
        raise _fail(exc) from None
    except OSError as exc:
        raise _fail(OverlayError(_("Cannot write {path}: {reason}.").format(
            path=output, reason=exc.strerror or exc))) from None
    typer.echo(_("Wrote {path}: fill in the answers, then run 'overlay report build {path}'.")
               .format(path=output))


@report_app.command("build", help=_("Check the data file and write the DOCX, the PDF and the YouTube text."))
def build(
    data: Path = typer.Argument(..., help=_("The report data file (.toml).")),
    out_dir: Path = typer.Option(Path("."), "--out-dir", help=_("Folder for the report files.")),
    clip: Optional[Path] = typer.Option(None, "--clip",
                                        help=_("The rendered clip: its name must match.")),
    force: bool = typer.Option(False, "--force", help=_("Replace existing files.")),
) -> None:
    """Check the data file and write the DOCX, the PDF and the YouTube text."""
    try:
        paths = build_report(data, out_dir, clip=clip, force=force)
    except OverlayError as exc:
        raise _fail(exc) from None
    except Exception as exc:  # noqa: BLE001 — a bug must still end in one line, exit 1
        if os.environ.get("OVERLAY_DEBUG"):
            raise
        raise _fail(OverlayError(_("Building the report failed: {reason}.").format(
            reason=exc), _("Set OVERLAY_DEBUG=1 for details and report it."))) from None
    for path in paths:
        typer.echo(str(path))
