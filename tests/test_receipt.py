"""Receipts as data: a line keeps its key, status and values; it is worded when shown, in
the language of whoever looks at it."""

from __future__ import annotations

import json

from overlay import i18n
from overlay.check import loudness_item
from overlay.loudness import Target
from overlay.receipt import Item, Text, describe, later


def test_a_line_round_trips_through_json_without_translated_words():
    item = Item(later("fast start"), False, later("index at the end: YouTube and browsers start slower"),
                key="fast_start")
    data = json.loads(json.dumps(item.to_data()))
    assert data["key"] == "fast_start" and data["status"] == "✗"
    assert data["label"] == {"text": "fast start", "values": {}}
    back = Item.from_data(data)
    assert back == item
    en, th = describe(back, "en"), describe(back, "th")
    assert en["name"] == "fast start" and en["detail"].startswith("index at the end")
    assert th["name"] != en["name"] and any("\u0e00" <= ch <= "\u0e7f" for ch in th["name"])
    assert th["key"] == en["key"] == "fast_start" and th["status"] == "✗"


def test_values_and_nested_words_are_kept_and_worded_late():
    text = later("{n} of {total} logos found; missing: {names}").format(
        n=5, total=7, names=(later("Ministry of Interior"), later("SDG Wheel")))
    item = Item(later("logos at the {when}").format(when=later("end")), False, text, key="logos_at_end")
    back = Item.from_data(json.loads(json.dumps(item.to_data())))
    assert describe(back, "en")["detail"] == "5 of 7 logos found; missing: Ministry of Interior, SDG Wheel"
    assert describe(back, "en")["name"] == "logos at the end"
    thai = describe(back, "th")["detail"]
    assert "5" in thai and "7" in thai and "Ministry" not in thai


def test_the_current_language_words_a_line_and_the_process_keeps_its_own():
    item = loudness_item(None, Target(-14.0, -1.0, 1.0), rendered=True)
    assert item.key == "loudness" and item.warning and item.status == "⚠"
    english = item.name
    with i18n.using("th"):
        assert item.name != english            # the same line, worded for a Thai reader
    assert item.name == english and i18n.process_language() == "en"


def test_text_outside_the_catalogue_is_shown_as_written():
    assert Text("{a:.1f} LUFS").format(a=-14.04).render() == "-14.0 LUFS"
