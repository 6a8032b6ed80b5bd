"""``overlay subs …``: typer only. Parse, call ``overlay.subtitles``, print, map to exit codes.

Exit codes: 0 the file is fine (warnings may be shown), 1 something in it will not reach the
screen (unreadable cues, cues past the limit), 2 the file cannot be used at all.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

from overlay.cli.common import handled, out, print_warnings
from overlay.i18n import _
from overlay.subtitles import SubsReport, check_srt

app = typer.Typer(help=_("Check subtitle files before a render."), no_args_is_help=True,
                  add_completion=False)


def _frame_size(value: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{2,5})\s*[xX×]\s*(\d{2,5})\s*", value)
    if not m:
        raise typer.BadParameter(_('"{value}" is not a frame size like 1920x1080.')
                                 .format(value=value))
    return int(m.group(1)), int(m.group(2))


def _print_report(report: SubsReport, console: Console) -> None:
    console.print(_("Encoding: {enc}").format(enc=escape(report.encoding)), markup=True)
    console.print(_("Cues read: {n}, shown: {shown}").format(n=report.cues_read,
                                                            shown=report.cues_shown), markup=True)
    for problem in report.read_problems:
        console.print(f"[red]•[/red] {escape(problem)}", markup=True)
    for warning in report.warnings:
        console.print(f"[yellow]•[/yellow] {escape(warning)}", markup=True)
    if report.breaks:
        console.print(_("Thai line breaks (| new line, || next part of the cue):"), markup=True)
        for cue in report.breaks:
            console.print(f"  #{cue.index} ({_('line')} {cue.line}): {escape(cue.shown())}",
                          soft_wrap=True, markup=True)
        if any(cue.fallbacks for cue in report.breaks):
            console.print(_("[yellow]![/yellow] a break inside a word the dictionaries do not know."), markup=True)
    if not report.problems:
        console.print(_("[green]No problems found.[/green]"), markup=True)


@app.command("check", help=_("Show what a subtitle file will become: encoding, cues, problems, Thai line breaks."))
@handled
def check(
    file: Path = typer.Argument(..., help=_("The subtitle file (.srt).")),
    encoding: Optional[str] = typer.Option(None, "--encoding",
                                           help=_("Force the encoding, e.g. cp874.")),
    start: float = typer.Option(0.0, "--start", min=0.0,
                                help=_("Seconds into the clip where the output starts.")),
    max_duration: Optional[float] = typer.Option(None, "--max-duration", min=0.1,
                                                 help=_("Length limit of the output, in seconds.")),
    size: str = typer.Option("1920x1080", "--size", help=_("Output frame size, WIDTHxHEIGHT.")),
) -> None:
    """Show what a subtitle file will become: encoding, cues, problems, Thai line breaks."""
    from overlay.presets import base, length_limit

    frame_w, frame_h = _frame_size(size)
    limit, refused = length_limit(base(), max_duration)
    print_warnings(filter(None, [refused]))
    report = check_srt(file, encoding=encoding, start=start, duration=limit,
                       frame_w=frame_w, frame_h=frame_h)
    _print_report(report, out)
    raise typer.Exit(1 if report.changes_output else 0)
