"""The receipt on the page in plain words (issue 23, finding 7): what the officer cares about,
with the technical values kept for the "Details" fold, logos named by their names and actions
by the page's buttons, never a command or a key."""

from __future__ import annotations

import re
import time

import pytest

from overlay import i18n
from overlay.receipt import Item, Text
from overlay.web.page_words import duration_words, page_warnings, plain_receipt

from web_support import client, web_settings

TECHNICAL = ("h264", "yuv420p", "BT.709", "LUFS", "fps", "aac", "Hz", "High")
COMMAND = ("overlay ", "--", "'overlay")
KEYS = re.compile(r"\b(moi|dla|volunteers|sdg|lao|logos\.placeholders|logos_at_\w+)\b")
DECIMAL_SECONDS = re.compile(r"\d+[.,]\d+\s*s\b")


def _visible(lines) -> str:
    return "\n".join(f"{line['text']} {line['hint']}" for line in lines)


def _assert_plain(text: str) -> None:
    for word in TECHNICAL + COMMAND:
        assert word not in text, (word, text)
    assert not KEYS.search(text), text
    assert not DECIMAL_SECONDS.search(text), text


@pytest.fixture
def rendered(tmp_path, clip3, official_logos):
    """A real tiny render through the API: its job JSON."""
    with client(web_settings(tmp_path)) as c:
        clip = c.post("/api/uploads", params={"kind": "clip", "name": "clip.mp4"},
                      content=clip3.read_bytes()).json()
        job_id = c.post("/api/jobs", json={"input": clip["id"], "district": "พิชัย",
                                            "province": "อุตรดิตถ์"}).json()["id"]
        deadline = time.time() + 120
        while time.time() < deadline:
            job = c.get(f"/api/jobs/{job_id}").json()
            if job["final"]:
                break
            time.sleep(0.2)
        assert job["status"] == "done", job
        yield job
    i18n.set_language("en")


def test_job_json_has_plain_lines_and_keeps_the_technical(rendered):
    job = rendered
    lines = job["receipt_plain"]
    assert lines and all(line["ok"] is not False for line in lines)
    _assert_plain(_visible(lines))
    keys = [line["key"] for line in lines]
    assert keys[:2] == ["youtube", "length"] and "logos" in keys
    assert lines[0]["text"] == "Picture and sound ready to upload to YouTube"
    assert lines[1]["text"] == "Length 3 s"
    assert "All 7 logos top-right" in [line["text"] for line in lines]
    # the details are the receipt as it was: the codec is still there to see
    details = " ".join(f"{i['name']} {i['detail']}" for i in job["receipt"])
    assert "h264" in details and "yuv420p" in details and "BT.709" in details


def test_thai_lines_are_plain_thai():
    """Receipt data as a render stores it, worded for a Thai request."""
    stored = [Item(Text("video codec"), True, "h264 High", key="video_codec").to_data(),
              Item(Text("video length"), True, Text("{s:.2f} s (limit {l:.0f} s)").format(s=298.04, l=300),
                   key="video_length").to_data(),
              Item(Text("logos at the {when}").format(when=Text("start")), True,
                   Text("all {n} logos found top-right").format(n=7), key="logos_at_start").to_data()]
    lines = plain_receipt(stored, "th")
    text = _visible(lines)
    assert "ภาพและเสียงพร้อมอัปโหลด YouTube" in text
    assert "ความยาว 4 นาที 58 วินาที" in text
    assert "โลโก้ครบ 7 ที่มุมขวาบน" in text
    _assert_plain(text)
    for line in lines:            # laid out on the page by the project's breaker, word by word
        assert "".join(line["words"]) == line["text"]
    assert "ภาพและเสียงพร้อม" not in lines[0]["words"]


def test_missing_and_placeholder_logos_are_named_in_thai():
    stored = [Item(Text("logos at the {when}").format(when=Text("end")), False,
                   Text("{n} of {total} logos found; missing: {names}").format(
                       n=5, total=7, names=(Text("Ministry of Interior"),
                                            Text("Department of Local Administration"))),
                   key="logos_at_end").to_data()]
    [line] = plain_receipt(stored, "th")
    assert line["ok"] is False and "กระทรวงมหาดไทย" in line["text"]
    _assert_plain(line["text"] + line["hint"])
    holders = [Item(Text("placeholder logos"), False,
                    Text("{n} of {total} logos are placeholders: {names}").format(
                        n=1, total=7, names="Local Volunteers Love the Earth"),
                    advice=Text("Add the official files once with 'overlay logos add KEY FILE{district}'"),
                    key="logos.placeholders").to_data()]
    [line] = plain_receipt(holders, "th")
    assert line["ok"] is False
    _assert_plain(line["text"] + line["hint"])
    assert "overlay" not in line["hint"]


def test_warnings_name_logos_and_fields_not_keys_or_commands():
    with i18n.using("th"):
        cli = [i18n._("Placeholder logos still in use: {keys}: the clip will not be ready to "
                      "send. Add the official files once with 'overlay logos add KEY FILE "
                      "--district {d}', all at once with 'overlay logos import PACK.zip', or on "
                      "the logos part of 'overlay web'.").format(keys="moi, dla, volunteers", d="พิชัย"),
               i18n._("The organisation name for อำเภอ{d} is not confirmed in the preset; "
                      "give it with --lao.").format(d="พิชัย")]
        shown = page_warnings(cli, ["moi", "dla", "volunteers"], "พิชัย", lao_confirmed=False)
    text = "\n".join(shown)
    assert len(shown) == 2 and "กระทรวงมหาดไทย" in text and "อปท." in text
    _assert_plain(text)


@pytest.mark.parametrize(("seconds", "en", "th"), [
    (298.04, "4 min 58 s", "4 นาที 58 วินาที"), (35.9, "36 s", "36 วินาที"), (120, "2 min", "2 นาที")])
def test_durations_in_words(seconds, en, th):
    assert duration_words(seconds, i18n.catalogue("en").gettext) == en
    assert duration_words(seconds, i18n.catalogue("th").gettext) == th
