"""The command line: parse, call the library, turn errors into one line and an exit code.

Exit codes: 0 done, 1 a render or check failed, 2 bad input or usage, 130 stopped (Ctrl-C),
143 stopped by SIGTERM, 129 by SIGHUP.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Optional

import typer
from rich.console import Console
from rich.progress import (BarColumn, Progress, TaskProgressColumn, TextColumn,
                           TimeRemainingColumn)
from rich.table import Table

from overlay import __version__
from overlay.console import err, handled, out
from overlay.errors import OverlayError, RenderError
from overlay.i18n import _

app = typer.Typer(
    help=_("Make a district's waste-bank clip follow the DLA's rules: logos top-right, "
           "subtitles, at most 5 minutes, YouTube encode, the mandated Thai file name."),
    no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)

def _version(value: bool) -> None:
    if value:
        out.print(f"overlay {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help=_("Show the version and exit.")),
          ffmpeg: Optional[Path] = typer.Option(
              None, "--ffmpeg", metavar="PATH",
              help=_("Use this ffmpeg instead of the bundled one (like OVERLAY_FFMPEG)."))) -> None:
    """overlay."""
    from overlay.tools import choose

    choose(ffmpeg)      # None: back to OVERLAY_FFMPEG or the bundled one, for every invocation


# ---------------------------------------------------------------- shared options

PresetOpt = typer.Option(None, "--preset", "-p", help=_("Built-in preset name (see 'overlay presets') or a .toml file."))
ProvinceOpt = typer.Option(None, "--province", help=_("Province (จังหวัด), Thai or romanised; default: the preset's."))
LaoOpt = typer.Option(None, "--lao", help=_("Name of the best-practice local government organisation (อปท.)."))
LogoDirOpt = typer.Option(None, "--logo-dir", help=_("Folder with the official logo files; looked in first. May repeat."))


def _progress(label: str, total: float):
    progress = Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                        TimeRemainingColumn(), console=err, transient=True,
                        disable=not err.is_terminal and not os.environ.get("OVERLAY_PROGRESS"))
    task = progress.add_task(label, total=total)
    return progress, (lambda seconds: progress.update(task, completed=min(seconds, total)))


def _print_warnings(warnings) -> None:
    for line in warnings:
        err.print(f"[yellow]{_('Warning')}:[/] {line}", markup=True)


def print_receipt(receipt, console: Console = err) -> None:
    table = Table(title=str(receipt.path.name), show_header=False, box=None, pad_edge=False)
    for item in receipt.items:
        mark = {True: "[green]✓[/]", False: "[red]✗[/]", None: "[dim]·[/]"}[item.ok]
        table.add_row(mark, item.name, item.detail)
    console.print(table)
    verdict = _("Compliant.") if receipt.ok else _("NOT compliant: {n} problem(s).").format(
        n=len(receipt.failures))
    console.print(f"[bold {'green' if receipt.ok else 'red'}]{verdict}[/]")


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
    subs_encoding: Optional[str] = typer.Option(None, "--subs-encoding", help=_("Force the subtitles' encoding, e.g. cp874.")),
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


def render_and_check(job, verbose: bool = False) -> Path:
    """Plan, render with a progress bar, then check the output (exit 1 if not compliant)."""
    from overlay import render as r
    from overlay.check import check_rendered

    plan = r.plan(job)
    _print_warnings(plan.warnings)
    progress, update = _progress(_("Rendering อำเภอ{district}").format(district=plan.place.district),
                                 plan.duration)
    with show_commands(verbose), progress:
        done = r.render_with_facts(plan, progress=update,
                                   warn=lambda line: _print_warnings([line]))
    receipt = check_rendered(plan, done.loudness)
    print_receipt(receipt)
    if not receipt.ok:
        raise RenderError(_("The output was written but does not pass the check."),
                          _("See the ✗ lines above."))
    return done.path


@app.command(help=_("Print a receipt: lengths, codecs, fast start, loudness, name, logos. Exit 1 if not compliant."))
@handled
def check(
    file: Path = typer.Argument(..., help=_("A finished clip.")),
    preset: Optional[str] = PresetOpt,
    district: Optional[str] = typer.Option(None, "--district", "-d", help=_("District, if the file name does not say.")),
    max_duration: Optional[float] = typer.Option(None, "--max-duration", help=_("Check against a lower limit.")),
    logo_dir: Optional[List[Path]] = LogoDirOpt,
) -> None:
    """Print a receipt: lengths, codecs, fast start, loudness, name, logos. Exit 1 if not compliant."""
    from overlay.check import check_file
    from overlay.naming import parse_clip_name
    from overlay.render import choose_preset

    parsed = parse_clip_name(file.name)
    chosen = choose_preset(preset, None if preset or not parsed else _safe_province(parsed[1]))
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
    _print_warnings(plan.warnings)
    out.print(str(r.preview(plan, r.seconds(at) or 0.0, output)), markup=False)


@app.command(help=_("Make a short synthetic clip and render it with the default preset (อำเภอพิชัย)."))
@handled
def demo(
    out_dir: Path = typer.Option(Path("overlay-demo"), "--out-dir", "-o", help=_("Folder for the demo clip and its result.")),
    seconds: float = typer.Option(8.0, "--seconds", help=_("Length of the synthetic clip.")),
    force: bool = typer.Option(True, "--force/--no-force", help=_("Replace an earlier demo result.")),
) -> None:
    """Make a short synthetic clip and render it with the default preset (อำเภอพิชัย)."""
    from overlay import demo as d
    from overlay import render as r

    clip = d.make_demo_clip(out_dir / "demo-input.mp4", seconds=seconds)
    srt = d.write_demo_subtitles(out_dir / "demo-th.srt", seconds=seconds)
    err.print(_("Demo clip: {clip}").format(clip=clip))
    job = r.Job(input=clip, district="พิชัย", out_dir=out_dir, preset=r.DEFAULT_PRESET,
                subs_th=srt, force=force)
    output = render_and_check(job)
    frame = r.preview(r.plan(job), seconds / 2, out_dir / "demo-preview.png")
    err.print(_("A frame to look at: {frame}").format(frame=frame))
    out.print(str(output), markup=False)


@app.command(help=_("Report the ffmpeg in use and its features, the fonts, and placeholder logos."))
@handled
def doctor() -> None:
    """Report the ffmpeg in use and its features, the fonts, and placeholder logos."""
    from overlay.doctor import report

    ok = report(out)
    if not ok:
        raise typer.Exit(1)


@app.command(help=_("List the built-in presets and their districts."))
@handled
def presets() -> None:
    """List the built-in presets and their districts."""
    from overlay.presets import available, load_preset

    for path in available():
        p = load_preset(str(path))
        out.print(f"[bold]{p.name}[/]  {p.description}  ({_('limit')} {p.max_duration:.0f} s)")
        if p.province:
            out.print(f"  {_('province')}: จังหวัด{p.province} ({p.province_en or ''})")
        for entry in p.districts.values():
            lao = entry.lao + ("" if entry.lao_confirmed else f" [dim]({_('unconfirmed')})[/]")
            out.print(f"  - อำเภอ{entry.name} ({entry.name_en or ''}): {lao}")


@app.command(help=_("Print the mandated file name for a district (names checked against the gazetteer)."))
@handled
def name(
    district: Optional[str] = typer.Option(None, "--district", "-d"),
    province: Optional[str] = typer.Option(None, "--province"),
    list_: bool = typer.Option(False, "--list", help=_("List the districts of --province (or all provinces).")),
    extension: bool = typer.Option(True, "--extension/--no-extension", help=_("Add .mp4.")),
) -> None:
    """Print the mandated file name for a district (names checked against the gazetteer)."""
    from overlay.errors import UsageError
    from overlay.gazetteer import gazetteer
    from overlay.naming import EXTENSION, clip_name

    if list_:
        gaz = gazetteer()
        if province:
            prov = gaz.province(province)
            for d in prov.districts:
                out.print(f"{d.name_th}\t{d.name_en or ''}")
        else:
            for prov in gaz.provinces:
                out.print(f"{prov.name_th}\t{prov.name_en or ''}\t{len(prov.districts)}")
        return
    if not district:
        raise UsageError(_("Give --district (and --province)."), _("Example: overlay name --district พิชัย --province อุตรดิตถ์"))
    if not province:
        from overlay.render import DEFAULT_PRESET
        from overlay.presets import load_preset
        province = load_preset(DEFAULT_PRESET).province
    out.print(clip_name(district, province) + (EXTENSION if extension else ""), markup=False)


def _mount_optional() -> None:
    """Sub-apps that live in their own modules."""
    try:
        from overlay.cli_subs import subs_app
        app.add_typer(subs_app, name="subs")
    except ImportError:
        pass
    try:
        from overlay.report.cli import report_app
        app.add_typer(report_app, name="report")
    except ImportError:
        pass
    try:
        from overlay.cli_logos import logos_app
        app.add_typer(logos_app, name="logos")
    except ImportError:
        pass
    try:
        from overlay.cli_batch import batch
        app.command(name="batch", help=_("Render every clip listed in a manifest, in parallel; skip what is already done."))(batch)
    except ImportError:
        pass
    try:
        from overlay.web.cli import web
        app.command(name="web", help=_("Open the whole job as a page in your browser, on this computer only."))(web)
    except ImportError:
        pass


_mount_optional()


def main() -> None:
    from overlay import signals

    signals.install()     # SIGTERM/SIGHUP: the same clean stop as Ctrl-C (exit 143/129)
    for stream in (sys.stdout, sys.stderr):
        # Windows consoles default to a code page that cannot print Thai.
        if hasattr(stream, "reconfigure") and (stream.encoding or "").lower() not in ("utf-8", "utf8"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    app()
