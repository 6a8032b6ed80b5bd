"""Validation of the report data: numbers, URLs, times, chapters, one message per field."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from overlay.report.model import (
    Chapter,
    ReportError,
    all_items,
    chapters_from,
    format_number,
    load,
    parse_number,
    parse_time,
    parse_youtube_url,
    validate,
)
from overlay.report.template import render_template

DATA = Path(__file__).parent / "data" / "report"


@pytest.mark.parametrize("value, unit, expected", [
    ("๑๒", "", Decimal(12)),
    ("1,250", "", Decimal(1250)),
    ("๑,๒๕๐", "", Decimal(1250)),
    ("๓,๔๕๐.๕", "", Decimal("3450.5")),
    ("1 200", "", Decimal(1200)),
    ("12,345,678", "", Decimal(12345678)),
    (18900, "", Decimal(18900)),
    (12.5, "", Decimal("12.5")),
    ("๒๕๐ กิโลกรัม", "กิโลกรัม", Decimal(250)),
    ("  ๗ ", "", Decimal(7)),
])
def test_numbers_accept_thai_digits_and_separators(value, unit, expected):
    assert parse_number(value, unit) == expected


@pytest.mark.parametrize("value", [
    "abc", "12,34", "1,2345", "-5", "1.2.3", "๑๒ ตัน", True, [1], "", "1e3", "12,"])
def test_numbers_rejected(value):
    with pytest.raises(ValueError):
        parse_number(value, "กิโลกรัม")


def test_counts_must_be_whole():
    with pytest.raises(ValueError, match="whole"):
        parse_number("12.5", whole=True)
    assert parse_number("12.0", whole=True) == 12


@pytest.mark.parametrize("number, thai, expected", [
    (Decimal(1250), True, "๑,๒๕๐"),
    (Decimal("3450.5"), True, "๓,๔๕๐.๕๐"),
    (Decimal(1250), False, "1,250"),
    (Decimal(7), True, "๗"),
])
def test_format_number(number, thai, expected):
    assert format_number(number, thai) == expected


@pytest.mark.parametrize("url", [
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://youtube.com/watch?v=dQw4w9WgXcQ&t=30s",
    "https://m.youtube.com/watch?feature=share&v=dQw4w9WgXcQ",
    "https://youtu.be/dQw4w9WgXcQ",
    "https://youtu.be/dQw4w9WgXcQ?si=AbCdEfGh",
    "https://www.youtube.com/shorts/dQw4w9WgXcQ",
    "http://youtu.be/dQw4w9WgXcQ",
    "youtu.be/dQw4w9WgXcQ",
])
def test_youtube_video_urls_accepted(url):
    assert parse_youtube_url(url).startswith("http")


@pytest.mark.parametrize("url", [
    "https://www.youtube.com/@amphoe-phichai",
    "https://www.youtube.com/playlist?list=PL123",
    "https://www.youtube.com/watch?v=short",
    "https://www.youtube.com/watch",
    "https://youtu.be/",
    "https://vimeo.com/123456",
    "https://www.facebook.com/watch?v=dQw4w9WgXcQ",
    "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
    "ftp://youtu.be/dQw4w9WgXcQ",
    "ดูได้ที่ YouTube",
])
def test_non_video_urls_rejected(url):
    with pytest.raises(ValueError):
        parse_youtube_url(url)


@pytest.mark.parametrize("value, seconds", [
    ("0:00", 0), ("1:05", 65), ("๑:๐๕", 65), ("0:01:05", 65), (90, 90), ("75", 75)])
def test_times(value, seconds):
    assert parse_time(value) == seconds


@pytest.mark.parametrize("value", ["1:75", "abc", "1:5", -3, 1.5])
def test_bad_times(value):
    with pytest.raises(ValueError):
        parse_time(value)


def test_chapters_get_an_intro_when_the_first_topic_starts_late():
    chapters, problems = chapters_from({"setup": 15, "welfare": 80, "benefits": 150,
                                        "sustainability": 220})
    assert problems == []
    assert chapters[0] == Chapter(0, "บทนำ")
    assert [c.start for c in chapters] == [0, 15, 80, 150, 220]


def test_chapters_follow_youtube_rules():
    _, problems = chapters_from({"setup": 0, "welfare": 5})
    assert any("10 s" in p for p in problems) and any("at least 3" in p for p in problems)
    _, problems = chapters_from({"setup": 4, "welfare": 60, "benefits": 120})
    assert any("0:00" in p for p in problems)
    _, problems = chapters_from({"setup": 0, "welfare": 60, "benefits": 295})
    assert any("5 minutes" in p for p in problems)
    assert chapters_from({}) == ((), [])


def test_sample_file_is_valid():
    report = load(DATA / "phichai.toml")
    assert (report.district, report.province) == ("พิชัย", "อุตรดิตถ์")
    assert report.members == 1250 and report.waste_kg == Decimal("3450.5")
    assert len(report.chapters) == 5


def test_missing_fields_give_one_message_per_field():
    raw = tomllib.loads(render_template("อุตรดิตถ์", "พิชัย"))   # nothing answered yet
    with pytest.raises(ReportError) as info:
        validate(raw)
    problems = info.value.problems
    unanswered = [i for i in all_items() if i.key not in ("district", "province")]
    assert len(problems) == len(unanswered)
    for item, problem in zip(unanswered, problems):
        assert problem.startswith(item.field + " ") and "missing" in problem
    assert "problem" in info.value.message and info.value.exit_code == 2


def test_all_problems_at_once_naming_each_field():
    raw = tomllib.loads((DATA / "phichai.toml").read_text(encoding="utf-8"))
    raw["part1"]["members"] = "หนึ่งพัน"
    raw["part1"]["villages"] = "2.5"
    raw["part1"]["province"] = "อุดรดิตถ์"        # the letter's own typo
    raw["part3"]["youtube_url"] = "https://www.youtube.com/@phichai"
    del raw["part2"]["partners"]
    with pytest.raises(ReportError) as info:
        validate(raw)
    text = "\n".join(info.value.problems)
    for field in ("part1.members", "part1.villages", "part1.district/part1.province",
                  "part3.youtube_url", "part2.partners"):
        assert field in text
    assert len(info.value.problems) == 5


def test_clip_name_must_match(tmp_path):
    good = Path("ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอพิชัยจังหวัดอุตรดิตถ์.mp4")
    assert load(DATA / "phichai.toml", clip=good).district == "พิชัย"
    other = Path("ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอลับแลจังหวัดอุตรดิตถ์.mp4")
    with pytest.raises(ReportError, match="--clip"):
        load(DATA / "phichai.toml", clip=other)
    with pytest.raises(ReportError, match="mandated"):
        load(DATA / "phichai.toml", clip=Path("final-v3.mp4"))


def test_unreadable_files(tmp_path):
    with pytest.raises(ReportError, match="does not exist"):
        load(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text('lao = "unterminated\n', encoding="utf-8")
    with pytest.raises(ReportError, match="not valid TOML"):
        load(bad)
