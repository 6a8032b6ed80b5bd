"""Writes the encoding fixtures: one Thai SRT, byte-for-byte in each encoding an office sends.

Run from the repository root: ``python tests/data/subs/make_fixtures.py``.
"""

from pathlib import Path

HERE = Path(__file__).parent

SRT = (
    "1\n"
    "00:00:00,000 --> 00:00:01,000\n"
    "ที่นี่ผู้ใหญ่บ้านน้ำใจ ปั่นจักรยาน ญี่ปุ่น\n"
    "\n"
    "3\n"                                      # an index gap, as editors leave them
    "00:00:01,000 --> 00:00:02,500\n"
    "<i>ธนาคารขยะต้นแบบ</i>ระดับอำเภอ\n"
    "\n"
)

FILES = {   # name: (codec, BOM, line ending)
    "th-utf8.srt": ("utf-8", b"", "\n"),
    "th-utf8-bom.srt": ("utf-8", b"\xef\xbb\xbf", "\r\n"),
    "th-utf16le-bom.srt": ("utf-16-le", b"\xff\xfe", "\r\n"),
    "th-utf16be-bom.srt": ("utf-16-be", b"\xfe\xff", "\n"),
    "th-utf16le.srt": ("utf-16-le", b"", "\r\n"),
    "th-utf16be.srt": ("utf-16-be", b"", "\n"),
    "th-cp874.srt": ("cp874", b"", "\r\n"),
}

if __name__ == "__main__":
    for name, (codec, bom, eol) in FILES.items():
        (HERE / name).write_bytes(bom + SRT.replace("\n", eol).encode(codec))
