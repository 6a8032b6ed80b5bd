"""One clip, start to finish: a Job is planned (everything checked, nothing written),
then rendered in one ffmpeg pass into a private work folder and renamed into place.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Callable, Mapping

from overlay import graph, loudness, runner, selftest, subtitles
from overlay.errors import InputError, PresetError, RenderError, UsageError
from overlay.i18n import _
from overlay.logofiles import LogoRef, district_logos, logo_row
from overlay.logos import load_logo
from overlay.loudness import AudioPlan
from overlay.naming import Place, check_names, format_name, inside
from overlay.presets import DistrictEntry, Preset, choose_preset, length_limit
from overlay.probe import MediaInfo, probe, require_video
from overlay.runner import ProgressFn
from overlay.subtitles import SubtitleFile
from overlay.timecode import parse_time

SUBS_MODES = ("burn", "embed", "both")
MIN_DURATION = 1.0


@dataclass(frozen=True)
class Job:
    input: Path
    district: str
    out_dir: Path
    preset: str | None = None
    province: str | None = None
    lao: str | None = None
    start: float = 0.0
    end: float | None = None
    max_duration: float | None = None
    quality: str | None = None
    subs_th: Path | None = None
    subs_en: Path | None = None
    subs_mode: str = "burn"
    subs_encoding: str | None = None
    strict_subs: bool = False
    logo_dirs: tuple[Path, ...] = ()
    force: bool = False
    require_official_logos: bool = False   # a placeholder logo is an error, not a warning
    threads: int | None = None      # cap x264 and filter threads when several jobs share a machine
    language: str | None = None     # its messages' language ("th", "en"); None: the caller's


@dataclass(frozen=True)
class Plan:
    job: Job
    preset: Preset
    place: Place
    district: DistrictEntry
    output: Path
    info: MediaInfo
    start: float
    duration: float
    cut: bool
    limit: float                 # the length limit in force: the preset's or a lower --max-duration
    width: int
    height: int
    fps: Fraction
    logos: tuple[LogoRef, ...]
    subtitles: Mapping[str, SubtitleFile] = field(default_factory=dict)   # "th", "en"
    warnings: tuple[str, ...] = ()

    @property
    def placeholders(self) -> tuple[LogoRef, ...]:
        return tuple(ref for ref in self.logos if ref.placeholder)


def output_name(preset: Preset, place: Place) -> str:
    """The mandated file name the render writes for ``place`` (the page shows the same)."""
    return format_name(place.district, place.province, preset.name_template) + preset.extension


def window(info: MediaInfo, start: float, end: float | None, limit: float) -> tuple[float, float, bool]:
    """(start, duration, cut) of the part to keep; InputError when nothing sensible is left."""
    total = info.duration
    if total <= 0:
        raise InputError(_("Cannot tell how long {name} is; the file may be damaged.")
                         .format(name=info.path.name),
                         _("Export or copy the clip again."))
    if start < 0 or (end is not None and end <= start):
        raise UsageError(_("--start must be at least 0 and --end after --start."),
                         _("Give times in seconds or as mm:ss, e.g. --start 10 --end 4:50."))
    if start >= total:
        raise UsageError(_("--start {start:.1f} s is past the end of the clip ({total:.1f} s).")
                         .format(start=start, total=total), _("Choose an earlier --start."))
    if total < MIN_DURATION:
        raise InputError(_("{name} is only {d:.2f} s long; a clip needs at least {m:.0f} s.")
                         .format(name=info.path.name, d=total, m=MIN_DURATION),
                         _("Check that this is the right file."))
    stop = min(total, end) if end is not None else total
    duration = min(stop - start, limit)
    if duration < MIN_DURATION:
        raise InputError(_("Only {d:.2f} s of video would be left; a clip needs at least {m:.0f} s.")
                         .format(d=duration, m=MIN_DURATION),
                         _("Check the file and the --start/--end times."))
    cut = start + duration < total - 0.05
    return start, round(duration, 3), cut


def plan(job: Job) -> Plan:
    """Check everything a render needs, without writing anything."""
    preset = choose_preset(job.preset, job.province)
    province = job.province or preset.province
    if not province:
        raise UsageError(_("No province given: preset {preset} does not name one.")
                         .format(preset=preset.name),
                         _("Add --province, e.g. --province อุตรดิตถ์, or use --preset uttaradit."))
    place = check_names(job.district, province)
    district = preset.district(place.district)
    if job.lao:
        district = replace(district, lao=job.lao, lao_confirmed=True)
    warnings: list[str] = []
    if preset.province and place.province != preset.province:
        warnings.append(_("Preset {preset} is for จังหวัด{p1}, the clip for จังหวัด{p2}: "
                          "its province logos may be wrong.")
                        .format(preset=preset.name, p1=preset.province, p2=place.province))

    output = inside(Path(job.out_dir), output_name(preset, place))
    if output.exists() and output.resolve() == Path(job.input).resolve():
        raise UsageError(_("The output would replace the input {path}.").format(path=output),
                         _("Choose another --out-dir: the input is never changed."))
    if output.exists() and not job.force:
        raise runner.exists_error(output)

    info = probe(job.input)
    video = require_video(info)
    limit, refused = length_limit(preset, job.max_duration)
    if refused:
        warnings.append(refused)
    start, duration, cut = window(info, job.start, job.end, limit)
    if cut and job.end is None and job.start == 0:
        warnings.append(_("The clip is {total:.0f} s long; it is cut to {d:.0f} s (the limit).")
                        .format(total=info.duration, d=duration))
    display_w, display_h = video.display_size
    width, height = graph.output_size(display_w, display_h, preset.encode.max_long_side)
    fps = graph.output_fps(video, preset.encode.max_fps)
    logos = tuple(district_logos(preset, district, tuple(job.logo_dirs), province=place.province))
    check_logos(logos)
    holders = [ref.key for ref in logos if ref.placeholder]
    if holders and (job.require_official_logos or preset.require_official_logos):
        raise PresetError(_("Placeholder logos are not allowed here and still in use: {keys}.")
                          .format(keys=", ".join(holders)),
                          _("Add the official files with 'overlay logos add KEY FILE --district {d}', "
                            "all at once with 'overlay logos import PACK.zip' (the pack from the "
                            "provincial office), or on the logos part of 'overlay web'.")
                          .format(d=place.district))
    if job.subs_mode not in SUBS_MODES:
        raise UsageError(_('Unknown --subs-mode "{mode}".').format(mode=job.subs_mode),
                         _("Choose burn, embed or both."))
    subs = _read_subtitles(job, start, duration, warnings)
    result = Plan(job=job, preset=preset, place=place, district=district, output=output,
                  info=info, start=start, duration=duration, cut=cut, limit=limit, width=width,
                  height=height, fps=fps, logos=logos, subtitles=subs,
                  warnings=tuple(warnings))
    if result.placeholders:
        warnings.append(placeholder_warning(result))
    if not district.lao_confirmed:
        warnings.append(lao_warning(result))
    return replace(result, warnings=tuple(warnings))


def placeholder_warning(p: Plan) -> str:
    """The plan's warning about its placeholder logos, in the command line's words."""
    return (_("Placeholder logos still in use: {keys}: the clip will not be ready to "
              "send. Add the official files once with 'overlay logos add KEY FILE "
              "--district {d}', all at once with 'overlay logos import PACK.zip', or on "
              "the logos part of 'overlay web'.")
            .format(keys=", ".join(ref.key for ref in p.placeholders), d=p.place.district))


def lao_warning(p: Plan) -> str:
    """The plan's warning about an unconfirmed organisation, in the command line's words."""
    return _("The organisation name for อำเภอ{d} is not confirmed in the preset; "
             "give it with --lao.").format(d=p.place.district)


# Bits per pixel of the encoded picture, well above what x264 writes at these CRFs: the
# estimate must not be short, a free-space check that passes and then fills the disk is worse.
BITS_PER_PIXEL = 0.3
SIZE_MARGIN = 1.25


def estimate_bytes(p: Plan) -> int:
    """An upper estimate of the finished clip's size (for a free-space check before the render)."""
    video = p.width * p.height * float(p.fps) * BITS_PER_PIXEL
    audio = _bitrate(p.preset.encode.audio_bitrate)
    return int((video + audio) / 8 * p.duration * SIZE_MARGIN) + (1 << 20)


def _bitrate(text: str) -> float:
    value = text.strip().lower()
    scale = {"k": 1e3, "m": 1e6}.get(value[-1:], 1.0)
    try:
        return float(value.rstrip("km")) * scale
    except ValueError:
        return 320e3


def check_logos(logos: tuple[LogoRef, ...]) -> None:
    """Decode every logo once, small, so a broken file is named before anything is written."""
    for ref in logos:
        try:
            _decodes(ref.path, *_identity(ref.path))
        except PresetError as exc:
            raise PresetError(_('Logo "{key}" (preset entry "{entry}"): {why}')
                              .format(key=ref.key, entry=ref.entry, why=exc.message),
                              exc.hint) from exc


def _identity(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return -1, -1            # load_logo words what is wrong
    return stat.st_size, stat.st_mtime_ns


@functools.lru_cache(maxsize=64)
def _decodes(path: Path, _size: int, _mtime_ns: int) -> bool:
    """True once the file decoded (kept for its identity: a page's previews plan often)."""
    load_logo(path, 16)
    return True


def _read_subtitles(job: Job, start: float, duration: float,
                    warnings: list[str]) -> dict[str, SubtitleFile]:
    files = {lang: path for lang, path in (("th", job.subs_th), ("en", job.subs_en)) if path}
    if not files:
        return {}
    read = {}
    for lang, path in files.items():
        sub = subtitles.read_srt(Path(path), encoding=job.subs_encoding, strict=job.strict_subs)
        warnings.extend(sub.problems)
        cues, dropped = subtitles.fit_window(sub.cues, start, duration)
        if dropped:
            warnings.append(_("{n} subtitle cue(s) of {name} fall after the cut and are left out.")
                            .format(n=dropped, name=Path(path).name))
        read[lang] = replace(sub, cues=tuple(cues))
    return read


DAMAGE_SIGNS = ("partial file", "invalid nal", "error while decoding", "corrupt",
                "invalid data found", "missing picture", "concealing")


def damage_warning(stderr: str, planned: float, written: float) -> str | None:
    """A plain warning when the input was damaged part-way but a readable part was rendered."""
    low = stderr.lower()
    short = written < planned - 0.5
    if short or any(sign in low for sign in DAMAGE_SIGNS):
        return _("The input looks damaged: {w:.1f} s of the planned {p:.1f} s could be read and "
                 "rendered. Check the result, or copy the clip again.").format(w=written, p=planned)
    return None


@dataclass(frozen=True)
class Rendered:
    path: Path
    loudness: float | None      # LUFS of the sound as encoded, measured in the same pass
    audio: AudioPlan | None = None   # how its level was set, from the input's measure


def audio_plan(p: Plan, exe: str | None = None,
               progress: ProgressFn | None = None) -> AudioPlan | None:
    """Measure the kept part's sound (an audio-only pass) and decide how the render sets its
    level; None when the clip has no sound (the render adds a silent track)."""
    if p.info.audio is None:
        return None
    enc = p.preset.encode
    return loudness.plan_for(exe or _proven_ffmpeg(), p.job.input, p.start, p.duration,
                             loudness.Target.of(enc), rate=enc.audio_rate, progress=progress)


def render_with_facts(p: Plan, progress: ProgressFn | None = None,
                      warn: Callable[[str], None] | None = None,
                      audio: AudioPlan | None = None) -> Rendered:
    """Measure the sound, render the plan in one ffmpeg pass; the final path and what was
    measured before and during the pass.

    ``warn`` receives problems that did not stop the render (a damaged input's tail).
    ``audio``: a level plan already decided (``audio_plan``), so it is not measured twice.
    """
    exe = _proven_ffmpeg()
    if audio is None:
        # The caller's progress function sees 0 s written while the sound is measured: the
        # bar has not moved yet, and a Cancel raised from it already stops the measuring.
        audio = audio_plan(p, exe, None if progress is None else (lambda _seconds: progress(0.0)))
    written = [0.0]

    def track(seconds: float) -> None:
        written[0] = max(written[0], seconds)
        if progress is not None:
            progress(seconds)

    out_dir = p.output.parent
    created = not out_dir.exists()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(_("Cannot create the output folder {dir}: {reason}.")
                         .format(dir=out_dir, reason=exc.strerror or exc),
                         _("Choose a folder you can write to with --out-dir.")) from exc
    try:
        return _render_into(p, track, warn, written, audio)
    except BaseException:
        if created and out_dir.is_dir() and not any(out_dir.iterdir()):
            out_dir.rmdir()     # a failed first render leaves no empty folder behind
        raise


def _proven_ffmpeg() -> str:
    """The ffmpeg to render with, once its self-test passed (cached per binary)."""
    return str(selftest.require().path)


WORK_PREFIX = "overlay-work-"


def work_prefix() -> str:
    """A render's work folder name carries its owner (machine, process), as a partial output
    does (``runner.temp_output_path``), so a killed server's folder can be swept safely."""
    return f"{WORK_PREFIX}{runner._host_tag()}-{os.getpid()}-"


def _render_into(p: Plan, track: ProgressFn, warn: Callable[[str], None] | None,
                 written: list[float], audio: AudioPlan | None) -> Rendered:
    mode = p.job.subs_mode
    with tempfile.TemporaryDirectory(prefix=work_prefix()) as tmp:
        work = Path(tmp)
        prep = _prepare(p, work, burn=mode in ("burn", "both"), embed=mode in ("embed", "both"))
        with runner.atomic_output(p.output, p.job.force) as temp:
            spec = graph_spec(p, temp, prep.x, prep.y, prep.ass, prep.embed, audio=audio)
            stderr = runner.run(graph.build(spec, _proven_ffmpeg()), cwd=work, env=prep.env,
                                progress=track)
            if prep.ass:
                failures = subtitles.libass_failures(stderr)
                if failures:
                    raise RenderError(_("The subtitles could not be drawn: {why}")
                                      .format(why=failures[0]),
                                      _("Run 'overlay doctor' to check the subtitle font."),
                                      stderr=stderr)
        message = damage_warning(stderr, p.duration, written[0])
        if message and warn is not None:
            warn(message)
        for sub in prep.embed:   # sidecars for YouTube's caption upload, beside the clip
            with runner.atomic_output(sidecar_path(p.output, sub.language), force=True) as temp:
                shutil.copyfile(sub.path, temp)
    return Rendered(p.output, loudness.measured_loudness(stderr), audio)


def sidecar_path(output: Path, language: str) -> Path:
    short = {"tha": "th", "eng": "en"}.get(language, language)
    return output.with_name(f"{output.stem}.{short}.srt")


@dataclass(frozen=True)
class Prepared:
    """What ffmpeg reads from its work folder, under plain names: never a user's path."""

    x: int
    y: int
    ass: str | None
    env: dict[str, str]
    embed: tuple[graph.SubTrack, ...]


def _prepare(p: Plan, work: Path, *, burn: bool, embed: bool) -> Prepared:
    row = logo_row(p.preset, p.logos, p.width, p.height)
    row.image.save(work / "logos.png")
    tracks = {lang: sub.cues for lang, sub in p.subtitles.items()}
    ass, env, subs = None, {}, []
    if tracks:
        if burn:
            env = subtitles.prepare_libass(work)
            (work / "subs.ass").write_text(subtitles.build_ass(tracks, p.width, p.height),
                                           encoding="utf-8")
            ass = "subs.ass"
        if embed:
            names = {"th": ("tha", "ไทย"), "en": ("eng", "English")}
            for lang in ("th", "en"):
                if lang in tracks:
                    path = work / f"{lang}.srt"
                    subtitles.write_srt(tracks[lang], path)
                    subs.append(graph.SubTrack(path, *names[lang]))
    return Prepared(row.x, row.y, ass, env, tuple(subs))


def graph_spec(p: Plan, output: Path, x: int, y: int, ass: str | None,
          embed: tuple[graph.SubTrack, ...], frame_only: bool = False,
          audio: AudioPlan | None = None) -> graph.GraphSpec:
    enc = p.preset.encode
    return graph.GraphSpec(
        input=p.job.input, start=p.start, duration=p.duration, cut=p.cut,
        fade=min(p.preset.fade, p.duration / 4), video=require_video(p.info),
        has_audio=p.info.audio is not None, width=p.width, height=p.height, fps=p.fps,
        logo_png="logos.png", logo_x=x, logo_y=y, output=output,
        encode=enc.profile(p.job.quality), loudness=enc.loudness, true_peak=enc.true_peak,
        audio_bitrate=enc.audio_bitrate, audio_rate=enc.audio_rate, ass=ass, embed=embed,
        frame_only=frame_only, threads=p.job.threads, audio_plan=audio)


def preview(p: Plan, at: float, output: Path) -> Path:
    """One frame with the logo row (and subtitles) at ``at`` seconds of the output."""
    exe = _proven_ffmpeg()
    at = max(0.0, min(at, p.duration - 0.05))
    later = {lang: replace(sub, cues=tuple(replace(c, start=c.start - at, end=c.end - at)
                                           for c in sub.cues if c.end > at))
             for lang, sub in p.subtitles.items()}
    shifted = replace(p, start=p.start + at, duration=max(0.5, min(1.0, p.duration - at)),
                      subtitles=later)
    with tempfile.TemporaryDirectory(prefix=work_prefix()) as tmp:
        work = Path(tmp)
        prep = _prepare(shifted, work, burn=True, embed=False)
        output.parent.mkdir(parents=True, exist_ok=True)
        with runner.atomic_output(output, force=True) as temp:
            spec = graph_spec(shifted, temp, prep.x, prep.y, prep.ass, (), frame_only=True)
            runner.run(graph.build(spec, exe), cwd=work, env=prep.env)
    return output


def seconds(text: str | None) -> float | None:
    """A time option or manifest cell (forms: ``timecode.parse_time``); None when empty."""
    if text is None or text == "":
        return None
    try:
        return parse_time(text)
    except ValueError:
        raise UsageError(_('"{text}" is not a time.').format(text=text),
                         _("Write seconds (90) or minutes:seconds (1:30).")) from None
