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
MARKS = {True: "[green]✓[/]", False: "[red]✗[/]", None: "[dim]·[/]", "!": "[yellow]![/]"}


def _say(console: Console, head: str, text: str = "", *, indent: str = "  ") -> None:
    """One line: ``head`` is our own markup (a mark, a bold word), ``text`` printed verbatim
    (paths, ffmpeg's version line, messages)."""
    console.print(f"{indent}{head}{' ' if head and text else ''}{escape(text)}", markup=True, emoji=False)


def report(console: Console) -> bool:
    ok = True
    try:
        found = find_ffmpeg()
        features = ffmpeg_features()
    except OverlayError as exc:
        _say(console, "[red]✗ ffmpeg:[/]", exc.line(), indent="")
        return False
    source = _("bundled") if found.bundled else found.source
    _say(console, "[bold]ffmpeg[/]", f"{found.path} ({_('from')} {source})", indent="")
    _say(console, "", features["version"])
    _note_path_ffmpeg(console, found.path)
    for name in NEEDED_FILTERS:
        have = name in features["filters"]
        ok &= have or name in ("zscale", "tonemap", "bwdif")
        _say(console, MARKS[have], f"{_('filter')} {name}")
    encoder = YOUTUBE.video_encoder
    have_x264 = encoder in features["encoders"]
    ok &= have_x264
    _say(console, MARKS[have_x264], f"{_('encoder')} {encoder}")
    tested = verdict(found, fresh=True)
    ok &= tested.ok
    if tested.ok:
        _say(console, MARKS[True], _("self-test: a one-second render with logos, Thai "
                                     "subtitles, loudness and fast start works"))
    else:
        _say(console, MARKS[False], f"{_('self-test failed')}: {tested.problem}. "
             + (back_hint(found.source) if not found.bundled else ""))

    fonts = sorted(p.name for p in fonts_dir().glob("*") if p.suffix.lower() in (".otf", ".ttf"))
    _say(console, f"[bold]{escape(_('fonts'))}[/]", f"{fonts_dir()}: {', '.join(fonts) or _('none!')}",
         indent="")
    ok &= bool(fonts)

    drawn = tested.subtitles
    if drawn is None:
        _say(console, MARKS[None], _("Thai subtitles not tested: the self-test failed before"))
    else:
        _say(console, MARKS[drawn], _("Thai subtitles render with the shipped font") if drawn else
             _("Thai subtitles did NOT render: libass found no usable font"))
        ok &= drawn

    _say(console, f"[bold]{escape(_('logos'))}[/]", str(logos_dir()), indent="")
    _say(console, "", f"{_('your library')}: {library_dir()}")
    for path in available():
        preset = load_preset(str(path))
        entries = list(preset.districts.values()) or [preset.district("-")]
        for entry in entries:
            try:
                refs = district_logos(preset, entry)
            except OverlayError as exc:
                _say(console, MARKS[False], f"{preset.name}: {exc.line()}")
                ok = False
                continue
            holders = [ref for ref in refs if ref.placeholder]
            where = f"{preset.name}" + (f" / อำเภอ{entry.name}" if preset.districts else "")
            if holders:
                shown = [r.path.relative_to(logos_dir()) if r.path.is_relative_to(logos_dir()) else r.path
                         for r in holders]
                _say(console, MARKS["!"], f"{where}: {_('placeholders')}: "
                     + ", ".join(f"{r.key} ({path})" for r, path in zip(holders, shown)))
            else:
                _say(console, MARKS[True], f"{where}: {_('all official')}")
    _say(console, "", _("Replace a placeholder once with 'overlay logos add KEY FILE --district D' "
                        "('overlay logos list --district D' shows all seven), or all of them with "
                        "the provincial office's pack: 'overlay logos import PACK.zip'. A clip "
                        "with a placeholder is not ready to send."), indent="")
    return ok


def subtitle_selftest() -> bool:
    """Thai subtitles come out with the shipped font: the self-test's verdict, made afresh."""
    return verdict(fresh=True).subtitles is True


def _note_path_ffmpeg(console: Console, used: Path) -> None:
    """An ffmpeg on PATH is never used merely for being there: say so, it surprises people."""
    import shutil

    on_path = shutil.which("ffmpeg")
    if on_path and Path(on_path).resolve() != used.resolve():
        _say(console, "[dim]·[/]", _("The ffmpeg on PATH ({path}) is not used; give --ffmpeg or "
                                     "OVERLAY_FFMPEG to use it.").format(path=on_path))
