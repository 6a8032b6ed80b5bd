"""Errors as JSON: one line in the page's words, with the right HTTP status.

The engine words its errors for the command line ("use --force", "--start must be …",
"ffmpeg's own words are shown above"); ``page_words`` says the same in the words of the
page: its fields and buttons, never an option it does not have.
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse

from overlay.errors import OutputExists, OverlayError, RenderError, UsageError
from overlay.i18n import _


class WebError(OverlayError):
    """An API refusal that has no CLI twin (unknown job id, busy, too big)."""

    status = 400


class NotFound(WebError):
    status = 404


class Conflict(WebError):
    status = 409


class TooLarge(WebError):
    status = 413


def status_of(exc: OverlayError) -> int:
    if isinstance(exc, WebError):
        return exc.status
    if isinstance(exc, OutputExists):    # the same output again without force: the CLI's words
        return 409
    if isinstance(exc, UsageError):
        return 400
    if isinstance(exc, RenderError):
        return 500
    return 400


def _labels() -> dict[str, str]:
    """The command line's options as the page names the same thing (in the request's language)."""
    return {"--start": _("the start of the part to keep"), "--end": _("the end of the part to keep"),
            "--province": _("the province"), "--district": _("the district"),
            "--lao": _("the organisation's name"),
            "--preset": _("the preset"), "--subs-mode": _("the subtitle choice"),
            "--max-duration": _("the length limit"), "--out-dir": _("the output folder"),
            "--quality": _("the quality")}


_OPTION = re.compile(r"--[a-z][a-z-]*")
# A hint that only a command line can follow: replaced, not translated word by word.
_CLI_HINT = re.compile(r"--[a-z]|'overlay |\boverlay [a-z]+ |shown above|แสดงไว้ด้านบน")


def page_text(text: str) -> str:
    """``text`` with each command-line option named as the page names it."""
    labels = _labels()
    worded = _OPTION.sub(lambda m: labels.get(m.group(0), _("the page's settings")), text)
    return worded[:1].upper() + worded[1:] if worded != text else worded


def page_words(exc: OverlayError) -> tuple[str, str | None]:
    """(message, hint) of ``exc`` as the page says it."""
    if isinstance(exc, OutputExists):
        name = Path(str(exc.path)).name if exc.path else ""
        return (_("A clip named {name} already exists in the output folder.").format(name=name),
                _("Press \"Make the clip\" again and answer OK when the page asks to replace it, "
                  "or move the old clip out of the output folder first."))
    if isinstance(exc, WebError):
        return exc.message, exc.hint
    message, hint = page_text(exc.message), exc.hint
    # The field rules are a batch row's: their hints speak of the manifest's columns.
    if hint == _('Fill in the "input" column.'):
        hint = _("Choose the clip in the first step, then try again.")
    elif hint == _('Fill in the "district" column.'):
        hint = _("Choose the district in the Where step, then try again.")
    if hint and _CLI_HINT.search(hint):
        if isinstance(exc, RenderError):
            hint = _("Try once more; if it fails again, keep the clip and tell whoever looks after "
                     "this computer.")
        elif "logo" in hint.lower() or "โลโก้" in hint:
            hint = _("Drop the official files on the logo slots under Logos, or import the logo "
                     "pack there; then try again.")
        elif (option := _OPTION.search(hint)) and option.group(0) in _labels() \
                and not re.search(r"'overlay |shown above|แสดงไว้ด้านบน", hint):
            hint = _("Choose {what} on the page, then try again.").format(
                what=_labels()[option.group(0)])
        else:
            hint = _("Correct it on the page, then try again.")
    return message, hint


def page_line(exc: OverlayError) -> str:
    message, hint = page_words(exc)
    return f"{message} {hint}" if hint else message


def body(exc: OverlayError) -> dict[str, str | None]:
    message, hint = page_words(exc)
    return {"error": page_line(exc), "message": message, "hint": hint}


async def overlay_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OverlayError)
    return JSONResponse(body(exc), status_code=status_of(exc))
