"""Presets: TOML files merged base → province → user file into typed, frozen dataclasses.

A preset is named (``uttaradit``, looked up in the shipped ``presets/`` folder) or given by
path. ``extends`` chains them; a child's tables are merged key by key over its parent's.
Command-line options are applied after loading, by the caller.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping, Sequence

from overlay.errors import PresetError
from overlay.i18n import _
from overlay.resources import logos_dir, presets_dir

LOGO_EXTENSIONS = (".png", ".svg", ".jpg", ".jpeg")


@dataclass(frozen=True)
class EncodeProfile:
    preset: str
    crf: int


@dataclass(frozen=True)
class Encode:
    quality: str
    profiles: Mapping[str, EncodeProfile]
    max_long_side: int
    max_fps: int
    loudness: float
    true_peak: float
    audio_bitrate: str
    audio_rate: int
    loudness_tolerance: float     # LU either side of ``loudness``

    def profile(self, quality: str | None = None) -> EncodeProfile:
        name = quality or self.quality
        if name not in self.profiles:
            raise PresetError(
                _('Unknown quality "{name}".').format(name=name),
                _("Choose one of: {names}.").format(names=", ".join(self.profiles)))
        return self.profiles[name]


@dataclass(frozen=True)
class DistrictEntry:
    name: str
    name_en: str | None
    lao: str
    lao_confirmed: bool
    logos: Mapping[str, str]


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    province: str | None
    province_en: str | None
    max_duration: float
    fade: float
    name_template: str
    extension: str
    logo_order: tuple[str, ...]
    logos: Mapping[str, str]
    logo_height: float
    logo_margin: float
    encode: Encode
    districts: Mapping[str, DistrictEntry]
    # Folders of the preset files in the chain, child first: relative logo paths resolve here.
    search_dirs: tuple[Path, ...] = field(default=())
    # [logos] require_official = true: a placeholder logo stops the render (office policy).
    require_official_logos: bool = False

    def district(self, name: str) -> DistrictEntry:
        """The preset's entry for ``name`` (Thai or romanised, prefix allowed), or a bare one.

        A district the preset does not list still renders, with the generic logos, as long
        as the gazetteer knows it; naming.check_names does that check.
        """
        from overlay.gazetteer import normalise_thai  # local: the gazetteer is large

        key = _strip_prefix(normalise_thai(name))
        for entry in self.districts.values():
            if key == entry.name or (entry.name_en and key.casefold() == entry.name_en.casefold()):
                return entry
        return DistrictEntry(name=key, name_en=None, lao="", lao_confirmed=False,
                             logos=MappingProxyType({}))


def _strip_prefix(name: str) -> str:
    for prefix in ("อำเภอ", "อ.", "เขต"):
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix):].strip()
    return name


# ---------------------------------------------------------------- loading and merging

def available() -> list[Path]:
    return sorted(p for p in presets_dir().glob("*.toml"))


def _locate(name_or_path: str, relative_to: Path | None = None) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or len(candidate.parts) > 1:
        if not candidate.is_absolute() and relative_to is not None:
            candidate = relative_to / candidate
        if candidate.is_file():
            return candidate
        raise PresetError(_("Preset file {path} does not exist.").format(path=candidate),
                          _("Check the path, or run 'overlay presets' to list the built-in ones."))
    shipped = presets_dir() / f"{name_or_path}.toml"
    if shipped.is_file():
        return shipped
    names = ", ".join(p.stem for p in available())
    raise PresetError(_('Unknown preset "{name}".').format(name=name_or_path),
                      _("Built-in presets: {names}; or give a path to a .toml file.").format(names=names))


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PresetError(_("Cannot read preset {path}: {reason}.").format(path=path, reason=exc),
                          _("Save it as UTF-8 text.")) from exc
    except tomllib.TOMLDecodeError as exc:
        raise PresetError(_("Preset {path} is not valid TOML: {reason}.").format(path=path, reason=exc),
                          _("Fix the line it names.")) from exc


def deep_merge(parent: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(parent)
    for key, value in child.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _chain(path: Path, seen: tuple[Path, ...] = ()) -> list[tuple[Path, dict[str, Any]]]:
    """The preset and its ancestors, child first."""
    if path.resolve() in seen:
        raise PresetError(_("Preset {path} extends itself through a loop.").format(path=path),
                          _("Remove the loop from the 'extends' lines."))
    raw = _read(path)
    parent = raw.get("preset", {}).get("extends")
    if parent is None and path.resolve() != (presets_dir() / "base.toml").resolve():
        parent = "base"
    if not parent:
        return [(path, raw)]
    return [(path, raw), *_chain(_locate(str(parent), path.parent), (*seen, path.resolve()))]


@functools.lru_cache(maxsize=1)
def base() -> Preset:
    """The letter's own rules (``presets/base.toml``): for what no preset is chosen for, such
    as ``overlay name``, the report's clip name and chapter limit, ``overlay subs check``."""
    return load_preset("base")


def length_limit(preset: Preset, wanted: float | None = None) -> tuple[float, str | None]:
    """The length limit in force, and a warning when the user's was refused.

    The one cap on the 5-minute rule, for the render and the check alike: a user's
    ``--max-duration`` may lower the preset's limit, never raise it.
    """
    if wanted is None:
        return preset.max_duration, None
    if wanted > preset.max_duration:
        return preset.max_duration, _("--max-duration {m:.0f} s is above the mandate's {l:.0f} s; "
                                      "using {l:.0f} s.").format(m=wanted, l=preset.max_duration)
    return wanted, None


def load_preset(name_or_path: str = "base") -> Preset:
    chain = _chain(_locate(name_or_path))
    merged: dict[str, Any] = {}
    for _path, raw in reversed(chain):
        for entry in raw.get("districts", {}).values():
            # A file that writes an organisation's name vouches for it, whatever its parent said.
            if "lao" in entry:
                entry.setdefault("lao_confirmed", True)
        merged = deep_merge(merged, raw)
    try:
        return _build(merged, tuple(p.parent for p, _raw in chain))
    except (KeyError, TypeError, ValueError) as exc:
        raise PresetError(_("Preset {name} is incomplete or has a wrong value: {reason}.")
                          .format(name=name_or_path, reason=exc),
                          _("Compare it with presets/base.toml.")) from exc


def _build(raw: Mapping[str, Any], search_dirs: tuple[Path, ...]) -> Preset:
    meta, limits, naming, logos, enc = (raw.get(k, {}) for k in
                                        ("preset", "limits", "naming", "logos", "encode"))
    order = tuple(logos["order"])
    logo_paths = {k: str(v) for k, v in logos.items() if k in order}
    districts = {
        name: DistrictEntry(
            name=name, name_en=entry.get("name_en"), lao=str(entry.get("lao", "")),
            lao_confirmed=bool(entry.get("lao_confirmed", bool(entry.get("lao")))),
            logos=MappingProxyType({k: str(v) for k, v in entry.get("logos", {}).items()}))
        for name, entry in raw.get("districts", {}).items()
    }
    profiles = {k: EncodeProfile(preset=str(v["preset"]), crf=int(v["crf"]))
                for k, v in enc["profiles"].items()}
    encode = Encode(quality=str(enc["quality"]), profiles=MappingProxyType(profiles),
                    max_long_side=int(enc["max_long_side"]), max_fps=int(enc["max_fps"]),
                    loudness=float(enc["loudness"]), true_peak=float(enc["true_peak"]),
                    audio_bitrate=str(enc["audio_bitrate"]), audio_rate=int(enc["audio_rate"]),
                    loudness_tolerance=float(enc["loudness_tolerance"]))
    max_duration = float(limits["max_duration"])
    if not 0 < max_duration:
        raise ValueError("limits.max_duration must be positive")
    return Preset(
        name=str(meta.get("name", "custom")), description=str(meta.get("description", "")),
        province=meta.get("province"), province_en=meta.get("province_en"),
        max_duration=max_duration, fade=float(limits["fade"]),
        name_template=str(naming["template"]), extension=str(naming["extension"]),
        logo_order=order, logos=MappingProxyType(logo_paths),
        logo_height=float(logos["height"]), logo_margin=float(logos["margin"]),
        encode=encode, districts=MappingProxyType(districts), search_dirs=search_dirs,
        require_official_logos=bool(logos.get("require_official", False)))


# ---------------------------------------------------------------- logos

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
    from overlay.logos import is_placeholder  # local: Pillow is not needed to load presets

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
        from overlay import logolib

        stored = logolib.library_file(key, province or preset.province, district.name)
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
