"""Subtitles through the whole render: burned in the same single pass, or embedded as tracks."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from typer.testing import CliRunner

from overlay.cli import app

from conftest import decode_frame, make_clip

DATA = Path(__file__).parent / "data" / "subs"
NAME = "ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอพิชัยจังหวัดอุตรดิตถ์"
runner = CliRunner()


@pytest.fixture(scope="module")
def dark_clip(media) -> Path:
    """640×360 black with a tone: burned white text is easy to find."""
    return make_clip(media / "dark.mp4", seconds=3, size="640x360", source="color=c=black")


def bright_rows(frame: np.ndarray) -> np.ndarray:
    return (frame[:, :, :].min(axis=2) > 200).sum(axis=1)


def render(out: Path, clip: Path, logo_dir: Path, *extra: str):
    res = runner.invoke(app, ["render", str(clip), "-d", "พิชัย", "-o", str(out), "--logo-dir",
                              str(logo_dir), *extra])
    assert res.exit_code == 0, res.output
    return out / f"{NAME}.mp4", res


def test_burned_thai_and_english_in_one_pass(tmp_path, dark_clip, logo_dir):
    en = tmp_path / "en.srt"
    en.write_text("1\n00:00:00,000 --> 00:00:02,500\nRecyclable waste bank\n", encoding="utf-8")
    out, res = render(tmp_path / "o", dark_clip, logo_dir, "--subs-th", str(DATA / "th-cp874.srt"),
                      "--subs-en", str(en))
    frame = decode_frame(out, 0.5)
    rows = bright_rows(frame)
    text_rows = np.nonzero(rows[int(360 * 0.5):])[0]
    assert len(text_rows) > 15                                   # text drawn in the lower half
    assert frame[:, :8].min(axis=2).max() < 120                  # nothing runs off the left edge
    assert frame[:, -8:].min(axis=2).max() < 120
    with av.open(str(out)) as c:
        assert [s.type for s in c.streams] == ["video", "audio"]  # burned: no subtitle track
    assert not list((tmp_path / "o").glob("*.srt"))


def test_cp874_and_utf8_burn_the_same_pixels(tmp_path, dark_clip, logo_dir):
    a, _ = render(tmp_path / "a", dark_clip, logo_dir, "--subs-th", str(DATA / "th-cp874.srt"))
    b, _ = render(tmp_path / "b", dark_clip, logo_dir, "--subs-th", str(DATA / "th-utf8.srt"))
    fa, fb = decode_frame(a, 0.5), decode_frame(b, 0.5)
    assert np.abs(fa.astype(int) - fb).mean() < 1.0
    assert bright_rows(fa)[180:].sum() > 100


def test_embed_adds_tagged_tracks_and_sidecars(tmp_path, dark_clip, logo_dir):
    en = tmp_path / "en.srt"
    en.write_text("1\n00:00:00,500 --> 00:00:02,000\nHello {\\an8}there\n", encoding="utf-8")
    out, res = render(tmp_path / "o", dark_clip, logo_dir, "--subs-th", str(DATA / "th-utf16le.srt"),
                      "--subs-en", str(en), "--subs-mode", "embed")
    with av.open(str(out)) as c:
        subs = [(s.codec_context.name, s.language, s.metadata.get("title") or s.metadata.get("handler_name"))
                for s in c.streams.subtitles]
    assert subs == [("mov_text", "tha", "ไทย"), ("mov_text", "eng", "English")]
    th = (tmp_path / "o" / f"{NAME}.th.srt").read_text(encoding="utf-8")
    assert "ที่นี่ผู้ใหญ่บ้านน้ำใจ" in th
    assert "\\an8" not in (tmp_path / "o" / f"{NAME}.en.srt").read_text(encoding="utf-8")
    # Not burned: the lower half of the black clip stays black.
    assert bright_rows(decode_frame(out, 0.5))[180:].sum() == 0
    check = runner.invoke(app, ["check", str(out), "--logo-dir", str(logo_dir)])
    assert "subtitle tracks" in check.stdout and "tha" in check.stdout


def test_cues_after_the_cut_are_dropped_with_a_warning(tmp_path, dark_clip, logo_dir):
    srt = tmp_path / "long.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,500\nหนึ่ง\n\n2\n00:00:01,000 --> 00:00:02,500\nสอง\n\n"
                   "3\n00:00:02,600 --> 00:00:03,000\nสาม\n", encoding="utf-8")
    out, res = render(tmp_path / "o", dark_clip, logo_dir, "--subs-th", str(srt), "--max-duration", "2",
                      "--subs-mode", "both")
    assert "1 subtitle cue(s)" in res.stderr
    sidecar = (tmp_path / "o" / f"{NAME}.th.srt").read_text(encoding="utf-8")
    assert "สาม" not in sidecar and "00:00:02,000" in sidecar        # cue 2 shortened to the cut
    with av.open(str(out)) as c:
        assert all(float(s.duration * s.time_base) <= 2.05 for s in c.streams if s.duration)


def test_unreadable_subtitles_are_a_usage_error(tmp_path, dark_clip, logo_dir):
    empty = tmp_path / "empty.srt"
    empty.write_bytes(b"")
    res = runner.invoke(app, ["render", str(dark_clip), "-d", "พิชัย", "-o", str(tmp_path / "o"),
                              "--subs-th", str(empty)])
    assert res.exit_code == 2 and "empty.srt" in res.stderr
    assert not (tmp_path / "o").exists()
