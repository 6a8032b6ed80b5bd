"""``overlay render``, ``check``, ``preview`` and ``demo``: one clip through the engine.

Parse, call the library, print; errors and exit codes are ``common.handled``'s.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, List, Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from overlay.cli.common import err, handled, out, print_warnings, progress_bar
from overlay.cli.options import LaoOpt, LogoDirOpt, PresetOpt, ProvinceOpt
from overlay.errors import OverlayError, RenderError
from overlay.i18n import _

if TYPE_CHECKING:
    from overlay.check import Receipt
    from overlay.render import Job

app = typer.Typer()


def print_receipt(receipt: Receipt, console: Console = err) -> None:
    table = Table(title=Text(receipt.path.name), show_header=False, box=None, pad_edge=False)
    for item in receipt.items:
        mark = (Text("⚠", style="yellow") if item.warning else
                {True: Text("✓", style="green"), False: Text("✗", style="red"),
                 None: Text("·", style="dim")}[item.ok])
        table.add_row(mark, Text(item.name), Text(item.detail))
    console.print(table)
    for item in receipt.items:
        if item.hint and item.ok is not True:
            console.print(f"  {item.name}: {item.hint}", markup=False)
    if not receipt.ok:
        verdict = _("Not ready to send: {n} problem(s) (NOT compliant).").format(n=len(receipt.failures))
    elif receipt.warnings:
        verdict = _("Compliant, with {n} warning(s).").format(n=len(receipt.warnings))
    else:
        verdict = _("Compliant.")
    console.print(verdict, style=f"bold {'green' if receipt.ok else 'red'}", markup=False)


# ---------------------------------------------------------------- commands

@app.command(help=_("Render a compliant clip in one ffmpeg pass and print its path."))
@handled
def render(
    input: Path = typer.Argument(..., help=_("The clip: MP4, MOV, MKV, MTS… any length.")),
    district: str = typer.Option(..., "--district", "-d", help=_("District (อำเภอ), e.g. พิชัย.")),
    preset: Optional[str] = PresetOpt,
    province: Optional[str] = ProvinceOpt,
    lao: Optional[str] = LaoOpt,
    out_dir: Path = typer.Option(Path("."), "--out-dir", "-o", help=_("Folder for the finished clip.")),
    start: Optional[str] = typer.Option(None, "--start", help=_("Start at this time (seconds or mm:ss).")),
    end: Optional[str] = typer.Option(None, "--end", help=_("End at this time (seconds or mm:ss).")),
    max_duration: Optional[float] = typer.Option(None, "--max-duration", help=_("Lower the length limit (seconds).")),
    quality: Optional[str] = typer.Option(None, "--quality", "-q", help=_("draft, standard (default) or high.")),
    subs_th: Optional[Path] = typer.Option(None, "--subs-th", help=_("Thai subtitles (.srt).")),
    subs_en: Optional[Path] = typer.Option(None, "--subs-en", help=_("English subtitles (.srt).")),
    subs_mode: str = typer.Option("burn", "--subs-mode", help=_("burn (into the picture), embed (as tracks) or both.")),
    subs_encoding: Optional[str] = typer.Option(None, "--subs-encoding",
                                                help=_("Force the subtitles' encoding, e.g. cp874.")),
    strict: bool = typer.Option(False, "--strict", help=_("Stop on any unreadable subtitle cue.")),
    logo_dir: Optional[List[Path]] = LogoDirOpt,
    force: bool = typer.Option(False, "--force", "-f", help=_("Replace an existing output file.")),
    verbose: bool = typer.Option(False, "--verbose", "-v", help=_("Print the ffmpeg command.")),
    require_official_logos: bool = typer.Option(False, "--require-official-logos",
                                                help=_("Refuse to render with any placeholder logo.")),
) -> None:
    """Render a compliant clip in one ffmpeg pass and print its path."""
    from overlay import render as r

    job = r.Job(input=input, district=district, out_dir=out_dir, preset=preset, province=province,
                lao=lao, start=r.seconds(start) or 0.0, end=r.seconds(end),
                max_duration=max_duration, quality=quality, subs_th=subs_th, subs_en=subs_en,
                subs_mode=subs_mode, subs_encoding=subs_encoding, strict_subs=strict,
                logo_dirs=tuple(logo_dir or ()), force=force,
                require_official_logos=require_official_logos)
    output = render_and_check(job, verbose=verbose)
    out.print(str(output), markup=False)


@contextmanager
def show_commands(enabled: bool = True) -> Iterator[None]:
    """-v: print every ffmpeg command exactly as the runner starts it."""
    import logging

    from overlay.runner import log

    if not enabled:
        yield
        return

    class ToConsole(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            err.print(record.getMessage(), markup=False)

    handler, level = ToConsole(logging.INFO), log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(level)


def render_and_check(job: Job, verbose: bool = False, demo: bool = False) -> Path:
    """Plan, render with a progress bar, then check the output.

    Exit 1 only for a ✗ on the receipt, something the user can act on; what the tool owns
    and cannot meet (a recording too quiet to lift) is a warning that says what to do.
    The file is written either way, so that it can be looked at. ``demo``: placeholder
    logos are what a demo is made with; said plainly, and not a failure.
    """
    from overlay import engine, render
    from overlay.check import PLACEHOLDERS

    plan = render.plan(job)
    print_warnings(plan.warnings)
    progress, update = progress_bar(_("Rendering อำเภอ{district}").format(district=plan.place.district),
                                 plan.duration)
    with show_commands(verbose), progress:
        result = engine.run(plan, progress=update, warn=lambda line: print_warnings([line]))
    assert result.receipt is not None
    receipt = result.receipt
    print_receipt(receipt)
    if demo and all(item.key == PLACEHOLDERS for item in receipt.failures):
        if receipt.failures:
            err.print(_("This is a demo: it uses the placeholder logos shipped with overlay, so "
                        "it is not a clip to send. A real clip needs the official logos: "
                        "'overlay logos import PACK.zip' or 'overlay logos add KEY FILE'."),
                      markup=False)
        return result.output
    if not result.ok:
        raise RenderError(_("The output was written but does not pass the check."),
                          _("See the ✗ lines above."))
    return result.output


@app.command(help=_("Print a receipt: lengths, codecs, fast start, loudness, name, logos. Exit 1 if not compliant."))
@handled
def check(
    file: Path = typer.Argument(..., help=_("A finished clip.")),
    preset: Optional[str] = PresetOpt,
    district: Optional[str] = typer.Option(None, "--district", "-d",
                                           help=_("District, if the file name does not say.")),
    max_duration: Optional[float] = typer.Option(None, "--max-duration", help=_("Check against a lower limit.")),
    logo_dir: Optional[List[Path]] = LogoDirOpt,
) -> None:
    """Print a receipt: lengths, codecs, fast start, loudness, name, logos. Exit 1 if not compliant."""
    from overlay.check import check_file
    from overlay.naming import parse_clip_name
    from overlay.presets import choose_preset, length_limit

    parsed = parse_clip_name(file.name)
    chosen = choose_preset(preset, None if preset or not parsed else _safe_province(parsed[1]))
    print_warnings(filter(None, [length_limit(chosen, max_duration)[1]]))
    receipt = check_file(file, chosen, logo_dirs=tuple(logo_dir or ()), limit=max_duration,
                         district=district)
    print_receipt(receipt, out)
    if not receipt.ok:
        raise typer.Exit(1)


def _safe_province(name: str) -> str | None:
    from overlay.gazetteer import gazetteer

    try:
        return gazetteer().province(name).name_th
    except OverlayError:
        return None


@app.command(help=_("Write one frame with the logos (and subtitles) as a PNG, to look at before rendering."))
@handled
def preview(
    input: Path = typer.Argument(..., help=_("The clip.")),
    district: str = typer.Option(..., "--district", "-d"),
    at: str = typer.Option("0", "--at", help=_("Time of the frame, seconds or mm:ss.")),
    output: Path = typer.Option(Path("preview.png"), "--out", "-o", help=_("PNG file to write.")),
    preset: Optional[str] = PresetOpt,
    province: Optional[str] = ProvinceOpt,
    lao: Optional[str] = LaoOpt,
    subs_th: Optional[Path] = typer.Option(None, "--subs-th"),
    subs_en: Optional[Path] = typer.Option(None, "--subs-en"),
    logo_dir: Optional[List[Path]] = LogoDirOpt,
) -> None:
    """Write one frame with the logos (and subtitles) as a PNG, to look at before rendering."""
    from overlay import render as r

    job = r.Job(input=input, district=district, out_dir=output.parent, preset=preset,
                province=province, lao=lao, subs_th=subs_th, subs_en=subs_en,
                logo_dirs=tuple(logo_dir or ()), force=True)
    plan = r.plan(job)
    print_warnings(plan.warnings)
    out.print(str(r.preview(plan, r.seconds(at) or 0.0, output)), markup=False)


@app.command(help=_("Make a short synthetic clip and render it with the default preset (อำเภอพิชัย)."))
@handled
def demo(
    out_dir: Path = typer.Option(Path("overlay-demo"), "--out-dir", "-o",
                                 help=_("Folder for the demo clip and its result.")),
    seconds: float = typer.Option(8.0, "--seconds", help=_("Length of the synthetic clip.")),
    force: bool = typer.Option(True, "--force/--no-force", help=_("Replace an earlier demo result.")),
) -> None:
    """Make a short synthetic clip and render it with the default preset (อำเภอพิชัย)."""
    from overlay import demo as d
    from overlay import render as r
    from overlay.presets import DEFAULT_PRESET

    clip = d.make_demo_clip(out_dir / "demo-input.mp4", seconds=seconds)
    srt = d.write_demo_subtitles(out_dir / "demo-th.srt", seconds=seconds)
    err.print(_("Demo clip: {clip}").format(clip=clip))
    job = r.Job(input=clip, district="พิชัย", out_dir=out_dir, preset=DEFAULT_PRESET,
                subs_th=srt, force=force)
    output = render_and_check(job, demo=True)
    frame = r.preview(r.plan(job), seconds / 2, out_dir / "demo-preview.png")
    err.print(_("A frame to look at: {frame}").format(frame=frame))
    out.print(str(output), markup=False)
