"""Errors as JSON: the one line the CLI would print, with the right HTTP status."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from overlay.errors import OutputExists, OverlayError, RenderError, UsageError


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


def body(exc: OverlayError) -> dict[str, str | None]:
    return {"error": exc.line(), "message": exc.message, "hint": exc.hint}


async def overlay_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OverlayError)
    return JSONResponse(body(exc), status_code=status_of(exc))
