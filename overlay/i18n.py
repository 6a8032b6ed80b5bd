"""One translation function for every user-facing message.

Call sites write English with ``_("…")``; Thai names are passed in as format arguments and so
always stay in Thai script. The Thai catalogue is ``overlay/locale/th/LC_MESSAGES/overlay.mo``
(compiled from ``overlay.po`` by ``python tools/update_catalogue.py``; standard ``gettext``,
nothing else is needed at run time).

Which language is shown — the first of these that says something:

1. ``OVERLAY_LANG``: ``th`` or ``en`` (``th_TH.UTF-8``, ``thai``, ``en_GB`` … work too). Use it
   to choose for this tool alone, e.g. ``set OVERLAY_LANG=th`` (Windows) or
   ``OVERLAY_LANG=th overlay check …``. A value that is neither Thai nor English is ignored.
2. The standard variables, like gettext: the first of ``LANGUAGE``, ``LC_ALL``,
   ``LC_MESSAGES``, ``LANG`` that is set and not empty. ``LANGUAGE`` may list several
   (``fr:th:en``); the first Thai or English entry wins. ``C``/``POSIX`` mean English.
3. On Windows, where those variables are usually unset: the user's locale
   (``locale.getlocale()``, e.g. ``('Thai_Thailand', '874')``), then the Windows display
   language.
4. Otherwise English.

Thai is used only when the *user's* configured locale is Thai; a machine that merely has a Thai
locale installed still gets English. English is also what ``OVERLAY_LANG=en`` gives, whatever
else is set.

The choice is made, and the catalogue read, on the first call of ``_()`` (and never for
English, which needs no file). ``set_language("th")`` / ``set_language("en")`` switch at run
time, ``set_language(None)`` looks at the environment again; ``language()`` tells which is in
use. Messages already formatted (e.g. command help built at import) keep their language.
"""

from __future__ import annotations

import gettext
import locale
import os
import re
import sys
from pathlib import Path

DOMAIN = "overlay"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "th")            # English is the source text: it has no catalogue
ENV_VAR = "OVERLAY_LANG"
_STANDARD_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_translation: gettext.NullTranslations | None = None
_language: str | None = None


def _(message: str) -> str:
    """``message`` in the user's language (English if there is no translation)."""
    if _translation is None:
        _load(detect_language())
    return _translation.gettext(message)  # type: ignore[union-attr]


def language() -> str:
    """The language messages are shown in: ``"en"`` or ``"th"``."""
    if _language is None:
        _load(detect_language())
    return _language  # type: ignore[return-value]


def set_language(lang: str | None) -> str:
    """Show messages in ``lang`` (``"th"``, ``"en"``, or a locale name such as ``"th_TH"``).

    ``None`` chooses again from the environment, as on the first call. Returns the language
    now in use. Raises ValueError for a language this tool has no messages in.
    """
    if lang is None:
        return _load(detect_language())
    code = normalise(lang)
    if code is None:
        raise ValueError(f"no messages in {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return _load(code)


def _load(code: str) -> str:
    global _translation, _language
    if code == "en":
        translation: gettext.NullTranslations = gettext.NullTranslations()
    else:
        translation = gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[code],
                                          fallback=True)
    _translation, _language = translation, code
    return code


def normalise(name: str | None) -> str | None:
    """``"th"``, ``"en"`` or None for a language or locale name.

    ``th``, ``th_TH.UTF-8``, ``th-TH``, ``Thai_Thailand`` (Windows), ``Thai`` → ``"th"``;
    ``en``, ``en_US``, ``English_United States``, ``C``, ``POSIX``, ``C.UTF-8`` → ``"en"``.
    """
    if not name:
        return None
    text = name.strip().lower()
    if text in ("c", "posix") or text.startswith("c."):
        return "en"
    base = re.split(r"[_.@\-\s]", text, maxsplit=1)[0]
    if base in ("th", "tha", "thai"):
        return "th"
    if base in ("en", "eng", "english"):
        return "en"
    return None


def detect_language(environ: dict[str, str] | None = None, platform: str | None = None) -> str:
    """The language the user asked for, as described in the module docstring."""
    env = os.environ if environ is None else environ
    for entry in env.get(ENV_VAR, "").split(":"):
        code = normalise(entry)
        if code:
            return code
    for var in _STANDARD_VARS:
        value = env.get(var, "").strip()
        if value:
            for entry in value.split(":"):
                code = normalise(entry)
                if code:
                    return code
            return "en"          # gettext reads only the first variable that is set
    if (platform or sys.platform) == "win32":
        return normalise(_windows_locale()) or "en"
    return "en"


def _windows_locale() -> str | None:
    """The Windows user's locale name ('Thai_Thailand', 'th_TH'), or None."""
    try:
        name = locale.getlocale()[0]
    except (ValueError, TypeError):
        name = None
    if normalise(name):
        return name
    try:
        import ctypes

        langid = ctypes.windll.kernel32.GetUserDefaultUILanguage()  # type: ignore[attr-defined]
        return locale.windows_locale.get(langid)
    except (AttributeError, OSError, ValueError):
        return name
