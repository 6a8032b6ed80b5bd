"""The subtitle layer: reading, safe text, Thai breaks, ASS, and real libass burns.

Burns run the bundled ffmpeg exactly as the render does: cwd = a private workdir holding
``subs.ass`` and ``fonts/``, the filter ``subtitles=filename=subs.ass:fontsdir=fonts`` and the
env from ``prepare_libass``. Frames are 640x360 single PNGs, so each burn takes ~0.1 s.

Regenerate the golden image (only after checking the new one by eye):
``OVERLAY_REGEN_GOLDEN=1 python -m pytest tests/test_subtitles.py -k golden``.
"""

from __future__ import annotations

import os
import re
import subprocess
import unicodedata
from pathlib import Path
from textwrap import dedent

import numpy as np
import pytest
import typer
from PIL import Image, ImageFilter
from typer.testing import CliRunner

from overlay import subtitles as S
from overlay.cli.subs import app as subs_app
from overlay.errors import SubtitleError
from overlay.tools import ffmpeg_exe

DATA = Path(__file__).parent / "data" / "subs"
GOLDEN = DATA / "golden-th-line.png"
STACKED = "ที่นี่ผู้ใหญ่บ้านน้ำใจ ปั่นจักรยาน ญี่ปุ่น"
LONG_TH = ("ธนาคารขยะต้นแบบระดับอำเภอช่วยลดค่าใช้จ่ายในการเก็บขนขยะของเทศบาล"
           "ได้อย่างชัดเจนและยั่งยืนตลอดไป")
W, H = 640, 360
MARKS = {0x0E31, *range(0x0E34, 0x0E3B), *range(0x0E47, 0x0E4F)}


def srt(text: str) -> str:
    return dedent(text).lstrip("\n")


def write(tmp_path: Path, text: str, name: str = "in.srt", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# ------------------------------------------------------------------------------- burning

def burn(workdir: Path, ass: str, *, size: tuple[int, int] = (W, H),
         env: dict[str, str] | None = None) -> tuple[np.ndarray, str]:
    """One frame at t=0 with the ASS burned in, as the render does it. (gray array, stderr)"""
    workdir.mkdir(parents=True, exist_ok=True)
    extra = S.prepare_libass(workdir) if env is None else env
    (workdir / S.ASS_FILENAME).write_text(ass, encoding="utf-8")
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "warning", "-y",
           "-f", "lavfi", "-i", f"color=black:s={size[0]}x{size[1]}:d=1",
           "-vf", S.FILTER, "-frames:v", "1", "-update", "1", "out.png"]
    done = subprocess.run(cmd, cwd=workdir, env={**os.environ, **extra}, capture_output=True,
                          text=True, encoding="utf-8", errors="replace", timeout=60)
    assert done.returncode == 0, done.stderr
    with Image.open(workdir / "out.png") as im:
        return np.asarray(im.convert("L")), done.stderr


def bands(gray: np.ndarray, level: int = 200, gap: int = 4) -> list[tuple[int, int]]:
    """Runs of rows holding bright (text fill) pixels: one per text line. Gaps of up to
    ``gap`` rows (a mark floating above or below its consonant) stay in the same line; lines
    at 640x360 are 8+ rows apart."""
    rows = np.flatnonzero((gray > level).any(axis=1))
    out: list[tuple[int, int]] = []
    for r in rows:
        if out and r <= out[-1][1] + gap + 1:
            out[-1] = (out[-1][0], r)
        else:
            out.append((r, r))
    return out


def one_cue(text: str, lang: str = "th") -> str:
    return S.build_ass({lang: [S.Cue(1, 0.0, 2.0, text)]}, W, H)


def blurred(gray: np.ndarray) -> np.ndarray:
    im = Image.fromarray(gray).filter(ImageFilter.GaussianBlur(1.5))
    return np.asarray(im, dtype=np.float32)


def golden_crop(gray: np.ndarray) -> np.ndarray:
    return gray[int(H * 0.6):, :]                # the subtitle area, a few KB as PNG


def golden_diff(img: np.ndarray, ref: np.ndarray) -> float:
    """Mean abs difference of the blurred images over the reference's text box, at the best
    shift within ±2 px: another libass may place the line a pixel off, shaping must match."""
    ys, xs = np.nonzero(ref > 40)
    box = (slice(max(ys.min() - 4, 0), ys.max() + 5), slice(max(xs.min() - 4, 0), xs.max() + 5))
    want = blurred(ref)[box]
    return min(float(np.abs(blurred(np.roll(img, (dy, dx), axis=(0, 1)))[box] - want).mean())
               for dy in range(-2, 3) for dx in range(-2, 3))


# ------------------------------------------------------------------------------- reading

ENCODINGS = {
    "th-utf8.srt": "utf-8",
    "th-utf8-bom.srt": "utf-8-sig",
    "th-utf16le-bom.srt": "utf-16-le",
    "th-utf16be-bom.srt": "utf-16-be",
    "th-utf16le.srt": "utf-16-le",
    "th-utf16be.srt": "utf-16-be",
    "th-cp874.srt": "cp874",
}
EXPECTED_CUES = (
    S.Cue(1, 0.0, 1.0, STACKED, line=2),
    S.Cue(3, 1.0, 2.5, "<i>ธนาคารขยะต้นแบบ</i>ระดับอำเภอ", line=6),
)


@pytest.mark.parametrize("name,encoding", ENCODINGS.items())
def test_every_office_encoding_is_detected_and_read_the_same(name, encoding):
    sub = S.read_srt(DATA / name)
    assert (sub.encoding, sub.cues, sub.problems) == (encoding, EXPECTED_CUES, ())


@pytest.mark.parametrize("forced", ["cp874", "tis-620", "TIS620", "windows-874"])
def test_forced_encoding_names(forced):
    assert S.read_srt(DATA / "th-cp874.srt", encoding=forced).cues == EXPECTED_CUES


def test_forced_encoding_that_does_not_fit_names_the_line(tmp_path):
    path = write(tmp_path, "1\n00:00:00,000 --> 00:00:01,000\nok\n\n2\n00:00:01,000 --> "
                           "00:00:02,000\nไทย\n")
    with pytest.raises(SubtitleError, match=r"in\.srt is not valid ascii at line 7\."):
        S.read_srt(path, encoding="ascii")
    with pytest.raises(SubtitleError, match="not an encoding"):
        S.read_srt(path, encoding="klingon")
    with pytest.raises(SubtitleError, match=r"not valid utf-8-sig at line 3\."):
        S.read_srt(write(tmp_path, "1\n00:00:00,000 --> 00:00:01,000\nไทย\n", encoding="cp874"),
                   encoding="utf-8-sig")
    lone_surrogate = "1\n0\n".encode("utf-16-le") + b"\x00\xd8a"
    with pytest.raises(SubtitleError, match=r"not valid utf-16-le at line 3\."):
        S.read_srt(write_bytes(tmp_path / "odd.srt", lone_surrogate), encoding="utf-16-le")


def test_tolerant_parse_crlf_bom_gaps_and_slips(tmp_path):
    text = srt("""
        1
        00:00:01,000 --> 00:00:02,000
        หนึ่ง

        7
        00:00:02.5 --> 00:00:03,250
        สอง
        บรรทัดสอง
        8
        0:00:04,000 -> 0:00:05,000
        สาม

        00:00:06,000 --> 00:00:07,000
        ไม่มีเลข



        10
        00:00:08,000 --> 00:00:0x,000
        อ่านไม่ได้

        11
        00:00:09,000 --> 00:00:08,000
        ย้อนเวลา

        12
        00:00:10,000 --> 00:00:11,000
        ท้าย
        """).replace("\n", "\r\n")
    sub = S.read_srt(write(tmp_path, "\ufeff" + text))
    assert [(c.index, c.start, c.end, c.text, c.line) for c in sub.cues] == [
        (1, 1.0, 2.0, "หนึ่ง", 2),
        (7, 2.5, 3.25, "สอง\nบรรทัดสอง", 6),
        (8, 4.0, 5.0, "สาม", 10),
        (4, 6.0, 7.0, "ไม่มีเลข", 13),        # no number: its position
        (12, 10.0, 11.0, "ท้าย", 27),
    ]
    assert sub.problems == (
        "in.srt, line 19: the timing of cue 10 cannot be read, so the cue is left out.",
        "in.srt, line 23: cue 11 ends before it starts, so it is left out.",
    )
    with pytest.raises(SubtitleError, match="line 19"):
        S.read_srt(tmp_path / "in.srt", strict=True)


def test_text_before_the_first_cue_is_reported(tmp_path):
    sub = S.read_srt(write(tmp_path, "WEBVTT\n\n1\n00:00:00,000 --> 00:00:01,000\nก\n"))
    assert [c.text for c in sub.cues] == ["ก"]
    assert sub.problems == ("in.srt: lines 1 come before the first cue and are left out.",)


@pytest.mark.parametrize("content", [b"", b"\r\n \r\n", b"\xef\xbb\xbf", b"\xff\xfe\n\x00",
                                     "ไม่มีคิวเลย\n".encode()])
def test_empty_or_cueless_file_is_a_clear_error(tmp_path, content):
    path = tmp_path / "empty.srt"
    path.write_bytes(content)
    with pytest.raises(SubtitleError, match=r"empty\.srt"):
        S.read_srt(path)


def test_missing_file_is_a_subtitle_error(tmp_path):
    with pytest.raises(SubtitleError, match="Cannot read the subtitle file"):
        S.read_srt(tmp_path / "nope.srt")


def test_cp874_bytes_outside_the_code_page_are_reported(tmp_path):
    body = "1\r\n00:00:00,000 --> 00:00:01,000\r\nไทย".encode("cp874") + b"\xfc\r\n"
    sub = S.read_srt(write_bytes(tmp_path / "bad.srt", body))
    assert sub.encoding == "cp874" and sub.cues[0].text == "ไทย"
    assert sub.problems == ("bad.srt: lines 3 have bytes that are not cp874, which are left out.",)


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# ------------------------------------------------------------------------------- safe text

@pytest.mark.parametrize("raw,clean", [
    ("{\\an8}บน", "บน"),
    ("{\\pos(10,10)}{\\c&H0000FF&}ก", "ก"),
    ("<font color=\"#ff0000\">แดง</font>", "แดง"),
    ("<I>เอียง</i> <B>หนา</B>", "<i>เอียง</i> <b>หนา</b>"),
    ("<em>a</em><strong>b</strong>", "<i>a</i><b>b</b>"),
    ("<i>เปิดค้าง\nบรรทัดสอง", "<i>เปิดค้าง</i>\n<i>บรรทัดสอง</i>"),
    ("</i>ปิดเกิน", "ปิดเกิน"),
    ("<u>ขีด</u><s>ฆ่า</s>", "ขีดฆ่า"),
    ("a<br>b", "a\nb"),
    ("  ช่อง   ว่าง  \n\n\t ", "ช่อง ว่าง"),
    ("a\\Nb \\h {x} [0:v];'c:d'", "a\\Nb \\h {x} [0:v];'c:d'"),   # kept as text, escaped later
    ("a < b > c", "a < b > c"),
    ("x\x00\x1b\ufeffy\u2028z", "xy\nz"),
])
def test_clean_text(raw, clean):
    assert S.clean_text(raw) == clean


def libass_view(text: str) -> tuple[list[str], list[str]]:
    """Read an ASS Text field the way libass does: (override blocks, drawn lines)."""
    blocks, lines, k = [], [""], 0
    while k < len(text):
        ch = text[k]
        if ch == "\\" and k + 1 < len(text) and text[k + 1] in "{}":
            lines[-1] += text[k + 1]
            k += 2
        elif ch == "\\" and k + 1 < len(text) and text[k + 1] in "Nn":
            lines.append("")
            k += 2
        elif ch == "\\" and k + 1 < len(text) and text[k + 1] == "h":
            lines[-1] += "\u00a0"
            k += 2
        elif ch == "{":
            end = text.index("}", k)
            blocks.append(text[k:end + 1])
            k = end + 1
        else:
            lines[-1] += ch
            k += 1
    return blocks, [line.replace("\u200b", "") for line in lines]


INJECTIONS = [
    "{\\an8}{\\pos(10,10)}ขึ้นบน",
    "a\\Nb",
    "a\\\\Nb",
    "\\h\\n\\{\\}",
    "{hello}",
    "{\\fs200",
    "[0:v]scale=2:2[out];movie='x':a=b,subtitles=f.ass",
    "'quoted' \"double\" ;:,",
    "Dialogue: 0,0:00:00.00,0:00:09.00,TH,,0,0,0,,{\\an8}INJECTED",
]


@pytest.mark.parametrize("raw", INJECTIONS)
def test_nothing_typed_reaches_libass_as_a_command(raw):
    cue = S.Cue(1, 0, 2, S.clean_text(raw))
    ass = S.build_ass({"th": [cue]}, W, H)
    dialogues = [line for line in ass.splitlines() if line.startswith("Dialogue:")]
    assert len(dialogues) == 1                       # no new ASS line smuggled in
    blocks, lines = libass_view(dialogues[0].split(",", 9)[9])
    assert blocks == []                              # no override block at all
    assert lines == [S.plain_text(cue.text)]         # drawn exactly as typed (one line)


def test_only_our_own_override_tags_are_written():
    cues = [S.Cue(1, 0, 2, S.clean_text("<i>เอียง</i> {\\b1}<b>หนา</b>"))]
    ass = S.build_ass({"th": cues, "en": [S.Cue(1, 0, 2, "<i>x</i>")]}, W, H)
    text = [line for line in ass.splitlines() if line.startswith("Dialogue:")][0].split(",", 9)[9]
    blocks, lines = libass_view(text)
    assert set(blocks) <= {"{\\i1}", "{\\i0}", "{\\b1}", "{\\b0}", "{\\rEN}", "{\\i0\\b0}"}
    assert lines == ["เอียง หนา", "x"]


# ------------------------------------------------------------------------------- windowing

@pytest.mark.parametrize("cues,start,duration,expected,dropped", [
    ([(0, 1)], 0, 10, [(0, 1)], 0),
    ([(5, 7)], 4, 10, [(1, 3)], 0),
    ([(1, 3)], 2, 10, [(0, 1)], 0),                  # crosses --start: shortened at 0
    ([(0, 1)], 2, 10, [], 0),                        # before --start: not part of the clip
    ([(8, 12)], 0, 10, [(8, 10)], 0),                # crosses the cut: shortened
    ([(10, 11), (12, 13)], 0, 10, [], 2),            # after the cut: dropped and counted
    ([(1, 2), (1.5, 3)], 0, 10, [(1, 2), (1.5, 3)], 0),   # overlaps are kept
])
def test_fit_window(cues, start, duration, expected, dropped):
    given = [S.Cue(n, a, b, "x") for n, (a, b) in enumerate(cues, 1)]
    got, lost = S.fit_window(given, start, duration)
    flat = [t for c in got for t in (c.start, c.end)]         # approx takes flat sequences only
    assert flat == pytest.approx([t for pair in expected for t in pair]) and lost == dropped


# ------------------------------------------------------------------------------- line breaks

# Rows: (text, width px, words a line must be made of). Widths are narrow on purpose so every
# phrase breaks; the word lists are the real Thai words, so a break inside one fails.
BREAKS = [
    ("ธนาคารขยะต้นแบบระดับอำเภอ", 120, ["ธนาคาร", "ขยะ", "ต้นแบบ", "ระดับ", "อำเภอ"]),
    ("ผู้ใหญ่บ้านปั่นจักรยานไปประชุมที่ศาลาประชาคม", 120,
     ["ผู้ใหญ่", "บ้าน", "ปั่น", "จักรยาน", "ไป", "ประชุม", "ที่", "ศาลา", "ประชาคม"]),
    ("สมาชิกได้รับสวัสดิการจากการขายขยะรีไซเคิล", 120,
     ["สมาชิก", "ได้", "รับ", "สวัสดิการ", "จาก", "การ", "ขาย", "ขยะ", "รีไซเคิล"]),
    ("ลดค่าใช้จ่ายในการเก็บขนขยะมูลฝอยได้อย่างชัดเจน", 120,
     ["ลด", "ค่า", "ใช้", "จ่าย", "ใน", "การ", "เก็บ", "ขน", "ขยะ", "มูลฝอย", "ได้", "อย่าง",
      "ชัดเจน"]),
    (STACKED, 120, ["ที่", "นี่", "ผู้ใหญ่", "บ้าน", "น้ำใจ", "ปั่น", "จักรยาน", "ญี่ปุ่น"]),
    ("อาสาสมัครท้องถิ่นรักโลกร่วมคัดแยกขยะทุกวันเสาร์", 150,
     ["อาสา", "สมัคร", "ท้อง", "ถิ่น", "รัก", "โลก", "ร่วม", "คัด", "แยก", "ขยะ", "ทุก", "วัน",
      "เสาร์"]),
    ("ขยะ 120 กิโลกรัม ต่อเดือน Best Practice", 110,
     ["ขยะ", "120", "กิโลกรัม", "ต่อ", "เดือน", "Best", "Practice"]),
]


def made_of_words(line: str, words: list[str]) -> bool:
    pattern = "(?:" + "|".join(map(re.escape, sorted(words, key=len, reverse=True))) + r"| )+"
    return re.fullmatch(pattern, line) is not None


@pytest.mark.parametrize("text,width,words", BREAKS)
def test_thai_breaks_only_between_words(text, width, words):
    lines = S.thai_wrap(text, width, 24)
    assert len(lines) >= 2
    assert "".join(lines) == text.replace(" ", "") or " ".join(lines).replace(" ", "") \
        == text.replace(" ", "")
    for line in lines:
        assert made_of_words(line, words), (line, lines)
        assert ord(line[0]) not in MARKS and unicodedata.category(line[0]) != "Mn"
        assert line == line.strip()
        assert S.text_width(line, 24) <= width


def test_known_breaks_exactly():
    assert S.thai_wrap(STACKED, 180, 24) == ["ที่นี่ผู้ใหญ่บ้านน้ำใจ", "ปั่นจักรยาน ญี่ปุ่น"]
    assert S.thai_wrap("ธนาคารขยะต้นแบบระดับอำเภอ", 180, 24) == ["ธนาคารขยะ", "ต้นแบบระดับอำเภอ"]
    assert S.thai_wrap("สั้น", 180, 24) == ["สั้น"]


def test_a_word_wider_than_the_line_breaks_between_clusters_never_before_a_mark():
    lines = S.thai_wrap("ผู้ใหญ่" * 6, 40, 24)
    assert len(lines) > 1 and "".join(lines) == "ผู้ใหญ่" * 6
    assert all(ord(line[0]) not in MARKS for line in lines)


def test_english_wraps_at_spaces_only():
    text = "The waste bank cut collection costs by a third in one well-run year."
    lines = S.english_wrap(text, 200, 24)
    assert " ".join(lines) == text and len(lines) > 1
    assert all(S.text_width(line, 24) <= 200 for line in lines)


def test_width_uses_the_font_as_libass_scales_it():
    # libass: Fontsize == winAscent + winDescent; Loma's em is 2048/3255 of the size.
    assert S.text_width("H", 3255) == pytest.approx(1479, abs=1)   # Loma's H advance, units


def test_long_cue_is_split_in_time_in_proportion_to_its_text():
    cue = S.Cue(1, 10.0, 22.0, LONG_TH * 2)
    pieces = S.split_cue(cue, "th", W, H)
    assert len(pieces) >= 2
    assert all(1 <= len(lines) <= 2 for _a, _b, lines in pieces)
    assert pieces[0][0] == 10.0 and pieces[-1][1] == 22.0
    assert all(a[1] == pytest.approx(b[0]) for a, b in zip(pieces, pieces[1:]))
    sizes = [sum(len(line) for line in lines) for _a, _b, lines in pieces]
    shares = [(b - a) / 12.0 for a, b, _l in pieces]
    assert shares == pytest.approx([s / sum(sizes) for s in sizes], abs=0.05)
    assert "".join(line for _a, _b, lines in pieces for line in lines) == LONG_TH * 2


def test_typists_own_two_lines_are_kept():
    cue = S.Cue(1, 0, 2, "บรรทัดแรก\nบรรทัดสอง")
    assert S.split_cue(cue, "th", 1920, 1080) == [(0, 2, ["บรรทัดแรก", "บรรทัดสอง"])]


# ------------------------------------------------------------------------------- ASS

def test_ass_header_and_layout_landscape():
    ass = S.build_ass({"th": [S.Cue(1, 1.234, 5.678, "ก")]}, 1920, 1080)
    assert "PlayResX: 1920\nPlayResY: 1080\nWrapStyle: 2\nScaledBorderAndShadow: yes" in ass
    style = next(line for line in ass.splitlines() if line.startswith("Style: TH")).split(",")
    assert style[1] == S.FONT_FAMILY == "Loma"
    size, align, ml, mr, mv = int(style[2]), int(style[18]), int(style[19]), int(style[20]), \
        int(style[21])
    assert 0.05 * 1080 <= size <= 0.07 * 1080
    assert align == 2 and ml >= 96 and mr >= 96 and mv >= 54           # title-safe
    assert style[3] == "&H00FFFFFF" and style[5] == "&H00000000" and float(style[16]) >= 2
    assert "Dialogue: 0,0:00:01.23,0:00:05.68,TH,,0,0,0,,ก" in ass


def test_portrait_layout_fits_the_narrow_frame():
    land, port = S.layout_for(1920, 1080), S.layout_for(1080, 1920)
    assert port.font_th <= 0.08 * 1080 and port.margin_v >= 0.1 * 1920
    assert port.max_text_w <= 0.9 * 1080
    for _a, _b, lines in S.split_cue(S.Cue(1, 0, 4, LONG_TH), "th", 1080, 1920):
        assert all(S.text_width(line, port.font_th) <= port.max_text_w for line in lines)
    assert land.font_th == round(1080 * 0.065)


def test_thai_above_english_in_one_block_and_overlaps_all_shown():
    th = [S.Cue(1, 0.0, 2.0, "ไทยหนึ่ง"), S.Cue(2, 1.0, 3.0, "ไทยสอง")]
    en = [S.Cue(1, 0.5, 2.5, "English")]
    events = [line.split(",", 9) for line in S.build_ass({"th": th, "en": en}, W, H).splitlines()
              if line.startswith("Dialogue:")]
    got = [(e[1], e[2], e[3], e[9]) for e in events]
    assert got == [
        ("0:00:00.00", "0:00:00.50", "TH", "ไทยหนึ่ง"),
        ("0:00:00.50", "0:00:01.00", "TH", "ไทยหนึ่ง\\N{\\rEN}English"),
        ("0:00:01.00", "0:00:02.00", "TH", "ไทยหนึ่ง\\Nไทยสอง\\N{\\rEN}English"),
        ("0:00:02.00", "0:00:02.50", "TH", "ไทยสอง\\N{\\rEN}English"),
        ("0:00:02.50", "0:00:03.00", "TH", "ไทยสอง"),
    ]
    only_en = S.build_ass({"en": en}, W, H)
    assert "Dialogue: 0,0:00:00.50,0:00:02.50,EN,,0,0,0,,English" in only_en


def test_write_srt_round_trips_as_utf8(tmp_path):
    cues = S.read_srt(DATA / "th-cp874.srt").cues
    out = tmp_path / "clip.th.srt"
    S.write_srt(cues, out)
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and raw.startswith(b"1\n00:00:00,000 --> ")
    again = S.read_srt(out)
    assert again.encoding == "utf-8"
    assert [(c.start, c.end, c.text) for c in again.cues] == [(c.start, c.end, c.text)
                                                               for c in cues]
    assert [c.index for c in again.cues] == [1, 2]                    # renumbered
    assert not list(tmp_path.glob("*.part"))


# ------------------------------------------------------------------------------- libass

def test_libass_failures_reads_ffmpeg_stderr():
    stderr = dedent("""\
        [Parsed_subtitles_0 @ 0x55] Using font provider fontconfig
        [Parsed_subtitles_0 @ 0x55] fontselect: (Loma, 400, 0) -> Loma, 0, Loma
        [Parsed_subtitles_0 @ 0x55] Glyph 0x20AC not found, selecting one more font for (Loma, 400, 0)
        [Parsed_subtitles_0 @ 0x55] fontselect: failed to find any fallback with glyph 0x20AC for font: (Loma, 400, 0)
        [Parsed_subtitles_0 @ 0x66] fontselect: failed to find any fallback with glyph 0x20AC for font: (Loma, 400, 0)
        [Parsed_subtitles_0 @ 0x55] Unable to open subs.ass
        """)
    assert S.libass_failures(stderr) == [
        "fontselect: failed to find any fallback with glyph 0x20AC for font: (Loma, 400, 0) "
        "[U+20AC '€' EURO SIGN]",
        "Unable to open subs.ass",
    ]
    assert S.libass_failures("[Parsed_subtitles_0 @ 0x1] fontselect: (Loma, 400, 0) -> Loma") \
        == []


def test_prepare_libass_is_private_and_relative(tmp_path):
    env = S.prepare_libass(tmp_path / "w")
    fonts = tmp_path / "w" / "fonts"
    assert sorted(p.name for p in fonts.iterdir()) == sorted(p.name for p in S.font_files())
    conf = Path(env["FONTCONFIG_FILE"])
    assert conf.is_file() and conf.parent != fonts                 # nothing but fonts in fontsdir
    assert f"<dir>{fonts.resolve()}</dir>" in conf.read_text(encoding="utf-8")
    assert "/usr/share/fonts" not in conf.read_text(encoding="utf-8")
    assert S.FILTER == "subtitles=filename=subs.ass:fontsdir=fonts"


def test_burn_stacked_marks_and_long_line_two_lines_inside_the_frame(tmp_path):
    gray, stderr = burn(tmp_path / "a", S.build_ass(
        {"th": [S.Cue(1, 0, 2, STACKED)]}, W, H))
    assert S.libass_failures(stderr) == []
    assert (gray > 200).sum() > 200                                  # drawn
    assert len(bands(gray)) == 1 and bands(gray)[0][0] > H * 0.6     # one line, at the bottom

    gray, stderr = burn(tmp_path / "b", one_cue(LONG_TH))
    assert S.libass_failures(stderr) == []
    lit = gray > 128
    edge = int(W * 0.02) + 1
    assert not lit[:, :edge].any() and not lit[:, -edge:].any()      # never off the frame
    cols = np.flatnonzero(lit.any(axis=0))
    assert cols[0] >= W * 0.05 - 2 and cols[-1] <= W * 0.95 + 2       # inside title-safe
    rows = bands(gray)
    assert len(rows) == 2, rows                                       # two lines
    assert rows[-1][1] <= H - H * 0.05                                # above the bottom margin


def test_golden_thai_line_and_broken_shaping_fails_it(tmp_path):
    gray, _ = burn(tmp_path / "good", one_cue(STACKED))
    crop = golden_crop(gray)
    if os.environ.get("OVERLAY_REGEN_GOLDEN") == "1":
        Image.fromarray(crop).save(GOLDEN, optimize=True)
    with Image.open(GOLDEN) as im:
        ref = np.asarray(im.convert("L"))
    assert ref.shape == crop.shape
    good = golden_diff(crop, ref)
    # Broken shaping: a dotted circle before every mark, as a renderer without Thai shaping draws.
    broken_text = "".join("\u25cc" + ch if ord(ch) in MARKS else ch for ch in STACKED)
    bad_gray, _ = burn(tmp_path / "bad", one_cue(broken_text))
    bad = golden_diff(golden_crop(bad_gray), ref)
    assert good < 2.0, good
    assert bad > 8.0, (good, bad)


def test_cp874_renders_the_same_pixels_as_utf8(tmp_path):
    frames = []
    for name in ("th-utf8.srt", "th-cp874.srt", "th-utf16be.srt"):
        sub = S.read_srt(DATA / name)
        gray, _ = burn(tmp_path / name, S.build_ass({"th": sub.cues}, W, H))
        frames.append(gray)
    assert (frames[0] > 200).sum() > 200
    assert all(np.array_equal(frames[0], f) for f in frames[1:])


def test_injection_burns_as_text_not_as_commands(tmp_path):
    raw = "{\\an8}{\\pos(10,10)}a\\Nb {x} [0:v];'c:d'"
    cue = S.Cue(1, 0, 2, S.clean_text(raw))
    gray, stderr = burn(tmp_path, S.build_ass({"en": [cue]}, W, H))
    assert S.libass_failures(stderr) == []
    rows = bands(gray)
    assert len(rows) == 1 and rows[0][0] > H * 0.6          # not moved to the top, not split


def test_font_missing_trap_is_caught(tmp_path):
    work = tmp_path / "empty"
    (work / "fonts").mkdir(parents=True)                    # fontsdir with no font
    conf = work / "fontconfig" / "fonts.conf"
    conf.parent.mkdir()
    conf.write_text('<?xml version="1.0"?>\n<fontconfig><cachedir>'
                    f"{work / 'fontconfig'}</cachedir></fontconfig>\n", encoding="utf-8")
    env = {"FONTCONFIG_FILE": str(conf), "FONTCONFIG_PATH": str(conf.parent)}
    gray, stderr = burn(work, one_cue(STACKED), env=env)
    assert (gray > 128).sum() == 0                          # libass drew nothing, exit 0 …
    assert S.libass_failures(stderr)                        # … and we notice


def test_a_glyph_the_font_lacks_is_caught(tmp_path):
    _gray, stderr = burn(tmp_path, one_cue("ราคา 5 €"))
    assert any("U+20AC" in line for line in S.libass_failures(stderr))
    assert S.missing_glyphs("ราคา 5 €") == "€"


# ------------------------------------------------------------------------------- check + CLI

def test_check_srt_reports_what_will_happen(tmp_path):
    path = write(tmp_path, srt("""
        1
        00:00:00,000 --> 00:00:04,000
        ธนาคารขยะต้นแบบระดับอำเภอช่วยลดค่าใช้จ่ายในการเก็บขนขยะของเทศบาลได้อย่างชัดเจน

        2
        00:00:03,000 --> 00:00:03,500
        ผู้ใหญ่บ้านปั่นจักรยานไปประชุมที่ศาลาประชาคม

        3
        00:00:09,000 --> 00:00:11,000
        ตัดท้าย

        4
        00:00:12,000 --> 00:00:13,000
        หลังเวลา
        """), "th.srt")
    report = S.check_srt(path, encoding=None, start=0, duration=10, frame_w=W, frame_h=H)
    assert (report.encoding, report.cues_read, report.cues_shown, report.dropped) == \
        ("utf-8", 4, 3, 1)
    assert report.changes_output
    assert report.warnings == (
        "th.srt: 1 cue(s) start after the 10 s limit and are left out.",
        "th.srt, line 10: cue 3 is cut short at the limit.",
        "th.srt, lines 2 and 6: cues 1 and 2 overlap by 1.00 s; both are shown.",
        "th.srt, line 6: cue 2 needs 68 characters a second to read (more than 20).",
    )
    assert [b.index for b in report.breaks] == [1, 2, 3]
    # ค่าใช้จ่าย is one word to newmm: the break falls where both segmenters agree.
    assert report.breaks[0].shown() == ("ธนาคารขยะต้นแบบระดับอำเภอช่วยลดค่าใช้จ่าย | "
                                        "ในการเก็บขนขยะของเทศบาลได้อย่างชัดเจน")
    assert report.breaks[0].kinds == (S.BreakKind.AGREED,) and report.breaks[0].fallbacks == 0


def run_cli(*args: str):
    app = typer.Typer()
    app.add_typer(subs_app, name="subs")
    return CliRunner().invoke(app, ["subs", *args])


def test_cli_check_fine_file_exits_0():
    res = run_cli("check", str(DATA / "th-cp874.srt"), "--size", "1920x1080")
    assert res.exit_code == 0, res.output
    assert "Encoding: cp874" in res.stdout and "Cues read: 2, shown: 2" in res.stdout


def test_cli_check_shows_thai_breaks_and_exits_1_when_cues_are_dropped(tmp_path):
    path = write(tmp_path, srt(f"""
        1
        00:00:00,000 --> 00:00:06,000
        {LONG_TH}

        2
        00:00:20,000 --> 00:00:21,000
        หลังเวลา
        """))
    res = run_cli("check", str(path), "--max-duration", "10", "--size", "640x360")
    assert res.exit_code == 1, res.output
    assert " | " in res.stdout and "left out" in res.stdout


def test_cli_unreadable_input_is_one_clean_line_exit_2(tmp_path):
    res = run_cli("check", str(write(tmp_path, "")))
    assert res.exit_code == 2
    assert res.stderr.strip().startswith("Error: The subtitle file in.srt is empty.")
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.output
    assert run_cli("check", str(DATA / "th-utf8.srt"), "--size", "huge").exit_code == 2


def test_every_subs_command_has_help():
    for command in subs_app.registered_commands:
        assert (command.help or (command.callback and command.callback.__doc__))
    assert run_cli("check", "--help").exit_code == 0
