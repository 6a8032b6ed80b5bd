"""The user's logo library: each official logo added once, used by every command after.

The official artwork is not ours to ship, and a file put inside the installed package is
lost at the next upgrade; so the logos a user adds live in their own data folder
(``overlay.store.data_home() / "logos"``), laid out like the shipped presets' logo paths::

    moi.png  dla.png  volunteers.png  sdg.png       the same for every district
    uttaradit/province.png                          every district of the province
    uttaradit/phichai/district.png  …/lao.png       one district

Folder names are the gazetteer's romanised names, lower case, hyphenated (the Thai name
when the gazetteer has no romanisation). Where a render looks, in order: ``--logo-dir``,
this library, the preset's folder, the shipped placeholders (``logofiles.LOGO_SOURCES``).

Adding checks the file (it decodes, is neither tiny nor huge, has a transparent or plain
background) and stores it normalised: an RGBA PNG, trimmed, at most ``STORE_HEIGHT`` tall.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from PIL import Image, PngImagePlugin

from overlay import logos
from overlay.errors import PresetError, UsageError
from overlay.files import replacing
from overlay.gazetteer import gazetteer
from overlay.i18n import _
from overlay.logofiles import NATIONWIDE, PROVINCE_WIDE, LogoRef, district_logos, library_file, logo_row
from overlay.logofiles import library_dir as library_dir  # the library's root, for the front doors
from overlay.logofiles import library_entry as library_entry  # and its layout
from overlay.naming import check_names
from overlay.presets import LOGO_EXTENSIONS, DistrictEntry, Preset, choose_preset

MAX_BYTES = 50 * 1024 * 1024      # no official logo file is this big; a video or a RAW photo is
MAX_PIXELS = 100_000_000          # refuse above; big scans below are reduced
MIN_LONG_SIDE = 64                # an icon or a 1×1 pixel is not the official artwork
MIN_SHORT_SIDE = 16
STORE_HEIGHT = 512                # 6× the 86 px a logo is drawn at in 1080p: plenty, and small
STORE_WIDTH = 3 * STORE_HEIGHT    # the row caps a banner at 3 heights wide anyway
SOFT_HEIGHT = 86                  # below this a 1080p render scales the logo up
BACKGROUND_TOLERANCE = 24         # per channel, 0–255: JPEG noise on a plain background
PLAIN_SHARE = 0.95                # of the border's pixels within tolerance of its median colour

SOURCE_KEY = "overlay-source"     # PNG text chunks: the file the user added, and when
ADDED_KEY = "overlay-added"


# ---------------------------------------------------------------- what is asked about

@dataclass(frozen=True)
class Target:
    """A preset, a province and (optionally) a district: whose logos we list or change."""

    preset: Preset
    province: str | None
    district: DistrictEntry | None

    @property
    def label(self) -> str:
        if self.district is not None:
            return f"อำเภอ{self.district.name} จังหวัด{self.province}"
        return f"จังหวัด{self.province}" if self.province else self.preset.name


def target(preset: str | None = None, province: str | None = None,
           district: str | None = None) -> Target:
    """Load the preset and check the names (with a did-you-mean), as a render does."""
    chosen = choose_preset(preset, province)
    prov = province or chosen.province
    if district:
        if not prov:
            raise UsageError(_("No province given: preset {preset} does not name one.")
                             .format(preset=chosen.name),
                             _("Add --province, e.g. --province อุตรดิตถ์, or use --preset uttaradit."))
        place = check_names(district, prov)
        return Target(chosen, place.province, chosen.district(place.district))
    if prov:
        prov = gazetteer().province(prov).name_th
    return Target(chosen, prov, None)


def _check_key(t: Target, key: str) -> None:
    if key not in t.preset.logo_order:
        raise UsageError(_('Unknown logo "{key}".').format(key=key),
                         _("Choose one of: {keys}.").format(keys=", ".join(t.preset.logo_order)))
    if key not in PROVINCE_WIDE and t.district is None:
        raise UsageError(_('The "{key}" logo belongs to one district.').format(key=key),
                         _("Add --district, e.g. --district พิชัย."))
    if key == "province" and not t.province:
        raise UsageError(_("No province given: preset {preset} does not name one.")
                         .format(preset=t.preset.name),
                         _("Add --province, e.g. --province อุตรดิตถ์, or use --preset uttaradit."))


def store_path(t: Target, key: str) -> Path:
    """Where ``add`` stores ``key`` for this target."""
    _check_key(t, key)
    path = library_file(key, t.province, t.district.name if t.district else None)
    assert path is not None  # _check_key made sure the place is known
    return path


def slots(t: Target, logo_dirs: tuple[Path, ...] = ()) -> list[LogoRef]:
    """The logos as a render would use them, in the letter's order, with where each comes from.

    Without a district: only the province-wide ones.
    """
    if t.district is not None:
        return district_logos(t.preset, t.district, logo_dirs, province=t.province)
    bare = DistrictEntry(name="", name_en=None, lao="", lao_confirmed=False, logos={})
    refs = district_logos(t.preset, bare, logo_dirs, province=t.province)
    return [ref for ref in refs if ref.key in PROVINCE_WIDE]


# ---------------------------------------------------------------- checking and normalising

@dataclass(frozen=True)
class Added:
    key: str
    path: Path                   # the stored PNG
    size: tuple[int, int]
    notes: tuple[str, ...]       # what was done to the file, one sentence each


def _refuse(key: str, file: Path, why: str, hint: str) -> PresetError:
    return PresetError(_('The file {name} for the "{key}" logo {why}.')
                       .format(name=file.name, key=key, why=why), hint)


def _decode(key: str, file: Path) -> Image.Image:
    """The file as an upright RGBA image, big scans reduced on the way in."""
    if logos.is_svg(file):
        try:
            natural = logos.render_svg(file, None)
        except PresetError as exc:
            raise _refuse(key, file, _("cannot be read as SVG"),
                          _("Export it again as SVG or PNG.")) from exc
        w, h = natural.size
        if w < 1 or h < 1:
            raise _refuse(key, file, _("has no size"), _("Export it again as SVG or PNG."))
        scale = min(2 * STORE_HEIGHT / h, 2 * STORE_WIDTH / w)
        return logos.render_svg(file, (max(1, round(w * scale)), max(1, round(h * scale))))
    try:
        with Image.open(file) as probe:
            w, h = probe.size
    except Image.DecompressionBombError as exc:
        raise _refuse(key, file, _("is far too large to be a logo"),
                      _("Use the logo file itself, at most a few thousand pixels across.")) from exc
    except Exception as exc:  # not an image, or its header is broken
        raise _refuse(key, file, _("is not a picture overlay can read ({reason})").format(reason=exc),
                      _("Use a PNG, JPEG or SVG file.")) from exc
    if w * h > MAX_PIXELS:
        raise _refuse(key, file, _("is far too large to be a logo ({w}×{h} pixels)").format(w=w, h=h),
                      _("Use the logo file itself, at most a few thousand pixels across."))
    try:
        im = logos.decode(file, (2 * STORE_WIDTH, 2 * STORE_HEIGHT))
        return logos.to_rgba(im)
    except PresetError as exc:
        raise _refuse(key, file, _("is damaged or incomplete"),
                      _("Copy or download the file again.")) from exc


def _border(rgb: np.ndarray) -> np.ndarray:
    return np.concatenate([rgb[0], rgb[-1], rgb[1:-1, 0], rgb[1:-1, -1]])


def _background(rgb: np.ndarray) -> np.ndarray | None:
    """The plain colour around the artwork, or None when the edge is not one colour."""
    edge = _border(rgb).astype(np.int16)
    colour = np.median(edge, axis=0)
    close = np.abs(edge - colour).max(axis=1) <= BACKGROUND_TOLERANCE
    return colour if close.mean() >= PLAIN_SHARE else None


def _clear_background(rgba: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """Make the background that touches the edge transparent; white inside a seal stays."""
    rgb = rgba[..., :3].astype(np.int16)
    distance = np.abs(rgb - colour).max(axis=2)
    similar = distance <= BACKGROUND_TOLERANCE
    region = np.zeros_like(similar)
    region[0], region[-1], region[:, 0], region[:, -1] = similar[0], similar[-1], similar[:, 0], similar[:, -1]
    while True:   # grow from the edge through similar pixels (a flood fill, in whole-array steps)
        grown = region.copy()
        grown[1:] |= region[:-1]
        grown[:-1] |= region[1:]
        grown[:, 1:] |= region[:, :-1]
        grown[:, :-1] |= region[:, 1:]
        grown &= similar
        if (grown == region).all():
            break
        region = grown
    out = rgba.copy()
    out[..., 3][region] = 0
    # The antialiased rim next to the cleared background: opacity by how far from the background.
    rim = np.zeros_like(region)
    rim[1:] |= region[:-1]
    rim[:-1] |= region[1:]
    rim[:, 1:] |= region[:, :-1]
    rim[:, :-1] |= region[:, 1:]
    rim &= ~region
    soft = np.clip(distance * 255 // (4 * BACKGROUND_TOLERANCE), 0, 255).astype(np.uint8)
    out[..., 3][rim] = np.minimum(out[..., 3][rim], soft[rim])
    return out


def _fit(im: Image.Image, width: int, height: int) -> Image.Image:
    scale = min(width / im.width, height / im.height)
    if scale >= 1:
        return im
    size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def prepare(key: str, file: Path, *, keep_background: bool = False) -> tuple[Image.Image, list[str]]:
    """Check ``file`` as the ``key`` logo and normalise it: (RGBA image, notes). PresetError if unfit."""
    file = Path(file)
    if not file.is_file():
        raise UsageError(_("The file {path} does not exist.").format(path=file),
                         _("Check the path; drag the file onto the window to paste it."))
    if file.stat().st_size > MAX_BYTES:
        raise _refuse(key, file, _("is larger than {mb} MB").format(mb=MAX_BYTES // 2**20),
                      _("Use the logo file itself, not a video or a print scan."))
    if logos.is_placeholder(file):
        raise _refuse(key, file, _("is one of overlay's placeholders"),
                      _("Use the official file from the organisation the logo belongs to."))
    im = _decode(key, file)
    notes: list[str] = []
    w, h = im.size
    if max(w, h) < MIN_LONG_SIDE or min(w, h) < MIN_SHORT_SIDE:
        raise _refuse(key, file, _("is only {w}×{h} pixels").format(w=w, h=h),
                      _("Use a larger file: at least {n} pixels across, 200 or more is best.")
                      .format(n=MIN_LONG_SIDE))
    original = im.size
    im = _fit(im, 2 * STORE_WIDTH, 2 * STORE_HEIGHT)   # background work at a sensible size
    reduced = im.size != original
    rgba = np.asarray(im.convert("RGBA")).copy()
    transparent = bool((rgba[..., 3] < 250).any())
    if not transparent and not keep_background:
        colour = _background(rgba[..., :3])
        if colour is None:
            raise _refuse(key, file, _("has neither a transparent nor a plain background "
                                       "(it looks like a photo or a screenshot)"),
                          _("Use the official PNG with a transparent background, or add "
                            "--keep-background to use the picture as it is."))
        if colour.min() >= 255 - BACKGROUND_TOLERANCE:
            rgba = _clear_background(rgba, colour)
            notes.append(_("The white background was made transparent."))
        else:
            notes.append(_("The plain coloured background was kept, as part of the logo."))
    box = Image.fromarray(rgba[..., 3]).point(lambda a: 255 if a > 8 else 0).getbbox()
    if box is None:
        raise _refuse(key, file, _("is fully transparent"), _("Use the file that shows the logo."))
    im = Image.fromarray(rgba, "RGBA").crop(box)
    if im.size != (rgba.shape[1], rgba.shape[0]):
        notes.append(_("The empty margin was trimmed."))
    if max(im.size) < MIN_LONG_SIDE or min(im.size) < MIN_SHORT_SIDE // 2:
        raise _refuse(key, file, _("shows only {w}×{h} pixels of logo").format(w=im.width, h=im.height),
                      _("Use a larger file: at least {n} pixels across, 200 or more is best.")
                      .format(n=MIN_LONG_SIDE))
    fitted = _fit(im, STORE_WIDTH, STORE_HEIGHT)
    if (reduced or fitted.size != im.size) and not logos.is_svg(file):
        notes.append(_("Reduced from {w0}×{h0} to {w}×{h} pixels (plenty for a 1080p clip).")
                     .format(w0=original[0], h0=original[1], w=fitted.width, h=fitted.height))
    if fitted.height < SOFT_HEIGHT:
        notes.append(_("Only {h} pixels tall: it will look soft in a 1080p clip; a larger file is better.")
                     .format(h=fitted.height))
    return fitted, notes


# ---------------------------------------------------------------- the library

def _variants(path: Path) -> list[Path]:
    return [p for p in (path.with_suffix(ext) for ext in LOGO_EXTENSIONS) if p.is_file()]


def add(t: Target, key: str, file: Path, *, keep_background: bool = False) -> Added:
    """Check, normalise and store ``file`` as the ``key`` logo of ``t``; replaces an earlier one."""
    dest = store_path(t, key)
    image, notes = prepare(key, file, keep_background=keep_background)
    info = PngImagePlugin.PngInfo()
    info.add_itxt(SOURCE_KEY, Path(file).name)
    info.add_text(ADDED_KEY, datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    dest.parent.mkdir(parents=True, exist_ok=True)
    with replacing(dest) as temp:
        image.save(temp, "PNG", pnginfo=info, optimize=True)
    for other in _variants(dest):       # one file per logo: no older .jpg beside the new .png
        if other != dest:
            other.unlink()
    if key in NATIONWIDE:
        notes.append(_("Stored once, for every district."))
    elif key in PROVINCE_WIDE:
        notes.append(_("Stored once, for every district of จังหวัด{p}.").format(p=t.province))
    return Added(key=key, path=dest, size=image.size, notes=tuple(notes))


def remove(t: Target, key: str) -> list[Path]:
    """Delete the library's file(s) for ``key``; the next file in the search order takes over."""
    removed = []
    for path in _variants(store_path(t, key)):
        path.unlink()
        removed.append(path)
    return removed


def added_from(path: Path) -> str | None:
    """The name of the file the user added, for a library file."""
    try:
        with Image.open(path) as im:
            value = im.info.get(SOURCE_KEY)
    except Exception:
        return None
    return str(value) if value else None


def row_image(t: Target, logo_dirs: tuple[Path, ...] = (), size: tuple[int, int] = (1920, 1080)
              ) -> Image.Image:
    """The composed row as a ``size`` render would draw it, on grey, cut to the row."""
    refs = slots(t, logo_dirs)
    row = logo_row(t.preset, refs, *size)
    pad = 16
    canvas = Image.new("RGBA", (row.image.width + 2 * pad, row.image.height + 2 * pad),
                       (128, 128, 128, 255))
    canvas.alpha_composite(row.image, (pad, pad))
    return canvas.convert("RGB")


def describe_source(ref: LogoRef) -> str:
    """Where a logo comes from, in the user's words."""
    return {"logo-dir": _("from --logo-dir"), "library": _("from your library"),
            "preset": _("from the preset's folder"),
            "shipped": _("shipped with overlay")}.get(ref.source, ref.source)

