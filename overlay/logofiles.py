"""Where each logo's file is found, and the row a preset draws from them.

A logo is looked for in the order ``LOGO_SOURCES``: ``--logo-dir``, the user's logo library
(``library_dir()``: its layout is here, so the engine can read it; checking, normalising and
storing files there is ``logolib``'s, above the engine), the preset's folders, the shipped
placeholders. The first official file wins over any placeholder.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from overlay.errors import OverlayError, PresetError
from overlay.gazetteer import gazetteer
from overlay.i18n import _
from overlay.logos import LogoRow, compose_row, is_placeholder
from overlay.presets import LOGO_EXTENSIONS, DistrictEntry, Preset
from overlay.resources import logos_dir
from overlay.store import data_home

# ---------------------------------------------------------------- the library's layout

# The letter names these once for the whole country, and the province's once per province.
NATIONWIDE = ("moi", "dla", "volunteers", "sdg")
PROVINCE_WIDE = (*NATIONWIDE, "province")


def library_dir() -> Path:
    """The library's root folder (created by data_home; sub-folders on first add)."""
    return data_home() / "logos"


def slug(text: str) -> str:
    """A folder name: 'Mueang Uttaradit' → 'mueang-uttaradit'; Thai text is kept as it is."""
    text = unicodedata.normalize("NFC", text).strip()
    if text.isascii():
        return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return re.sub(r'[\\/:*?"<>|.\s]+', "-", text).strip("-")


@lru_cache(maxsize=256)
def _folders(province: str, district: str | None) -> tuple[str, str | None]:
    """The library folders of a province (and district) by the gazetteer's romanised names."""
    try:
        prov = gazetteer().province(province)
    except OverlayError:
        return slug(province), slug(district) if district else None
    prov_dir = slug(prov.name_en or prov.name_th)
    if not district:
        return prov_dir, None
    for dist in prov.districts:
        if dist.name_th == district:
            return prov_dir, slug(dist.name_en or dist.name_th)
    return prov_dir, slug(district)


def library_entry(key: str, province: str | None, district: str | None) -> str | None:
    """The library's path for ``key`` (relative, .png), or None when the place is unknown."""
    if key in NATIONWIDE:
        return f"{key}.png"
    if not province:
        return None
    prov_dir, dist_dir = _folders(province, district or None)
    if not prov_dir:
        return None
    if key == "province":
        return f"{prov_dir}/province.png"
    if not dist_dir:
        return None
    return f"{prov_dir}/{dist_dir}/{slug(key)}.png"


def library_file(key: str, province: str | None, district: str | None) -> Path | None:
    entry = library_entry(key, province, district)
    return None if entry is None else library_dir() / entry


# ---------------------------------------------------------------- resolving

# Where a logo is looked for, first to last. An explicit --logo-dir is what the user asked
# for on this run; then their logo library (``overlay logos add``); then the folders of the
# preset files; then the shipped placeholders. An official file anywhere in this order beats
# a placeholder, so a copy of the shipped folder given as --logo-dir hides nothing.
LOGO_SOURCES = ("logo-dir", "library", "preset", "shipped")


@dataclass(frozen=True)
class LogoRef:
    key: str          # moi, dla, … lao
    entry: str        # the preset's value, for error messages
    path: Path
    source: str = "preset"        # one of LOGO_SOURCES
    placeholder: bool = False     # logos.is_placeholder(path), found once while resolving


def _variants(named: Path) -> list[Path]:
    """The existing files for ``named``: as given, then the same stem with each logo extension."""
    stem = named.with_suffix("") if named.suffix.lower() in LOGO_EXTENSIONS else named
    candidates = [named, *(stem.with_name(stem.name + ext) for ext in LOGO_EXTENSIONS)]
    return [c for c in dict.fromkeys(candidates) if c.is_file()]


def resolve_logo(places: Sequence[tuple[str, Path]]) -> tuple[str, Path, bool] | None:
    """The file to use among ``(source, path as named)`` places, searched in order.

    Each place may hold the file under any logo extension. The first official file wins;
    only when there is none does the first placeholder do. Returns (source, file,
    is placeholder), or None when no place has a file.
    """
    fallback: tuple[str, Path, bool] | None = None
    for source, named in places:
        for path in _variants(named):
            if not is_placeholder(path):
                return source, path, False
            fallback = fallback or (source, path, True)
    return fallback


def logo_places(preset: Preset, district: DistrictEntry, key: str, entry: str,
                user_dirs: tuple[Path, ...] = (), province: str | None = None,
                library: bool = True) -> list[tuple[str, Path]]:
    """Where ``key`` is looked for, in the order of LOGO_SOURCES."""
    rel = Path(entry)
    places: list[tuple[str, Path]] = []
    if not rel.is_absolute():
        places += [("logo-dir", Path(d) / rel) for d in user_dirs]
    if library:
        stored = library_file(key, province or preset.province, district.name)
        if stored is not None:
            places.append(("library", stored))
    if rel.is_absolute():
        places.append(("preset", rel))
    else:
        places += [("preset", d / rel) for d in preset.search_dirs]
        places.append(("shipped", logos_dir() / rel))
    return places


def district_logos(preset: Preset, district: DistrictEntry,
                   user_dirs: tuple[Path, ...] = (), *, province: str | None = None,
                   library: bool = True) -> list[LogoRef]:
    """The logos in the preset's order, each resolved to a file. Missing → PresetError.

    ``province`` (default: the preset's) places the district in the user's logo library.
    """
    refs = []
    for key in preset.logo_order:
        entry = district.logos.get(key) or preset.logos.get(key)
        if not entry:
            raise PresetError(_('Preset {preset} names no file for the "{key}" logo.')
                              .format(preset=preset.name, key=key),
                              _("Add '{key} = \"file.png\"' under [logos].").format(key=key))
        places = logo_places(preset, district, key, entry, user_dirs, province, library)
        found = resolve_logo(places)
        if found is None:
            raise PresetError(_('Logo "{key}" ({entry}) was not found.').format(key=key, entry=entry),
                              _("Add it with 'overlay logos add {key} FILE', or put the file at one of: "
                                "{where}.").format(key=key, where=", ".join(str(p) for _s, p in places)))
        source, path, placeholder = found
        refs.append(LogoRef(key=key, entry=entry, path=path, source=source, placeholder=placeholder))
    return refs


def logo_row(preset: Preset, logos: Sequence[LogoRef], width: int, height: int) -> LogoRow:
    """The composed row for an output size, with the preset's height and margin.

    Kept for the files' identity (path, size, modification time): the page's previews and a
    render of the same job compose it once; a logo replaced in the library composes anew.
    The row's image is shared: callers draw it, never change it.
    """
    files = []
    for ref in logos:
        stat = ref.path.stat()
        files.append((str(ref.path), stat.st_size, stat.st_mtime_ns))
    return _row(tuple(files), width, height, preset.logo_height, preset.logo_margin)


@lru_cache(maxsize=32)
def _row(files: tuple[tuple[str, int, int], ...], width: int, height: int, fraction: float,
         inset: float) -> LogoRow:
    return compose_row([Path(name) for name, _size, _mtime in files], width, height,
                       height_fraction=fraction, safe_inset=inset)
