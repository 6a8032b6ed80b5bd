"""Thai text on the page, broken only between words, by the project's one Thai breaker.

A browser breaks Thai where its own dictionary (ICU's) says, which splits compounds the reader
keeps whole (ท้อง|ถิ่น, ความ|ยาว) in a narrow table cell or a logo slot's label; CSS
``word-break: keep-all`` does not stop that for Thai. So the page lays out Thai as the video
and the PDF do (``overlay.thai_breaks.words``): each word in a span that does not break,
``<wbr>`` between words. A word too long for any cell is cut where ``finer_pieces`` allows.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from overlay.thai_breaks import finer_pieces, words

LONG = 12          # a word longer than this (in characters) may still need a place to break


def _thai(text: str) -> bool:
    return any("\u0e00" <= ch <= "\u0e7f" for ch in text)


def pieces(text: str) -> list[str]:
    """The pieces a Thai text is shown in: words, a long one cut at its finer places."""
    out: list[str] = []
    for word in words(text):
        out.extend(finer_pieces(word) if len(word.strip()) > LONG else [word])
    return out


def thai_words(value: object) -> Markup:
    """The Jinja filter ``thai``: ``value`` escaped, each Thai word unbreakable, ``<wbr>``
    between words; text without Thai is only escaped."""
    if isinstance(value, Markup):
        return value                 # already HTML: laid out by whoever made it
    text = "" if value is None else str(value)
    if not _thai(text):
        return escape(text)
    return Markup("<wbr>").join(Markup('<span class="tw">{}</span>').format(p) for p in pieces(text))
