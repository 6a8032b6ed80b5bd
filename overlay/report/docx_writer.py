"""The report as a Word document, in the face Thai offices expect.

Word picks the *complex-script* font (w:cs) for Thai, so that one must be set or Word falls
back to its own choice; the size (w:szCs) and bold (w:bCs) of complex script are separate too.
The document names Leelawadee UI, the Thai face every Windows since 8.1 has (Word would
otherwise substitute one silently, as it did for Laksaman, which Windows lacks); the font table
names Tahoma, on every Windows, as its alternative. The PDF embeds its own font (Laksaman).
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from overlay.report.layout import Block, Style, blocks
from overlay.report.model import Report

FONT = "Leelawadee UI"
ALT_FONT = "Tahoma"
SIZE = Pt(14)              # Leelawadee UI at 14 pt reads as TH Sarabun at 16 (the letter's size)
TITLE_SIZE = Pt(16)


def _set_fonts(rpr, size: Pt | None = None, bold: bool = False, underline: bool = False) -> None:
    """Fill an empty w:rPr, children in the schema's order (Word rejects them out of order)."""
    def el(tag: str, **attrs: str):
        node = OxmlElement(tag)
        for key, val in attrs.items():
            node.set(qn(f"w:{key}"), val)
        rpr.append(node)

    for child in list(rpr):
        rpr.remove(child)
    el("w:rFonts", ascii=FONT, hAnsi=FONT, cs=FONT, eastAsia=FONT)
    if bold:
        el("w:b")
        el("w:bCs")
    if size is not None:
        el("w:sz", val=str(int(size.pt * 2)))
        el("w:szCs", val=str(int(size.pt * 2)))
    if underline:
        el("w:u", val="dotted")
    el("w:lang", val="th-TH", bidi="th-TH")


def _font_table_entry(document) -> None:
    """Declare Leelawadee UI (Thai charset) with Tahoma as Word's substitute."""
    from lxml import etree

    for rel in document.part.rels.values():
        if not rel.reltype.endswith("/fontTable"):
            continue
        part = rel.target_part
        root = etree.fromstring(part.blob)
        font = OxmlElement("w:font")
        font.set(qn("w:name"), FONT)
        for tag, val in (("w:altName", ALT_FONT), ("w:charset", "DE"),
                         ("w:family", "swiss"), ("w:pitch", "variable")):
            child = OxmlElement(tag)
            child.set(qn("w:val"), val)
            font.append(child)
        root.append(font)
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                    standalone=True)
        return


def _setup(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    # ระเบียบงานสารบรรณ margins: 3 cm left, 2 cm right, 2.5 cm top, 2 cm bottom.
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2)
    normal = document.styles["Normal"]
    _set_fonts(normal.element.get_or_add_rPr(), size=SIZE)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    _font_table_entry(document)


_INDENT = {Style.SECTION: Cm(0.75), Style.QUESTION: Cm(1.25), Style.ANSWER: Cm(1.75),
           Style.LINE: Cm(0.75)}


def _add(document, block: Block) -> None:
    para = document.add_paragraph()
    fmt = para.paragraph_format
    if block.style is Style.TITLE:
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if block.style in (Style.PART, Style.NOTE):
        fmt.space_before = Pt(12)
    if block.style is Style.SECTION:
        fmt.space_before = Pt(6)
    if block.style in _INDENT:
        fmt.left_indent = _INDENT[block.style]
    bold = block.style in (Style.TITLE, Style.PART, Style.SECTION)
    size = TITLE_SIZE if block.style is Style.TITLE else None
    for part in block.runs:
        run = para.add_run(part.text)
        _set_fonts(run._element.get_or_add_rPr(), size=size, bold=bold, underline=part.answer)


def write_docx(report: Report) -> bytes:
    document = Document()
    _setup(document)
    document.core_properties.title = report.file_stem
    document.core_properties.language = "th-TH"
    for block in blocks(report):
        _add(document, block)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
