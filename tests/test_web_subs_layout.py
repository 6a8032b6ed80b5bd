"""POST /api/subs/layout and GET /api/subs/{id}/cues: the subtitle editor's server side.

The editor shows each typed line as it will be burned; these check that what it is told is
exactly what ``overlay subs check`` says of the same text (the same engine), for the frame
the render will make of the chosen clip, and that the routes are guarded like every other.
"""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from overlay.cli import app
from overlay.subtitles import visible_length

from conftest import make_clip
from web_support import client, web_settings

TEXTS = [
    "ธนาคารขยะต้นแบบของตำบลเรา",
    "ธนาคารขยะต้นแบบระดับอำเภอช่วยลดค่าใช้จ่ายในการเก็บขนขยะของเทศบาลได้อย่างชัดเจน",
    "ธนาคารขยะต้นแบบของตำบลเราช่วยลดค่าใช้จ่ายในการเก็บขยะของเทศบาลได้มากกว่าครึ่งหนึ่ง "
    "และทำให้ชุมชนสะอาดขึ้นทุกวัน เราจึงขอเชิญชวนทุกครัวเรือนมาร่วมกันคัดแยกขยะก่อนทิ้งทุกครั้ง",
    "บรรทัดที่พิมพ์เอง\nขึ้นบรรทัดใหม่ตรงนี้",
    "<b>ขอบคุณ</b>ครับ ทุกท่าน",
]


@pytest.fixture
def settings(tmp_path):
    return web_settings(tmp_path)


@pytest.fixture
def web(settings):
    with client(settings) as c:
        yield c


def srt_of(texts: list[str]) -> str:
    return "\n".join(f"{n}\n00:00:{n:02d},000 --> 00:00:{n:02d},900\n{text}\n"
                     for n, text in enumerate(texts, 1))


def cli_breaks(path, size: str) -> dict[int, str]:
    """``overlay subs check FILE --size WxH``: cue number → its breaks as printed."""
    result = CliRunner().invoke(app, ["subs", "check", str(path), "--size", size])
    assert "Traceback" not in result.output
    found = {}
    for line in result.stdout.splitlines():
        m = re.match(r"\s*#(\d+) \([^)]*\): (.*)$", line)
        if m:
            found[int(m.group(1))] = m.group(2)
    return found


@pytest.mark.parametrize("size", ["1920x1080", "640x360", "1080x1920"])
def test_same_breaks_as_overlay_subs_check(web, tmp_path, size):
    path = tmp_path / "same.srt"
    path.write_text(srt_of(TEXTS), encoding="utf-8")
    expected = cli_breaks(path, size)
    assert sorted(expected) == [1, 2, 3, 4, 5]
    assert " || " in expected[3] or size == "1920x1080"         # the long one is split in time
    w, h = (int(x) for x in size.split("x"))
    # the frame of a clip of that size (the render keeps these sizes)
    clip = make_clip(tmp_path / "clip.mp4", seconds=1, size=size, audio=False)
    sent = web.post("/api/uploads", params={"kind": "clip", "name": "clip.mp4"},
                    content=clip.read_bytes()).json()
    r = web.post("/api/subs/layout", json={"lang": "th", "texts": TEXTS, "clip": sent["id"]})
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["frame"] == [w, h] and data["max_lines"] == 2
    assert [cue["shown"] for cue in data["cues"]] == [expected[n] for n in range(1, 6)]
    for cue in data["cues"]:
        assert all(len(piece) <= 2 for piece in cue["pieces"])
        assert cue["too_long"] == (len(cue["pieces"]) > 1) == (" || " in cue["shown"])
    # one text at a time (what the editor sends while typing) gives the same
    one = web.post("/api/subs/layout", json={"lang": "th", "text": TEXTS[2], "clip": sent["id"]}).json()
    assert one["shown"] == expected[3] and one["cues"][0]["shown"] == expected[3]


def test_a_long_thai_line_is_too_long_and_a_short_one_is_not(web):
    data = web.post("/api/subs/layout", json={"lang": "th", "texts": [TEXTS[0], TEXTS[2] * 2]}).json()
    short, long = data["cues"]
    assert short == {**short, "too_long": False, "parts": 1, "lines": [TEXTS[0]], "fallbacks": 0}
    assert long["too_long"] and long["parts"] >= 2
    assert data["frame"] == [1920, 1080]                        # no clip: full HD
    # the reading speed's count: no spaces, vowel or tone marks (ต้, ตำ count once)
    assert short["visible"] == visible_length(TEXTS[0]) < len(TEXTS[0])
    assert data["reading_speed"] == 20


def test_english_and_safe_text(web):
    data = web.post("/api/subs/layout", json={"lang": "en", "text": "Thank you <i>all</i> {\\an8}"}).json()
    assert data["lines"] == ["Thank you all"] and not data["too_long"]
    empty = web.post("/api/subs/layout", json={"lang": "th", "text": "   "}).json()
    assert empty["pieces"] == [] and not empty["too_long"]


def test_refusals_are_one_plain_sentence(web):
    r = web.post("/api/subs/layout", json={"lang": "fr", "text": "x"})
    assert r.status_code == 400 and "fr" in r.json()["error"]
    r = web.post("/api/subs/layout", json={"lang": "th", "texts": "not a list"})
    assert r.status_code == 400 and r.json()["error"]
    r = web.post("/api/subs/layout", json={"lang": "th", "text": "ก" * 5000})
    assert r.status_code == 413 and "Traceback" not in r.text
    r = web.post("/api/subs/layout", json={"lang": "th", "text": "x", "clip": "nope"})
    assert r.status_code == 404


def test_token_and_host_required_like_every_route(settings):
    with client(settings, token=False) as c:
        assert c.post("/api/subs/layout", json={"lang": "th", "text": "ก"}).status_code == 403
        assert c.get("/api/subs/abc/cues").status_code == 403
    with client(settings) as c:
        r = c.post("/api/subs/layout", json={"lang": "th", "text": "ก"},
                   headers={"Host": "evil.example"})
        assert r.status_code == 403


def test_an_uploaded_srt_is_read_as_the_render_reads_it(web):
    body = ("1\r\n00:00:01,000 --> 00:00:02,500\r\nสวัสดีครับ\r\n\r\n"
            "2\r\n00:00:03,000 --> 00:00:02,000\r\nย้อนกลับ\r\n\r\n"
            "3\r\n00:00:04,000 --> 00:00:05,000\r\n<font color=red>ขอบคุณ</font>ครับ\r\n").encode("cp874")
    sent = web.post("/api/uploads", params={"kind": "subs", "name": "คำบรรยาย.srt"}, content=body).json()
    data = web.get(f"/api/subs/{sent['id']}/cues").json()
    assert data["encoding"] == "cp874" and data["name"] == "คำบรรยาย.srt"
    assert data["cues"] == [{"start": 1.0, "end": 2.5, "text": "สวัสดีครับ"},
                            {"start": 4.0, "end": 5.0, "text": "ขอบคุณครับ"}]
    assert len(data["problems"]) == 1                          # the backwards cue, in words
    assert web.get("/api/subs/nope/cues").status_code == 404


def test_the_server_socket_is_tcp_so_answers_are_not_held_back():
    """asyncio turns Nagle off (TCP_NODELAY) only on sockets whose proto is IPPROTO_TCP; with
    proto 0 each small answer, a layout while typing included, waited ~40 ms for the
    client's delayed ACK."""
    import socket

    from overlay.web.server import bind

    sock = bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
