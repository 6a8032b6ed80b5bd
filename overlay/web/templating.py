"""Jinja2 templates with the catalogue's ``_``, the nav and the page sections.

Templates escape everything by default (autoescape): subtitle text, organisation names and
uploaded file names are shown as text, never read as HTML.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from overlay import __version__
from overlay.report.model import MIN_CHAPTER_SECONDS
from overlay.web.i18n import request_language, translator
from overlay.web.thai_text import thai_words

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.filters["thai"] = thai_words     # Thai broken between words only
templates.env.globals["chapter_min_seconds"] = MIN_CHAPTER_SECONDS   # the trim step's marks

# An ES module (receipt.js) must be served as JavaScript; Windows' registry may say text/plain.
mimetypes.add_type("text/javascript", ".js")


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Draw ``name`` in the request's language, with the app's nav and sections."""
    lang = request_language(request)
    state = request.app.state
    ctx = {
        "_": translator(lang),
        "lang": lang,
        "nav": state.nav,
        "sections": lambda page: [s for s in state.sections if s.page == page],
        "version": __version__,
        **context,
    }
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
