"""Building the report: DOCX and PDF read back in order, page one against a reference image,
the YouTube text, the CLI."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

import pytest
import typer
from PIL import Image, ImageChops
from typer.testing import CliRunner

from overlay.cli.report import app as report_app
from overlay.report import build_report
from overlay.report.layout import blocks
from overlay.report.model import FORM, ReportError, load

from report_support import answers_in_order, assert_in_order

DATA = Path(__file__).parent / "data" / "report"
SAMPLE = DATA / "phichai.toml"
REFERENCE = DATA / "phichai-page1.png"
STEM = "แบบรายงานธนาคารขยะต้นแบบ อำเภอพิชัยจังหวัดอุตรดิตถ์"
CLIP = "ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอพิชัยจังหวัดอุตรดิตถ์"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("report")
    paths = build_report(SAMPLE, out)
    return {p.suffix: p for p in paths}


@pytest.fixture(scope="module")
def report():
    return load(SAMPLE)


def test_three_files_with_the_mandated_names(built):
    assert built[".docx"].name == f"{STEM}.docx"
    assert built[".pdf"].name == f"{STEM}.pdf"
    assert built[".txt"].name == f"{CLIP}.youtube.txt"
    assert not [p for p in built[".pdf"].parent.iterdir() if p.name.endswith(".part")]


def test_docx_has_every_fieldassert_in_order(built, report):
    import docx

    document = docx.Document(str(built[".docx"]))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs == [b.text for b in blocks(report)]
    text = "\n".join(paragraphs)
    assert_in_order(text, ["ส่วนที่ ๑ ข้อมูลทั่วไป", "๑.๑", "๑.๖", "ส่วนที่ ๒", "๒.๑", "๒.๒", "๒.๓",
                     "๒.๔", "ส่วนที่ ๓"])
    assert_in_order(text, answers_in_order(report)[2:])
    assert "๑,๒๕๐ คน" in text and "https://youtu.be/dQw4w9WgXcQ" in text


def test_docx_names_the_thai_font_for_complex_script(built):
    with zipfile.ZipFile(built[".docx"]) as zf:
        doc_xml = zf.read("word/document.xml").decode("utf-8")
        styles = zf.read("word/styles.xml").decode("utf-8")
        fonts = zf.read("word/fontTable.xml").decode("utf-8")
    # a face Windows has (issue 23): Leelawadee UI, Tahoma as its alternative; never Laksaman
    assert 'w:cs="Leelawadee UI"' in doc_xml and 'w:cs="Leelawadee UI"' in styles
    assert "w:szCs" in styles and "w:bCs" in doc_xml
    assert 'w:name="Leelawadee UI"' in fonts and 'w:altName w:val="Tahoma"' in fonts
    assert "Laksaman" not in doc_xml + styles + fonts


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def test_pdf_text_comes_back_intact_andassert_in_order(built, report):
    text = _pdf_text(built[".pdf"])
    # Lines wrap at word boundaries (a space there is dropped): compare without white space.
    flat = "".join(text.split())
    assert_in_order(flat, ["".join(b.text.split()) for b in blocks(report)])
    # No control codes or zero-width characters from shaping leak into the text.
    assert not [c for c in text if (ord(c) < 32 and c != "\n") or c in "\u200b\ufffd"]
    for word in ("สำเร็จ", "น้ำ", "ผู้นำ", "ตั้ง", "ที่", "ฌาปนกิจ"):
        assert word in flat


def test_pdf_embeds_the_font_and_says_thai(built):
    from pypdf import PdfReader

    reader = PdfReader(str(built[".pdf"]))
    fonts = {str(f["/BaseFont"]) for page in reader.pages
             for f in page["/Resources"]["/Font"].values()}
    assert all("Laksaman" in f for f in fonts) and len(fonts) == 2
    assert reader.trailer["/Root"]["/Lang"] == "th-TH"


def _page_one(path: Path) -> Image.Image:
    import pypdfium2

    document = pypdfium2.PdfDocument(str(path))
    try:
        return document[0].render(scale=0.75).to_pil().convert("L")
    finally:
        document.close()


def test_page_one_matches_the_reference(built):
    image = _page_one(built[".pdf"])
    if os.environ.get("OVERLAY_UPDATE_REFERENCES"):
        image.save(REFERENCE, optimize=True)
    reference = Image.open(REFERENCE).convert("L")
    assert image.size == reference.size
    diff = ImageChops.difference(image, reference)
    histogram = diff.histogram()
    mean = sum(i * n for i, n in enumerate(histogram)) / (image.width * image.height)
    changed = sum(histogram[64:]) / (image.width * image.height)
    # Antialiasing differs a little between renderer builds; a moved or missing line does not.
    assert mean < 2.0 and changed < 0.01, (mean, changed)


def test_youtube_text(built):
    text = built[".txt"].read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[1] == CLIP
    assert "เทศบาลตำบลในเมือง" in text and "สมาชิก: ๑,๒๕๐ คน" in text
    chapters = [line for line in lines if line[:1].isdigit() and ":" in line.split(" ")[0]]
    assert chapters[0].startswith("0:00 ") and len(chapters) == 5
    assert "<" not in text and ">" not in text


def test_refuses_to_overwrite_then_force(built):
    out = built[".pdf"].parent
    before = built[".pdf"].read_bytes()
    with pytest.raises(ReportError, match="already exist") as info:
        build_report(SAMPLE, out)
    assert "--force" in info.value.line()
    assert build_report(SAMPLE, out, force=True)
    assert built[".pdf"].read_bytes() == before      # deterministic output


def test_characters_the_font_lacks_are_reported(tmp_path):
    data = tmp_path / "emoji.toml"
    data.write_text(SAMPLE.read_text(encoding="utf-8").replace(
        'welfare = "สวัสดิการ', 'welfare = "🎉 สวัสดิการ'), encoding="utf-8")
    with pytest.raises(ReportError, match="U\\+1F389"):
        build_report(data, tmp_path / "out")
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- CLI

@pytest.fixture()
def app() -> typer.Typer:
    root = typer.Typer()
    root.add_typer(report_app, name="report")
    return root


def test_cli_init_then_build(app, tmp_path):
    runner = CliRunner()
    data = tmp_path / "report-phichai.toml"
    result = runner.invoke(app, ["report", "init", "--preset", "uttaradit", "--district", "พิชัย",
                                 "-o", str(data)])
    assert result.exit_code == 0, result.output
    text = data.read_text(encoding="utf-8")
    assert 'district = "พิชัย"' in text and 'province = "อุตรดิตถ์"' in text
    for part in FORM:
        for section in part.sections:
            for item in section.items:
                assert f"# {item.number} {item.question}" in text

    again = runner.invoke(app, ["report", "init", "--preset", "uttaradit", "--district", "พิชัย",
                                "-o", str(data)])
    assert again.exit_code == 2 and "--force" in again.output

    empty = runner.invoke(app, ["report", "build", str(data), "--out-dir", str(tmp_path / "o")])
    assert empty.exit_code == 2
    assert empty.output.startswith("Error: ") and "Traceback" not in empty.output
    assert "part1.villages" in empty.output and "part3.youtube_url" in empty.output

    shutil.copy(SAMPLE, data)
    clip = tmp_path / f"{CLIP}.mp4"
    ok = runner.invoke(app, ["report", "build", str(data), "--out-dir", str(tmp_path / "o"),
                             "--clip", str(clip)])
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "o" / f"{STEM}.pdf").is_file()


def test_cli_unknown_district(app, tmp_path):
    result = CliRunner().invoke(app, ["report", "init", "--preset", "uttaradit", "--district",
                                      "ไม่มีอำเภอนี้", "-o", str(tmp_path / "x.toml")])
    assert result.exit_code == 2 and result.output.startswith("Error: ")
    assert not (tmp_path / "x.toml").exists()


def test_cli_wrong_clip(app, tmp_path):
    result = CliRunner().invoke(app, ["report", "build", str(SAMPLE), "--out-dir", str(tmp_path),
                                      "--clip", "final.mp4"])
    assert result.exit_code == 2 and "--clip final.mp4" in result.output
    assert list(tmp_path.iterdir()) == []


def test_no_dotted_circles_when_shaping_the_page(report):
    """HarfBuzz inserts U+25CC before a mark with no base: none of the form's text may get one."""
    import uharfbuzz as hb

    from overlay.report.pdf_writer import font_files

    for path in font_files().values():
        blob = hb.Blob.from_file_path(str(path))
        font = hb.Font(hb.Face(blob))
        dotted = font.get_nominal_glyph(0x25CC)
        assert dotted
        for block in blocks(report):
            buf = hb.Buffer()
            buf.add_str(block.text)
            buf.guess_segment_properties()
            hb.shape(font, buf, {})
            assert dotted not in [g.codepoint for g in buf.glyph_infos], block.text
            assert 0 not in [g.codepoint for g in buf.glyph_infos], block.text   # no .notdef
