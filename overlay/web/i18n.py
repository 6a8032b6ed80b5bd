"""The page's language, per request: nothing here sets the process's language.

A request's language is the user's explicit choice for this browser (the cookie set when
they pick a language on the page), else the browser's ``Accept-Language`` (Thai when ``th``
is preferred over ``en``), else the server's default (the CLI's setting). ``RequestLanguage``
makes every message of a request, the engine's included, speak it (``i18n.using``); a job
carries the language of the request that made it.

Texts come from the one catalogue (``overlay.i18n``); templates call ``_("…")`` and
``tools/update_catalogue.py`` extracts those calls from ``overlay/web/templates/*.html`` too.
"""

from __future__ import annotations

from typing import Any, Callable

from starlette.requests import HTTPConnection

from overlay import i18n

COOKIE = "overlay_lang"


def translator(code: str) -> Callable[[str], str]:
    """``_`` for one language, whatever the request or the process speaks."""
    return i18n.catalogue(code).gettext


def accepted_language(header: str | None) -> str | None:
    """"th" or "en" from an ``Accept-Language`` header: whichever of the two the browser
    prefers (by q, then by order), or None when it names neither."""
    best: dict[str, tuple[float, int]] = {}
    for order, part in enumerate((header or "").split(",")):
        tag, _sep, params = part.strip().partition(";")
        code = i18n.normalise(tag) if tag.strip() not in ("", "*") else None
        if code is None:
            continue
        q = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0 and (code not in best or q > best[code][0]):
            best[code] = (q, -order if code not in best else best[code][1])
    if not best:
        return None
    return max(best, key=lambda code: best[code])


def request_language(request: HTTPConnection) -> str:
    """The language of this request: cookie, else Accept-Language, else the server's."""
    return (i18n.normalise(request.cookies.get(COOKIE))
            or accepted_language(request.headers.get("accept-language"))
            or i18n.process_language())


class RequestLanguage:
    """ASGI middleware: each request's messages in its own language (a context variable,
    so requests running side by side in threads never change each other's)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        with i18n.using(request_language(HTTPConnection(scope))):
            await self.app(scope, receive, send)
