"""Prove that an ffmpeg can make our clip, before the first render with it.

A filter list says little: an ffmpeg 5.1 has ``ebur128`` but not the option we give it,
and libass can be present yet draw nothing. So the test is the real thing, small: the
graph ``graph.build`` makes for a render (logo row, Thai subtitles with the shipped font,
an embedded track, loudness filters, x264, ``+faststart``) run on a second of generated
input, then the result is looked at (logo and subtitle pixels, fast start, the loudness
summary).

The verdict is kept per ffmpeg binary (path, size, modification time) and overlay
version, in memory and in ``store.data_home()/ffmpeg-selftest.json``: a render pays for
the test once per ffmpeg, not once per clip. ``overlay doctor`` always tests afresh.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from overlay import __version__, graph, loudness, runner, subtitles
from overlay.errors import OverlayError, RenderError, UsageError
from overlay.i18n import _
from overlay.logos import compose_row
from overlay.measure import faststart, frames_at, logo_match
from overlay.presets import load_preset
from overlay.probe import probe, require_video
from overlay.receipt import Text, from_data, later, to_data, words
from overlay.store import data_home
from overlay.tools import FFmpeg, back_hint, find_ffmpeg

REVISION = 4                  # bump when the test changes: old verdicts no longer count
CACHE_FILE = "ffmpeg-selftest.json"
SECONDS = 1.0                 # ebur128 needs a few 400 ms blocks for an integrated figure
SIZE = (640, 360)
THAI_LINE = "ทดสอบ ภาษาไทย ที่นี่"
LOGO_RGB = (40, 200, 60)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    problem: str = ""          # what is missing, in a few words (the language of the test); "" when ok
    subtitles: bool | None = True   # the Thai line was drawn with the shipped font (None: not reached)
    cacheable: bool = True     # False when the test itself could not run (not the binary's fault)
    reason: Any = None         # the problem as data (``receipt.to_data``): said in the reader's language

    def said(self) -> str:
        """The problem in the current language (a verdict is cached, and read in another)."""
        return words(from_data(self.reason)) if self.reason is not None else self.problem


def _failed(reason: Text | str, **values: Any) -> Verdict:
    """A failed verdict whose reason is kept as data, so it is worded when it is read."""
    if isinstance(reason, Text):
        return Verdict(False, reason.render(), reason=to_data(reason), **values)
    return Verdict(False, reason, **values)


_memo: dict[str, Verdict] = {}


def cache_key(ff: FFmpeg) -> str | None:
    try:
        st = ff.path.stat()
    except OSError:
        return None
    return f"{REVISION}|{__version__}|{ff.path}|{st.st_size}|{st.st_mtime_ns}"


def verdict(ff: FFmpeg | None = None, *, fresh: bool = False) -> Verdict:
    """The self-test's verdict on ``ff`` (default: the ffmpeg in use); cached unless ``fresh``."""
    ff = ff or find_ffmpeg()
    key = cache_key(ff)
    if not fresh and key is not None:
        if key in _memo:
            return _memo[key]
        stored = _load().get(key)
        if stored is not None:
            _memo[key] = stored
            return stored
    result = run_selftest(str(ff.path))
    if key is not None and result.cacheable:
        _memo[key] = result
        _store(key, result)
    return result


def require() -> FFmpeg:
    """The ffmpeg in use, once proven able to make the clip; a one-line error otherwise."""
    ff = find_ffmpeg()
    result = verdict(ff)
    if result.ok:
        return ff
    message = _("The ffmpeg at {path} ({source}) cannot make the clip: {problem}.").format(
        path=ff.path, source=_("bundled") if ff.bundled else ff.source, problem=result.said())
    if ff.bundled:
        raise OverlayError(message, _("Run 'overlay doctor'; reinstall overlay if it fails too."))
    raise UsageError(message, back_hint(ff.source))


# ---------------------------------------------------------------- the test itself

def run_selftest(exe: str) -> Verdict:
    try:
        with tempfile.TemporaryDirectory(prefix="overlay-selftest-") as tmp:
            return _run_in(exe, Path(tmp))
    except RenderError as exc:
        if not exc.stderr:          # ffmpeg could not even start: say why, do not cache
            return Verdict(False, exc.message, subtitles=None, cacheable=False)
        return _failed(_diagnosis(exc.stderr), subtitles=None)
    except OverlayError as exc:
        return Verdict(False, exc.line(), subtitles=None, cacheable=False)
    except OSError as exc:
        return Verdict(False, str(exc), subtitles=None, cacheable=False)


def _run_in(exe: str, work: Path) -> Verdict:
    _ = later                  # the reasons as data: worded when read (``Verdict.said``)
    width, height = SIZE
    source = work / "input.mkv"
    runner.run([exe, "-hide_banner", "-nostdin", "-y",
                "-f", "lavfi", "-i", f"color=c=black:s={width}x{height}:r=25:d={SECONDS + 0.5}",
                "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={SECONDS + 0.5}",
                "-c:v", "mpeg4", "-q:v", "3", "-c:a", "pcm_s16le", "-f", "matroska",
                f"file:{source}"], cwd=work)
    info = probe(source)

    row = compose_row([Image.new("RGBA", (64, 64), (*LOGO_RGB, 255))], width, height)
    row.image.save(work / "logos.png")
    env = subtitles.prepare_libass(work)
    cue = subtitles.Cue(index=1, start=0.0, end=SECONDS, text=THAI_LINE)
    (work / "subs.ass").write_text(subtitles.build_ass({"th": [cue]}, width, height),
                                   encoding="utf-8")
    subtitles.write_srt([cue], work / "th.srt")
    encode = load_preset("base").encode
    # The measuring pass, and the fullest level chain (gain, compressor, limiter).
    target = loudness.Target.of(encode)
    if loudness.measure(exe, source, 0.0, SECONDS) is None:
        return _failed(_("its ebur128 filter gave no loudness summary"))
    level = loudness.AudioPlan(loudness.COMPRESS, target, gain=6.0, makeup=1.0)
    output = work / "out.mp4"
    spec = graph.GraphSpec(
        input=source, start=0.0, duration=SECONDS, cut=True, fade=0.1,
        video=require_video(info), has_audio=True, width=width, height=height,
        fps=Fraction(25), logo_png="logos.png", logo_x=row.x, logo_y=row.y, output=output,
        encode=encode.profile("draft"), loudness=encode.loudness, true_peak=encode.true_peak,
        audio_bitrate=encode.audio_bitrate, audio_rate=encode.audio_rate, ass="subs.ass",
        embed=(graph.SubTrack(work / "th.srt", "tha", "ไทย"),), audio_plan=level)
    stderr = runner.run(graph.build(spec, exe), cwd=work, env=env)

    failures = subtitles.libass_failures(stderr)
    foreign = foreign_fonts(stderr, shipped_font_names())
    if foreign and not failures:
        return _failed(_("Thai subtitles were drawn with {font}, a font of this computer, not the "
                                "shipped font").format(font=foreign[0]), subtitles=False)
    frame = frames_at(output, [SECONDS / 2])[0]
    drawn = not failures and subtitle_drawn(frame, row.x, row.y + row.image.height)
    if not drawn:
        why = failures[0] if failures else _("no text in the picture")
        return _failed(_("Thai subtitles were not drawn with the shipped font ({why})")
                       .format(why=why), subtitles=False)
    if logo_match(frame, np.asarray(row.image.convert("RGBA")), row.x, row.y) >= 40:
        return _failed(_("the logo row was not drawn"))
    if loudness.measured_loudness(stderr) is None:
        return _failed(_("its ebur128 filter gave no loudness summary"))
    if not faststart(output):
        return _failed(_("+faststart did not put the index at the front"))
    return Verdict(True)


# libass names the font it chose for each request (at ffmpeg's default log level):
#   fontselect: (Loma, 400, 0) -> Loma, 0, Loma            a font of fontsdir (memory font)
#   fontselect: (Loma, 400, 0) -> C:\Windows\Fonts\tahoma.ttf, 0, Tahoma    a system fallback
_FONTSELECT = re.compile(r"fontselect: \((?P<asked>[^)]*?), -?\d+, -?\d+\) -> (?P<path>.*), -?\d+, "
                         r"(?P<name>[^,\r\n]+?)\s*$", re.M)


def shipped_font_names() -> set[str]:
    """The subtitle font's file names and PostScript names (the Loma files are named after them)."""
    from overlay.subtitles import font_files

    return {n for path in font_files() for n in (path.name, path.stem)}


def foreign_fonts(stderr: str, shipped: set[str]) -> list[str]:
    """The fonts libass chose that are not the shipped ones: on Windows (DirectWrite) or with a
    broken install it falls back to a system font and still draws, so pixels alone cannot tell."""
    out: list[str] = []
    for found in _FONTSELECT.finditer(stderr):
        path, name = found["path"].strip(), found["name"].strip()
        file = Path(path.replace("\\", "/")).name
        if name in shipped or file in shipped or Path(file).stem in shipped:
            continue
        label = name if name != "(none)" else path
        if label not in out:
            out.append(label)
    return out


def subtitle_drawn(frame, logo_left: int, logo_bottom: int) -> bool:
    """White text on the black test frame, away from the logo row: libass drew something.

    libass draws nothing (and ffmpeg still exits 0) when it finds no font: only pixels tell.
    """
    grey = np.asarray(frame, dtype=np.float32).mean(axis=2)
    grey[:logo_bottom, logo_left:] = 0
    return int((grey > 200).sum()) > 50


# Each says what is missing through the ``_`` it is given (``later``: kept as data).
_DIAGNOSES = (
    (re.compile(r"\[(\w+) @ [^\]]*\] Error setting option (\w+) to value ([^\s]+?)\.?$", re.M),
     lambda m, _: _("its {filter} filter has no {option} option").format(filter=m[1], option=m[2])),
    (re.compile(r"No such filter: '([^']+)'"),
     lambda m, _: _("it has no {filter} filter").format(filter=m[1])),
    (re.compile(r"Unknown encoder '([^']+)'"),
     lambda m, _: _("it has no {encoder} encoder").format(encoder=m[1])),
    (re.compile(r"Encoder \(codec (\w+)\) not found"),
     lambda m, _: _("it has no {encoder} encoder").format(encoder=m[1])),
    (re.compile(r"Unrecognized option '([^']+)'"),
     lambda m, _: _("it does not know the -{option} option").format(option=m[1])),
)


def _diagnosis(stderr: str) -> Text:
    """What is missing, from ffmpeg's words, as data; its last line when no pattern fits."""
    _ = later
    for pattern, say in _DIAGNOSES:
        found = pattern.search(stderr)
        if found:
            return say(found, _)
    last = [line.strip() for line in stderr.splitlines() if line.strip()][-1:] or ["?"]
    return _("ffmpeg said: {line}").format(line=last[0])


def diagnose(stderr: str) -> str:
    """What is missing, from ffmpeg's words, in the current language."""
    return str(_diagnosis(stderr))


# ---------------------------------------------------------------- the cache file

def _cache_path() -> Path:
    return data_home() / CACHE_FILE


def _load() -> dict[str, Verdict]:
    try:
        raw = json.loads(_cache_path().read_text(encoding="utf-8"))
        return {key: Verdict(**value) for key, value in raw.get("verdicts", {}).items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def _store(key: str, result: Verdict) -> None:
    path = _cache_path()
    verdicts = {k: asdict(v) for k, v in _load().items() if k.split("|")[:2] == key.split("|")[:2]}
    verdicts[key] = asdict(result)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temp.write_text(json.dumps({"verdicts": verdicts}, ensure_ascii=False, indent=1),
                        encoding="utf-8")
        os.replace(temp, path)
    except OSError:
        temp.unlink(missing_ok=True)     # an unwritable data folder: test again next time
