"""``overlay check``: a receipt saying, item by item, whether a finished file follows the rules."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from overlay import runner, selftest
from overlay.delivery import YOUTUBE
from overlay.detect import LogoSet, found_size, static_overlay
from overlay.detect import find_logos as find
from overlay.errors import OverlayError, RenderError
from overlay.logofiles import LogoRef, district_logos
from overlay.logos import load_logo, logo_label
from overlay.loudness import LEAVE, SILENCE_FLOOR, AudioPlan, Target, measured_loudness
from overlay.measure import faststart, frames_at, frames_in
from overlay.measure import logo_match as logo_match  # for the audit and the benchmarks
from overlay.naming import Place, check_names, parse_clip_name
from overlay.presets import Preset, length_limit
from overlay.probe import probing
from overlay.receipt import Item, Receipt, Text
from overlay.receipt import later as _  # a receipt line's words are kept as data (receipt.Text)
from overlay.resources import logos_dir

if TYPE_CHECKING:
    from overlay.render import Plan

DURATION_SLACK = 0.05         # one AAC frame is 21 ms; containers round


def integrated_loudness(path: Path) -> float | None:
    """EBU R128 integrated loudness of the first audio stream, in LUFS (None if silent)."""
    exe = str(selftest.require().path)     # an unfit ffmpeg would make this figure "silent"
    try:
        stderr = runner.run([exe, "-hide_banner", "-nostdin", "-i", f"file:{path.resolve()}",
                             "-map", "0:a:0", "-af", "ebur128=framelog=quiet", "-f", "null", "-"])
    except RenderError as exc:    # an unreadable sound track: no figure, as before
        stderr = exc.stderr
    return measured_loudness(stderr)


def loudness_item(lufs: float | None, target: Target, *, rendered: bool = False,
                  audio_plan: AudioPlan | None = None) -> Item:
    """The loudness line. ``rendered``: the file is overlay's own render, whose level is the
    tool's job: a miss is then a warning with what to do, never a ✗ the user cannot fix.
    ``audio_plan``: the render's level plan, which knows the input's level."""
    name = _("loudness")
    goal = _("target {t:.0f} ± {tol:g}").format(t=target.loudness, tol=target.tolerance)
    source = audio_plan.source if audio_plan is not None else None
    before = source.integrated if source is not None else None
    quiet = _("Record again closer to the speaker, or with a clip-on microphone.")
    if audio_plan is not None and audio_plan.kind == LEAVE:
        level: Text | str = (f"{before:.1f} LUFS" if before is not None
                             else _("below {f:.0f} LUFS").format(f=SILENCE_FLOOR))
        return Item(name, None, _("{level}: nearly silent or only noise, so left as recorded")
                    .format(level=level), warning=True, advice=quiet, key="loudness")
    if lufs is None:
        return Item(name, None, _("silent"), warning=rendered, advice=quiet if rendered else "", key="loudness")
    # Figures only, no words of their own: a Text outside the catalogue (shown as written).
    shown = (Text("{before:.1f} → {lufs:.1f} LUFS ({goal})").format(before=before, lufs=lufs, goal=goal)
             if before is not None else Text("{lufs:.1f} LUFS ({goal})").format(lufs=lufs, goal=goal))
    if target.met(lufs):
        return Item(name, True, shown, key="loudness")
    if rendered:
        return Item(name, None, _("{shown}: the recording is too quiet or uneven to reach the "
                                  "target without distortion").format(shown=shown),
                    warning=True, advice=quiet, key="loudness")
    return Item(name, False, shown,
                advice=_("Render the clip with 'overlay render': it sets the level."), key="loudness")


def check_file(path: Path, preset: Preset, *, logo_dirs: tuple[Path, ...] = (),
               limit: float | None = None, district: str | None = None,
               loudness: float | None = None, quick: bool = False, rendered: bool = False,
               audio_plan: AudioPlan | None = None) -> Receipt:
    """Check a finished file. ``loudness``: the figure the render measured in its own pass
    (the sound as encoded), which saves decoding the whole soundtrack again. ``quick``: the
    logos on keyframes only, the last one for the end (the audit of many clips). ``rendered``
    and ``audio_plan``: the file is overlay's own render, made with that level plan."""
    return read_clip(path, preset, logo_dirs=logo_dirs, limit=limit, district=district,
                     loudness=loudness, quick=quick, rendered=rendered, audio_plan=audio_plan).receipt


@dataclass(frozen=True)
class ClipRead:
    receipt: Receipt
    duration: float | None                # the container's length
    sheet: tuple[np.ndarray, ...] = ()    # keyframes at the ``sheet`` times asked for


def read_clip(path: Path, preset: Preset, *, logo_dirs: tuple[Path, ...] = (),
              limit: float | None = None, district: str | None = None,
              loudness: float | None = None, quick: bool = False, rendered: bool = False,
              audio_plan: AudioPlan | None = None, named: bool = True, place: Place | None = None,
              sheet: Sequence[float] = ()) -> ClipRead:
    """:func:`check_file`, and what else one read of the clip gives.

    The file is opened once (``probe.probing``): the streams are checked and, with
    ``quick``, the logo keyframes are taken from that same open container, with the
    keyframes at ``sheet`` (fractions of the length) for a contact sheet; the sound is
    measured in one ffmpeg pass. ``named`` False: the caller has read the name already (the
    audit, for its name column) and gives the ``place``; the receipt then has no name line.
    """
    path = Path(path)
    items: list[Item]
    if named:
        place, items = _name_items(path, preset)
    else:
        items = []
    logo_frames: list[np.ndarray] | None = None
    sheet_frames: list[np.ndarray] = []
    with probing(path) as (container, info):
        streams = list(container.streams)
        items += _length_items(streams, info.duration, length_limit(preset, limit or None)[0])
        video = next((s for s in streams if s.type == "video"), None)
        audio = next((s for s in streams if s.type == "audio"), None)
        items += _video_items(video, preset) + _audio_items(audio, preset)
        subs = [s for s in streams if s.type == "subtitle"]
        tracks = [_subtitle_item(subs)] if subs else []
        refs, not_checked = _logo_refs(preset, place, district, logo_dirs)
        if video is not None and quick and refs is not None:
            # The last keyframe stands for the end: no group of pictures decoded.
            logo_frames = frames_in(container, [0.0, info.duration / 2, info.duration + 1],
                                    keyframes=True)
        if video is not None and sheet:
            try:
                sheet_frames = frames_in(container, [info.duration * t for t in sheet], keyframes=True)
            except Exception:  # a picture for people; the checks say what matters
                sheet_frames = []
    items.append(_faststart_item(path))
    if audio is not None:
        lufs = loudness if loudness is not None else integrated_loudness(path)
        items.append(loudness_item(lufs, Target.of(preset.encode), rendered=rendered,
                                   audio_plan=audio_plan))
    items += tracks
    if video is not None:
        if refs is None:
            items.extend(not_checked)
        elif logo_frames is not None:
            items.extend(logo_items(logo_frames, refs))
        else:
            # First and last frame exactly (the mandate: the whole clip); any frame will do between.
            first, last = frames_at(path, [0.0, info.duration + 1])
            frames = [first, frames_at(path, [info.duration / 2], keyframes=True)[0], last]
            items.extend(logo_items(frames, refs))
    return ClipRead(Receipt(path=path, items=tuple(items)), info.duration or None, tuple(sheet_frames))


def _name_items(path: Path, preset: Preset) -> tuple[Place | None, list[Item]]:
    """The mandated name, with the names spelt as the gazetteer spells them."""
    parsed = parse_clip_name(path.name, preset.name_template)
    if parsed is None:
        return None, [Item(_("name"), False, _("does not follow the template “{t}”")
                           .format(t=preset.name_template.format(district="…", province="…")), key="name")]
    try:
        place = check_names(*parsed)
    except OverlayError as exc:
        return None, [Item(_("name"), False, exc.line(), key="name")]
    exact = (place.district, place.province) == parsed and path.suffix == preset.extension
    return place, [Item(_("name"), exact, _("อำเภอ{d} จังหวัด{p}").format(d=place.district, p=place.province)
                        if exact else _("names must be spelt อำเภอ{d} จังหวัด{p}")
                        .format(d=place.district, p=place.province), key="name")]


def _length_items(streams: list[Any], duration: float, limit: float) -> list[Item]:
    items = []
    for stream in streams:
        seconds = float(stream.duration * stream.time_base) if stream.duration else duration
        items.append(Item(_("{kind} length").format(kind=stream.type), seconds <= limit + DURATION_SLACK,
                          _("{s:.2f} s (limit {l:.0f} s)").format(s=seconds, l=limit),
                          key=f"{stream.type}_length"))
    return items


def _video_items(video: Any, preset: Preset) -> list[Item]:
    """Codec, profile, pixels, size, rate and colour tags, against ``delivery.YOUTUBE``."""
    if video is None:
        return [Item(_("video"), False, _("no video stream"), key="video")]
    cc = video.codec_context
    profile = (video.profile or "").lower()
    even = cc.width % 2 == 0 and cc.height % 2 == 0
    rate = video.average_rate
    tags = (cc.color_primaries, cc.color_trc, cc.colorspace)
    bt709 = tags == (YOUTUBE.colour_code,) * 3
    return [
        Item(_("video codec"), cc.name == YOUTUBE.video_codec and profile == YOUTUBE.video_profile,
             f"{cc.name} {video.profile or ''}".strip(), key="video_codec"),
        Item(_("pixel format"), cc.pix_fmt == YOUTUBE.pix_fmt, str(cc.pix_fmt), key="pixel_format"),
        Item(_("size"), even and max(cc.width, cc.height) <= preset.encode.max_long_side,
             f"{cc.width}×{cc.height}", key="size"),
        Item(_("frame rate"), bool(rate) and float(rate) <= preset.encode.max_fps + 0.01,
             f"{float(rate or 0):.3f} fps", key="frame_rate"),
        Item(_("colour tags"), bt709, YOUTUBE.colour_label if bt709 else str(tags), key="colour_tags"),
    ]


def _audio_items(audio: Any, preset: Preset) -> list[Item]:
    if audio is None:
        return [Item(_("audio"), False, _("no audio stream"), key="audio")]
    cc = audio.codec_context
    ok = (cc.name == YOUTUBE.audio_codec and cc.sample_rate == preset.encode.audio_rate
          and cc.channels == YOUTUBE.audio_channels)
    return [Item(_("audio"), ok, f"{cc.name} {cc.sample_rate} Hz, {cc.channels} ch", key="audio")]


def _subtitle_item(subs: list[Any]) -> Item:
    listed = ", ".join(
        f"{s.language or '?'} {s.metadata.get('title') or s.metadata.get('handler_name', '')}".strip()
        + f" ({s.codec_context.name})" for s in subs)
    return Item(_("subtitle tracks"), None, listed, key="subtitle_tracks")


def _faststart_item(path: Path) -> Item:
    fast = faststart(path)
    return Item(_("fast start"), fast, _("index at the front") if fast
                else _("index at the end: YouTube and browsers start slower"), key="fast_start")


def check_rendered(plan: Plan, loudness: float | None = None,
                   audio_plan: AudioPlan | None = None) -> Receipt:
    """The check of a render's own output, against the plan it was made from (and the level
    plan its sound was made with)."""
    return check_file(plan.output, plan.preset, logo_dirs=plan.job.logo_dirs, limit=plan.limit,
                      district=plan.place.district, loudness=loudness, rendered=True,
                      audio_plan=audio_plan)


def _logo_refs(preset: Preset, place: Place | None, district: str | None,
               logo_dirs: tuple[Path, ...]) -> tuple[list[LogoRef] | None, list[Item]]:
    """The logos to look for, or (None, the line that says why they are not checked)."""
    name = district or (place.district if place else None)
    if name is None:
        return None, [Item(_("logos"), None, _("not checked: the district is unknown"), key="logos")]
    try:
        return district_logos(preset, preset.district(name), logo_dirs,
                              province=place.province if place else None), []
    except OverlayError as exc:
        return None, [Item(_("logos"), None, _("not checked: {why}").format(why=exc.line()), key="logos")]


def _official(ref: LogoRef) -> bool:
    """A logo file the user gave (not our placeholder, nor our own drawing of the SDG wheel,
    which a district's copy of the official wheel need not match pixel for pixel)."""
    if ref.placeholder:          # found once, when the logo was resolved
        return False
    try:
        ref.path.resolve().relative_to(logos_dir().resolve())
    except ValueError:
        return True
    return False


def logo_items(frames: list[np.ndarray], refs) -> list[Item]:
    """The logo lines of the receipt for frames from the start, middle and end.

    Each of the seven logos is looked for on its own, wherever and however big it is
    top-right (a clip laid out by hand in CapCut passes as well as one of ours). A logo we
    only have a placeholder for cannot be recognised when the district used the real one;
    for those (and the SDG wheel we draw ourselves), a static overlay top-right across the
    frames is what can be checked.
    """
    try:
        logos = LogoSet({ref.key: load_logo(ref.path, 160) for ref in refs})
    except OverlayError as exc:
        return [Item(_("logos"), None, _("not checked: {why}").format(why=exc.line()), key="logos")]
    official = [ref.key for ref in refs if _official(ref)]
    unknown: set[str] = set()
    hint: dict[str, int] = {}
    items = []
    when = (("start", _("start")), ("middle", _("middle")), ("end", _("end")))
    for (place, label), frame in zip(when, frames, strict=True):
        found = find(frame, logos, hint)
        short = min(frame.shape[:2])
        hint.update({k: found_size(f, short) for k, f in found.items()})
        missing = [ref.key for ref in refs if ref.key not in found]
        failed = [k for k in missing if k in official]
        unknown.update(k for k in missing if k not in official)
        names = labels(failed)
        if not missing:
            detail = _("all {n} logos found top-right").format(n=len(refs))
        elif failed:
            detail = _("{n} of {total} logos found; missing: {names}").format(
                n=len(found), total=len(refs), names=names)
        else:
            detail = _("{n} of {total} logos found; no official file for: {names}").format(
                n=len(found), total=len(refs), names=labels(missing))
        items.append(Item(_("logos at the {when}").format(when=label), not failed, detail,
                          key=f"logos_at_{place}"))
    if unknown:
        still = static_overlay(frames)
        names = labels([ref.key for ref in refs if ref.key in unknown])
        if still.present is None:
            items.append(Item(_("static overlay top-right"), None,
                              _("the picture hardly changes, so an overlay cannot be told apart "
                                "(for: {names})").format(names=names), key="static_overlay"))
        else:
            items.append(Item(_("static overlay top-right"), still.present,
                              _("present for the whole clip (stands in for: {names})").format(names=names)
                              if still.present else
                              _("nothing stays top-right for the whole clip: {names} look missing")
                              .format(names=names), key="static_overlay"))
    return items


def labels(keys: list[str]) -> tuple[Text, ...]:
    """The logos' names, kept as data (``logos.logo_label``'s messages), shown joined."""
    return tuple(_(logo_label(key, gettext=str)) for key in keys)
