"""The report PDF's text as positional extractors read it (pdfium, Poppler), not only pypdf.

HarfBuzz splits ำ into two glyphs and reorders marks; without /ActualText, pdfium and
pdftotext give "อำ เภอ", "ตัง้" and marks moved to the end of a line.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from overlay.report.layout import blocks
from overlay.report.model import load
from overlay.report.pdf_writer import actual_text, wrap_with_source, write_pdf

from report_support import answers_in_order, assert_in_order

SAMPLE = Path(__file__).parent / "data" / "report" / "phichai.toml"
BREAK = re.compile(r"\r?\n")


@pytest.fixture(scope="module")
def report():
    return load(SAMPLE)


@pytest.fixture(scope="module")
def pdf_path(report, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pdftext") / "report.pdf"
    path.write_bytes(write_pdf(report))
    return path


@pytest.fixture(scope="module")
def pdfium_text(pdf_path) -> str:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf_path))
    try:
        return "\n".join(document[i].get_textpage().get_text_range()
                         for i in range(len(document)))
    finally:
        document.close()


def _unwrapped(text: str) -> str:
    """Lines joined back: only the line breaks go (a space at a wrap is in the text)."""
    return BREAK.sub("", text)


def test_pdfium_gives_every_answer_exactly_and_in_order(pdfium_text, report):
    flat = _unwrapped(pdfium_text)
    assert_in_order(flat, answers_in_order(report))
    # Nothing more, nothing less: the page reads as the form's blocks, one after another.
    assert flat == "".join(b.text for b in blocks(report))


def test_sara_am_and_stacked_marks_intact(pdfium_text, report):
    source = "".join(b.text for b in blocks(report))
    flat = _unwrapped(pdfium_text)
    for word in ("อำเภอ", "ตั้ง", "สำเร็จ", "น้ำ", "ที่", "ยั่งยืน"):
        assert flat.count(word) == source.count(word) > 0, word
    assert "อำ เภอ" not in pdfium_text and "ตัง้" not in pdfium_text
    assert not [c for c in pdfium_text if ord(c) < 32 and c not in "\r\n"]
    assert "\ufffd" not in pdfium_text and "\ufffe" not in pdfium_text


def test_pypdf_reads_the_same_lines(pdf_path, pdfium_text):
    """pypdf ignores /ActualText and goes by the glyphs' ToUnicode map: same lines, exactly
    (without the space a line was wrapped at)."""
    from pypdf import PdfReader

    pypdf_lines = "\n".join(page.extract_text() for page in PdfReader(str(pdf_path)).pages)
    assert pypdf_lines.split("\n") == [line.rstrip() for line in BREAK.split(pdfium_text)]
    assert "อำเภอพิชัย" in pypdf_lines and "ตั้งคณะกรรมการ" in pypdf_lines


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="Poppler's pdftotext not installed")
def test_pdftotext_gives_every_answer_exactly(pdf_path, report):
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf_path), "-"], check=True,
                          capture_output=True, text=True, encoding="utf-8", timeout=60).stdout
    flat = _unwrapped(text.replace("\f", ""))
    assert_in_order(flat, answers_in_order(report))
    assert "อำ เภอ" not in text and "ตัง้" not in text


def test_marked_content_is_balanced_on_every_page(pdf_path):
    from pypdf import PdfReader

    for page in PdfReader(str(pdf_path)).pages:
        content = page.get_contents().get_data()
        assert content.count(b"/ActualText") == content.count(b" BDC") == content.count(b"EMC")
        assert content.count(b" BDC") > 0


def test_actual_text_is_utf16_with_bom():
    assert actual_text("อำ") == "<FEFF0E2D0E33>"
    assert actual_text("A 🎉") == "<FEFF00410020D83CDF89>"


@pytest.mark.parametrize("text", [
    "สวัสดิการฌาปนกิจสงเคราะห์สมาชิก และทุนการศึกษาบุตรหลาน",
    "ค่าใช้จ่ายในการเก็บขนและกำจัดขยะลดลงจาก ๒๔๐,๐๐๐ บาทต่อปี ",
    "short", "", "  ",
])
def test_wrapped_sources_give_the_text_back(text):
    lines = wrap_with_source(text, 12, len)
    assert "".join(source for _, source in lines) == text
    for i, (drawn, source) in enumerate(lines):
        assert drawn == (source.rstrip() if i == 0 else source.strip())


# ---------------------------------------------------------------- lines broken between words
# (issue 23, finding 9): the PDF wraps Thai by the project's one breaker, as the page and the
# video do: never inside these words, and a paragraph does not end with a lone short word.

WHOLE_WORDS = ("ต่อเนื่อง", "ผู้สูงอายุ", "นอกเหนือ", "ผู้ประกอบการ", "ท้องถิ่น", "สวัสดิการ",
               "ความยั่งยืน", "ครอบครัว", "ต่อปี")


def _broken(lines: list[str]) -> list[str]:
    found = []
    for above, below in zip(lines, lines[1:]):
        above, below = above.rstrip(), below.lstrip()
        for word in WHOLE_WORDS:
            for k in range(1, len(word)):
                if above.endswith(word[:k]) and below.startswith(word[k:]):
                    found.append(f"{above[-8:]}|{below[:8]}")
    return found


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="Poppler's pdftotext not installed")
def test_pdftotext_lines_break_only_between_words(pdf_path):
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf_path), "-"], check=True,
                          capture_output=True).stdout.decode("utf-8")
    lines = [line for line in text.splitlines() if line.strip()]
    assert not _broken(lines), _broken(lines)


@pytest.mark.parametrize("width", [40 + 2.5 * i for i in range(40)])
def test_every_width_breaks_between_words_and_leaves_no_lone_short_word(width):
    from fpdf import FPDF

    from overlay.report.pdf_writer import FONT, SIZE, font_files

    pdf = FPDF()
    pdf.add_font(FONT, "", str(font_files()[""]))
    pdf.set_text_shaping(True)
    pdf.set_font(FONT, "", SIZE)
    text = ("ชุมชนคัดแยกขยะอย่างต่อเนื่อง ช่วยลดภาระครอบครัวผู้สูงอายุ และผู้ประกอบการในท้องถิ่น"
            "ได้ประโยชน์นอกเหนือจากสวัสดิการ ลดค่าใช้จ่ายได้ ๕๕,๐๐๐ บาทต่อปี")
    lines = [drawn for drawn, _source in wrap_with_source(text, width, pdf.get_string_width)]
    assert not _broken(lines), (width, lines)
    if len(lines) > 1:
        assert len(lines[-1].strip()) > 3, (width, lines)
