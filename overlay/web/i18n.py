"""The page's language: the CLI's setting by default, a cookie once the user switches.

Texts come from the one catalogue (``overlay.i18n``); templates call ``_("…")`` and
``tools/update_catalogue.py`` extracts those calls from ``overlay/web/templates/*.html`` too.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from typing import Callable

from starlette.requests import Request

from overlay import i18n

COOKIE = "overlay_lang"


@lru_cache(maxsize=None)
def translator(code: str) -> Callable[[str], str]:
    """``_`` for one language, independent of the process-wide choice (requests run in threads)."""
    if code == "en":
        return gettext.NullTranslations().gettext
    return gettext.translation(i18n.DOMAIN, localedir=i18n.LOCALE_DIR, languages=[code],
                               fallback=True).gettext


def request_language(request: Request) -> str:
    """The cookie's language if the user switched, else the one the CLI would use."""
    return i18n.normalise(request.cookies.get(COOKIE)) or i18n.language()
