"""The subtitle editor's server side: how a typed cue will be burned, and an uploaded SRT's cues.

``POST /api/subs/layout`` lays cue text out with the engine ``overlay subs check`` uses
(``overlay.subtitles.cue_breaks``): the same Thai line breaks, the same two-line limit, for the
frame size the render will make of the chosen clip. The editor calls it (debounced) while the
officer types, one cue at a time. ``GET /api/subs/{id}/cues`` reads an uploaded SRT with the
render's own tolerant reader, so an uploaded file opens in the editor exactly as it will be
burned. Nothing here writes a file: the editor uploads its SRT through ``/api/uploads``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Body, Request

from overlay import graph
from overlay.i18n import _
from overlay.presets import choose_preset
from overlay.subtitles import (
    MAX_LINES,
    READING_SPEED,
    Cue,
    clean_text,
    cue_breaks,
    missing_glyphs,
    plain_text,
    read_srt,
    visible_length,
)
from overlay.web.errors import TooLarge, WebError
from overlay.web.features import Feature
from overlay.web.uploads import get_upload

router = APIRouter(prefix="/api/subs")

MAX_TEXTS = 2000          # cues in one request: a 5-minute clip has a hundred at most
MAX_TEXT = 2000           # characters in one cue: a paragraph, not a document
DEFAULT_FRAME = (1920, 1080)


def frame_size(request: Request, clip: str | None) -> tuple[int, int]:
    """The output frame the render will make of this clip (as the subs check computes it)."""
    if not clip:
        return DEFAULT_FRAME
    info = get_upload(request, clip, "clip").info or {}
    if not info.get("width"):
        return DEFAULT_FRAME
    return graph.output_size(info["width"], info["height"],
                             choose_preset(None, None).encode.max_long_side)


def layout_one(text: str, lang: str, frame_w: int, frame_h: int) -> dict[str, Any]:
    """One cue's text as it will be burned: lines per time slice, and what to flag."""
    cleaned = clean_text(text)
    plain = plain_text(cleaned)
    if not plain.strip():
        return {"pieces": [], "lines": [], "shown": "", "too_long": False, "parts": 0,
                "fallbacks": 0, "visible": 0, "missing": ""}
    shown = cue_breaks(Cue(index=1, start=0.0, end=1.0, text=cleaned), lang, frame_w, frame_h)
    pieces = [list(lines) for lines in shown.pieces]
    return {"pieces": pieces, "lines": [line for lines in pieces for line in lines],
            "shown": shown.shown(), "too_long": len(pieces) > 1, "parts": len(pieces),
            "fallbacks": shown.fallbacks, "visible": visible_length(cleaned),
            "missing": missing_glyphs(plain)}


@router.post("/layout")
def layout(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    """``{"lang": "th"|"en", "text": "…"}`` or ``{"lang": …, "texts": ["…", …]}``, and
    optionally ``"clip"`` (an uploaded clip's id, for its frame size)."""
    lang = body.get("lang", "th")
    if lang not in ("th", "en"):
        raise WebError(_('Unknown subtitle language "{lang}".').format(lang=lang),
                       _("Use th or en."))
    single = "texts" not in body
    texts = [body.get("text", "")] if single else body.get("texts")
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise WebError(_("The subtitle text could not be read."), _("Reload the page and type it again."))
    if len(texts) > MAX_TEXTS or any(len(t) > MAX_TEXT for t in texts):
        raise TooLarge(_("The subtitle text is too long to lay out."),
                       _("Keep each line short: one or two sentences."))
    clip = body.get("clip")
    frame_w, frame_h = frame_size(request, clip if isinstance(clip, str) else None)
    cues = [layout_one(text, lang, frame_w, frame_h) for text in texts]
    result: dict[str, Any] = {"lang": lang, "frame": [frame_w, frame_h], "max_lines": MAX_LINES,
                              "reading_speed": READING_SPEED, "cues": cues}
    if single:
        result.update(cues[0])
    return result


@router.get("/{upload_id}/cues")
def cues(request: Request, upload_id: str) -> dict[str, Any]:
    """An uploaded SRT's cues (start and end in seconds of the clip), read as the render reads it."""
    record = get_upload(request, upload_id, "subs")
    sub = read_srt(Path(record.path))
    return {"name": record.display_name, "encoding": sub.encoding,
            "problems": list(sub.problems),
            "cues": [{"start": c.start, "end": c.end, "text": c.text} for c in sub.cues]}


feature = Feature(router=router)
