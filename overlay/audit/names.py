"""What is wrong with a clip's file name, and the mandated name it should have: pure.

The provincial office receives names typed on phones, Macs and Thai Windows: the province
misspelt (อุดรดิตถ์), "อำเภอ" left out, doubled spaces, Thai decomposed (NFD) by a Mac, .MOV.
Each difference is one plain sentence, and the nearest mandated name is given when the
district can be told. ``certain`` says when a rename is safe (``--fix-names``): the district
is spelt right or only differently written, and the province is this province (or a typo
whose only did-you-mean is this province). A district typo is a guess: never renamed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from overlay.errors import OverlayError
from overlay.gazetteer import Province, _key, gazetteer, normalise_thai
from overlay.i18n import _
from overlay.naming import format_name, mandate, parse_clip_name

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".mkv", ".avi", ".mts", ".m2ts", ".3gp", ".webm",
                  ".wmv", ".flv", ".mpg", ".mpeg", ".ts", ".vob")
_SPLIT_AM = re.compile("\u0e4d[\u0e48-\u0e4b]?\u0e32|\u0e33[\u0e48-\u0e4b]")
_PRACTICE = re.compile(r"\(?\s*best\s*practice\s*\)?", re.I)
_AMPHOE = re.compile(r"^(?:อำเภอ|อ\.)\s*")
_CHANGWAT = re.compile(r"\s*(?:จังหวัด|จ\.)\s*")


@dataclass(frozen=True)
class NameCheck:
    exact: bool                        # already the mandated name, byte for byte
    district: str | None               # canonical district of the audited province, if told
    expected: str | None               # the mandated file name for it (with extension)
    differences: tuple[str, ...]       # one plain sentence each
    certain: bool                      # safe to rename to ``expected``
    other_province: str | None = None  # the name is for this other province


def _split(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if dot and "." + ext.lower() in VIDEO_SUFFIXES:
        return stem, "." + ext
    return name, ""


def _fixed_part(template: str) -> str:
    """The template's words before ``{district}``, less the "อำเภอ" that prefixes it."""
    before = template.partition("{district}")[0]
    return before[: -len("อำเภอ")] if before.endswith("อำเภอ") else before


def diagnose(filename: str, province: Province, template: str | None = None,
             extension: str | None = None) -> NameCheck:
    """Compare a clip's file name with the mandated one for the districts of ``province``
    (template and extension: the preset's; default, the letter's)."""
    template = template or mandate()[0]
    extension = extension or mandate()[1]
    gaz = gazetteer()
    differences: list[str] = []
    nfc = unicodedata.normalize("NFC", filename)
    if nfc != filename or _SPLIT_AM.search(filename):
        # NFD leaves Thai as it is; what Macs, some keyboards and PDF copies do is store
        # สระอำ as two characters (nikhahit + sara aa): it looks the same and is not.
        differences.append(_("The Thai letters are stored decomposed (as a Mac or some keyboards "
                             "save them): สระอำ as two characters."))
    stem, ext = _split(nfc)
    clean = normalise_thai(stem)
    if " ".join(stem.split()) != stem:
        differences.append(_("The name has extra spaces."))
    elif any(ch in stem for ch in "\u200b\u200c\u200d\ufeff\u2060\u00ad"):
        differences.append(_("The name has invisible characters."))
    if ext != extension:
        differences.append(_("The extension is “{given}”; it must be “{right}”.")
                           .format(given=ext or _("none"), right=extension))

    parsed = _mandated_parts(clean, template)
    if parsed is not None:              # the mandated pattern, read by naming's one parser
        district_raw, province_raw = parsed
    else:                               # a variant: read forgivingly, each difference said
        rest, fixed_ok = _after_fixed_part(clean, normalise_thai(_fixed_part(template)))
        if rest is None:
            return _by_search(nfc, clean, province, template, extension, differences)
        if not fixed_ok:
            differences.append(_("The fixed wording before the district differs from the mandated name."))

        if not _AMPHOE.match(rest):
            differences.append(_("“อำเภอ” is missing before the district."))
        rest = _AMPHOE.sub("", rest)
        parts = _CHANGWAT.split(rest, maxsplit=1)
        if len(parts) == 2:
            district_raw, province_raw = parts
            if not rest.count("จังหวัด"):
                differences.append(_("“จังหวัด” is shortened to “จ.”."))
        else:
            differences.append(_("“จังหวัด” is missing before the province."))
            district_raw, province_raw = _split_without_changwat(rest, province)

    # --- the province
    certain = True
    other: str | None = None
    try:
        prov = gaz.province(province_raw)
        if prov.name_th != province.name_th:
            other = prov.name_th
        elif _key(province_raw) != _key(province.name_th):
            differences.append(_("The province is written “{given}”; it must be “{right}”.")
                               .format(given=province_raw, right=province.name_th))
    except OverlayError:
        close = gaz.suggest_provinces(province_raw)
        if [p.name_th for p in close] == [province.name_th]:
            differences.append(_("The province is misspelt “{given}”; it must be “{right}”.")
                               .format(given=province_raw, right=province.name_th))
        elif close and province.name_th not in [p.name_th for p in close]:
            other = close[0].name_th
            certain = False
        else:
            differences.append(_("The province “{given}” is not “{right}”.")
                               .format(given=province_raw, right=province.name_th))
            certain = False

    # --- the district
    district: str | None = None
    try:
        found = gaz.district(province, district_raw)
        district = found.name_th
        if _key(district_raw) != _key(district):
            differences.append(_("The district is written “{given}”; it must be “{right}”.")
                               .format(given=district_raw, right=district))
    except OverlayError:
        if other is not None:
            return NameCheck(False, None, None, tuple(differences), False, other)
        near = gaz.suggest_districts(province, district_raw)
        if len(near) == 1:
            district = near[0].name_th
            differences.append(_("The district is misspelt “{given}”; it is probably “{right}” "
                                 "(not renamed: a guess).").format(given=district_raw, right=district))
        else:
            differences.append(_("“{given}” is not a district of จังหวัด{province}.")
                               .format(given=district_raw, province=province.name_th))
        certain = False
    if other is not None:
        # A district name shared by two provinces: the province written decides.
        return NameCheck(False, None, None, tuple(differences), False, other)

    expected = format_name(district, province.name_th, template) + extension if district else None
    exact = expected is not None and filename == expected
    if not exact and not differences:
        differences.append(_("The name differs from the mandated one."))
    return NameCheck(exact, district, expected, tuple(differences), certain and district is not None)


def _mandated_parts(clean: str, template: str) -> tuple[str, str] | None:
    """(district, province) as written, when the name is the template's pattern word for word
    (``naming.parse_clip_name``, the parser the render's check uses); None for a variant."""
    parsed = parse_clip_name(clean, template)
    if parsed is None:
        return None
    district, province = (part.strip() for part in parsed)
    same = unicodedata.normalize("NFC", template.format(district=district, province=province))
    return (district, province) if same == clean and district and province else None


def _after_fixed_part(clean: str, before: str) -> tuple[str | None, bool]:
    """The text after the template's fixed words, and whether those words were right."""
    if clean.startswith(before):
        return clean[len(before):].strip(), True
    loose_before = _key(before)
    match = _PRACTICE.search(clean)
    if match:
        head = clean[:match.start()] + "(Best Practice)"
        return clean[match.end():].strip(), _key(head) == loose_before
    return None, False


def _split_without_changwat(rest: str, province: Province) -> tuple[str, str]:
    """"พิชัยอุตรดิตถ์": the longest district of the province the text starts with."""
    key = _key(rest)
    best = ""
    for d in province.districts:
        k = _key(d.name_th)
        if key.startswith(k) and len(k) > len(best):
            best = d.name_th
    if best:
        tail = rest[len(best):] if rest.startswith(best) else rest[len(best):]
        return best, tail.strip()
    return rest, ""


def _by_search(nfc: str, clean: str, province: Province, template: str, extension: str,
               differences: list[str]) -> NameCheck:
    """A name that does not follow the pattern: a district named anywhere in it, if only one."""
    key = _key(clean)
    hits = []
    for d in province.districts:
        keys = [_key(d.name_th)] + ([_key(d.name_en)] if d.name_en else [])
        if any(k and k in key for k in keys):
            hits.append(d.name_th)
    # เมืองอุตรดิตถ์ contains the province's name: drop a shorter hit inside a longer one.
    hits = [h for h in hits if not any(h != o and _key(h) in _key(o) for o in hits)]
    differences.append(_("The name does not follow the mandated pattern."))
    if len(hits) == 1:
        expected = format_name(hits[0], province.name_th, template) + extension
        return NameCheck(False, hits[0], expected, tuple(differences), False)
    return NameCheck(False, None, None, tuple(differences), False)
