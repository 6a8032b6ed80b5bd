"""The receipt and the render's warnings in the page's words: what the officer cares about.

The receipt is data (``overlay.receipt``: one line per stable key, values kept). The page shows
a few plain lines made from those keys ("Picture and sound ready to upload to YouTube",
"Length 4 min 58 s", "All 7 logos top-right"); the technical lines (codec, pixel format,
colour tags, seconds with decimals) stay as they are, for the "Details" fold under them.
Warnings name logos by their names and actions by the page's buttons, never a command.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from overlay import i18n
from overlay.check import PLACEHOLDERS
from overlay.logos import logo_label
from overlay.receipt import Item, Text, words
from overlay.web.thai_text import pieces

Gettext = Callable[[str], str]

# The lines folded into "ready to upload": what YouTube looks at in the file itself.
PICTURE = ("video", "video_codec", "pixel_format", "size", "frame_rate", "colour_tags")
SOUND = ("audio",)
START = ("fast_start",)
LOGO_KEYS = ("logos", "logos_at_start", "logos_at_middle", "logos_at_end", PLACEHOLDERS,
             "static_overlay")


def _(msgid: str) -> str:
    """Marks a message for the catalogue; it is translated when shown (``gettext`` below)."""
    return msgid


def duration_words(seconds: float, gettext: Gettext) -> str:
    """Whole minutes and seconds in words: "4 min 58 s", "4 นาที 58 วินาที", "36 s"."""
    total = max(0, int(round(seconds)))
    minutes, rest = divmod(total, 60)
    if not minutes:
        return gettext(_("{s} s")).format(s=rest)
    if not rest:
        return gettext(_("{m} min")).format(m=minutes)
    return gettext(_("{m} min {s} s")).format(m=minutes, s=rest)


def _values(words_: Any) -> dict[str, Any]:
    return dict(words_.values) if isinstance(words_, Text) else {}


def _names(value: Any, gettext: Gettext) -> str:
    """Logo names as stored (Text, a tuple of Text, or a string worded when checked, joined
    with ", "), shown in the page's language."""
    if isinstance(value, Text):
        return value.render(gettext)
    if isinstance(value, tuple):
        return ", ".join(_names(v, gettext) for v in value)
    return ", ".join(gettext(part) for part in str(value).split(", ") if part)


def _line(key: str, ok: bool | None, text: str, hint: str = "", warning: bool = False) -> dict[str, Any]:
    """A plain line; ``words``/``hint_words``: its Thai cut between words by the project's one
    breaker, for the page to lay out (``thai_text.pieces``)."""
    status = "⚠" if warning else {True: "✓", False: "✗", None: "·"}[ok]
    return {"key": key, "status": status, "ok": ok, "warning": warning, "text": text, "hint": hint,
            "words": pieces(text), "hint_words": pieces(hint) if hint else []}


def plain_receipt(stored: Iterable[Mapping[str, Any]] | None, lang: str) -> list[dict[str, Any]] | None:
    """The page's plain lines for a stored receipt (``Item.to_data`` dicts), in ``lang``."""
    if stored is None:
        return None
    gettext = i18n.catalogue(i18n.normalise(lang) or "en").gettext
    items = {}
    for data in stored:
        if "label" in data:                  # an older receipt stored as words has no data
            item = Item.from_data(data)
            items[item.key] = item
    lines = [line for line in (_youtube(items, gettext), _length(items, gettext),
                               _name(items, gettext), _loudness(items, gettext),
                               _logos(items, gettext), _subtitles(items, gettext)) if line]
    return lines


def _youtube(items: Mapping[str, Item], gettext: Gettext) -> dict[str, Any] | None:
    present = [k for k in (*PICTURE, *SOUND, *START) if k in items]
    if not present:
        return None
    bad = []
    if any(items[k].ok is False for k in PICTURE if k in items):
        bad.append(gettext(_("the picture")))
    if any(items[k].ok is False for k in SOUND if k in items):
        bad.append(gettext(_("the sound")))
    if any(items[k].ok is False for k in START if k in items):
        bad.append(gettext(_("the quick start when played online")))
    if not bad:
        return _line("youtube", True, gettext(_("Picture and sound ready to upload to YouTube")))
    return _line("youtube", False,
                 gettext(_("Not ready for YouTube: {what} is not as YouTube wants it"))
                 .format(what=", ".join(bad)),
                 gettext(_("Make the clip again with \"Make the clip\" on this page; the details "
                           "below say what was found.")))


def _length(items: Mapping[str, Item], gettext: Gettext) -> dict[str, Any] | None:
    item = items.get("video_length") or items.get("audio_length")
    if item is None:
        return None
    values = _values(item.found)
    if "s" not in values:
        return _line("length", item.ok, gettext(_("Length")) + ": " + words(item.found, gettext))
    length = duration_words(float(values["s"]), gettext)
    if all(items[k].ok is not False for k in ("video_length", "audio_length") if k in items):
        return _line("length", True, gettext(_("Length {time}")).format(time=length))
    limit = duration_words(float(values.get("l", 0)), gettext)
    return _line("length", False, gettext(_("Too long: {time} (at most {limit})"))
                 .format(time=length, limit=limit),
                 gettext(_("Keep a shorter part in step 2 and make the clip again.")))


def _name(items: Mapping[str, Item], gettext: Gettext) -> dict[str, Any] | None:
    item = items.get("name")
    if item is None:
        return None
    found = words(item.found, gettext)
    if item.ok:
        return _line("name", True, gettext(_("File name as the letter asks: {name}")).format(name=found))
    return _line("name", False, gettext(_("The file name is not as the letter asks: {reason}"))
                 .format(reason=found),
                 gettext(_("Download the clip with \"Download\" on this page: it has the right name.")))


def _loudness(items: Mapping[str, Item], gettext: Gettext) -> dict[str, Any] | None:
    item = items.get("loudness")
    if item is None:
        return None
    hint = words(item.advice, gettext)
    if item.ok:
        return _line("loudness", True, gettext(_("Sound level as YouTube wants it")))
    if item.ok is False:
        return _line("loudness", False, gettext(_("The sound level is not as YouTube wants it")),
                     gettext(_("Make the clip with \"Make the clip\" on this page: it sets the level.")))
    if item.found == Text("silent") or words(item.found, gettext) == gettext("silent"):
        return _line("loudness", None, gettext(_("The clip has no sound you can hear")), hint,
                     warning=item.warning)
    return _line("loudness", None, gettext(_("The sound is too quiet or uneven to bring up to the "
                                             "level; it was kept as recorded")), hint,
                 warning=item.warning)


def _logos(items: Mapping[str, Item], gettext: Gettext) -> dict[str, Any] | None:
    if not any(k in items for k in LOGO_KEYS):
        return None
    if PLACEHOLDERS in items:
        holders = _names(_values(items[PLACEHOLDERS].found).get("names", ""), gettext)
        return _line("logos", False, gettext(_("Not ready to send: these logos are stand-ins, not "
                                               "the official files: {names}")).format(names=holders),
                     placeholder_hint(gettext))
    whens = [k for k in ("logos_at_start", "logos_at_middle", "logos_at_end") if k in items]
    if not whens:
        item = items.get("logos")
        why = _values(item.found).get("why") if item is not None else None
        text = gettext(_("Logos not checked: {why}")).format(why=words(why, gettext)) if why \
            else gettext(_("Logos not checked: the district is unknown"))
        return _line("logos", None, text)
    failed = [k for k in whens if items[k].ok is False]
    if failed:
        names: list[str] = []
        for k in failed:
            for name in _names(_values(items[k].found).get("names", ""), gettext).split(", "):
                if name and name not in names:
                    names.append(name)
        return _line("logos", False, gettext(_("Logos missing top-right: {names}"))
                     .format(names=", ".join(names)),
                     gettext(_("Check the logos under Logos above, then make the clip again.")))
    values = _values(items[whens[0]].found)
    total = values.get("n", values.get("total", 0))
    still = items.get("static_overlay")
    if still is not None:
        names_ = _names(_values(still.found).get("names", ""), gettext)
        if still.ok is False:
            return _line("logos", False, gettext(_("Logos missing top-right: {names}")).format(names=names_),
                         gettext(_("Check the logos under Logos above, then make the clip again.")))
        return _line("logos", None, gettext(_("Logos top-right; these could not be checked one by one "
                                              "(no official file here): {names}")).format(names=names_))
    return _line("logos", True, gettext(_("All {n} logos top-right")).format(n=total))


def _subtitles(items: Mapping[str, Item], gettext: Gettext) -> dict[str, Any] | None:
    item = items.get("subtitle_tracks")
    if item is None or not words(item.found, gettext).strip():
        return None
    tracks = [t for t in words(item.found, gettext).split(", ") if t.strip()]
    shown = []
    for track in tracks:
        code = track.split(" ", 1)[0].lower()
        shown.append(gettext(_("Thai")) if code in ("th", "tha") else gettext(_("English"))
                     if code in ("en", "eng") else code)
    return _line("subtitles", None, gettext(_("Subtitles inside the file, which YouTube can show: {langs}"))
                 .format(langs=", ".join(shown)))


def placeholder_hint(gettext: Gettext | None = None) -> str:
    """What to do about stand-in logos, in the page's words (its Logos step and buttons)."""
    gettext = gettext or i18n._
    return gettext(_("Drop the official file on each placeholder slot under Logos above, or use "
                     "\"Import a logo pack\" there with the pack from the provincial office; then "
                     "make the clip again."))


def page_warnings(warnings: Iterable[str], placeholders: Iterable[str], district: str,
                  lao_confirmed: bool) -> list[str]:
    """The render's warnings for the page: those in the command line's words (a command, an
    option, logo keys) are said again in the page's words, naming logos by their names."""
    out = [w for w in warnings if "'overlay " not in w and "--" not in w]
    keys = list(placeholders)
    if keys:
        out.append(i18n._(_("Stand-in logos still in use: {names}. The clip will not be ready to "
                            "send; drop the official files on their slots under Logos above."))
                   .format(names=", ".join(logo_label(k) for k in keys)))
    if not lao_confirmed:
        out.append(i18n._(_("The name of the local government organisation (อปท.) for อำเภอ{d} is "
                            "not confirmed; type it in the อปท. field above.")).format(d=district))
    return out
