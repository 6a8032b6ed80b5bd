"""The one time parser: what --start/--end/--at, manifest cells and report chapters accept."""

from __future__ import annotations

import pytest

from overlay.errors import UsageError
from overlay.render import seconds
from overlay.report.model import parse_time as chapter_time
from overlay.timecode import format_time, parse_time


@pytest.mark.parametrize("value, expected", [
    ("90", 90.0), (" 90 ", 90.0), ("90.5", 90.5), ("0.25", 0.25), (".5", 0.5),
    ("0:00", 0.0), ("1:30", 90.0), ("1:05", 65.0), ("01:30.5", 90.5), ("12:00", 720.0),
    ("75:00", 4500.0),                                   # minutes may run past 59 without hours
    ("0:01:05", 65.0), ("1:00:00", 3600.0), ("00:01:30.5", 90.5),
    ("๑:๐๕", 65.0), ("๙๐", 90.0), ("๐:๐๑:๐๕", 65.0),       # Thai digits, as the report took them
    ("１:３０", 90.0),                                     # full-width digits from a Thai IME
    (90, 90.0), (1.5, 1.5), (0, 0.0),
])
def test_accepted_forms(value, expected):
    assert parse_time(value) == pytest.approx(expected)


@pytest.mark.parametrize("value", [
    "", "ten", "-3", "1:75", "1:5", "1:60", "1:60:00", "1:5:00", "1::30", ":30", "1:30:", "1,5",
    "inf", "nan", "1e3", "1:30 min", -3, float("inf"), float("nan"), True, None,
])
def test_rejected_forms(value):
    with pytest.raises(ValueError):
        parse_time(value)


def test_options_and_cells_say_what_to_write():
    assert seconds(None) is None and seconds("") is None
    assert seconds("๑:๓๐") == 90.0
    with pytest.raises(UsageError, match='"1:75" is not a time'):
        seconds("1:75")


def test_chapters_are_whole_seconds_of_the_same_forms():
    assert chapter_time("๑:๐๕") == 65 and chapter_time(90) == 90 and chapter_time("1:05.0") == 65
    for bad in ("1:05.5", 1.5):
        with pytest.raises(ValueError):
            chapter_time(bad)


@pytest.mark.parametrize("seconds, text", [
    (0, "0:00"), (5, "0:05"), (65, "1:05"), (300, "5:00"), (299.6, "5:00"), (3723, "1:02:03"),
])
def test_one_way_to_show_a_time_and_it_reads_back(seconds, text):
    assert format_time(seconds) == text
    assert parse_time(text) == round(seconds)
