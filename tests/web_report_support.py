"""What the report form's web tests share: the sample answers, and the documents read back."""

from __future__ import annotations

import tomllib
from pathlib import Path
from urllib.parse import quote

SAMPLE = Path(__file__).parent / "data" / "report" / "phichai.toml"
PROVINCE, DISTRICT = "อุตรดิตถ์", "พิชัย"
API = f"/api/report/{quote(PROVINCE)}/{quote(DISTRICT)}"
PAGE = f"/report/{quote(PROVINCE)}/{quote(DISTRICT)}"
STEM = "แบบรายงานธนาคารขยะต้นแบบ อำเภอพิชัยจังหวัดอุตรดิตถ์"


def sample() -> dict:
    """The sample data file's tables (Thai digits, a number, several-line answers)."""
    return tomllib.loads(SAMPLE.read_text(encoding="utf-8"))


def docx_text(path: Path) -> str:
    import docx

    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def pdf_text(path: Path) -> str:
    """The PDF's text as pdfium reads it, lines joined back (a wrap is only a line break)."""
    import re

    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        text = "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()
    return re.sub(r"\r?\n", "", text)
