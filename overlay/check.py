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
from overlay.presets import DistrictEntry, Preset, length_limit
from overlay.probe import probing
from overlay.receipt import Item, Receipt, Text
from overlay.receipt import later as _  # a receipt line's words are kept as data (receipt.Text)
from overlay.resources import logos_dir

if TYPE_CHECKING:
    from overlay.logos import LogoRow
    from overlay.render import Plan

DURATION_SLACK = 0.05         # one AAC frame is 21 ms; containers round
ROW_MATCH = 40.0              # mean difference (0-255) under which a laid-out logo is there
PLACEHOLDERS = "logos.placeholders"   # the key of the ✗ line for shipped placeholders
WHEN = ("start", "middle", "end")   # the frames the logos are checked on, as keys
_HOLDER = "placeholder:"      # LogoSet keys of the shipped placeholders searched beside the logos


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
               audio_plan: AudioPlan | None = None, layout: Layout | None = None) -> Receipt:
    """Check a finished file. ``loudness``: the figure the render measured in its own pass
    (the sound as encoded), which saves decoding the whole soundtrack again. ``quick``: the
    logos on keyframes only, the last one for the end (the audit of many clips). ``rendered``
    and ``audio_plan``: the file is overlay's own render, made with that level plan.
    ``layout``: the logo row the render composed, looked for where it was placed (a clip
    made elsewhere has none: its logos are searched for one by one)."""
    return read_clip(path, preset, logo_dirs=logo_dirs, limit=limit, district=district,
                     loudness=loudness, quick=quick, rendered=rendered, audio_plan=audio_plan,
                     layout=layout).receipt


@dataclass(frozen=True)
class ClipRead:
    receipt: Receipt
    duration: float | None                # the container's length
    sheet: tuple[np.ndarray, ...] = ()    # keyframes at the ``sheet`` times asked for


def read_clip(path: Path, preset: Preset, *, logo_dirs: tuple[Path, ...] = (),
              limit: float | None = None, district: str | None = None,
              loudness: float | None = None, quick: bool = False, rendered: bool = False,
              audio_plan: AudioPlan | None = None, named: bool = True, place: Place | None = None,
              sheet: Sequence[float] = (), layout: Layout | None = None) -> ClipRead:
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
        refs: list[LogoRef] | None
        placeholders: dict[str, Path] = {}
        not_checked: list[Item] = []
        if layout is not None:       # a render's own row: the logos are known, and where
            refs = list(layout.refs)
        else:
            refs, placeholders, not_checked = _logo_refs(preset, place, district, logo_dirs)
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
        if layout is not None:
            items.extend(layout_items(logo_frames or _whole_clip(path, info.duration), layout,
                                      district))
        elif refs is None:
            items.extend(not_checked)
        else:
            items.extend(logo_items(logo_frames or _whole_clip(path, info.duration), refs,
                                    placeholders, district or (place.district if place else None)))
    return ClipRead(Receipt(path=path, items=tuple(items)), info.duration or None, tuple(sheet_frames))


def _whole_clip(path: Path, duration: float) -> list[np.ndarray]:
    """First and last frame exactly (the mandate: the whole clip); any frame will do between."""
    first, last = frames_at(path, [0.0, duration + 1])
    return [first, frames_at(path, [duration / 2], keyframes=True)[0], last]


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
    from overlay.render import logo_row

    layout = Layout(logo_row(plan.preset, plan.logos, plan.width, plan.height), plan.logos)
    return check_file(plan.output, plan.preset, logo_dirs=plan.job.logo_dirs, limit=plan.limit,
                      district=plan.place.district, loudness=loudness, rendered=True,
                      audio_plan=audio_plan, layout=layout)


def _logo_refs(preset: Preset, place: Place | None, district: str | None,
               logo_dirs: tuple[Path, ...]
               ) -> tuple[list[LogoRef] | None, dict[str, Path], list[Item]]:
    """The logos to look for and the placeholders we ship for them (``shipped_placeholders``),
    or (None, {}, the line that says why they are not checked)."""
    name = district or (place.district if place else None)
    if name is None:
        return None, {}, [Item(_("logos"), None, _("not checked: the district is unknown"), key="logos")]
    try:
        entry = preset.district(name)
        refs = district_logos(preset, entry, logo_dirs, province=place.province if place else None)
    except OverlayError as exc:
        return None, {}, [Item(_("logos"), None, _("not checked: {why}").format(why=exc.line()), key="logos")]
    return refs, shipped_placeholders(preset, entry, refs), []


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


def placeholder_item(keys: list[str], total: int, district: str | None = None) -> Item:
    """The ✗ line for logos that are still our placeholders: never ready to send.

    The hint is in the words of the command line; a front door with its own way to add the
    files (the page's logo slots) says it in its own words, by the line's ``key``.
    """
    from overlay.logos import logo_label

    names = ", ".join(logo_label(k) for k in keys)
    return Item(_("placeholder logos"), False,
                _("{n} of {total} logos are placeholders: {names}")
                .format(n=len(keys), total=total, names=names),
                advice=_("Add the official files once with 'overlay logos add KEY FILE{district}', or "
                       "all of them at once with 'overlay logos import PACK.zip' (a logo pack from "
                       "the provincial office).").format(
                           district=f" --district {district}" if district else ""),
                key=PLACEHOLDERS)


@dataclass(frozen=True)
class Layout:
    """The logo row a render composed, and the logos in it (in the row's order)."""

    row: LogoRow
    refs: tuple[LogoRef, ...]


def layout_items(frames: list[np.ndarray], layout: Layout, district: str | None = None) -> list[Item]:
    """The logo lines of a render's own output: each logo looked for exactly where the row
    put it, as it was drawn (a JPEG on white, a banner or a strip is found as laid out)."""
    row = np.asarray(layout.row.image.convert("RGBA"))
    holders = [ref.key for ref in layout.refs if ref.placeholder]
    items = []
    for when, label, frame in zip(WHEN, (_("start"), _("middle"), _("end")), frames, strict=True):
        missing = []
        for ref, (x0, y0, x1, y1) in zip(layout.refs, layout.row.boxes, strict=True):
            part = row[y0 - layout.row.y:y1 - layout.row.y, x0 - layout.row.x:x1 - layout.row.x]
            if logo_match(frame, part, x0, y0) >= ROW_MATCH:
                missing.append(ref.key)
        items.append(Item(_("logos at the {when}").format(when=label), not missing,
                          _found_detail(len(layout.refs), missing, holders), key=f"logos_at_{when}"))
    if holders:
        items.append(placeholder_item(holders, len(layout.refs), district))
    return items


def _found_detail(total: int, missing: list[str], holders: list[str]) -> Text:
    """What was found: "found top-right" only of official logos; placeholders said as such."""
    if missing:
        return _("{n} of {total} logos found; missing: {names}").format(
            n=total - len(missing), total=total, names=", ".join(logo_label(k) for k in missing))
    if not holders:
        return _("all {n} logos found top-right").format(n=total)
    return _("{total} logos in place top-right, {m} of them placeholders (not official)").format(
        total=total, m=len(holders))


def shipped_placeholders(preset: Preset, district: DistrictEntry,
                         refs: list[LogoRef]) -> dict[str, Path]:
    """key → the placeholder we ship for it, for the logos that have an official file here.

    A clip made with our placeholders is recognised by their picture (ours to know), and
    told apart from a clip that lacks the logo.
    """
    from overlay.logofiles import logo_places, resolve_logo

    out: dict[str, Path] = {}
    for ref in refs:
        if ref.placeholder:
            continue        # the placeholder itself is what is searched for
        shipped = [(s, p) for s, p in logo_places(preset, district, ref.key, ref.entry, library=False)
                   if s == "shipped"]
        found = resolve_logo(shipped)
        if found is not None and found[2]:
            out[ref.key] = found[1]
    return out


def logo_items(frames: list[np.ndarray], refs, placeholders: dict[str, Path] | None = None,
               district: str | None = None) -> list[Item]:
    """The logo lines of the receipt for frames from the start, middle and end.

    Each of the seven logos is looked for on its own, wherever and however big it is
    top-right (a clip laid out by hand in CapCut passes as well as one of ours). So are the
    placeholders we ship (``placeholders``: key → file), so that a clip still showing one
    is named for it. A logo we only have a placeholder for cannot be recognised when the
    district used the real one; for those (and the SDG wheel we draw ourselves), a static
    overlay top-right across the frames is what can be checked.
    """
    placeholders = placeholders or {}
    try:
        images = {ref.key: load_logo(ref.path, 160) for ref in refs}
        images.update({_HOLDER + key: load_logo(path, 160) for key, path in placeholders.items()})
        logos = LogoSet(images)
    except OverlayError as exc:
        return [Item(_("logos"), None, _("not checked: {why}").format(why=exc.line()), key="logos")]
    official = [ref.key for ref in refs if _official(ref)]
    unknown: set[str] = set()
    seen_holders: set[str] = set()
    hint: dict[str, int] = {}
    items = []
    for when, label, frame in zip(WHEN, (_("start"), _("middle"), _("end")), frames, strict=True):
        found = find(frame, logos, hint)
        short = min(frame.shape[:2])
        hint.update({k: found_size(f, short) for k, f in found.items()})
        # A placeholder seen: ours (the ref itself is one), or the one we ship for an official
        # logo. Shown top-right it is never ready to send, whatever else is found.
        holders = [ref.key for ref in refs
                   if (ref.placeholder and ref.key in found) or _HOLDER + ref.key in found]
        seen_holders.update(holders)
        there = [ref.key for ref in refs if ref.key in found or ref.key in holders]
        missing = [ref.key for ref in refs if ref.key not in there]
        failed = [k for k in missing if k in official]
        unknown.update(k for k in missing if k not in official)
        names = labels(failed)
        if not missing:
            detail = _found_detail(len(refs), [], holders)
        elif failed:
            detail = _("{n} of {total} logos found; missing: {names}").format(
                n=len(there), total=len(refs), names=names)
        else:
            detail = _("{n} of {total} logos found; no official file for: {names}").format(
                n=len(there), total=len(refs), names=", ".join(logo_label(k) for k in missing))
        items.append(Item(_("logos at the {when}").format(when=label), not failed, detail,
                          key=f"logos_at_{when}"))
    if seen_holders:
        items.append(placeholder_item([ref.key for ref in refs if ref.key in seen_holders],
                                      len(refs), district))
    unknown -= seen_holders
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
