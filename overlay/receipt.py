"""The receipt as data: each line a stable key, a status and its values, translated when
shown, so a receipt reads in the language of whoever looks at it (the page stores the data
and renders it per request; the CLI shows it in its own language).

A line's words are ``Text``: a catalogue message (its English text, the msgid) and the
values it is formatted with. A value is a number, a plain string (a codec name, a file
name, a reason already worded elsewhere), another ``Text``, or a tuple of ``Text`` (shown
joined with ", "). ``Item.to_data`` / ``Item.from_data`` turn a line into JSON and back;
``describe(item, lang)`` is the one function that words a line in a language.

In ``check``, ``_`` is ``later``: ``_("video codec")`` is a ``Text`` (the catalogue tool still
finds the message), and ``.format(...)`` keeps the values rather than the string.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Union

from overlay import i18n

Gettext = Callable[[str], str]


@dataclass(frozen=True)
class Text:
    """A message kept as its English text and values; ``str()`` words it in the current
    language."""

    msgid: str
    values: tuple[tuple[str, Any], ...] = ()

    def format(self, **values: Any) -> Text:
        return Text(self.msgid, tuple(values.items()))

    def render(self, gettext: Gettext | None = None) -> str:
        gettext = gettext or i18n._
        if not self.values:
            return gettext(self.msgid)
        return gettext(self.msgid).format(**{k: _shown(v, gettext) for k, v in self.values})

    def __str__(self) -> str:
        return self.render()

    def __format__(self, spec: str) -> str:
        return format(self.render(), spec)


Words = Union[Text, str]


def later(msgid: str) -> Text:
    """``_`` for receipt lines: the message as data, translated when shown."""
    return Text(msgid)


def _shown(value: Any, gettext: Gettext) -> Any:
    if isinstance(value, Text):
        return value.render(gettext)
    if isinstance(value, tuple):
        return ", ".join(str(_shown(v, gettext)) for v in value)
    return value


def words(value: Words, gettext: Gettext | None = None) -> str:
    return value.render(gettext) if isinstance(value, Text) else value


def _data(value: Any) -> Any:
    if isinstance(value, Text):
        return {"text": value.msgid, "values": {k: _data(v) for k, v in value.values}}
    if isinstance(value, tuple):
        return [_data(v) for v in value]
    return value


def _from_data(value: Any) -> Any:
    if isinstance(value, Mapping) and "text" in value:
        return Text(str(value["text"]), tuple((k, _from_data(v))
                                              for k, v in dict(value.get("values") or {}).items()))
    if isinstance(value, list):
        return tuple(_from_data(v) for v in value)
    return value


def to_data(value: Any) -> Any:
    """Words as JSON-able data (a ``Text`` keeps its message and values), for a cache or a
    store that shows them later in its reader's language."""
    return _data(value)


def from_data(value: Any) -> Any:
    """Words back from ``to_data``'s data."""
    return _from_data(value)


@dataclass(frozen=True)
class Item:
    """One line of the receipt.

    ``ok`` False (✗) is a problem the user can act on, and fails the receipt. What the user
    cannot change (a recording too quiet to lift) is never ✗: it is a ``warning`` (ok None,
    shown ⚠) that says what happened, and its ``hint`` what the user can do next time.

    ``key`` is stable and never translated: what the line is about, for code that looks for
    a line (the audit, the page, reports): name, video_length, audio_length, video,
    video_codec, pixel_format, size, frame_rate, colour_tags, audio, loudness,
    subtitle_tracks, fast_start, logos, logos_at_start, logos_at_middle, logos_at_end,
    static_overlay. A new line needs a new key (and, for the audit's table, a column).
    """

    label: Words               # what the line is about, as shown
    ok: bool | None            # None: for information only (or a warning)
    found: Words               # what was found
    warning: bool = False
    advice: Words = ""         # what to do, for a ✗ or ⚠
    key: str = ""

    @property
    def name(self) -> str:
        return words(self.label)

    @property
    def detail(self) -> str:
        return words(self.found)

    @property
    def hint(self) -> str:
        return words(self.advice)

    @property
    def status(self) -> str:
        """✓, ✗, ⚠ (a warning) or · (for information)."""
        return "⚠" if self.warning else {True: "✓", False: "✗", None: "·"}[self.ok]

    def to_data(self) -> dict[str, Any]:
        """The line as JSON-able data: key, status, ok, warning and the words' messages and
        values (never a translated string, except a reason worded elsewhere)."""
        return {"key": self.key, "status": self.status, "ok": self.ok, "warning": self.warning,
                "label": _data(self.label), "found": _data(self.found),
                "advice": _data(self.advice)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Item:
        return cls(_from_data(data["label"]), data.get("ok"), _from_data(data["found"]),
                   bool(data.get("warning")), _from_data(data.get("advice", "")),
                   str(data.get("key", "")))


def describe(item: Item, lang: str) -> dict[str, Any]:
    """The line worded in ``lang`` ("en" or "th"): key, status, ok, warning, name, detail, hint."""
    gettext = i18n.catalogue(i18n.normalise(lang) or "en").gettext
    return {"key": item.key, "status": item.status, "ok": item.ok, "warning": item.warning,
            "name": words(item.label, gettext), "detail": words(item.found, gettext),
            "hint": words(item.advice, gettext)}


@dataclass(frozen=True)
class Receipt:
    path: Path
    items: tuple[Item, ...]

    @property
    def ok(self) -> bool:
        """No ✗ item: warnings do not fail a receipt."""
        return all(item.ok is not False for item in self.items)

    @property
    def failures(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.ok is False)

    @property
    def warnings(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.warning)
