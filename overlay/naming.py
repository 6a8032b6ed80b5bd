"""The mandated file name: pure functions, table-tested.

The letter writes it as ``ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอ.....จังหวัด.....``;
its one home is ``[naming]`` in ``presets/base.toml`` (a preset may override it). Names are
checked against the gazetteer, so a typo (อุดรดิตถ์) never reaches a file name, and the
canonical spelling from the gazetteer is what is written.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from overlay.errors import NamingError
from overlay.gazetteer import BANGKOK, gazetteer
from overlay.i18n import _
from overlay.presets import UNSAFE as _UNSAFE
from overlay.presets import base


@dataclass(frozen=True)
class Place:
    district: str      # canonical Thai, no prefix
    province: str
    district_en: str | None
    province_en: str | None


def check_names(district: str, province: str) -> Place:
    """Canonical names from the gazetteer, or NamingError with a did-you-mean."""
    gaz = gazetteer()
    prov = gaz.province(province)
    if prov.name_th == BANGKOK:
        # Bangkok has เขต, not อำเภอ, and no district office of the DLA: the template
        # "อำเภอ…จังหวัด…" cannot name it correctly.
        raise NamingError(_("กรุงเทพมหานคร has no อำเภอ: the mandated name is for the districts "
                            "of the other 76 provinces."),
                          _("Give a district of another province."))
    dist = gaz.district(prov, district)
    return Place(dist.name_th, prov.name_th, dist.name_en, prov.name_en)


def mandate() -> tuple[str, str]:
    """The letter's name template and extension, as ``presets/base.toml`` writes them."""
    return base().name_template, base().extension


def clip_name(district: str, province: str, template: str | None = None) -> str:
    """The mandated name without extension, with gazetteer-checked names."""
    place = check_names(district, province)
    return format_name(place.district, place.province, template)


def format_name(district: str, province: str, template: str | None = None) -> str:
    template = template or mandate()[0]
    name = unicodedata.normalize("NFC", template.format(district=district, province=province))
    if _UNSAFE.search(name) or ".." in name or name.strip() != name or not name:
        # Only a hand-edited template or bypassed gazetteer can get here; refuse rather
        # than write outside the output folder.
        raise NamingError(_("The file name {name!r} contains characters a file name cannot hold.")
                          .format(name=name), _("Fix the name template in the preset."))
    return name


def inside(folder: Path, name: str) -> Path:
    """``folder / name``, refused unless it is a file directly inside ``folder``: the output
    is always in the output folder, whatever a preset or a name holds."""
    folder = Path(folder)
    path = folder / name
    plain = (name and name == os.path.basename(name) and "/" not in name and "\\" not in name
             and ".." not in name and not Path(name).drive and not Path(name).is_absolute())
    try:
        real = os.path.realpath(path)
        within = os.path.dirname(real) == os.path.realpath(folder)
    except (OSError, ValueError):
        within = False
    if not plain or not within:
        raise NamingError(_("The file name {name!r} would be written outside the output folder.")
                          .format(name=name), _("Fix the name template in the preset."))
    return path


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{district\}|\{province\})", template)
    pattern = "".join("(?P<district>.+?)" if p == "{district}" else
                      "(?P<province>.+?)" if p == "{province}" else re.escape(p) for p in parts)
    return re.compile(pattern + r"$")


def parse_clip_name(name: str, template: str | None = None) -> tuple[str, str] | None:
    """(district, province) from a file name (extension optional), or None if it does not fit."""
    template = template or mandate()[0]
    stem = unicodedata.normalize("NFC", name)
    for ext in (mandate()[1], ".mov", ".mkv"):
        if stem.lower().endswith(ext):
            stem = stem[: -len(ext)]
    match = _template_regex(unicodedata.normalize("NFC", template)).match(stem)
    return (match["district"], match["province"]) if match else None
