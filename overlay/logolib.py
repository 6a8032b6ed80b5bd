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

import os
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
from overlay.svgsafe import SvgRefused

MAX_BYTES = 50 * 1024 * 1024      # no official logo file is this big; a video or a RAW photo is
MAX_PIXELS = logos.MAX_PIXELS     # refuse above (SVGs by their declared size); big scans below are reduced
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
        # Its declared size is read and checked (svgsafe) before anything is drawn; the
        # drawing itself is bounded in time and memory, and reaches no file or network.
        try:
            w, h = logos.svg_size(file)
            scale = min(2 * STORE_HEIGHT / h, 2 * STORE_WIDTH / w)
            return logos.render_svg(file, (max(1, round(w * scale)), max(1, round(h * scale))))
        except SvgRefused as exc:
            raise _refuse(key, file, exc.why, exc.hint or "") from exc
        except PresetError as exc:
            raise _refuse(key, file, _("cannot be read as SVG"),
                          _("Export it again as SVG or PNG.")) from exc
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


def _save(image: Image.Image, path: Path, source: str) -> None:
    """The library's PNG: the normalised image, the name of the file it came from, the date."""

    info = PngImagePlugin.PngInfo()
    info.add_itxt(SOURCE_KEY, source)
    info.add_text(ADDED_KEY, datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    image.save(path, "PNG", pnginfo=info, optimize=True)


def _one_file(dest: Path) -> None:
    """One file per logo: no older .jpg beside the new .png."""
    for other in _variants(dest):
        if other != dest:
            other.unlink()


def add(t: Target, key: str, file: Path, *, keep_background: bool = False) -> Added:
    """Check, normalise and store ``file`` as the ``key`` logo of ``t``; replaces an earlier one."""
    dest = store_path(t, key)
    image, notes = prepare(key, file, keep_background=keep_background)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with replacing(dest) as temp:
        _save(image, temp, Path(file).name)
    _one_file(dest)
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


def supplier(key: str) -> str:
    """Who hands a district the official file for ``key``, in the user's words."""
    if key in NATIONWIDE:
        return _("official file: from the DLA's letter and its attachments")
    if key == "lao":
        return _("official file: the organisation's seal, through the provincial office")
    return _("official file: the seal, from the provincial office")


def describe_source(ref: LogoRef) -> str:
    """Where a logo comes from, in the user's words."""
    return {"logo-dir": _("from --logo-dir"), "library": _("from your library"),
            "preset": _("from the preset's folder"),
            "shipped": _("shipped with overlay")}.get(ref.source, ref.source)



# ---------------------------------------------------------------- the logo pack

# A province's office adds its districts' official files once and hands them on as one zip:
# the library's own layout, and a manifest that says what each file is and its hash.
PACK_FORMAT = "overlay-logo-pack"
PACK_VERSION = 1
MANIFEST = "manifest.json"
PACK_MAX_FILES = 400              # 4 national + 1 province + 2 per district: the biggest has ~50
PACK_MAX_TOTAL = 200 * 1024 * 1024
PACK_MAX_RATIO = 50               # a PNG barely compresses; a zip bomb compresses a thousandfold
MANIFEST_MAX = 1024 * 1024
CHANGES = ("new", "replaced", "unchanged")


@dataclass(frozen=True)
class PackEntry:
    file: str                    # the path in the zip and in the library, e.g. uttaradit/province.png
    key: str
    district: str | None         # the district's Thai name, for its district and lao logos


@dataclass(frozen=True)
class Exported:
    path: Path
    province: str
    entries: tuple[PackEntry, ...]


@dataclass(frozen=True)
class Imported:
    province: str
    changes: tuple[tuple[PackEntry, str], ...]     # each file and one of CHANGES

    def of(self, change: str) -> list[PackEntry]:
        return [entry for entry, what in self.changes if what == change]


def _pack_entries(province: str) -> list[PackEntry]:
    """What a district of ``province`` uses from the library, in the letter's order."""
    from overlay.gazetteer import gazetteer

    prov = gazetteer().province(province)
    wanted = [PackEntry(f"{key}.png", key, None) for key in NATIONWIDE]
    entry = library_entry("province", prov.name_th, None)
    if entry is not None:
        wanted.append(PackEntry(entry, "province", None))
    for dist in prov.districts:
        for key in ("district", "lao"):
            entry = library_entry(key, prov.name_th, dist.name_th)
            if entry is not None:
                wanted.append(PackEntry(entry, key, dist.name_th))
    return [e for e in wanted if (library_dir() / e.file).is_file()]


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def export_pack(province: str, dest: Path, *, force: bool = False) -> Exported:
    """Write one zip with every logo of the library a district of ``province`` uses."""
    import json
    import zipfile

    from overlay.gazetteer import gazetteer
    from overlay.runner import atomic_output

    name = gazetteer().province(province).name_th
    entries = _pack_entries(name)
    if not entries:
        raise UsageError(_("Your logo library has no logos for จังหวัด{p} yet.").format(p=name),
                         _("Add the official files first with 'overlay logos add KEY FILE', "
                           "then export again."))
    dest = Path(dest)
    files = []
    for e in entries:
        data = (library_dir() / e.file).read_bytes()
        files.append((e, data))
    manifest = {
        "format": PACK_FORMAT, "version": PACK_VERSION, "province": name,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "files": [{"file": e.file, "key": e.key, "district": e.district, "sha256": _sha256(data),
                   "size": len(data)} for e, data in files],
    }
    dest.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(dest, force) as temp:
        with zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as pack:
            pack.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
            for e, data in files:
                pack.writestr(e.file, data)
    return Exported(dest, name, tuple(entries))


def _bad_pack(pack: Path, why: str) -> PresetError:
    return PresetError(_("The logo pack {name} is refused: {why}. Nothing was stored.")
                       .format(name=Path(pack).name, why=why),
                       _("Ask the provincial office for the pack again (made with "
                         "'overlay logos export')."))


def _unsafe(name: str) -> bool:
    """A member name that could land outside the pack's own layout."""
    parts = name.split("/")
    return (name.startswith(("/", "\\")) or "\\" in name or ":" in name or "\x00" in name
            or any(part in ("", ".", "..") for part in parts))


def _read_manifest(zf, pack: Path) -> tuple[str, list[tuple[PackEntry, str, int]]]:
    """(province, [(entry, sha256, size)]) from the manifest, every field checked."""
    import json

    from overlay.errors import OverlayError
    from overlay.gazetteer import gazetteer

    try:
        info = zf.getinfo(MANIFEST)
    except KeyError:
        raise _bad_pack(pack, _("it has no {m}").format(m=MANIFEST)) from None
    if info.file_size > MANIFEST_MAX:
        raise _bad_pack(pack, _("its manifest is far too large"))
    try:
        data = json.loads(zf.read(MANIFEST).decode("utf-8"))
        if data.get("format") != PACK_FORMAT or not isinstance(data.get("files"), list):
            raise ValueError
        province = gazetteer().province(str(data["province"])).name_th
    except OverlayError as exc:
        raise _bad_pack(pack, exc.message) from exc
    except Exception:
        raise _bad_pack(pack, _("its manifest cannot be read")) from None
    out = []
    for item in data["files"]:
        try:
            entry = PackEntry(str(item["file"]), str(item["key"]),
                              str(item["district"]) if item.get("district") else None)
            digest, size = str(item["sha256"]).lower(), int(item["size"])
        except (KeyError, TypeError, ValueError):
            raise _bad_pack(pack, _("its manifest cannot be read")) from None
        out.append((entry, digest, size))
    return province, out


def _expected_file(entry: PackEntry, province: str, pack: Path) -> None:
    """The entry's path is the library's own for its key and place, nothing else."""
    from overlay.errors import OverlayError
    from overlay.naming import check_names

    district = entry.district
    if entry.key not in PROVINCE_WIDE:
        if entry.key not in ("district", "lao") or not district:
            raise _bad_pack(pack, _("{file} is not a logo of the letter").format(file=entry.file))
        try:
            district = check_names(district, province).district
        except OverlayError as exc:
            raise _bad_pack(pack, exc.message) from exc
    if _unsafe(entry.file) or library_entry(entry.key, province, district) != entry.file:
        raise _bad_pack(pack, _("{file} is outside the pack's layout").format(file=entry.file))


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _read_member(zf, info, limit: int, pack: Path) -> bytes:
    """A member's bytes, never more than its declared size (a lying header is cut short)."""
    import zlib

    try:
        with zf.open(info) as fh:
            return fh.read(limit + 1)
    except (RuntimeError, NotImplementedError, EOFError, OSError, zlib.error, ValueError) as exc:
        # encrypted, an unknown compression, truncated or damaged data
        raise _bad_pack(pack, _("{file} cannot be unpacked ({reason})")
                        .format(file=info.filename, reason=exc)) from exc


def read_pack(pack: Path) -> tuple[str, list[tuple[PackEntry, Image.Image]]]:
    """Check a logo pack and every file in it as ``logos add`` would, storing nothing.

    Refused in one line (PresetError): not a zip, a path outside its layout, a name in the
    zip the manifest does not list (or the reverse), sizes or a compression ratio no logo
    file has (looked at before anything is unpacked), a hash that does not match, a file
    that is not a picture or fails the checks of ``logos add``.
    """
    import tempfile
    import zipfile

    pack = Path(pack)
    if not pack.is_file():
        raise UsageError(_("The file {path} does not exist.").format(path=pack),
                         _("Check the path; drag the file onto the window to paste it."))
    try:
        zf = zipfile.ZipFile(pack)
    except (zipfile.BadZipFile, OSError):
        raise _bad_pack(pack, _("it is not a zip file")) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > PACK_MAX_FILES:
            raise _bad_pack(pack, _("it holds {n} files, more than any province has logos")
                            .format(n=len(infos)))
        for info in infos:     # every name and size, before a byte is unpacked
            if _unsafe(info.filename) and not info.is_dir():
                raise _bad_pack(pack, _("{file} is outside the pack's layout").format(file=info.filename))
            if info.file_size > MAX_BYTES or (
                    info.file_size > 1024 * 1024
                    and info.file_size > PACK_MAX_RATIO * max(1, info.compress_size)):
                raise _bad_pack(pack, _("{file} unpacks to {mb:.0f} MB, which no logo file does")
                                .format(file=info.filename, mb=info.file_size / 2**20))
        if sum(info.file_size for info in infos) > PACK_MAX_TOTAL:
            raise _bad_pack(pack, _("it unpacks to more than {mb} MB")
                            .format(mb=PACK_MAX_TOTAL // 2**20))
        province, listed = _read_manifest(zf, pack)
        members = {info.filename: info for info in infos if not info.is_dir()}
        files = {entry.file for entry, _d, _s in listed}
        extra = sorted(set(members) - files - {MANIFEST})
        if extra:
            raise _bad_pack(pack, _("{file} is not in its manifest").format(file=extra[0]))
        if len(files) != len(listed):
            raise _bad_pack(pack, _("its manifest lists a file twice"))
        out: list[tuple[PackEntry, Image.Image]] = []
        with tempfile.TemporaryDirectory(prefix="overlay-pack-") as tmp:
            for entry, digest, size in listed:
                _expected_file(entry, province, pack)
                member = members.get(entry.file)
                if member is None:
                    raise _bad_pack(pack, _("{file} is listed but missing").format(file=entry.file))
                data = _read_member(zf, member, min(size, MAX_BYTES), pack)
                if len(data) != size or _sha256(data) != digest:
                    raise _bad_pack(pack, _("{file} does not match its hash (damaged or changed)")
                                    .format(file=entry.file))
                if not data.startswith(PNG_SIGNATURE):    # the library stores PNGs, nothing else
                    raise _bad_pack(pack, _("{file} is not a PNG picture").format(file=entry.file))
                file = Path(tmp) / f"{len(out)}.png"
                file.write_bytes(data)
                try:
                    # The pack holds what 'logos add' stored: already normalised, its
                    # background already decided (--keep-background included).
                    image, _notes = prepare(entry.key, file, keep_background=True)
                except UsageError as exc:
                    raise _bad_pack(pack, f"{entry.file}: {exc.message}") from exc
                out.append((entry, image))
    return province, out


def _same_picture(path: Path, image: Image.Image) -> bool:
    from PIL import Image

    try:
        with Image.open(path) as old:
            return old.size == image.size and np.array_equal(
                np.asarray(old.convert("RGBA")), np.asarray(image.convert("RGBA")))
    except Exception:
        return False


def import_pack(pack: Path) -> Imported:
    """Check every file of a logo pack, then store them all (or, on any problem, none)."""
    province, files = read_pack(pack)
    changes: list[tuple[PackEntry, str]] = []
    staged: list[tuple[Path, Path]] = []
    try:
        for entry, image in files:
            dest = library_dir() / entry.file
            if dest.is_file() and _same_picture(dest, image):
                changes.append((entry, "unchanged"))
                continue
            changes.append((entry, "replaced" if _variants(dest) else "new"))
            dest.parent.mkdir(parents=True, exist_ok=True)
            temp = dest.with_name(f".{dest.stem}.pack-{os.getpid()}.png")
            _save(image, temp, Path(pack).name)
            staged.append((temp, dest))
        for temp, dest in staged:     # everything written and checked: now one rename each
            os.replace(temp, dest)
            _one_file(dest)
    finally:
        for temp, _dest in staged:
            temp.unlink(missing_ok=True)
    return Imported(province, tuple(changes))
