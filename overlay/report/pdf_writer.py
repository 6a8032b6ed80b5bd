"""The report as a PDF with the shipped Thai font embedded, so it reads the same anywhere.

fpdf2 shapes with HarfBuzz (marks stacked and placed by the font's GPOS). Two things it does
not do for Thai are done here:
- line breaking: Thai has no spaces between words, so lines are broken between words by the
  project's one Thai breaker (``thai_breaks.words``, as the page and the subtitles) and each
  line is drawn as one cell (no zero-width spaces in the text);
- copy/extract in reading order: HarfBuzz splits ำ into two glyphs and reorders marks, and a
  glyph-to-text map (ToUnicode) cannot say that. Positional extractors (Poppler, pdfium, a
  viewer's copy/paste) then give "อำ เภอ" or "ตัง้". Each line is therefore wrapped in marked
  content whose /ActualText is the line's source text, which those readers use instead of the
  glyphs. Readers that ignore /ActualText (pypdf) still go by the ToUnicode map, so the tail
  glyph of ำ, which fpdf2 leaves unmapped (a stray control code), is mapped to nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import fpdf.output as _fpdf_output
from fpdf import FPDF
from fpdf.fonts import Glyph, TTFFont

from overlay import thai_breaks
from overlay.i18n import _
from overlay.report.layout import Block, Style, blocks
from overlay.report.model import Report, ReportError
from overlay.resources import fonts_dir

FONT = "Laksaman"
SIZE = 16
TITLE_SIZE = 18
LINE_HEIGHT = 7.0          # mm at 16 pt: TH Sarabun's single spacing
_INDENT = {Style.SECTION: 7.5, Style.QUESTION: 12.5, Style.ANSWER: 17.5, Style.LINE: 7.5}
_NOTHING = 0x10FFFF        # stands for "maps to no text" until the ToUnicode CMap is written
_NOTHING_HEX = "<DBFFDFFF>"


def font_files() -> dict[str, Path]:
    return {"": fonts_dir() / "Laksaman.ttf", "B": fonts_dir() / "Laksaman-Bold.ttf"}


# ---------------------------------------------------------------- Thai line breaking

def segments(text: str) -> list[str]:
    """Pieces of ``text`` that a line may end after: its words, by the project's one Thai
    breaker (``thai_breaks.words``, as the page and the video's subtitles break Thai)."""
    return thai_breaks.words(text) or [text]


SHORT_LAST = 3     # a last line of one word this short (ปี, คน) takes a word from the line before


def wrap_with_source(text: str, width: float, measure) -> list[tuple[str, str]]:
    """Greedy lines no wider than ``width``, broken between words; a word wider than a line
    is cut where ``thai_breaks.finer_pieces`` allows, and a lone short word does not end a
    paragraph on a line of its own.

    Each line is ``(drawn, source)``: ``drawn`` is what the line shows (no space at either end
    of a break), ``source`` the slice of ``text`` it stands for, space at the break included,
    so that the sources joined give ``text`` back.
    """
    pieces: list[str] = []
    for piece in segments(text):
        pieces.extend(thai_breaks.finer_pieces(piece) if measure(piece.strip()) > width else [piece])
    lines: list[list[str]] = []
    current: list[str] = []
    for piece in pieces:
        candidate = "".join(current) + piece
        if current and measure(candidate.rstrip()) > width:
            lines.append(current)
            current = [piece]
        else:
            current.append(piece)
    if "".join(current).strip() or not lines:
        lines.append(current)
    else:                      # only white space left: it belongs to the last line's source
        lines[-1] = lines[-1] + current
    if len(lines) > 1 and len(lines[-1]) == 1 and len(lines[-1][0].strip()) <= SHORT_LAST \
            and len(lines[-2]) > 1:
        moved = [lines[-2][-1], *lines[-1]]
        if measure("".join(moved).strip()) <= width:
            lines[-2], lines[-1] = lines[-2][:-1], moved
    out = []
    for i, line in enumerate(lines):
        source = "".join(line)
        drawn = source.rstrip()
        out.append((drawn.lstrip() if i else drawn, source))
    return out


def wrap(text: str, width: float, measure) -> list[str]:
    """The lines as drawn (see ``wrap_with_source``)."""
    return [drawn for drawn, _ in wrap_with_source(text, width, measure)]


# ---------------------------------------------------------------- extraction fix

def actual_text(text: str) -> str:
    """``text`` as a PDF hex string in UTF-16BE with a byte order mark (PDF 32000 7.9.2.2)."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


@contextlib.contextmanager
def _spoken_as(pdf: FPDF, text: str) -> Iterator[None]:
    """Marked content that tells extractors and copy/paste the drawn glyphs read as ``text``.

    fpdf2 2.8 has no public hook for /ActualText on page content (its ``_marked_sequence``
    writes ActualText into the structure tree, which text extractors do not read), so the
    operators go straight into the page's content stream around one ``cell``. The sequence
    must open and close on the same page: the caller breaks the page before opening it.
    """
    page = pdf.page
    pdf._out(f"/Span <</ActualText {actual_text(text)}>> BDC")
    yield
    if pdf.page != page:
        raise RuntimeError("a page break inside an /ActualText span")   # unbalanced BDC/EMC
    pdf._out("EMC")


@contextlib.contextmanager
def _empty_mappings() -> Iterator[None]:
    """Let the ToUnicode CMap say "no text" for glyphs that are the tail of a cluster."""
    original = _fpdf_output._build_cmap_blocks

    def build(entries, operator):
        return original([e.replace(_NOTHING_HEX, "<>") for e in entries], operator)

    _fpdf_output._build_cmap_blocks = build
    try:
        yield
    finally:
        _fpdf_output._build_cmap_blocks = original


def _map_cluster_tails(pdf: FPDF) -> None:
    for font in pdf.fonts.values():
        subset = getattr(font, "subset", None)
        table = getattr(subset, "_char_id_per_glyph", None)
        if subset is None or table is None:
            continue
        subset._char_id_per_glyph = {
            (Glyph(g.glyph_id, (_NOTHING,), g.glyph_name, g.glyph_width)
             if g is not None and isinstance(g.unicode, tuple) and not g.unicode else g): code
            for g, code in table.items()}


# ---------------------------------------------------------------- drawing

def _new_pdf(report: Report) -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(left=30, top=25, right=20)   # ระเบียบงานสารบรรณ: 3 cm left, 2 cm right
    pdf.set_auto_page_break(True, margin=20)
    for style, path in font_files().items():
        pdf.add_font(FONT, style, str(path))
    pdf.set_text_shaping(True)
    pdf.set_title(report.file_stem)
    pdf.set_lang("th-TH")
    pdf.set_creator("overlay")
    pdf.set_creation_date(_fixed_date())       # same data, same file
    pdf.add_page()
    return pdf


def _fixed_date():
    from datetime import datetime, timezone
    return datetime(2000, 1, 1, tzinfo=timezone.utc)


def _draw(pdf: FPDF, block: Block) -> None:
    bold = block.style in (Style.TITLE, Style.PART, Style.SECTION)
    pdf.set_font(FONT, "B" if bold else "", TITLE_SIZE if block.style is Style.TITLE else SIZE)
    if block.style in (Style.PART, Style.NOTE):
        pdf.ln(4)
    elif block.style is Style.SECTION:
        pdf.ln(2)
    indent = _INDENT.get(block.style, 0.0)
    width = pdf.epw - indent
    align = "C" if block.style is Style.TITLE else "L"
    for line, source in wrap_with_source(block.text, width, pdf.get_string_width):
        if pdf.will_page_break(LINE_HEIGHT):   # break here, not inside the marked content
            pdf.add_page(same=True)
        pdf.set_x(pdf.l_margin + indent)
        if not line:
            pdf.cell(width, LINE_HEIGHT, line, align=align, new_x="LMARGIN", new_y="NEXT")
            continue
        with _spoken_as(pdf, source):
            pdf.cell(width, LINE_HEIGHT, line, align=align, new_x="LMARGIN", new_y="NEXT")


def missing_characters(text: str, covered: set[int]) -> list[str]:
    """Characters the font cannot draw (shaping would show an empty box for them)."""
    return sorted({c for c in text if not c.isspace() and ord(c) not in covered})


def write_pdf(report: Report) -> bytes:
    pdf = _new_pdf(report)
    content = blocks(report)
    regular, bold = (cast(TTFFont, pdf.fonts[FONT.lower() + style]) for style in ("", "B"))  # embedded TTFs
    covered = set(regular.glyph_ids) & set(bold.glyph_ids)
    missing = missing_characters("".join(b.text for b in content), covered)
    if missing:
        raise ReportError(
            _("The report font has no letter for {chars}.").format(
                chars=", ".join(f"{c!r} (U+{ord(c):04X})" for c in missing)),
            _("Remove or replace those characters in the data file."))
    for block in content:
        _draw(pdf, block)
    _map_cluster_tails(pdf)
    with _empty_mappings():
        return bytes(pdf.output())
