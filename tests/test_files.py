"""The one write-then-rename, in its forms for reports, records, SRT files and logos."""

from __future__ import annotations

import pytest

from overlay.files import replacing, write_atomic


def test_write_atomic_writes_text_and_bytes_whole(tmp_path):
    assert write_atomic(tmp_path / "a.txt", "สวัสดี\r\n").read_bytes() == "สวัสดี\r\n".encode()
    assert write_atomic(tmp_path / "a.txt", b"\x00\x01").read_bytes() == b"\x00\x01"   # replaces
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_a_failed_write_leaves_the_old_file_and_no_partial(tmp_path):
    final = write_atomic(tmp_path / "report.json", "{}")
    with pytest.raises(RuntimeError), replacing(final) as temp:
        temp.write_text("half", encoding="utf-8")
        raise RuntimeError("disk full")
    assert final.read_text(encoding="utf-8") == "{}"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
