"""The word boundaries of the Thai reference set: how ``reference.txt`` was made.

    python tests/data/th-breaks/draft.py    # prints the body of reference.txt (below its header)

For every line of ``raw/*.txt``: ICU's Thai line breaker and PyThaiNLP's newmm segment it;
where they agree, that is the boundary; where they disagree, newmm's split is kept when it
only keeps a compound ICU splits (or splits what ICU keeps) into dictionary words, and every
other stretch was decided by eye (DECIDED). Then each line was read by eye and the remaining
mistakes corrected (FIXES). Each line that needed a choice carries a note with both opinions.
The decisions live here, so the file can be rebuilt and checked: its output must equal
``reference.txt`` below the header.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")

from icu4py.breakers import LineBreaker
from icu4py.locale import Locale
from pythainlp.corpus import thai_words
from pythainlp.tokenize import word_tokenize

HERE = Path(__file__).parent
ORDER = ["letter", "official", "talk", "news", "talks", "speech"]
WORDS = thai_words()

# Stretches where the two segmenters cut across each other (or newmm met unknown pieces),
# decided by eye: the stretch as ICU and newmm found it -> the split kept.
DECIDED: dict[str, str] = {
    "โครงการธนาคาร": "โครงการ|ธนาคาร", "แนวทางการ": "แนวทาง|การ", "บอกว่า": "บอก|ว่า",
    "บทเรียนฯ": "บทเรียนฯ", "สวาร์ตซ": "สวาร์ตซ", "ลงพื้นที่": "ลง|พื้นที่",
    "สภาคองเกรส": "สภา|คองเกรส", "ผู้นำเสนอ": "ผู้นำเสนอ", "ขยะฯ": "ขยะฯ",
    "การนำเสนอ": "การ|นำเสนอ", "แบ่งปันผลงาน": "แบ่งปัน|ผลงาน", "เรดดิ": "เรดดิ",
    "เจ้าหน้าที่จะ": "เจ้าหน้าที่|จะ", "ฮาร์วาร์ดมา": "ฮาร์วาร์ด|มา",
    "ฮาร์วาร์ดกล่าว": "ฮาร์วาร์ด|กล่าว", "หอกระจาย": "หอกระจาย",
    "ส่งเสริมสุขภาพ": "ส่งเสริม|สุขภาพ", "สิก": "สิก", "สตาร์ตอัป": "สตาร์ตอัป", "สตอล": "สตอล",
    "ศาสตราจารย์ลอว์เรนซ์": "ศาสตราจารย์|ลอว์เรนซ์", "ลูเทอร์": "ลูเทอร์",
    "รายงานการ": "รายงาน|การ", "รายงานกรมฯ": "รายงาน|กรมฯ", "มิคัตสึ": "มิคัตสึ",
    "พื้นที่เก็บ": "พื้นที่|เก็บ", "ท้องถิ่นฯ": "ท้องถิ่นฯ", "ทุกรายการฝาก": "ทุก|รายการ|ฝาก",
    "ที่มาจาก": "ที่|มาจาก", "ทำให้การ": "ทำให้|การ", "ต้นทางใน": "ต้นทาง|ใน",
    "จัดการธนาคาร": "จัดการ|ธนาคาร", "ครัวเรือนไทย": "ครัวเรือน|ไทย", "ของบ๊อบ": "ของ|บ๊อบ",
    "การนำไปใช้": "การ|นำไปใช้", "กองทุนสำรอง": "กองทุน|สำรอง",
}

# Corrections by eye after the draft, where the two agreed (or newmm's pick) is wrong for a
# reader: names and transliterations kept whole, words glued by a dictionary entry split.
FIXES: list[tuple[str, str]] = [
    ("ดำเนิน|การตาม", "ดำเนินการ|ตาม"), ("ชี้|ว่าการ", "ชี้|ว่า|การ"),
    ("กล่อง|ข้าวของ", "กล่องข้าว|ของ"), ("ศรัณย์|ลักษณ์ ภู|ลา|วรรณ", "ศรัณย์ลักษณ์ ภูลาวรรณ"),
    ("โท|ร.", "โทร."), ("ธน|วัฒน์ ศรี|สุข", "ธนวัฒน์ ศรีสุข"), ("เงินได้|จริง", "เงิน|ได้|จริง"),
    ("สาม|ปีก่อน", "สาม|ปี|ก่อน"), ("สม|ศรี", "สมศรี"), ("ได้ราคา", "ได้|ราคา"),
    ("แม้แต่น้อย|นิด", "แม้แต่|น้อยนิด"), ("น้อย|นิด", "น้อยนิด"), ("ในประเทศ|", "ใน|ประเทศ|"),
    ("เลส|สิก", "เลสสิก"), ("เลส|สิ|ก", "เลสสิก"), ("เรดดิ|ต", "เรดดิต"), ("เอ็ม|ไอที", "เอ็มไอที"),
    ("เบอร์|เนิร์ส", "เบอร์เนิร์ส"), ("โซ|ปา", "โซปา"), ("ได้ดี|หรือ", "ได้|ดี|หรือ"),
    ("ที่ทำงาน|กับ", "ที่|ทำงาน|กับ"), ("ดี|แลน", "ดีแลน"), ("โอเพน|ซอร์ส", "โอเพนซอร์ส"),
    ("สตอล|แมน", "สตอลแมน"), ("ยู|ทูบ", "ยูทูบ"), ("จิม|มี", "จิมมี"),
    ("แนป|เพ|น|เบอร์เกอร์", "แนปเพนเบอร์เกอร์"), ("คา|มิคัตสึ", "คามิคัตสึ"),
    ("อาร์|เอส|เอส", "อาร์เอสเอส"), ("อุดร|ดิตถ์", "อุดรดิตถ์"), ("ฝัง|กลบ", "ฝังกลบ"),
    ("เกย|ตื้น", "เกยตื้น"), ("ห่วง|โซ่", "ห่วงโซ่"), ("หู|หิ้ว", "หูหิ้ว"),
    ("สะดวก|ซื้อ", "สะดวกซื้อ"), ("ไมโคร|พลาสติก", "ไมโครพลาสติก"),
    ("หอกระจาย|ข่าว", "หอกระจายข่าว"), ("ภาค|ส่วน", "ภาคส่วน"), ("เหลือประมาณ", "เหลือ|ประมาณ"),
    ("เงินช่วยเหลือ|", "เงิน|ช่วยเหลือ|"), ("ทำเป็น|ปุ๋ย", "ทำ|เป็น|ปุ๋ย"), ("มีระบบ", "มี|ระบบ"),
    ("|ตามเวลา", "|ตาม|เวลา"), ("ตามระเบียบ|", "ตาม|ระเบียบ|"), ("เพื่อ|ให้การ", "เพื่อ|ให้|การ"),
    ("จัด|ทำการ|", "จัดทำ|การ|"), ("ทางไปรษณีย์", "ทาง|ไปรษณีย์"),
]


def thai(ch: str) -> bool:
    return "\u0e01" <= ch <= "\u0e4e"


def bounds_icu(text: str) -> set[int]:
    out = set()
    for _s, e in LineBreaker(text, Locale("th")).segments():
        while e > 0 and text[e - 1] == " ":
            e -= 1                       # the boundary is where the word ends
        out.add(e)
    return out


def bounds_newmm(text: str) -> tuple[set[int], list[tuple[int, int]]]:
    out, spans, pos = set(), [], 0
    for tok in word_tokenize(text, engine="newmm", keep_whitespace=True):
        spans.append((pos, pos + len(tok)))
        pos += len(tok)
        out.add(pos)
    return out, spans


def inner(text: str, a: int, b: int, bounds: set[int]) -> str:
    cut = sorted(p for p in bounds if a < p < b)
    edges = [a, *cut, b]
    return "|".join(text[x:y] for x, y in zip(edges, edges[1:], strict=False))


def draft(text: str) -> tuple[str, list[str]]:
    n = len(text)
    icu, (nm, nm_spans) = bounds_icu(text), bounds_newmm(text)
    # Only boundaries between two Thai letters need a decision; spaces, digits, Latin and
    # punctuation are boundaries by themselves.
    def need(p: int) -> bool:
        return 0 < p < n and thai(text[p - 1]) and thai(text[p])

    agreed = {p for p in icu & nm if need(p)}
    chosen = set(agreed)
    notes = []
    runs = [0, *sorted(agreed | {p for p in range(1, n) if not need(p)}), n]
    for a, b in zip(runs, runs[1:], strict=False):
        i_in = {p for p in icu if a < p < b and need(p)}
        n_in = {p for p in nm if a < p < b and need(p)}
        if i_in == n_in:
            continue
        region = text[a:b]
        pieces = [text[x:y] for x, y in nm_spans if a <= x and y <= b]
        if region in DECIDED:
            cut = DECIDED[region]
            marks = [k for k, ch in enumerate(cut) if ch == "|"]
            chosen |= {a + k - m for m, k in enumerate(marks)}
            pick = "by eye"
        elif n_in <= i_in and all(p in WORDS for p in pieces):
            chosen |= n_in                               # a compound newmm knows: keep it
            pick = "newmm"
        elif i_in <= n_in and all(p in WORDS for p in pieces):
            chosen |= n_in                               # newmm splits what ICU keeps
            pick = "newmm"
        else:
            print(f"UNDECIDED {region!r}: ICU {inner(text, a, b, i_in)} / newmm "
                  f"{inner(text, a, b, n_in)}", file=sys.stderr)
            pick = "whole"
        notes.append(f"ICU {inner(text, a, b, i_in)} / newmm {inner(text, a, b, n_in)} -> {pick}")
    out = []
    for k, ch in enumerate(text):
        if k in chosen:
            out.append("|")
        out.append(ch)
    marked = "".join(out)
    for wrong, right in FIXES:
        if wrong in marked:
            marked = marked.replace(wrong, right)
            notes.append(f"by eye {wrong} -> {right}")
    assert marked.replace("|", "") == text, (wrong, text)
    return marked, notes


def main() -> None:
    for name in ORDER:
        print(f"## {name}")
        for line in (HERE / "raw" / f"{name}.txt").read_text(encoding="utf-8").splitlines():
            if line.strip():
                marked, notes = draft(line.strip())
                print(marked + (f"    #? {'; '.join(notes)}" if notes else ""))


if __name__ == "__main__":
    sys.exit(main())
