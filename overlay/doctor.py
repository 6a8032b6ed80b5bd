"""``overlay doctor``: what this machine will render with, and what is still a placeholder."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape

from overlay.delivery import YOUTUBE
from overlay.errors import OverlayError
from overlay.i18n import _
from overlay.logofiles import district_logos
from overlay.logolib import library_dir
from overlay.presets import available, load_preset
from overlay.resources import fonts_dir, logos_dir
from overlay.selftest import verdict
from overlay.tools import back_hint, ffmpeg_features, find_ffmpeg

NEEDED_FILTERS = ("subtitles", "overlay", "scale", "loudnorm", "fps", "zscale", "tonemap", "bwdif")


def report(console: Console) -> bool:
    ok = True
    try:
        found = find_ffmpeg()
        features = ffmpeg_features()
    except OverlayError as exc:
        console.print(f"[red]✗ ffmpeg:[/] {exc.line()}")
        return False
    source = _("bundled") if found.bundled else found.source
    console.print(f"[bold]ffmpeg[/] {found.path} ({_('from')} {source})")
    console.print(f"  {features['version']}")
    _note_path_ffmpeg(console, found.path)
    for name in NEEDED_FILTERS:
        have = name in features["filters"]
        ok &= have or name in ("zscale", "tonemap", "bwdif")
        console.print(f"  {'[green]✓' if have else '[red]✗'}[/] {_('filter')} {name}")
    encoder = YOUTUBE.video_encoder
    have_x264 = encoder in features["encoders"]
    ok &= have_x264
    console.print(f"  {'[green]✓' if have_x264 else '[red]✗'}[/] {_('encoder')} {encoder}")
    tested = verdict(found, fresh=True)
    ok &= tested.ok
    if tested.ok:
        console.print("  [green]✓[/] " + _("self-test: a one-second render with logos, Thai "
                                           "subtitles, loudness and fast start works"))
    else:
        console.print(f"  [red]✗[/] {_('self-test failed')}: "
                      + escape(f"{tested.problem}. " + (back_hint(found.source) if not found.bundled
                                                       else "")))

    fonts = sorted(p.name for p in fonts_dir().glob("*") if p.suffix.lower() in (".otf", ".ttf"))
    console.print(f"[bold]{_('fonts')}[/] {fonts_dir()}: {', '.join(fonts) or _('none!')}")
    ok &= bool(fonts)

    drawn = tested.subtitles
    if drawn is None:
        console.print("  [dim]·[/] " + _("Thai subtitles not tested: the self-test failed before"))
    else:
        console.print(f"  {'[green]✓' if drawn else '[red]✗'}[/] "
                      + (_("Thai subtitles render with the shipped font") if drawn else
                         _("Thai subtitles did NOT render: libass found no usable font")))
        ok &= drawn

    console.print(f"[bold]{_('logos')}[/] {logos_dir()}")
    console.print(f"  {_('your library')}: {library_dir()}")
    for path in available():
        preset = load_preset(str(path))
        entries = list(preset.districts.values()) or [preset.district("-")]
        for entry in entries:
            try:
                refs = district_logos(preset, entry)
            except OverlayError as exc:
                console.print(f"  [red]✗[/] {preset.name}: {exc.line()}")
                ok = False
                continue
            holders = [ref for ref in refs if ref.placeholder]
            where = f"{preset.name}" + (f" / อำเภอ{entry.name}" if preset.districts else "")
            if holders:
                shown = [r.path.relative_to(logos_dir()) if r.path.is_relative_to(logos_dir()) else r.path
                         for r in holders]
                console.print(f"  [yellow]![/] {where}: {_('placeholders')}: "
                              + ", ".join(f"{r.key} ({path})" for r, path in zip(holders, shown)))
            else:
                console.print(f"  [green]✓[/] {where}: {_('all official')}")
    console.print(_("Replace a placeholder once with 'overlay logos add KEY FILE --district D' "
                    "('overlay logos list --district D' shows all seven)."))
    return ok


def subtitle_selftest() -> bool:
    """Thai subtitles come out with the shipped font: the self-test's verdict, made afresh."""
    return verdict(fresh=True).subtitles is True


def _note_path_ffmpeg(console: Console, used: Path) -> None:
    """An ffmpeg on PATH is never used merely for being there: say so, it surprises people."""
    import shutil

    on_path = shutil.which("ffmpeg")
    if on_path and Path(on_path).resolve() != used.resolve():
        console.print("  [dim]· " + _("The ffmpeg on PATH ({path}) is not used; give --ffmpeg or "
                                     "OVERLAY_FFMPEG to use it.").format(path=on_path) + "[/]")
