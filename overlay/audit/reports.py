"""Reading the report documents a district sent: which district, which answers, the URL.

What can be read:
- the data file of ``overlay report`` (``.toml``): validated exactly as ``report build`` does;
- Word documents (``.docx``, python-docx) and PDFs (``.pdf``, pypdf) of the form, whether
  made by ``overlay report build`` or typed into the form by hand: the answers are found
  between the form's questions, by their wording, so numbering, line breaks and dotted
  fill-in lines do not matter.
Old Word files (``.doc``) and scans (a PDF without text) cannot be read: they are listed
with that reason.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from overlay.errors import OverlayError
from overlay.gazetteer import normalise_thai
from overlay.i18n import _
from overlay.report.model import FILE_STEM, FORM, Item, ReportError, parse_youtube_url, validate

REPORT_SUFFIXES = (".docx", ".pdf", ".toml", ".doc")
_URL = re.compile(r"(?:https?://)?(?:www\.|m\.)?(?:youtube\.com|youtu\.be)/[^\s<>\"')]+", re.I)
_FILL = re.compile(r"^[\s.…_:\-–]+|[\s.…_:\-–]+$")


@dataclass(frozen=True)
class ReportDoc:
    path: Path
    kind: str                                   # toml, docx, pdf
    district: str | None = None                 # as written in it (checked by the caller)
    province: str | None = None
    missing: tuple[str, ...] = ()               # the questions left unanswered
    problems: tuple[str, ...] = ()              # other wrong answers (from the TOML check)
    youtube_url: str | None = None
    url_ok: bool | None = None
    error: str | None = None                    # could not be read: why
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def complete(self) -> bool:
        return self.error is None and not self.missing and not self.problems


def _items() -> list[Item]:
    return [i for p in FORM for s in p.sections for i in s.items]


def question_label(item: Item) -> str:
    number = " ".join(n for n in (item.section, item.number) if n)
    return f"{number} {item.question}".strip()


def read_report(path: Path) -> ReportDoc:
    """Read one report document; never raises for a bad file (``error`` says why)."""
    kind = path.suffix.lower().lstrip(".")
    try:
        if kind == "toml":
            return _from_toml(path)
        if kind == "doc":
            return ReportDoc(path, kind, error=_("an old Word file (.doc): save it as .docx or PDF"))
        text = _docx_text(path) if kind == "docx" else _pdf_text(path)
    except Exception as exc:  # any damaged document: a reason, never a traceback
        return ReportDoc(path, kind, error=_("cannot be read ({reason})").format(
            reason=str(exc) or type(exc).__name__))
    if not text.strip():
        return ReportDoc(path, kind, error=_("has no text (a scan?): cannot be checked"))
    return from_text(path, kind, text)


def _from_toml(path: Path) -> ReportDoc:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return ReportDoc(path, "toml", error=_("cannot be read ({reason})").format(reason=exc))
    part1 = raw.get("part1", {}) if isinstance(raw.get("part1"), dict) else {}
    part3 = raw.get("part3", {}) if isinstance(raw.get("part3"), dict) else {}
    url = part3.get("youtube_url") if isinstance(part3.get("youtube_url"), str) else None
    empty: list[Item] = []
    for item in _items():
        table = raw.get(item.table, {})
        value = table.get(item.key) if isinstance(table, dict) else None
        if value is None or (isinstance(value, str) and not value.strip()):
            empty.append(item)
    missing = [question_label(item) for item in empty]
    problems: tuple[str, ...] = ()
    try:
        validate(raw, path)
    except ReportError as exc:
        # Missing answers are listed once, by question; the rest as the report check words them.
        problems = tuple(p for p in exc.problems
                         if not any(p.startswith(f"{item.field} ") for item in empty))
    except OverlayError as exc:
        problems = (exc.line(),)
    return ReportDoc(path, "toml", _str(part1.get("district")), _str(part1.get("province")),
                     tuple(missing), problems, url.strip() if url else None,
                     _url_ok(url) if url else None)


def _str(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _url_ok(url: str) -> bool:
    try:
        parse_youtube_url(url)
    except ValueError:
        return False
    return True


def _docx_text(path: Path) -> str:
    from docx import Document

    document = Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:       # forms typed by hand often put answers in a table
        for row in table.rows:
            for cell in row.cells:
                lines.extend(p.text for p in cell.paragraphs)
    return "\n".join(lines)


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def _loose(text: str) -> re.Pattern[str]:
    """The text with any whitespace allowed between its characters (PDF lines wrap anywhere)."""
    chars = [re.escape(c) for c in text if not c.isspace()]
    return re.compile(r"\s*".join(chars))


_PLACE = re.compile(r"อำเภอ\s*(?:อำเภอ\s*)?(?P<district>[^\s]+?)\s*จังหวัด\s*(?P<province>[^\s]+)")


def from_text(path: Path, kind: str, text: str) -> ReportDoc:
    """The answers of a form document: the text between each question and the next heading."""
    text = "\n".join(normalise_thai(line) for line in unicodedata.normalize("NFC", text).splitlines())
    anchors: list[tuple[int, int, Item | None]] = []   # (start, end, item or a heading)
    pos = 0
    found_any = 0
    for part in FORM:
        match = _loose(f"ส่วนที่ {part.number}").search(text, pos)
        if match:
            anchors.append((match.start(), match.end(), None))
        for section in part.sections:
            if section.number:
                match = _loose(section.heading).search(text, pos)
                if match:
                    anchors.append((match.start(), match.end(), None))
                    pos = match.end()
            for item in section.items:
                match = _loose(item.question).search(text, pos)
                if match:
                    anchors.append((match.start(), match.end(), item))
                    pos = match.end()
                    found_any += 1
    note = text.find("หมายเหตุ", pos)
    anchors.sort(key=lambda a: a[0])
    ends = [a[0] for a in anchors[1:]] + [note if note >= 0 else len(text)]
    if found_any < len(_items()) // 2:
        return ReportDoc(path, kind, error=_("does not look like the report form "
                                             "(its questions were not found)"))
    answers: dict[str, str] = {}
    for (_start, end, anchor), nxt in zip(anchors, ends, strict=True):
        if anchor is None:
            continue
        item = anchor
        answer = text[end:nxt]
        if item.unit:
            answer = answer.replace(item.unit, " ")
        if item.key == "lao":
            answer = answer.split("อำเภอ")[0]      # the line goes on with the district
        answers[item.key] = _FILL.sub("", answer).strip()
    missing = tuple(question_label(i) for i in _items() if not answers.get(i.key))
    url_text = answers.get("youtube_url", "")
    match = _URL.search(url_text) or _URL.search(text)
    url = match.group(0) if match else (url_text.split()[0] if url_text.split() else None)
    place = _PLACE.search(text[:anchors[0][0]] if anchors else text) or _PLACE.search(path.stem)
    district = place["district"] if place else None
    province = place["province"] if place else None
    if district is None:
        stem = re.escape(FILE_STEM).replace(r"\{district\}", "(?P<d>.+?)").replace(
            r"\{province\}", "(?P<p>.+)")
        named = re.fullmatch(stem, normalise_thai(path.stem))
        if named:
            district, province = named["d"], named["p"]
    return ReportDoc(path, kind, district, province, missing, (), url,
                     _url_ok(url) if url else None)
