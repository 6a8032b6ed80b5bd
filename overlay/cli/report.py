"""``overlay report init`` and ``overlay report build``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from overlay.cli.common import handled, out
from overlay.errors import OverlayError
from overlay.files import write_atomic
from overlay.i18n import _
from overlay.report.build import build_report
from overlay.report.model import ReportError

app = typer.Typer(
    help=_("The report form (แบบรายงาน) for the province: a data file, then DOCX, PDF and "
           "the YouTube title and description."),
    no_args_is_help=True)


@app.command("init", help=_("Write a report data file with the form's questions, filled with what the preset knows."))
@handled
def init(
    preset: str = typer.Option(..., "--preset", "-p", help=_("Preset name or .toml path.")),
    district: str = typer.Option(..., "--district", "-d", help=_("The district, in Thai or English.")),
    output: Path = typer.Option(..., "-o", "--output", help=_("The data file to write (.toml).")),
    force: bool = typer.Option(False, "--force", "-f", help=_("Replace an existing file.")),
) -> None:
    """Write a report data file with the form's questions, filled with what the preset knows."""
    from overlay.naming import check_names
    from overlay.presets import load_preset
    from overlay.report.template import render_template

    loaded = load_preset(preset)
    entry = loaded.district(district)
    place = check_names(entry.name, loaded.province or "")
    if output.exists() and not force:
        raise ReportError(_("{path} already exists.").format(path=output),
                          _("Use --force to replace it, or choose another -o."))
    text = render_template(place.province, place.district, entry.lao, entry.lao_confirmed)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(output, text)
    except OSError as exc:
        raise OverlayError(_("Cannot write {path}: {reason}.").format(
            path=output, reason=exc.strerror or exc)) from None
    out.print(_("Wrote {path}: fill in the answers, then run 'overlay report build {path}'.")
               .format(path=output), markup=False)


@app.command("build", help=_("Check the data file and write the DOCX, the PDF and the YouTube text."))
@handled
def build(
    data: Path = typer.Argument(..., help=_("The report data file (.toml).")),
    out_dir: Path = typer.Option(Path("."), "--out-dir", "-o", help=_("Folder for the report files.")),
    clip: Optional[Path] = typer.Option(None, "--clip",
                                        help=_("The rendered clip: its name must match.")),
    force: bool = typer.Option(False, "--force", "-f", help=_("Replace existing files.")),
) -> None:
    """Check the data file and write the DOCX, the PDF and the YouTube text."""
    for path in build_report(data, out_dir, clip=clip, force=force):
        out.print(str(path), markup=False)
