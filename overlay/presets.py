"""Presets: TOML files merged base → province → user file into typed, frozen dataclasses.

A preset is named (``uttaradit``, looked up in the shipped ``presets/`` folder) or given by
path. ``extends`` chains them; a child's tables are merged key by key over its parent's.
Command-line options are applied after loading, by the caller.
"""

from __future__ import annotations

import functools
import re
import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from overlay.errors import PresetError
from overlay.gazetteer import gazetteer, normalise_thai
from overlay.i18n import _
from overlay.resources import presets_dir
from overlay.store import data_home

LOGO_EXTENSIONS = (".png", ".svg", ".jpg", ".jpeg")
DEFAULT_PRESET = "uttaradit"
# What a preset may name as the clip's extension: containers YouTube takes and ffmpeg writes.
VIDEO_EXTENSIONS = (".mp4", ".m4v", ".mov", ".mkv")
# The fields a name template may use (naming.format_name fills them from the gazetteer).
TEMPLATE_FIELDS = ("district", "province")
# Characters no file system of a district office accepts, plus path separators.
UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
# A preset's name: a file name stem, never a path (no separator, no "..", no drive).
_NAME = re.compile(r"[^\W_][\w\u0e00-\u0e7f .-]{0,63}")      # Thai vowel and tone marks too


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


def user_presets_dir() -> Path:
    """The user's own presets: ``presets/*.toml`` in the data folder (never the package's)."""
    return data_home() / "presets"


def _user_files() -> list[Path]:
    folder = user_presets_dir()
    shipped = {p.stem for p in available()}
    try:
        found = sorted(folder.glob("*.toml"))
    except OSError:
        return []
    # A shipped name stays the shipped preset: a user file may extend it, never shadow it.
    return [p for p in found if p.stem not in shipped and is_name(p.stem) and p.is_file()]


def names() -> list[str]:
    """Every preset a request may choose by name: the shipped ones, then the user's own."""
    return [p.stem for p in available()] + [p.stem for p in _user_files()]


def is_name(text: str) -> bool:
    """A preset's name, not a path: no separator, no "..", no drive, no ``.toml``."""
    return (bool(_NAME.fullmatch(text)) and ".." not in text and not text.endswith((".", " "))
            and not text.lower().endswith(".toml"))


def _named(name: str) -> Path | None:
    """The file of the preset called ``name`` (shipped first, then the user's), or None."""
    if not is_name(name):
        return None
    shipped = presets_dir() / f"{name}.toml"
    if shipped.is_file():
        return shipped
    return next((p for p in _user_files() if p.stem == name), None)


def check_name(name: str) -> str:
    """``name`` when it is a preset's name among ``names()``; else one line. A path is
    refused without looking at it: the answer is the same whether the file exists or not."""
    if not is_name(name):
        raise PresetError(_("A preset is chosen by its name from the list, never by a file path."),
                          _("Choose one of: {names}.").format(names=", ".join(names())))
    if _named(name) is None:
        raise PresetError(_('Unknown preset "{name}".').format(name=name),
                          _("Choose one of: {names}.").format(names=", ".join(names())))
    return name


def by_name(name: str) -> Preset:
    """The preset called ``name`` (shipped or the user's own); a path is refused."""
    return load_preset(check_name(name))


def _locate(name_or_path: str, relative_to: Path | None = None) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or len(candidate.parts) > 1:
        if not candidate.is_absolute() and relative_to is not None:
            candidate = relative_to / candidate
        if candidate.is_file():
            return candidate
        raise PresetError(_("Preset file {path} does not exist.").format(path=candidate),
                          _("Check the path, or run 'overlay presets' to list the built-in ones."))
    found = _named(name_or_path)
    if found is not None:
        return found
    names = ", ".join(p.stem for p in available())
    raise PresetError(_('Unknown preset "{name}".').format(name=name_or_path),
                      _("Built-in presets: {names}; or give a path to a .toml file.").format(names=names))


def _read(path: Path) -> dict[str, Any]:
    from overlay.winpaths import toml_backslash_hint

    try:
        text = path.read_text(encoding="utf-8-sig")
        return tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise PresetError(_("Cannot read preset {path}: {reason}.").format(path=path, reason=exc),
                          _("Save it as UTF-8 text.")) from exc
    except tomllib.TOMLDecodeError as exc:
        raise PresetError(_("Preset {path} is not valid TOML: {reason}.").format(path=path, reason=exc),
                          toml_backslash_hint(exc, text) or _("Fix the line it names.")) from exc


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
        preset = _build(merged, tuple(p.parent for p, _raw in chain))
    except (KeyError, TypeError, ValueError) as exc:
        raise PresetError(_("Preset {name} is incomplete or has a wrong value: {reason}.")
                          .format(name=name_or_path, reason=exc),
                          _("Compare it with presets/base.toml.")) from exc
    check_naming(preset.name_template, preset.extension, name_or_path)
    return preset


def check_naming(template: str, extension: str, name: str = "") -> None:
    """The values of ``[naming]`` that build the output's path, checked when the preset is
    loaded: a video extension, and a template of the known fields that cannot name a folder."""
    if extension.lower() not in VIDEO_EXTENSIONS:
        raise PresetError(_('Preset {name}: the extension "{ext}" is not one of {allowed}.')
                          .format(name=name, ext=extension, allowed=", ".join(VIDEO_EXTENSIONS)),
                          _('Write e.g. extension = ".mp4" under [naming].'))
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise _bad_template(name, template) from exc
    for literal, field_name, spec, conversion in parts:
        if field_name is not None and (field_name not in TEMPLATE_FIELDS or spec or conversion):
            raise _bad_template(name, template)
        if UNSAFE.search(literal):
            raise _bad_template(name, template)
    sample = template.format(**{f: "x" for f in TEMPLATE_FIELDS})
    if ".." in sample or not sample.strip(" .") or sample.strip() != sample:
        raise _bad_template(name, template)


def _bad_template(name: str, template: str) -> PresetError:
    return PresetError(_('Preset {name}: the name template "{template}" may only hold text and '
                         '{{district}} and {{province}}, and no / \\ : or "..".')
                       .format(name=name, template=template),
                       _("Fix template under [naming] (compare it with presets/base.toml)."))


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


def choose_preset(preset: str | None, province: str | None) -> Preset:
    """--preset wins; else a shipped preset for --province; else the letter's province."""
    if preset:
        return load_preset(preset)
    if province:
        wanted = gazetteer().province(province).name_th
        for path in available():
            candidate = load_preset(str(path))
            if candidate.province == wanted:
                return candidate
        return load_preset("base")
    return load_preset(DEFAULT_PRESET)
