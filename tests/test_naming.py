"""The mandated file name: a table of (input, expected) rows, as yt-dlp tests its templates."""

from __future__ import annotations

import unicodedata

import pytest

from overlay.errors import NamingError
from overlay.naming import clip_name, format_name, mandate, parse_clip_name
from overlay.presets import load_preset

PREFIX = "ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) "


@pytest.mark.parametrize(("district", "province", "expected"), [
    ("พิชัย", "อุตรดิตถ์", "อำเภอพิชัยจังหวัดอุตรดิตถ์"),
    ("อำเภอพิชัย", "จังหวัดอุตรดิตถ์", "อำเภอพิชัยจังหวัดอุตรดิตถ์"),      # prefixes not doubled
    ("อ.พิชัย", "จ.อุตรดิตถ์", "อำเภอพิชัยจังหวัดอุตรดิตถ์"),
    ("Phichai", "Uttaradit", "อำเภอพิชัยจังหวัดอุตรดิตถ์"),              # romanised
    (" พิชัย ", " อุตรดิตถ์", "อำเภอพิชัยจังหวัดอุตรดิตถ์"),
    ("เมืองอุตรดิตถ์", "อุตรดิตถ์", "อำเภอเมืองอุตรดิตถ์จังหวัดอุตรดิตถ์"),
    ("เมือง", "อุตรดิตถ์", "อำเภอเมืองอุตรดิตถ์จังหวัดอุตรดิตถ์"),
    ("น้ำปาด", "อุตรดิตถ์", "อำเภอน้ำปาดจังหวัดอุตรดิตถ์"),
    ("น\u0e49\u0e4d\u0e32ปาด", "อุตรดิตถ์", "อำเภอน้ำปาดจังหวัดอุตรดิตถ์"),     # sara am typed in two parts
    ("ทองแสนขัน", "อุตรดิตถ์", "อำเภอทองแสนขันจังหวัดอุตรดิตถ์"),
    ("สันทราย", "เชียงใหม่", "อำเภอสันทรายจังหวัดเชียงใหม่"),
])
def test_clip_name(district, province, expected):
    name = clip_name(district, province)
    assert name == PREFIX + expected
    assert unicodedata.is_normalized("NFC", name)


def test_extension_is_mp4():
    assert clip_name("ลับแล", "อุตรดิตถ์") + mandate()[1] == PREFIX + "อำเภอลับแลจังหวัดอุตรดิตถ์.mp4"


def test_template_is_the_letters():
    # The letter: “ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอ.....จังหวัด.....”
    template, extension = mandate()
    assert (template, extension) == (load_preset("base").name_template, ".mp4")
    assert template.format(district=".....", province=".....") == \
        "ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอ.....จังหวัด....."


@pytest.mark.parametrize(("district", "province", "suggestion"), [
    ("พิชัย", "อุดรดิตถ์", "อุตรดิตถ์"),          # the letter's own typo
    ("พิไชย", "อุตรดิตถ์", "พิชัย"),
    ("ลับเเล", "อุตรดิตถ์", "ลับแล"),             # two sara e typed for sara ae
])
def test_misspelling_refused_with_suggestion(district, province, suggestion):
    with pytest.raises(NamingError) as info:
        clip_name(district, province)
    assert suggestion in info.value.line()


@pytest.mark.parametrize("bad", ["../x", "a/b", "a\\b", "x:y"])
def test_format_name_refuses_path_characters(bad):
    with pytest.raises(NamingError):
        format_name(bad, "อุตรดิตถ์")


@pytest.mark.parametrize(("name", "expected"), [
    (PREFIX + "อำเภอพิชัยจังหวัดอุตรดิตถ์.mp4", ("พิชัย", "อุตรดิตถ์")),
    (PREFIX + "อำเภอเมืองอุตรดิตถ์จังหวัดอุตรดิตถ์", ("เมืองอุตรดิตถ์", "อุตรดิตถ์")),
    ("clip.mp4", None),
    ("ธนาคารขยะ อำเภอพิชัยจังหวัดอุตรดิตถ์.mp4", None),
])
def test_parse_clip_name(name, expected):
    assert parse_clip_name(name) == expected


def test_bangkok_is_refused_plainly():
    with pytest.raises(NamingError) as info:
        clip_name("พระนคร", "กรุงเทพมหานคร")
    assert "อำเภอ" in info.value.message
