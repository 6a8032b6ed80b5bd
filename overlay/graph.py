"""The one ffmpeg graph for a job: pure, a spec in and an argument list out.

Order matters for speed: normalise (deinterlace, tone-map, constant rate), scale down to
the output size first, convert to yuv420p once, then overlay the pre-composed logo row
(one still image) and burn subtitles on the small frame, fade only when cut, encode.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import ffmpeg

from overlay.delivery import YOUTUBE
from overlay.loudness import AudioPlan, one_pass
from overlay.presets import EncodeProfile
from overlay.probe import VideoInfo

STANDARD_RATES = (Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001),
                  Fraction(30), Fraction(50), Fraction(60000, 1001), Fraction(60))


@dataclass(frozen=True)
class SubTrack:
    path: Path          # a plain-named SRT in the work folder
    language: str       # ISO 639-2: "tha", "eng"
    title: str


@dataclass(frozen=True)
class GraphSpec:
    input: Path
    start: float                 # seconds into the input
    duration: float              # seconds of output
    cut: bool                    # the input goes on past the window: fade out
    fade: float
    video: VideoInfo
    has_audio: bool
    width: int
    height: int
    fps: Fraction
    logo_png: str                # file name relative to ffmpeg's working folder
    logo_x: int
    logo_y: int
    output: Path
    encode: EncodeProfile
    loudness: float              # LUFS, and the rest of the sound: the preset's [encode]
    true_peak: float
    audio_bitrate: str
    audio_rate: int
    ass: str | None = None       # file name relative to ffmpeg's working folder
    fonts_dir: str = "fonts"
    embed: tuple[SubTrack, ...] = ()
    frame_only: bool = False     # preview: one PNG frame, no audio, no encode settings
    threads: int | None = None   # None: ffmpeg and x264 pick (all cores)
    measure_loudness: bool = True
    # How the sound reaches the target, decided from a measuring pass (overlay.loudness);
    # None: not measured, one-pass loudnorm.
    audio_plan: AudioPlan | None = None


def even(value: float) -> int:
    # Down to even: never larger than the source, so never an upscale.
    return max(2, int(value + 1e-6) // 2 * 2)


def output_size(display_w: int, display_h: int, max_long_side: int) -> tuple[int, int]:
    """Keep the shape, never upscale, cap the long side, make both sides even."""
    scale = min(1.0, max_long_side / max(display_w, display_h))
    return even(display_w * scale), even(display_h * scale)


def _snap(rate: Fraction) -> Fraction | None:
    nearest = min(STANDARD_RATES, key=lambda r: abs(float(r) - float(rate)))
    return nearest if abs(float(nearest) - float(rate)) / float(nearest) < 0.03 else None


def output_fps(video: VideoInfo, max_fps: int) -> Fraction:
    """A constant rate: the source's, snapped to a standard one, at most ``max_fps``.

    A variable-rate phone clip averages 29.87… or less (dropped frames in low light);
    its nominal rate (r_frame_rate) says what it was shot at. Failing that, the next
    standard rate above the average keeps motion smooth.
    """
    rate = video.fps if video.fps > 0 else Fraction(25)
    if video.variable_fps:
        nominal = video.nominal_fps and _snap(video.nominal_fps)
        rate = nominal or next((r for r in STANDARD_RATES if float(r) >= float(rate) * 0.97),
                               STANDARD_RATES[-1])
    else:
        rate = _snap(rate) or rate
    while rate > max_fps:
        # 120 fps slow-motion phone clips: halve until it fits, keeping the cadence.
        rate /= 2
    return rate


def _file(path: Path) -> str:
    # "file:" keeps a name with ":" or a leading "-" from being read as a protocol or option.
    return f"file:{Path(path).resolve()}"


def _video_chain(spec: GraphSpec, stream):
    v = spec.video
    if v.interlaced:
        stream = stream.filter("bwdif", mode="send_frame", parity="auto", deint="interlaced")
    colour, tv = YOUTUBE.colour, YOUTUBE.colour_range
    if v.hdr:
        # HDR (PQ/HLG, BT.2020) to SDR BT.709 with zimg and a Hable curve: not washed out.
        stream = (stream.filter("zscale", t="linear", npl=100)
                  .filter("format", "gbrpf32le")
                  .filter("zscale", p=colour)
                  .filter("tonemap", tonemap="hable", desat=0)
                  .filter("zscale", t=colour, m=colour, r=tv))
    stream = stream.filter("fps", fps=str(spec.fps))
    stream = stream.filter("scale", spec.width, spec.height, flags="bicubic",
                           out_color_matrix=colour, out_range=tv)
    stream = stream.filter("setsar", "1").filter("format", YOUTUBE.pix_fmt)
    # The encoder takes colour tags from the frames: tag them here, not only as options.
    return stream.filter("setparams", color_primaries=colour, color_trc=colour,
                         colorspace=colour, range=tv)


def _with_globals(args: list[str], *extra: str) -> list[str]:
    # Global options go first: ffmpeg-python appends them after the output, which ffmpeg
    # only tolerates with a warning.
    return [args[0], "-hide_banner", "-nostdin", *extra, *args[1:]]


def build(spec: GraphSpec, ffmpeg_exe: str) -> list[str]:
    """The full command line for one clip (or one preview frame)."""
    in_kwargs: dict[str, object] = {"t": f"{spec.duration:.3f}"}
    if spec.start > 0:
        in_kwargs["ss"] = f"{spec.start:.3f}"
    src = ffmpeg.input(_file(spec.input), **in_kwargs)
    logo = ffmpeg.input(spec.logo_png)

    video = _video_chain(spec, src.video)
    fade = {"type": "out", "start_time": f"{spec.duration - spec.fade:.3f}",
            "duration": f"{spec.fade:.3f}"} if spec.cut and spec.fade > 0 else None
    if fade and not spec.frame_only:
        # Fade the picture under the logos: the mandate wants them to the last frame.
        video = video.filter("fade", **fade)
    # The logo row is one still frame; eof_action=repeat keeps it for the whole clip.
    video = ffmpeg.overlay(video, logo, x=spec.logo_x, y=spec.logo_y,
                           eof_action="repeat", format="yuv420")
    if spec.ass:
        video = video.filter("subtitles", filename=spec.ass, fontsdir=spec.fonts_dir)
    if spec.frame_only:
        out = ffmpeg.output(video, _file(spec.output), vframes=1, f="image2", update=1)
        return _with_globals(out.compile(cmd=ffmpeg_exe), "-y")

    if spec.has_audio:
        # The sound comes from a second opening of the same file. loudnorm looks 3 s ahead;
        # fed from the shared demuxer it made ffmpeg hold ~3 s of raw 1080p frames back
        # (about 280 MB). A demuxer of its own reads the sound ahead instead: same output,
        # peak memory 680 → 410 MB, no slower (benchmarks/README.md).
        # (-vn on that input: its demuxer drops the picture's packets at once.)
        audio = ffmpeg.input(_file(spec.input), vn=None, sn=None, **in_kwargs).audio
    else:
        audio = ffmpeg.input(f"anullsrc=r={spec.audio_rate}:cl=stereo", f="lavfi",
                             t=f"{spec.duration:.3f}").audio
    audio = audio.filter("aresample", spec.audio_rate)
    audio = audio.filter("aformat", sample_fmts="fltp", channel_layouts="stereo")
    if spec.has_audio:
        # Stereo 48 kHz float before the level is set: the measuring pass measured the sound
        # exactly so (a downmix changes the level), and float keeps a lifted peak unclipped
        # until the limiter.
        for name, options in level_filters(spec):
            audio = audio.filter(name, **options)
        audio = audio.filter("aformat", sample_fmts="fltp", channel_layouts="stereo")
    if fade:
        audio = audio.filter("afade", **fade)
    if spec.measure_loudness and spec.has_audio:
        # ebur128 passes the sound through and prints its summary when ffmpeg ends: the
        # loudness of what is encoded, measured in this same pass (no second pass to check it).
        audio = audio.filter("ebur128", framelog="quiet").filter("aformat", sample_fmts="fltp")
    # Audio shorter than the picture is padded; -shortest then ends both with the picture.
    audio = audio.filter("apad")

    streams = [video, audio]
    out_kwargs: dict[str, object] = {
        "c:v": YOUTUBE.video_encoder, "preset": spec.encode.preset, "crf": spec.encode.crf,
        "profile:v": YOUTUBE.video_profile, "pix_fmt": YOUTUBE.pix_fmt,
        "g": int(round(float(spec.fps) * 2)), "bf": 2,
        "colorspace": YOUTUBE.colour, "color_primaries": YOUTUBE.colour, "color_trc": YOUTUBE.colour,
        "color_range": YOUTUBE.colour_range,
        "c:a": YOUTUBE.audio_codec, "b:a": spec.audio_bitrate, "ar": spec.audio_rate,
        "ac": YOUTUBE.audio_channels,
        "movflags": YOUTUBE.movflags, "map_metadata": -1, "map_chapters": -1,
        "t": f"{spec.duration:.3f}", "shortest": None, "f": YOUTUBE.container,
    }
    if spec.embed:
        # ffmpeg 9 can hang for good with -shortest and a subtitle input (a 3 s clip whose
        # last cue ends before the picture, once the sound has no loudnorm look-ahead to
        # change the timing). With tracks embedded, the output's -t alone ends the clip.
        del out_kwargs["shortest"]
    tags: list[str] = []
    for i, track in enumerate(spec.embed):
        streams.append(ffmpeg.input(_file(track.path))["s"])
        # MP4 keeps a track's title as its handler name; set both for other players.
        tags += [f"-metadata:s:s:{i}", f"language={track.language}",
                 f"-metadata:s:s:{i}", f"title={track.title}",
                 f"-metadata:s:s:{i}", f"handler_name={track.title}"]
    if spec.embed:
        out_kwargs["c:s"] = "mov_text"
    threads: tuple[str, ...] = ()
    if spec.threads:
        out_kwargs["threads"] = spec.threads
        threads = ("-filter_complex_threads", str(spec.threads))
    out = ffmpeg.output(*streams, _file(spec.output), **out_kwargs)
    args = _with_globals(out.compile(cmd=ffmpeg_exe), "-y", "-nostats", "-progress", "pipe:1",
                         *threads)
    # ffmpeg-python keys options by name, so repeated per-stream tags go in by hand,
    # just before the output file (always the last argument).
    return [*args[:-1], *tags, args[-1]]


def level_filters(spec: GraphSpec) -> list[tuple[str, dict[str, object]]]:
    """The filters that set the sound's level: the measured plan's, else one-pass loudnorm."""
    if spec.audio_plan is None:
        return one_pass(spec.loudness, spec.true_peak, spec.audio_rate)
    return spec.audio_plan.filters(rate=spec.audio_rate)


