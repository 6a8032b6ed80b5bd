"""What the input really is, read with PyAV (the bundled ffmpeg has no ffprobe).

Only what changes the graph is kept: the picture the viewer sees (after rotation and
sample aspect ratio), frame rate and whether it varies, HDR transfer, bit depth,
interlacing, audio, and where the streams start.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterator

from overlay.errors import InputError
from overlay.i18n import _

HDR_TRANSFERS = {16: "pq", 18: "hlg"}          # AVCOL_TRC_SMPTE2084, AVCOL_TRC_ARIB_STD_B67
MAX_SIDE = 16384       # pixels a side: H.264's own limit is below it; 8K video is 7680


@dataclass(frozen=True)
class VideoInfo:
    codec: str
    width: int                 # coded size
    height: int
    sar: Fraction
    rotation: int              # degrees, as the display matrix says (0, 90, 180, 270)
    fps: Fraction              # average rate
    variable_fps: bool
    pix_fmt: str
    bit_depth: int
    hdr: str | None            # "pq", "hlg" or None
    interlaced: bool
    start: float
    nominal_fps: Fraction | None = None   # r_frame_rate: the cadence a VFR clip was shot at

    @property
    def display_size(self) -> tuple[int, int]:
        """Size the viewer sees: square pixels, rotation applied."""
        w = self.width * self.sar if self.sar > 1 else self.width
        h = self.height / self.sar if self.sar < 1 else self.height
        w, h = round(w), round(h)
        return (h, w) if self.rotation % 180 == 90 else (w, h)


@dataclass(frozen=True)
class AudioInfo:
    codec: str
    channels: int
    sample_rate: int
    start: float
    duration: float | None


@dataclass(frozen=True)
class MediaInfo:
    path: Path
    format: str
    duration: float
    start: float
    video: VideoInfo | None
    audio: AudioInfo | None
    subtitle_streams: tuple[tuple[str, str], ...] = ()   # (codec, language)


def _seconds(value: int | None, time_base: Fraction | None) -> float | None:
    if value is None or time_base is None:
        return None
    return float(value * time_base)


def probe(path: Path) -> MediaInfo:
    """Open ``path`` and describe it, or raise InputError with a plain reason.

    Cached by the file's identity (path, size, modification time): the page's plan and each
    preview of an upload read it once; a file changed on disk is read again.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        return _probe(path)      # the plain reason for a missing or unreadable file
    if path.is_dir():
        return _probe(path)
    return _probe_identified(path, str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _probe_identified(path: Path, _resolved: str, _size: int, _mtime_ns: int) -> MediaInfo:
    return _probe(path)


def _probe(path: Path) -> MediaInfo:
    with probing(path) as (_container, info):
        return info


@contextmanager
def probing(path: Path) -> Iterator[tuple[Any, MediaInfo]]:
    """:func:`probe`, with the file left open for what else the caller reads from it (the
    audit takes its frames from this same open container: one read of each clip)."""
    # PyAV is imported here, not at the top: it costs ~0.1 s that `overlay --help`, the
    # page's start and every command that never opens a clip would pay (benchmarks/startup.py).
    import av

    if not path.exists():
        raise InputError(_("The input file {path} does not exist.").format(path=path),
                         _("Check the path and the file name."))
    if path.is_dir():
        raise InputError(_("{path} is a folder, not a video file.").format(path=path),
                         _("Give the path of the clip itself."))
    if path.stat().st_size == 0:
        raise InputError(_("The input file {path} is empty (0 bytes).").format(path=path),
                         _("Copy the clip again from the camera or phone."))
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.error.InvalidDataError as exc:
        raise InputError(
            _("{path} is not a video ffmpeg can read, or it is damaged (its index may be missing).")
            .format(path=path.name),
            _("If it was copied, copy it again; otherwise export it again from the editor.")) from exc
    except (av.error.FFmpegError, OSError) as exc:
        raise InputError(_("Cannot open {path}: {reason}.").format(path=path.name, reason=exc),
                         _("Check that the file is a video and that you may read it.")) from exc
    with container:
        duration = container.duration / 1_000_000 if container.duration else 0.0
        start = container.start_time / 1_000_000 if container.start_time else 0.0
        video = _video(container)
        audio = _audio(container)
        subs = tuple((s.codec_context.name, s.language or "") for s in container.streams.subtitles)
        fmt = container.format.name
        yield container, MediaInfo(path=path, format=fmt, duration=duration, start=start, video=video,
                                   audio=audio, subtitle_streams=subs)


def _video(container) -> VideoInfo | None:
    # Cover art (an attached picture) is a "video" stream too; it is not the clip.
    streams = [s for s in container.streams.video if not s.disposition & 0x400]  # attached_pic
    if not streams:
        return None
    stream = streams[0]
    cc = stream.codec_context
    first = None
    try:
        # A picture that declares an absurd size is not decoded at all (require_video refuses it).
        for frame in container.decode(stream) if _sane(cc.width, cc.height) else ():
            first = frame
            break
    except Exception:  # a damaged start; the render will report it with ffmpeg's words
        first = None
    rotation = int(round(first.rotation)) % 360 if first is not None and first.rotation else 0
    pix_fmt = (first.format.name if first is not None else cc.pix_fmt) or "yuv420p"
    avg = stream.average_rate or stream.guessed_rate or Fraction(25)
    base = stream.base_rate or avg
    trc = first.color_trc if first is not None else cc.color_trc
    interlaced = bool(first is not None and first.interlaced_frame)
    return VideoInfo(
        codec=cc.name, width=cc.width, height=cc.height,
        sar=Fraction(stream.sample_aspect_ratio or 1) or Fraction(1),
        rotation=(-rotation) % 360, fps=Fraction(avg),
        # r_frame_rate far from the average means timestamps vary (phone VFR).
        variable_fps=abs(float(base) - float(avg)) > 0.01 * float(avg),
        nominal_fps=Fraction(base),
        pix_fmt=pix_fmt, bit_depth=_bit_depth(pix_fmt), hdr=HDR_TRANSFERS.get(int(trc or 0)),
        interlaced=interlaced,
        start=_seconds(stream.start_time, stream.time_base) or 0.0)


def _audio(container) -> AudioInfo | None:
    if not container.streams.audio:
        return None
    stream = container.streams.audio[0]
    cc = stream.codec_context
    return AudioInfo(codec=cc.name, channels=cc.channels, sample_rate=cc.sample_rate,
                     start=_seconds(stream.start_time, stream.time_base) or 0.0,
                     duration=_seconds(stream.duration, stream.time_base))


def _bit_depth(pix_fmt: str) -> int:
    for depth in (16, 14, 12, 10, 9):
        if f"p{depth}" in pix_fmt or f"{depth}le" in pix_fmt or f"{depth}be" in pix_fmt:
            return depth
    return 8


def _sane(width: int, height: int) -> bool:
    return 0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE


def require_video(info: MediaInfo) -> VideoInfo:
    """The clip's picture, refused in one line when there is none or its size is absurd."""
    if info.video is None:
        what = _("only sound") if info.audio else _("no picture")
        raise InputError(_("{path} has {what}: there is no video to put the logos on.")
                         .format(path=info.path.name, what=what),
                         _("Pick the video file of the clip, not the sound or a picture."))
    video = info.video
    if video.width <= 0 or video.height <= 0:
        # ffmpeg reports no size for a picture it will not decode (30000×30000, or damaged).
        raise InputError(_("{path} has a picture whose size cannot be read: it is damaged, or far "
                           "larger than any video.").format(path=info.path.name),
                         _("Pick the video file of the clip; at most {n} pixels a side.")
                         .format(n=MAX_SIDE))
    if not (_sane(video.width, video.height) and _sane(*video.display_size)):
        w, h = video.display_size if _sane(video.width, video.height) else (video.width, video.height)
        raise InputError(_("{path} is {w}×{h} pixels, larger than any video overlay can make.")
                         .format(path=info.path.name, w=w, h=h),
                         _("Pick the video file of the clip; at most {n} pixels a side.")
                         .format(n=MAX_SIDE))
    return video
