"""One translation function for every user-facing message.

Call sites write English with ``_("…")``; a Thai catalogue (``overlay/locale/th/LC_MESSAGES/
overlay.mo``) can be added later without touching them. Thai names are passed in as
format arguments and so always stay in Thai script.
"""

from __future__ import annotations

import gettext
from pathlib import Path

_LOCALE_DIR = Path(__file__).parent / "locale"
_translation = gettext.translation("overlay", localedir=_LOCALE_DIR, fallback=True)


def _(message: str) -> str:
    return _translation.gettext(message)
