"""``overlay check``: a receipt saying, item by item, whether a finished file follows the rules."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from overlay.errors import InputError, OverlayError
from overlay.graph import measured_loudness
from overlay.i18n import _
from overlay.naming import check_names, parse_clip_name
from overlay.presets import Preset
from overlay.probe import probe

LOUDNESS_TOLERANCE = 2.0      # LU either side of the target
DURATION_SLACK = 0.05         # one AAC frame is 21 ms; containers round


@dataclass(frozen=True)
class Item:
    name: str
    ok: bool | None            # None: for information only
    detail: str


@dataclass(frozen=True)
class Receipt:
    path: Path
    items: tuple[Item, ...]

    @property
    def ok(self) -> bool:
        return all(item.ok is not False for item in self.items)

    @property
    def failures(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.ok is False)


def faststart(path: Path) -> bool:
    """True when the index (moov) comes before the media (mdat): playback starts at once."""
    with open(path, "rb") as fh:
        while True:
            header = fh.read(8)
            if len(header) < 8:
                return False
            size, kind = struct.unpack(">I4s", header)
            if kind == b"moov":
                return True
            if kind == b"mdat":
                return False
            if size == 1:
                size = struct.unpack(">Q", fh.read(8))[0] - 8
            elif size == 0:
                return False
            fh.seek(size - 8, 1)


def integrated_loudness(path: Path) -> float | None:
    """EBU R128 integrated loudness of the first audio stream, in LUFS (None if silent)."""
    from overlay import runner
    from overlay.errors import RenderError
    from overlay.selftest import require

    exe = str(require().path)     # an unfit ffmpeg would make this figure "silent"
    try:
        stderr = runner.run([exe, "-hide_banner", "-nostdin", "-i", f"file:{path.resolve()}",
                             "-map", "0:a:0", "-af", "ebur128=framelog=quiet", "-f", "null", "-"])
    except RenderError as exc:    # an unreadable sound track: no figure, as before
        stderr = exc.stderr
    return measured_loudness(stderr)


def frames_at(path: Path, times: list[float], *, keyframes: bool = False) -> list[np.ndarray]:
    """RGB frames nearest to each time (seconds); the last frame for a time past the end.

    ``keyframes``: the keyframe at or before each time will do (one frame decoded, not a GOP).
    """
    import av

    out: list[np.ndarray] = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"      # frame threads: the end of a GOP decodes faster
        for t in times:
            container.seek(int(max(0.0, t) * 1_000_000), any_frame=False, backward=True)
            chosen = None
            for frame in container.decode(stream):
                chosen = frame
                if keyframes or (frame.time is not None and frame.time >= t):
                    break
            if chosen is None:
                raise InputError(_("No picture could be decoded near {t:.1f} s.").format(t=t))
            out.append(chosen.to_ndarray(format="rgb24"))
    return out


def logo_match(frame: np.ndarray, row_rgba: np.ndarray, x: int, y: int) -> float:
    """Mean difference (0–255) between the frame and the logo row where the row is opaque.

    Both are blurred first (as PyAV's tests compare images): x264 at small sizes smears the
    fine print of a logo, which is compression, not a missing logo.
    """
    from PIL import Image, ImageFilter

    h, w = row_rgba.shape[:2]
    region = frame[y:y + h, x:x + w]
    if region.shape[:2] != (h, w):
        return 255.0
    mask = row_rgba[..., 3] > 250
    if not mask.any():
        return 255.0
    radius = max(1.0, h / 40)
    blur = ImageFilter.GaussianBlur(radius)
    seen = np.asarray(Image.fromarray(np.ascontiguousarray(region)).filter(blur), dtype=np.float32)
    want = np.asarray(Image.fromarray(np.ascontiguousarray(row_rgba[..., :3])).filter(blur),
                      dtype=np.float32)
    return float(np.abs(seen[mask] - want[mask]).mean())


def check_file(path: Path, preset: Preset, *, logo_dirs: tuple[Path, ...] = (),
               limit: float | None = None, district: str | None = None,
               loudness: float | None = None) -> Receipt:
    """Check a finished file. ``loudness``: the figure the render measured in its own pass
    (the sound as encoded), which saves decoding the whole soundtrack again."""
    path = Path(path)
    info = probe(path)
    limit = limit or preset.max_duration
    items: list[Item] = []
    add = items.append

    # --- name
    parsed = parse_clip_name(path.name, preset.name_template)
    place = None
    if parsed is None:
        add(Item(_("name"), False, _("does not follow the template “{t}”")
                 .format(t=preset.name_template.format(district="…", province="…"))))
    else:
        try:
            place = check_names(*parsed)
            exact = (place.district, place.province) == parsed and path.suffix == preset.extension
            add(Item(_("name"), exact, _("อำเภอ{d} จังหวัด{p}").format(d=place.district, p=place.province)
                     if exact else _("names must be spelt อำเภอ{d} จังหวัด{p}")
                     .format(d=place.district, p=place.province)))
        except OverlayError as exc:
            add(Item(_("name"), False, exc.line()))

    # --- streams and durations
    import av

    with av.open(str(path)) as container:
        streams = [(s.type, s.codec_context.name, float(s.duration * s.time_base)
                    if s.duration else info.duration, s) for s in container.streams]
        for kind, codec, seconds, stream in streams:
            ok = seconds <= limit + DURATION_SLACK
            add(Item(_("{kind} length").format(kind=kind), ok,
                     _("{s:.2f} s (limit {l:.0f} s)").format(s=seconds, l=limit)))
        video = next((s for k, _c, _d, s in streams if k == "video"), None)
        audio = next((s for k, _c, _d, s in streams if k == "audio"), None)
        subs = [(s.codec_context.name, s.language or "?",
                 s.metadata.get("title") or s.metadata.get("handler_name", ""))
                for k, _c, _d, s in streams if k == "subtitle"]
        if video is None:
            add(Item(_("video"), False, _("no video stream")))
        else:
            cc = video.codec_context
            profile = (video.profile or "").lower()
            add(Item(_("video codec"), cc.name == "h264" and profile == "high",
                     f"{cc.name} {video.profile or ''}".strip()))
            add(Item(_("pixel format"), cc.pix_fmt == "yuv420p", str(cc.pix_fmt)))
            even = cc.width % 2 == 0 and cc.height % 2 == 0
            add(Item(_("size"), even and max(cc.width, cc.height) <= preset.encode.max_long_side,
                     f"{cc.width}×{cc.height}"))
            rate = video.average_rate
            add(Item(_("frame rate"), bool(rate) and float(rate) <= preset.encode.max_fps + 0.01,
                     f"{float(rate or 0):.3f} fps"))
            tags = (cc.color_primaries, cc.color_trc, cc.colorspace)
            add(Item(_("colour tags"), tags == (1, 1, 1), _("BT.709") if tags == (1, 1, 1) else str(tags)))
        if audio is None:
            add(Item(_("audio"), False, _("no audio stream")))
        else:
            cc = audio.codec_context
            ok = cc.name == "aac" and cc.sample_rate == preset.encode.audio_rate and cc.channels == 2
            add(Item(_("audio"), ok, f"{cc.name} {cc.sample_rate} Hz, {cc.channels} ch"))

    fast = faststart(path)
    add(Item(_("fast start"), fast, _("index at the front") if fast
             else _("index at the end: YouTube and browsers start slower")))

    if audio is not None:
        lufs = loudness if loudness is not None else integrated_loudness(path)
        target = preset.encode.loudness
        if lufs is None:
            add(Item(_("loudness"), None, _("silent")))
        else:
            add(Item(_("loudness"), abs(lufs - target) <= LOUDNESS_TOLERANCE,
                     _("{v:.1f} LUFS (target {t:.0f})").format(v=lufs, t=target)))
    if subs:
        listed = ", ".join(f"{lang} {title}".strip() + f" ({codec})" for codec, lang, title in subs)
        add(Item(_("subtitle tracks"), None, listed))

    if video is not None:
        items.extend(_logo_items(path, info.duration, preset, place, district, logo_dirs))
    return Receipt(path=path, items=tuple(items))


def check_rendered(plan, loudness: float | None = None) -> Receipt:
    """The check of a render's own output, against the plan it was made from."""
    return check_file(plan.output, plan.preset, logo_dirs=plan.job.logo_dirs, limit=plan.limit,
                      district=plan.place.district, loudness=loudness)


def _logo_items(path: Path, duration: float, preset: Preset, place, district: str | None,
                logo_dirs: tuple[Path, ...]) -> list[Item]:
    from overlay.presets import district_logos
    from overlay.render import logo_row

    name = district or (place.district if place else None)
    if name is None:
        return [Item(_("logos"), None, _("not checked: the district is unknown"))]
    try:
        refs = district_logos(preset, preset.district(name), logo_dirs,
                              province=place.province if place else None)
    except OverlayError as exc:
        return [Item(_("logos"), None, _("not checked: {why}").format(why=exc.line()))]
    # First and last frame exactly (the mandate: the whole clip); any frame will do between.
    first, last = frames_at(path, [0.0, duration + 1])
    frames = [first, frames_at(path, [duration / 2], keyframes=True)[0], last]
    h, w = frames[0].shape[:2]
    row = logo_row(preset, refs, w, h)
    rgba = np.asarray(row.image.convert("RGBA"))
    items = []
    for label, frame in zip((_("start"), _("middle"), _("end")), frames):
        diff = logo_match(frame, rgba, row.x, row.y)
        items.append(Item(_("logos at the {when}").format(when=label), diff < 40,
                          _("top-right, matches") if diff < 40 else
                          _("missing or different (difference {d:.0f})").format(d=diff)))
    return items
