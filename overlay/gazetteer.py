"""Thailand's 77 provinces and their districts, with forgiving lookup and did-you-mean.

The mandated file name spells a district and a province exactly, so every name a user
types goes through here: we accept the harmless variants (prefixes, spacing, romanised
names, decomposed Unicode) and refuse anything else with a suggestion, never a silent fix.
The facts are our own data file, ``overlay/data/gazetteer.json`` (see GAZETTEER-SOURCE.md).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Iterable, TypeVar

from overlay.errors import NamingError
from overlay.i18n import _
from overlay.resources import data_dir

T = TypeVar("T")

BANGKOK = "กรุงเทพมหานคร"
MUEANG = "เมือง"


@dataclass(frozen=True)
class District:
    name_th: str            # without "อำเภอ" / "เขต": callers add the prefix once
    name_en: str | None


@dataclass(frozen=True)
class Province:
    name_th: str            # without "จังหวัด"
    name_en: str | None
    districts: tuple[District, ...]


# --- normalising what people type ---------------------------------------------------

# Invisible characters that word processors and chat apps slip into Thai text.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u2060\u00ad"))
# Sara am typed as nikhahit + sara aa (some keyboards and PDF copies), possibly with the
# tone mark in between: "น" + "ํ" + "้" + "า" must become "น้ำ".
_SPLIT_SARA_AM = re.compile("\u0e4d([\u0e48-\u0e4b]?)\u0e32")
# A tone mark typed after sara am renders the same but is a different string.
_TONE_AFTER_AM = re.compile("\u0e33([\u0e48-\u0e4b])")


def normalise_thai(text: str) -> str:
    """NFC, no invisible characters, one composed sara am, single spaces, stripped."""
    text = text.translate(_INVISIBLE)
    text = unicodedata.normalize("NFC", text)
    text = _SPLIT_SARA_AM.sub("\\1\u0e33", text)
    text = _TONE_AFTER_AM.sub("\\1\u0e33", text)
    return " ".join(text.split())


# Spacing and punctuation that romanisations and Thai abbreviations differ by.
_NOISE = re.compile(r"[\s\-\u2010-\u2015.'\u2019\u02bc`ฯ]")
# Each prefix is tried only as a fallback (see _variants), so a real name that starts
# with the same letters is still found. Short forms need their dot: "อ" alone begins อ่างทอง.
_PROVINCE_PREFIX = re.compile(r"^(?:จังหวัด|จ\.|จว\.|changwat\s+|province\s+of\s+)\s*", re.I)
_PROVINCE_SUFFIX = re.compile(r"\s+province$", re.I)
_DISTRICT_PREFIX = re.compile(
    r"^(?:กิ่งอำเภอ|อำเภอ|อ\.|เขต|ข\.|amphoe\s+|amphur\s+|khet\s+|district\s+of\s+)\s*",
    re.I,
)
_DISTRICT_SUFFIX = re.compile(r"\s+(?:district|khet)$", re.I)
# "Muang", "Meuang" are older spellings of the RTGS "Mueang".
_MUEANG_EN = re.compile(r"^m(?:ue|eu|u)ang")


def _key(text: str) -> str:
    """What two spellings of one name share: case, spacing and hyphens do not count."""
    key = _NOISE.sub("", normalise_thai(text).casefold())
    return _MUEANG_EN.sub("mueang", key)


def _strip(text: str, prefix: re.Pattern[str], suffix: re.Pattern[str]) -> str:
    """Removes level words, repeatedly: "อำเภอ อ.พิชัย" is still พิชัย."""
    text = normalise_thai(text)
    while True:
        bare = suffix.sub("", prefix.sub("", text)).strip()
        if bare == text:
            return text
        text = bare


def _variants(text: str, prefix: re.Pattern[str], suffix: re.Pattern[str]) -> list[str]:
    """The keys to try, most literal first."""
    keys = [_key(text), _key(_strip(text, prefix, suffix))]
    return [k for i, k in enumerate(keys) if k and k not in keys[:i]]


# --- did-you-mean ------------------------------------------------------------------

# Letters that sound alike and so get swapped in typing: one representative each.
_THAI_SOUND = str.maketrans({
    **dict.fromkeys("ขฃคฅฆ", "ค"), **dict.fromkeys("ฉชฌ", "ช"), **dict.fromkeys("ซศษส", "ส"),
    "ญ": "ย", "ฎ": "ด", "ฏ": "ต", **dict.fromkeys("ฐฑฒถทธ", "ท"), "ณ": "น",
    **dict.fromkeys("ผพภ", "พ"), "ฝ": "ฟ", "ฬ": "ล", "ฮ": "ห", "ใ": "ไ",
    # Tone marks, mai taikhu and the silencer are the marks most often dropped or mixed up.
    **dict.fromkeys("\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c", None),
})
# ไ-C-ย and C-ั-ย are the same sound (พิไชย / พิชัย).
_AI = re.compile("ไ(.)ย?")


def _sound(key: str) -> str:
    """A rough phonetic key: Thai by sound class, romanised without h and double letters."""
    if key.isascii():
        return re.sub(r"(.)\1+", r"\1", key.replace("h", ""))
    return _AI.sub("\\1\u0e31ย", key.translate(_THAI_SOUND))


def _distance(a: str, b: str, limit: int) -> int:
    """Edit distance counting a swap of neighbours as one edit; > limit means "far"."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], prev2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        prev2, prev = prev, row
    return prev[-1]


def _allowed(key: str) -> int:
    """How many edits still look like a typo rather than another name."""
    return 1 if len(key) <= 5 else 2 if len(key) <= 12 else 3


def _closest(queries: list[str], index: dict[str, tuple[T, ...]], most: int = 3) -> list[T]:
    """The entries nearest to any query key, best first; empty when nothing is close."""
    scored: dict[int, tuple[tuple[int, int], T]] = {}
    for query in queries:
        limit, sound = _allowed(query), _sound(query)
        for key, entries in index.items():
            raw = _distance(query, key, limit)
            heard = _distance(sound, _sound(key), limit)
            if min(raw, heard) > limit:
                continue
            score = (min(raw, heard), raw)
            for entry in entries:
                if id(entry) not in scored or score < scored[id(entry)][0]:
                    scored[id(entry)] = (score, entry)
    if not scored:
        return []
    best = min(score for score, _entry in scored.values())[0]
    ranked = sorted((v for v in scored.values() if v[0][0] == best), key=lambda v: v[0])
    return [entry for _score, entry in ranked[:most]]


def _label(name_th: str, name_en: str | None) -> str:
    return f'"{name_th}" ({name_en})' if name_en else f'"{name_th}"'


def _did_you_mean(labels: list[str]) -> str:
    return _("Did you mean {names}?").format(names=_(" or ").join(labels))


def province_label(province: Province) -> str:
    """How a sentence names a province: "จังหวัดอุตรดิตถ์", but Bangkok is no จังหวัด."""
    return province.name_th if province.name_th == BANGKOK else f"จังหวัด{province.name_th}"


def _list_hint(province: Province | None = None) -> str:
    if province is None:
        return _("Run 'overlay name --list' to see the province names.")
    return _("Run 'overlay presets' or 'overlay name --list --province {province}' "
             "to see the names.").format(province=province.name_th)


# --- the index -------------------------------------------------------------------

# Names in everyday use that are neither the official Thai nor the RTGS spelling.
_PROVINCE_ALIASES: dict[str, tuple[str, ...]] = {
    BANGKOK: ("กรุงเทพ", "กทม", "Krung Thep", "Krung Thep Maha Nakhon"),
    "พระนครศรีอยุธยา": ("อยุธยา", "Ayutthaya", "Ayuthaya"),
    "นครราชสีมา": ("โคราช", "Korat", "Khorat"),
}


def _add(index: dict[str, tuple[T, ...]], key: str, entry: T) -> None:
    if key and entry not in index.get(key, ()):
        index[key] = index.get(key, ()) + (entry,)


def _province_names(province: Province) -> list[str]:
    names = [province.name_th, *_PROVINCE_ALIASES.get(province.name_th, ())]
    return names + ([province.name_en] if province.name_en else [])


def _capital(province: Province) -> District | None:
    """The Mueang district; Ayutthaya's capital district carries the province's own name."""
    for district in province.districts:
        if district.name_th in (MUEANG + province.name_th, province.name_th):
            return district
    return None


def _district_index(province: Province) -> dict[str, tuple[District, ...]]:
    index: dict[str, tuple[District, ...]] = {}
    for district in province.districts:
        _add(index, _key(district.name_th), district)
        if district.name_en:
            _add(index, _key(district.name_en), district)
    capital = _capital(province)
    if capital is not None:
        # "เมืองอยุธยา", "Mueang Ayutthaya": the capital named after any spelling of its province.
        for name in _province_names(province):
            for word in (MUEANG, "Mueang "):
                index.setdefault(_key(word + name), (capital,))
    return index


class Gazetteer:
    """All provinces with their districts, indexed once so that lookups are dict hits."""

    def __init__(self, provinces: Iterable[Province]) -> None:
        self.provinces: tuple[Province, ...] = tuple(provinces)
        self._provinces: dict[str, tuple[Province, ...]] = {}
        self._districts: dict[str, dict[str, tuple[District, ...]]] = {}
        self._capitals: dict[str, District | None] = {}
        # district key -> the provinces that have it, for "พิชัย is in อุตรดิตถ์".
        self._where: dict[str, tuple[Province, ...]] = {}
        for province in self.provinces:
            for name in _province_names(province):
                _add(self._provinces, _key(name), province)
            index = _district_index(province)
            self._districts[province.name_th] = index
            self._capitals[province.name_th] = _capital(province)
            for key in index:
                _add(self._where, key, province)
        # Every district of every province, for suggestions across provinces.
        self._all_districts: dict[str, tuple[tuple[Province, District], ...]] = {}
        for province in self.provinces:
            for key, districts in self._districts[province.name_th].items():
                for district in districts:
                    _add(self._all_districts, key, (province, district))

    def province(self, name: str | Province) -> Province:
        if isinstance(name, Province):
            return name
        keys = _variants(name, _PROVINCE_PREFIX, _PROVINCE_SUFFIX)
        for key in keys:
            if key in self._provinces:
                return self._provinces[key][0]
        shown = normalise_thai(name)
        message = _('Unknown province "{name}".').format(name=shown)
        raise NamingError(message, self._province_hint(shown, keys))

    def _province_hint(self, shown: str, keys: list[str]) -> str:
        close = _closest(keys, self._provinces)
        if close:
            return _did_you_mean([_label(p.name_th, p.name_en) for p in close])
        homes = self._homes(keys)
        if homes:
            return _('"{name}" is a district of {provinces}, not a province.').format(
                name=shown, provinces=", ".join(province_label(p) for p in homes))
        return _list_hint()

    def district(self, province: Province | str, name: str) -> District:
        home = self.province(province)
        index = self._districts[home.name_th]
        keys = _variants(name, _DISTRICT_PREFIX, _DISTRICT_SUFFIX)
        shown = normalise_thai(name)
        if keys and keys[-1] in (_key(MUEANG), "mueang"):
            return self._capital_of(home, shown)
        for key in keys:
            found = index.get(key, ())
            if len(found) == 1:
                return found[0]
            if found:
                raise NamingError(
                    _('"{name}" matches more than one district of {province}.').format(
                        name=shown, province=province_label(home)),
                    _("Use the Thai name: {names}.").format(
                        names=_(" or ").join(_label(d.name_th, d.name_en) for d in found)))
        message = _('"{name}" is not a district of {province}.').format(
            name=shown, province=province_label(home))
        raise NamingError(message, self._district_hint(home, shown, keys))

    def _capital_of(self, province: Province, shown: str) -> District:
        capital = self._capitals[province.name_th]
        if capital is None:
            raise NamingError(
                _('{province} has no district called "{name}".').format(
                    province=province_label(province), name=shown),
                _list_hint(province))
        return capital

    def _district_hint(self, home: Province, shown: str, keys: list[str]) -> str:
        homes = self._homes(keys)
        if homes:
            return _('"{name}" is a district of {provinces}.').format(
                name=shown, provinces=", ".join(province_label(p) for p in homes))
        if any(key in self._provinces for key in keys):
            return _('"{name}" is a province, not a district.').format(name=shown)
        close = _closest(keys, self._districts[home.name_th])
        if close:
            return _did_you_mean([_label(d.name_th, d.name_en) for d in close])
        elsewhere = _closest(keys, self._all_districts)
        if elsewhere:
            return _did_you_mean([
                _("{district} in {province}").format(
                    district=_label(d.name_th, d.name_en), province=province_label(p))
                for p, d in elsewhere])
        return _list_hint(home)

    def _homes(self, keys: list[str]) -> list[Province]:
        for key in keys:
            if key in self._where:
                return list(self._where[key])
        return []

    def suggest_provinces(self, name: str) -> list[Province]:
        """The did-you-mean provinces for a name that is not one; best first, may be empty."""
        return _closest(_variants(name, _PROVINCE_PREFIX, _PROVINCE_SUFFIX), self._provinces)

    def suggest_districts(self, province: Province | str, name: str) -> list[District]:
        """The did-you-mean districts of ``province`` for a name that is not one of them."""
        home = self.province(province)
        return _closest(_variants(name, _DISTRICT_PREFIX, _DISTRICT_SUFFIX),
                        self._districts[home.name_th])

    def provinces_of_district(self, name: str) -> list[Province]:
        """The provinces that have a district of this name, in DOPA code order; may be empty."""
        return self._homes(_variants(name, _DISTRICT_PREFIX, _DISTRICT_SUFFIX))


# --- loading ---------------------------------------------------------------------

def _parse(rows: list[list]) -> tuple[Province, ...]:
    """Rows are [code, name_th, name_en, [[code, name_th, name_en], …]], sorted by code."""
    return tuple(
        Province(name_th, name_en, tuple(District(d_th, d_en) for _c, d_th, d_en in districts))
        for _code, name_th, name_en, districts in rows
    )


@cache
def gazetteer() -> Gazetteer:
    """The shipped gazetteer, read once per process."""
    path = data_dir() / "gazetteer.json"
    with path.open(encoding="utf-8") as handle:
        return Gazetteer(_parse(json.load(handle)["provinces"]))
