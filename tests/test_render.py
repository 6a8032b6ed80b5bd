"""Real renders of tiny generated clips with the real ffmpeg; assertions on what comes out."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from typer.testing import CliRunner

from overlay import render as r
from overlay.check import check_file
from overlay.cli import app
from overlay.presets import load_preset

from conftest import LOGO_COLOUR, decode_frame, make_clip

NAME = "ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอพิชัยจังหวัดอุตรดิตถ์.mp4"
runner = CliRunner()


def streams(path: Path) -> dict[str, float]:
    with av.open(str(path)) as c:
        return {s.type: float(s.duration * s.time_base) for s in c.streams}


def logo_boxes(preset, logo_dir: Path, w: int, h: int):
    p = load_preset(preset)
    from overlay.logofiles import district_logos, logo_row
    return logo_row(p, district_logos(p, p.district("พิชัย"), (logo_dir,)), w, h).boxes


def colour_share(frame: np.ndarray, box) -> float:
    """Share of pixels in ``box`` (less a 2 px border softened by 4:2:0 chroma) close to the logo colour."""
    x0, y0, x1, y1 = box[0] + 2, box[1] + 2, box[2] - 2, box[3] - 2
    region = frame[y0:y1, x0:x1].astype(int)
    close = np.abs(region - np.array(LOGO_COLOUR)).max(axis=2) < 50
    return float(close.mean())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, clip3, logo_dir):
    """clip3 (3 s) rendered with a 2 s limit: a cut, so the fade is there too."""
    out = tmp_path_factory.mktemp("out")
    result = runner.invoke(app, ["render", str(clip3), "--district", "พิชัย", "--out-dir", str(out),
                                 "--max-duration", "2", "--logo-dir", str(logo_dir)])
    assert result.exit_code == 0, result.output
    return out, result


def test_named_file_and_path_on_stdout(rendered):
    out, result = rendered
    assert (out / NAME).is_file()
    assert result.stdout.strip().endswith(NAME)
    assert [p.name for p in out.iterdir()] == [NAME]            # no temp file left behind


def test_no_stream_longer_than_the_limit(rendered):
    out, _ = rendered
    lengths = streams(out / NAME)
    assert set(lengths) == {"video", "audio"}
    assert all(1.9 <= v <= 2.0 + 0.03 for v in lengths.values()), lengths


def test_logos_top_right_first_to_last_frame(rendered, clip3, logo_dir):
    out, _ = rendered
    path = out / NAME
    boxes = logo_boxes("uttaradit", logo_dir, 320, 180)
    assert len(boxes) == 7
    for at in (0.0, 1.0, 5.0):              # 5.0: past the end → the last frame, inside the fade
        frame = decode_frame(path, at)
        for box in boxes:
            assert colour_share(frame, box) > 0.8, (at, box)
        assert box[2] > 320 * 0.7 and box[1] < 180 * 0.2    # right side, top
    # Elsewhere the picture is the source's, untouched: the top-left corner matches it.
    frame, source = decode_frame(path, 0.0), decode_frame(clip3, 0.0)
    assert np.abs(frame[:30, :100].astype(int) - source[:30, :100]).mean() < 12
    x0, y0, x1, y1 = boxes[0]
    assert np.abs(frame[y0:y1, x0:x1].astype(int) - source[y0:y1, x0:x1]).mean() > 40


def test_fade_at_the_cut_darkens_the_picture_not_the_logos(rendered, clip3, logo_dir):
    out, _ = rendered
    last = decode_frame(out / NAME, 5.0)
    first = decode_frame(out / NAME, 0.0)
    assert last[90:, :160].mean() < first[90:, :160].mean() * 0.5


def test_receipt_passes(rendered, logo_dir):
    out, result = rendered
    receipt = check_file(out / NAME, load_preset("uttaradit"), logo_dirs=(logo_dir,), limit=2)
    assert receipt.ok, [i for i in receipt.failures]
    assert "Compliant" in result.stderr


def test_existing_output_needs_force(rendered, clip3, logo_dir):
    out, _ = rendered
    before = (out / NAME).stat()
    again = runner.invoke(app, ["render", str(clip3), "-d", "พิชัย", "-o", str(out), "--logo-dir", str(logo_dir)])
    assert again.exit_code == 2 and "--force" in again.stderr
    assert (out / NAME).stat().st_mtime_ns == before.st_mtime_ns


def test_force_replaces(tmp_path, clip3, logo_dir):
    (tmp_path / NAME).write_bytes(b"old")
    res = runner.invoke(app, ["render", str(clip3), "-d", "พิชัย", "-o", str(tmp_path), "--force",
                              "--logo-dir", str(logo_dir), "--quality", "draft"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / NAME).stat().st_size > 1000


def test_uncut_clip_has_no_fade_and_keeps_its_length(tmp_path, clip3, logo_dir):
    job = r.Job(input=clip3, district="ลับแล", out_dir=tmp_path, logo_dirs=(logo_dir,))
    plan = r.plan(job)
    assert not plan.cut and plan.duration == pytest.approx(3.0, abs=0.05)
    out = r.render_with_facts(plan).path
    assert decode_frame(out, 5.0)[90:, :160].mean() > 40      # last frame not faded to black
    assert abs(streams(out)["video"] - 3.0) < 0.1


def test_start_and_end_pick_the_part(tmp_path, media, logo_dir):
    clip = make_clip(media / "clip6.mp4", seconds=6)
    plan = r.plan(r.Job(input=clip, district="ตรอน", out_dir=tmp_path, start=1.0, end=3.5,
                        logo_dirs=(logo_dir,)))
    assert (plan.start, plan.duration, plan.cut) == (1.0, 2.5, True)
    out = r.render_with_facts(plan).path
    assert abs(streams(out)["video"] - 2.5) < 0.1


def test_interrupted_render_leaves_nothing(tmp_path, clip3, logo_dir):
    plan = r.plan(r.Job(input=clip3, district="พิชัย", out_dir=tmp_path, logo_dirs=(logo_dir,)))

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        r.render_with_facts(plan, progress=interrupt)
    assert list(tmp_path.iterdir()) == []


def test_preview_writes_one_frame_with_logos(tmp_path, clip3, logo_dir):
    png = tmp_path / "f.png"
    res = runner.invoke(app, ["preview", str(clip3), "-d", "พิชัย", "--at", "1.5", "-o", str(png),
                              "--logo-dir", str(logo_dir)])
    assert res.exit_code == 0, res.output
    from PIL import Image
    frame = np.asarray(Image.open(png).convert("RGB"))
    assert frame.shape == (180, 320, 3)
    for box in logo_boxes("uttaradit", logo_dir, 320, 180):
        assert colour_share(frame, box) > 0.8


@pytest.mark.parametrize(("size", "expected"), [("1080x1920", (1080, 1920)), ("2560x1440", (1920, 1080))])
def test_portrait_and_large_frames(tmp_path, media, logo_dir, size, expected):
    clip = make_clip(media / f"c{size}.mp4", seconds=1.2, size=size, rate="10", audio=False)
    plan = r.plan(r.Job(input=clip, district="พิชัย", out_dir=tmp_path, logo_dirs=(logo_dir,),
                        quality="draft"))
    assert (plan.width, plan.height) == expected
    out = r.render_with_facts(plan).path
    frame = decode_frame(out, 0.5)
    assert frame.shape[:2] == (expected[1], expected[0])
    for box in logo_boxes("uttaradit", logo_dir, *expected):
        assert colour_share(frame, box) > 0.8


def test_quiet_and_loud_sound_both_come_out_near_minus_14_lufs(tmp_path, media, logo_dir):
    import subprocess

    from overlay.check import integrated_loudness
    from overlay.tools import ffmpeg_exe

    for gain in ("-30dB", "+16dB"):
        clip = media / f"gain{gain}.mp4"
        subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=s=320x180:r=25:d=4",
                        "-f", "lavfi", "-i", "sine=frequency=300:beep_factor=2:duration=4", "-af", f"volume={gain}",
                        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(clip)], check=True)
        before = integrated_loudness(clip)
        out = r.render_with_facts(r.plan(r.Job(input=clip, district="พิชัย", out_dir=tmp_path / gain,
                                               logo_dirs=(logo_dir,), quality="draft"))).path
        after = integrated_loudness(out)
        assert abs(before + 14) > 8, before          # the input really was far off
        assert abs(after + 14) < 2, (gain, after)


def test_corrupt_logo_is_named_before_anything_is_written(tmp_path, clip3, logo_dir):
    import shutil
    mine = tmp_path / "logos"
    shutil.copytree(logo_dir, mine)
    (mine / "uttaradit" / "phichai" / "lao.png").write_bytes(b"not a picture")
    out = tmp_path / "out"
    res = runner.invoke(app, ["render", str(clip3), "-d", "พิชัย", "-o", str(out), "--logo-dir", str(mine)])
    assert res.exit_code == 2
    line = [x for x in res.stderr.splitlines() if x.startswith("Error:")][0]
    assert '"lao"' in line and "uttaradit/phichai/lao.png" in line
    assert not out.exists()


def test_failed_first_render_leaves_no_empty_folder(tmp_path, clip3, logo_dir):
    out = tmp_path / "new"
    plan = r.plan(r.Job(input=clip3, district="พิชัย", out_dir=out, logo_dirs=(logo_dir,)))

    def interrupt(seconds: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        r.render_with_facts(plan, progress=interrupt)
    assert not out.exists()


def test_loudness_measured_in_the_pass_matches_the_file(tmp_path, clip3, logo_dir):
    from overlay.check import integrated_loudness

    done = r.render_with_facts(r.plan(r.Job(input=clip3, district="พิชัย", out_dir=tmp_path,
                                            logo_dirs=(logo_dir,))))
    assert done.loudness is not None
    assert abs(done.loudness - integrated_loudness(done.path)) < 0.5


def test_output_never_replaces_the_input_even_with_force(tmp_path, clip3, logo_dir):
    import shutil
    named = tmp_path / NAME
    shutil.copyfile(clip3, named)
    before = named.read_bytes()
    res = runner.invoke(app, ["render", str(named), "-d", "พิชัย", "-o", str(tmp_path), "--force",
                              "--logo-dir", str(logo_dir)])
    assert res.exit_code == 2 and "replace the input" in res.stderr
    assert named.read_bytes() == before
