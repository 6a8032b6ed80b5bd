"""``overlay doctor``: what this machine will render with, and what is still a placeholder."""

from __future__ import annotations

from rich.console import Console

from overlay.errors import OverlayError
from overlay.i18n import _

NEEDED_FILTERS = ("subtitles", "overlay", "scale", "loudnorm", "fps", "zscale", "tonemap", "bwdif")


def report(console: Console) -> bool:
    from overlay.presets import available, district_logos, load_preset
    from overlay.resources import fonts_dir, logos_dir
    from overlay.tools import ffmpeg_features, find_ffmpeg

    ok = True
    try:
        found = find_ffmpeg()
        features = ffmpeg_features()
    except OverlayError as exc:
        console.print(f"[red]✗ ffmpeg:[/] {exc.line()}")
        return False
    console.print(f"[bold]ffmpeg[/] {found.path} ({_('from')} {found.source})")
    console.print(f"  {features['version']}")
    for name in NEEDED_FILTERS:
        have = name in features["filters"]
        ok &= have or name in ("zscale", "tonemap", "bwdif")
        console.print(f"  {'[green]✓' if have else '[red]✗'}[/] {_('filter')} {name}")
    have_x264 = "libx264" in features["encoders"]
    ok &= have_x264
    console.print(f"  {'[green]✓' if have_x264 else '[red]✗'}[/] {_('encoder')} libx264")

    fonts = sorted(p.name for p in fonts_dir().glob("*") if p.suffix.lower() in (".otf", ".ttf"))
    console.print(f"[bold]{_('fonts')}[/] {fonts_dir()}: {', '.join(fonts) or _('none!')}")
    ok &= bool(fonts)

    drawn = subtitle_selftest()
    console.print(f"  {'[green]✓' if drawn else '[red]✗'}[/] "
                  + (_("Thai subtitles render with the shipped font") if drawn else
                     _("Thai subtitles did NOT render: libass found no usable font")))
    ok &= drawn

    from overlay.logolib import library_dir

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
                console.print(f"  [yellow]![/] {where}: {_('placeholders')}: "
                              + ", ".join(f"{r.key} ({r.path.relative_to(logos_dir()) if r.path.is_relative_to(logos_dir()) else r.path})"
                                          for r in holders))
            else:
                console.print(f"  [green]✓[/] {where}: {_('all official')}")
    console.print(_("Replace a placeholder once with 'overlay logos add KEY FILE --district D' "
                    "('overlay logos list --district D' shows all seven)."))
    return ok


def subtitle_selftest() -> bool:
    """Burn one Thai line onto a black frame, exactly as a render does, and look for it.

    libass draws nothing (and ffmpeg still exits 0) when it finds no font: only pixels tell.
    """
    import tempfile
    from pathlib import Path

    import numpy as np
    from PIL import Image

    from overlay import runner, subtitles
    from overlay.tools import ffmpeg_exe

    with tempfile.TemporaryDirectory(prefix="overlay-doctor-") as tmp:
        work = Path(tmp)
        env = subtitles.prepare_libass(work)
        cue = subtitles.Cue(index=1, start=0.0, end=5.0, text="ทดสอบ ภาษาไทย ที่นี่")
        (work / "subs.ass").write_text(subtitles.build_ass({"th": [cue]}, 640, 360), encoding="utf-8")
        try:
            stderr = runner.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-f", "lavfi",
                                 "-i", "color=c=black:s=640x360:d=1", "-vf",
                                 "subtitles=filename=subs.ass:fontsdir=fonts", "-frames:v", "1",
                                 "-update", "1", "frame.png"], cwd=work, env=env)
        except OverlayError:
            return False
        if subtitles.libass_failures(stderr):
            return False
        frame = np.asarray(Image.open(work / "frame.png").convert("L"))
        return int((frame > 200).sum()) > 50
