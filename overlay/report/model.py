"""The report form (แบบรายงาน, attachment 2 of the letter): its items, the data file, validation.

``FORM`` is the one description of the form: ``report init`` writes its questions as
comments, validation names its fields, and the DOCX/PDF writers lay it out in its order.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import parse_qs, urlsplit

from overlay import timecode
from overlay.errors import UsageError
from overlay.i18n import _
from overlay.naming import mandate, parse_clip_name
from overlay.presets import base


class ReportError(UsageError):
    """The report's data file is missing, unreadable or has wrong answers: exit 2."""

    def __init__(self, message: str, hint: str | None = None,
                 problems: tuple[str, ...] = ()) -> None:
        super().__init__(message, hint)
        self.problems = problems


class Kind(Enum):
    TEXT = "text"          # one line
    LONG = "long"          # free text, several lines
    COUNT = "count"        # whole number
    AMOUNT = "amount"      # number, decimals allowed
    URL = "url"            # YouTube video URL


@dataclass(frozen=True)
class Item:
    table: str             # TOML table: part1 / part2 / part3
    key: str               # TOML key in that table, and the Report attribute
    number: str            # as the form numbers it: "๑.๒", "๒)"
    question: str          # the form's Thai wording
    kind: Kind
    unit: str = ""
    section: str = ""      # "๒.๑" for Part 2's numbered sub-items, to name them unambiguously

    @property
    def field(self) -> str:
        return f"{self.table}.{self.key}"


@dataclass(frozen=True)
class Section:
    number: str            # "๒.๑"; "" for a part's items that stand alone
    heading: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Part:
    number: str            # "๑"
    heading: str
    sections: tuple[Section, ...]


TITLE = "แบบรายงานการจัดตั้งธนาคารขยะต้นแบบ (Best Practice)"
FILE_STEM = "แบบรายงานธนาคารขยะต้นแบบ อำเภอ{district}จังหวัด{province}"

# The place comes from the preset and is checked against the gazetteer; not numbered on the form.
PLACE = (Item("part1", "district", "", "อำเภอ", Kind.TEXT),
         Item("part1", "province", "", "จังหวัด", Kind.TEXT))


def _p2(section: str, pairs: tuple[tuple[str, str], ...]) -> tuple[Item, ...]:
    thai = "๑๒๓๔๕๖๗๘๙"
    return tuple(Item("part2", key, f"{thai[i]})", q, Kind.LONG, section=section)
                 for i, (key, q) in enumerate(pairs))


FORM: tuple[Part, ...] = (
    Part("๑", "ข้อมูลทั่วไป", (Section("", "", (
        Item("part1", "lao", "๑.๑", "ธนาคารขยะต้นแบบ อปท.", Kind.TEXT),
        Item("part1", "villages", "๑.๒", "จำนวนหมู่บ้าน/ชุมชนที่เข้าร่วม", Kind.COUNT, "แห่ง"),
        Item("part1", "members", "๑.๓", "จำนวนสมาชิก", Kind.COUNT, "คน"),
        Item("part1", "waste_kg", "๑.๔", "จำนวนขยะที่ขายได้/เดือน", Kind.AMOUNT, "กิโลกรัม"),
        Item("part1", "income_baht", "๑.๕", "จำนวนเงินที่ขายได้/เดือน", Kind.AMOUNT, "บาท"),
        Item("part1", "welfare", "๑.๖", "รูปแบบการจัดสวัสดิการ", Kind.TEXT),
    )),)),
    Part("๒", "การบริหารจัดการธนาคารขยะ", (
        Section("๒.๑", "การขับเคลื่อนการจัดตั้งธนาคารขยะให้ประสบความสำเร็จ", _p2("๒.๑", (
            ("success_factors", "ปัจจัยความสำเร็จ"),
            ("tactics", "กลวิธีในการขับเคลื่อนธนาคารขยะ")))),
        Section("๒.๒", "การจัดสวัสดิการ", _p2("๒.๒", (
            ("welfare_schemes", "รูปแบบการจัดสวัสดิการต่างๆ / สาเหตุที่ชุมชนเลือกสวัสดิการนั้นๆ"),
            ("problems", "ปัญหาอุปสรรคและแนวทางการแก้ไข")))),
        Section("๒.๓", "ประโยชน์ที่ชุมชน/ อปท. ได้รับจากโครงการธนาคารขยะนอกเหนือจากสวัสดิการ เช่น",
                _p2("๒.๓", (
                    ("cost_saved", "จำนวนค่าใช้จ่ายการเก็บขน/กำจัดขยะที่ลดลง (ข้อมูลเชิงสถิติที่ชัดเจน)"),
                    ("fewer_staff", "การลดทรัพยากรมนุษย์ในการเก็บขนขยะ"),
                    ("environment", "ประโยชน์ด้านสิ่งแวดล้อม")))),
        Section("๒.๔", "การขับเคลื่อนโครงการธนาคารขยะสู่ความยั่งยืน", _p2("๒.๔", (
            ("strategy", "กลยุทธ์/กลไกสู่ความยั่งยืน"),
            ("methods", "วิธีการขับเคลื่อนธนาคารขยะสู่ความยั่งยืน"),
            ("partners", "การมีส่วนร่วมของภาคีเครือข่ายในพื้นที่")))),
    )),
    Part("๓", "วิดีโอการถอดบทเรียนธนาคารขยะ", (Section("", "", (
        Item("part3", "youtube_url", "๑)",
             "อัปโหลดวิดีโอการถอดบทเรียนฯ ลงใน YouTube จากนั้นแชร์ URL โดยสำเนา URL", Kind.URL),
    )),)),
)

# The clip's four content topics (the letter's section 3, = Part 2's 2.1–2.4): chapter keys.
TOPICS: tuple[tuple[str, str], ...] = (
    ("setup", "๒.๑"), ("welfare", "๒.๒"), ("benefits", "๒.๓"), ("sustainability", "๒.๔"))
CHAPTER_TITLES = {
    "setup": "การขับเคลื่อนการจัดตั้งธนาคารขยะให้ประสบความสำเร็จ",
    "welfare": "การจัดสวัสดิการ",
    "benefits": "ประโยชน์ที่ชุมชน/อปท. ได้รับนอกเหนือจากสวัสดิการ",
    "sustainability": "การขับเคลื่อนธนาคารขยะสู่ความยั่งยืน",
}
INTRO_TITLE = "บทนำ"
DIGITS = ("thai", "arabic")  # report.digits: how the documents print numbers
MIN_CHAPTER_SECONDS = 10   # YouTube: each chapter at least 10 s, at least 3 chapters


def all_items() -> tuple[Item, ...]:
    return PLACE + tuple(i for p in FORM for s in p.sections for i in s.items)


# ---------------------------------------------------------------- numbers

_TO_THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
_GROUPED = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?|\d+(\.\d+)?")


def parse_number(value: Any, unit: str = "", whole: bool = False) -> Decimal:
    """A non-negative number from TOML: 1200, "1,200", "๑,๒๐๐", "1,200 กิโลกรัม".

    Raises ValueError with the reason (in English, for _()).
    """
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, (int, float)):
        text = repr(value)
    elif isinstance(value, str):
        text = unicodedata.normalize("NFC", value).translate(timecode.THAI_DIGITS).strip()
        if unit and text.endswith(unit):           # the form prints the unit; people copy it
            text = text[: -len(unit)].strip()
        text = text.replace("\u00a0", "").replace(" ", "") if _spaced_groups(text) else text
    else:
        raise ValueError("not a number")
    if not _GROUPED.fullmatch(text):
        raise ValueError("not a number")
    number = Decimal(text.replace(",", ""))
    if whole and number != number.to_integral_value():
        raise ValueError("not a whole number")
    return number


def _spaced_groups(text: str) -> bool:
    # "1 200" (a thin/normal space as thousands separator) is common in forms.
    return bool(re.fullmatch(r"\d{1,3}([ \u00a0]\d{3})+(\.\d+)?", text))


def format_number(number: Decimal, thai_digits: bool = True) -> str:
    """Grouped, decimals only when there are any: 1200 → ๑,๒๐๐; 12.5 → ๑๒.๕๐."""
    text = f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.2f}"
    return text.translate(_TO_THAI) if thai_digits else text


# ---------------------------------------------------------------- YouTube URL

_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_YT_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com"}


def parse_youtube_url(value: str) -> str:
    """The URL (https added if missing) if it is a YouTube *video*; ValueError otherwise."""
    url = value.strip()
    if not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.I):
        url = "https://" + url
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError("not a web address")
    host = (parts.hostname or "").lower()
    path = parts.path.rstrip("/")
    video: str | None = None
    if host == "youtu.be":
        video = path.lstrip("/")
    elif host in _YT_HOSTS:
        if path == "/watch":
            video = (parse_qs(parts.query).get("v") or [""])[0]
        elif path.startswith("/shorts/"):
            video = path[len("/shorts/"):]
    else:
        raise ValueError("not a YouTube address")
    if video is None or not _VIDEO_ID.fullmatch(video):
        raise ValueError("not the address of one video")
    return url


# ---------------------------------------------------------------- chapter times

def parse_time(value: Any) -> int:
    """A chapter's start: any form ``timecode.parse_time`` reads, in whole seconds (YouTube's)."""
    seconds = timecode.parse_time(value)
    if seconds != int(seconds):
        raise ValueError("not a whole second")
    return int(seconds)


@dataclass(frozen=True)
class Chapter:
    start: int             # seconds
    title: str


def field_name(key: str) -> str:
    """A topic's chapter as the report data file names it (the command line's words)."""
    return f"chapters.{key}"


def chapter_name(key: str) -> str:
    """A topic's chapter as a person names it: its title, in quotes (the page's words)."""
    return f"“{CHAPTER_TITLES[key]}”"


def chapters_from(starts: Mapping[str, int], name: Callable[[str], str] = field_name,
                  length: float | None = None) -> tuple[tuple[Chapter, ...], list[str]]:
    """YouTube chapters from the topics' start times, and the problems with them.

    YouTube shows chapters only if the first starts at 0:00, there are at least three and
    each lasts at least 10 s; an intro chapter covers a first topic that starts later.
    ``name`` words a topic in the problems (``field_name`` for the data file, ``chapter_name``
    for a person); ``length``, when known, is the clip's: the last chapter must fit in it.
    """
    given = [(key, starts[key]) for key, _num in TOPICS if key in starts]
    if not given:
        return (), []
    problems: list[str] = []
    for (k1, t1), (k2, t2) in zip(given, given[1:]):
        if t2 - t1 < MIN_CHAPTER_SECONDS:
            problems.append(_("{later} must start at least {n} s after {earlier} "
                              "(YouTube chapters are at least {n} s long).")
                            .format(later=name(k2), earlier=name(k1), n=MIN_CHAPTER_SECONDS))
    last_key, last = given[-1]
    if length is not None and last > length - MIN_CHAPTER_SECONDS:
        problems.append(_("{name} starts at {time}, less than {n} s before the end of the clip "
                          "({length}); the last chapter must last at least {n} s.")
                        .format(name=name(last_key), time=timecode.format_time(last),
                                n=MIN_CHAPTER_SECONDS, length=timecode.format_time(int(length))))
    elif last > base().max_duration - MIN_CHAPTER_SECONDS:
        problems.append(_("{key} starts at {time}, too late for a clip of at most 5 minutes.")
                        .format(key=name(last_key), time=timecode.format_time(last)))
    chapters = [Chapter(t, CHAPTER_TITLES[k]) for k, t in given]
    first = given[0][1]
    if 0 < first < MIN_CHAPTER_SECONDS:
        problems.append(_("{key} starts at {time}: make it 0:00, or at least 0:{n} so "
                          "the introduction can be a chapter.").format(
                              key=name(given[0][0]), time=timecode.format_time(first), n=MIN_CHAPTER_SECONDS))
    elif first >= MIN_CHAPTER_SECONDS:
        chapters.insert(0, Chapter(0, INTRO_TITLE))
    if len(chapters) < 3:
        problems.append(_("YouTube needs at least 3 chapters; give start times for more topics, "
                          "or none."))
    return tuple(chapters), problems


# ---------------------------------------------------------------- the validated report

@dataclass(frozen=True)
class Report:
    province: str
    district: str
    lao: str
    villages: Decimal
    members: Decimal
    waste_kg: Decimal
    income_baht: Decimal
    welfare: str
    success_factors: str
    tactics: str
    welfare_schemes: str
    problems: str
    cost_saved: str
    fewer_staff: str
    environment: str
    strategy: str
    methods: str
    partners: str
    youtube_url: str
    chapters: tuple[Chapter, ...] = ()
    thai_digits: bool = True
    source: Path | None = field(default=None, compare=False)

    def answer(self, item: Item) -> str:
        """The answer as the form prints it (numbers grouped, Thai digits by default)."""
        value = getattr(self, item.key)
        if isinstance(value, Decimal):
            return format_number(value, self.thai_digits)
        return value

    @property
    def file_stem(self) -> str:
        return FILE_STEM.format(district=self.district, province=self.province)


def _label(item: Item) -> str:
    number = " ".join(n for n in (item.section, item.number) if n)
    return f"{item.field} ({number} {item.question})".replace("( ", "(")


def _text(value: Any) -> str:
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else ""


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def answer_of(raw: Mapping[str, Any], item: Item) -> Any:
    """The item's raw answer in a data file's tables (None when absent)."""
    table = raw.get(item.table, {})
    return table.get(item.key) if isinstance(table, Mapping) else None


def check_answer(item: Item, value: Any) -> tuple[Any, str | None]:
    """One answer, the rule ``validate`` applies to it: (its value, None) or (None, the reason).

    The reason is short and translated, without the field's name: the page shows it beside
    the field, ``validate`` prefixes the field's label.
    """
    if _blank(value):
        return None, _("missing; fill it in")
    try:
        return _convert(item, value), None
    except ValueError as exc:
        return None, _(str(exc))


def check_chapter(value: Any) -> tuple[int | None, str | None]:
    """A topic's optional start time: (seconds or None when empty, None) or (None, the reason)."""
    if _blank(value):
        return None, None
    try:
        return parse_time(value), None
    except ValueError:
        return None, _("not a time like 1:05")


def validate(raw: Mapping[str, Any], source: Path | None = None,
             clip: Path | None = None) -> Report:
    """A Report, or one ReportError listing every problem, each naming its field."""
    problems: list[str] = []
    values: dict[str, Any] = {}
    for item in all_items():
        value = answer_of(raw, item)
        converted, reason = check_answer(item, value)
        if reason is None:
            values[item.key] = converted
        elif _blank(value):
            problems.append(_("{field}: missing; fill it in.").format(field=_label(item)))
        else:
            problems.append(_("{field}: {reason}: {value!r}.").format(
                field=_label(item), reason=reason, value=value))

    if "district" in values and "province" in values:
        from overlay.errors import OverlayError
        from overlay.naming import check_names
        try:
            place = check_names(values["district"], values["province"])
            values["district"], values["province"] = place.district, place.province
        except OverlayError as exc:
            problems.append(_("part1.district/part1.province: {reason}").format(reason=exc.line()))
        else:
            if clip is not None:
                problems.extend(_clip_problems(clip, place.district, place.province))

    starts: dict[str, int] = {}
    raw_chapters = raw.get("chapters", {})
    for key, _num in TOPICS:
        value = raw_chapters.get(key) if isinstance(raw_chapters, Mapping) else None
        seconds, reason = check_chapter(value)
        if reason is not None:
            problems.append(_("chapters.{key}: not a time like 1:05: {value!r}.")
                            .format(key=key, value=value))
        elif seconds is not None:
            starts[key] = seconds
    chapters, chapter_problems = chapters_from(starts)
    problems.extend(chapter_problems)

    digits = raw.get("report", {}).get("digits", "thai") if isinstance(raw.get("report"), Mapping) \
        else "thai"
    if digits not in DIGITS:
        problems.append(_('report.digits: "thai" or "arabic", not {value!r}.').format(value=digits))

    if problems:
        name = source.name if source else _("the report data")
        raise ReportError(
            _("{name} has {n} problem(s):").format(name=name, n=len(problems))
            + "".join(f"\n  - {p}" for p in problems)
            + "\n" + _("Fix them and run the command again."), None, tuple(problems))
    return Report(**values, chapters=chapters, thai_digits=digits == "thai", source=source)


def _convert(item: Item, value: Any) -> Any:
    if item.kind in (Kind.COUNT, Kind.AMOUNT):
        return parse_number(value, item.unit, whole=item.kind is Kind.COUNT)
    if not isinstance(value, str):
        raise ValueError("not text")
    if item.kind is Kind.URL:
        return parse_youtube_url(value)
    text = _text(value)
    if item.kind is Kind.TEXT:
        text = " ".join(text.split())     # one line on the form
    return text


def _clip_problems(clip: Path, district: str, province: str) -> list[str]:
    parsed = parse_clip_name(clip.name)
    if parsed is None:
        return [_("--clip {name}: not the mandated name \"{template}\".").format(
            name=clip.name, template=mandate()[0].format(district="…", province="…"))]
    if parsed != (district, province):
        return [_("--clip {name}: names อำเภอ{d}จังหวัด{p}, but the report is for "
                  "อำเภอ{district}จังหวัด{province}.").format(
                      name=clip.name, d=parsed[0], p=parsed[1], district=district, province=province)]
    return []


def load(path: Path, clip: Path | None = None) -> Report:
    """Read and validate a report data file."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise ReportError(_("Report data file {path} does not exist.").format(path=path),
                          _("Create one with 'overlay report init'.")) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(_("Cannot read {path}: {reason}.").format(path=path, reason=exc),
                          _("Save it as UTF-8 text.")) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ReportError(_("{path} is not valid TOML: {reason}.").format(path=path, reason=exc),
                          _('Check the quotes: text goes in "…" or """…""" for several lines.')
                          ) from exc
    return validate(raw, path, clip)
