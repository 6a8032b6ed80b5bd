"""What district staff really have: phone footage, old camera files, broken copies, faults."""

from __future__ import annotations

import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from typer.testing import CliRunner

from overlay import render as r
from overlay.cli import app
from overlay.errors import RenderError
from overlay.tools import ffmpeg_exe

from conftest import decode_frame, make_clip, posix_only

runner = CliRunner()


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-v", "error", "-nostdin", "-y", *args], check=True)


def render(tmp_path: Path, clip: Path, logo_dir: Path, **kw) -> Path:
    plan = r.plan(r.Job(input=clip, district="พิชัย", out_dir=tmp_path, logo_dirs=(logo_dir,),
                        quality="draft", **kw))
    return r.render_with_facts(plan).path


def video_stream(path: Path):
    c = av.open(str(path))
    return c, c.streams.video[0]


def logo_in_top_right(frame: np.ndarray, logo_dir: Path) -> bool:
    """The logo row, built for this frame size, is where the check expects it."""
    from overlay.check import logo_match
    from overlay.logofiles import district_logos
    from overlay.presets import load_preset

    preset = load_preset("uttaradit")
    h, w = frame.shape[:2]
    row = r.logo_row(preset, district_logos(preset, preset.district("พิชัย"), (logo_dir,)), w, h)
    assert row.x + row.image.width > w * 0.8 and row.y < h * 0.1
    return logo_match(frame, np.asarray(row.image.convert("RGBA")), row.x, row.y) < 40


# ------------------------------------------------------------------ know the input

def test_rotated_phone_clip_comes_out_upright(tmp_path, media, logo_dir):
    base = make_clip(media / "landscape.mp4", seconds=2, source="testsrc")
    rotated = media / "rotated.mp4"
    ffmpeg("-display_rotation", "90", "-i", str(base), "-c", "copy", str(rotated))
    assert r.probe(rotated).video.display_size == (180, 320)
    out = render(tmp_path, rotated, logo_dir)
    c, v = video_stream(out)
    with c:
        assert (v.codec_context.width, v.codec_context.height) == (180, 320)
        frame = next(c.decode(v))
        assert not frame.rotation                    # no rotation flag left
    first = decode_frame(out, 0.0)
    assert logo_in_top_right(first, logo_dir)
    # Upright: the source turned 90° counter-clockwise, below the logo row, matches.
    upright = np.rot90(decode_frame(base, 0.0), k=1)
    assert np.abs(first[80:, :].astype(int) - upright[80:, :]).mean() < 25


def test_variable_frame_rate_becomes_constant(tmp_path, media, logo_dir):
    vfr = media / "vfr.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=s=320x180:r=30:d=3", "-f", "lavfi", "-i", "sine=d=3",
           "-vf", r"select='not(mod(n\,3))+lt(n\,10)'", "-fps_mode", "vfr", "-c:v", "libx264",
           "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(vfr))
    assert r.probe(vfr).video.variable_fps
    out = render(tmp_path, vfr, logo_dir)
    with av.open(str(out)) as c:
        v = c.streams.video[0]
        assert v.average_rate == 30
        pts = sorted(p.pts for p in c.demux(v) if p.pts is not None)
        steps = {b - a for a, b in zip(pts, pts[1:])}
        assert len(steps) == 1                        # every frame lasts the same
        a = c.streams.audio[0]
        assert abs(float(v.duration * v.time_base) - float(a.duration * a.time_base)) < 0.1


def test_hdr_hlg_10bit_is_tone_mapped_to_sdr_8bit(tmp_path, media, logo_dir):
    hlg = media / "hlg.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=s=320x180:r=25:d=2",
           "-vf", "setparams=color_primaries=bt2020:color_trc=arib-std-b67:colorspace=bt2020nc",
           "-c:v", "libx265", "-x265-params", "log-level=error", "-pix_fmt", "yuv420p10le",
           "-tag:v", "hvc1", str(hlg))
    info = r.probe(hlg).video
    assert (info.hdr, info.bit_depth) == ("hlg", 10)
    out = render(tmp_path, hlg, logo_dir)
    c, v = video_stream(out)
    with c:
        cc = v.codec_context
        assert (cc.pix_fmt, cc.color_trc, cc.color_primaries, cc.colorspace) == ("yuv420p", 1, 1, 1)
    frame = decode_frame(out, 1.0)
    assert 40 < frame[60:, :].mean() < 215          # neither black nor washed out to white
    assert frame[60:, :].std() > 40                 # the pattern's contrast survived


def test_interlaced_is_deinterlaced(tmp_path, media, logo_dir):
    inter = media / "interlaced.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=s=320x180:r=50:d=2", "-vf",
           "tinterlace=mode=interleave_top,setfield=tff", "-c:v", "libx264", "-flags", "+ildct+ilme",
           "-pix_fmt", "yuv420p", str(inter))
    assert r.probe(inter).video.interlaced
    args = r.graph.build(r.graph_spec(r.plan(r.Job(input=inter, district="พิชัย", out_dir=tmp_path,
                                             logo_dirs=(logo_dir,))), tmp_path / "x.mp4", 0, 0, None, ()), "ffmpeg")
    assert "bwdif" in args[args.index("-filter_complex") + 1]
    out = render(tmp_path, inter, logo_dir)
    with av.open(str(out)) as c:
        assert not next(c.decode(video=0)).interlaced_frame


@pytest.mark.parametrize(("size", "sar", "expected"), [
    ("321x181", "1", (320, 180)),          # odd → even
    ("720x576", "16/15", (768, 576)),      # PAL 4:3 with non-square pixels: not stretched
    ("720x480", "32/27", (852, 480)),      # NTSC 16:9 anamorphic
])
def test_sizes_become_even_and_keep_their_shape(tmp_path, media, logo_dir, size, sar, expected):
    clip = media / f"s{size}-{sar.replace('/', '_')}.mp4"
    ffmpeg("-f", "lavfi", "-i", f"testsrc=s={size}:r=25:d=1.5", "-vf", f"setsar={sar}",
           "-c:v", "libx264", "-pix_fmt", "yuv444p", str(clip))
    out = render(tmp_path, clip, logo_dir)
    c, v = video_stream(out)
    with c:
        cc = v.codec_context
        assert (cc.width, cc.height) == expected and cc.pix_fmt == "yuv420p"
        assert v.sample_aspect_ratio in (None, Fraction(1), 0) or v.sample_aspect_ratio == 1


def test_no_audio_gets_silent_stereo(tmp_path, media, logo_dir):
    clip = make_clip(media / "mute.mp4", seconds=2, audio=False)
    out = render(tmp_path, clip, logo_dir)
    with av.open(str(out)) as c:
        a = c.streams.audio[0]
        assert a.codec_context.channels == 2 and a.codec_context.sample_rate == 48000
        v = c.streams.video[0]
        assert abs(float(a.duration * a.time_base) - float(v.duration * v.time_base)) < 0.1


def test_audio_longer_than_video_ends_with_the_video(tmp_path, media, logo_dir):
    clip = media / "longaudio.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=s=320x180:r=25:d=2", "-f", "lavfi", "-i", "sine=d=4",
           "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(clip))
    out = render(tmp_path, clip, logo_dir)
    with av.open(str(out)) as c:
        lengths = [float(s.duration * s.time_base) for s in c.streams]
    assert max(lengths) - min(lengths) < 0.1 and max(lengths) < 2.2


def test_late_starting_transport_stream_starts_at_zero(tmp_path, media, logo_dir):
    ts = media / "late.ts"
    ffmpeg("-f", "lavfi", "-i", "testsrc=s=320x180:r=25:d=2", "-f", "lavfi", "-i", "sine=d=2",
           "-c:v", "libx264", "-c:a", "aac", "-output_ts_offset", "10", "-f", "mpegts", str(ts))
    assert r.probe(ts).start > 9
    out = render(tmp_path, ts, logo_dir)
    with av.open(str(out)) as c:
        for s in c.streams:
            assert (s.start_time or 0) * s.time_base < 0.05
        assert abs(c.duration / 1e6 - 2.0) < 0.15


# ------------------------------------------------------------------ broken or wrong input

def _truncated(media: Path) -> Path:
    src = make_clip(media / "whole.mp4", seconds=3)
    bad = media / "truncated.mp4"
    bad.write_bytes(src.read_bytes()[:20000])         # moov at the end: never reached
    return bad


def _no_moov(media: Path) -> Path:
    data = make_clip(media / "whole.mp4", seconds=3).read_bytes()
    bad = media / "nomoov.mp4"
    bad.write_bytes(data[: data.find(b"moov") - 4])
    return bad


def _short(media: Path) -> Path:
    return make_clip(media / "short.mp4", seconds=0.5)


@pytest.mark.parametrize(("make", "words"), [
    (_truncated, "damaged"), (_no_moov, "damaged"), (_short, "at least 1 s"),
])
def test_broken_input_is_one_line_exit_2(tmp_path, media, logo_dir, make, words):
    bad = make(media)
    before = bad.read_bytes()
    out = tmp_path / "out"
    res = runner.invoke(app, ["render", str(bad), "-d", "พิชัย", "-o", str(out), "--logo-dir", str(logo_dir)])
    assert res.exit_code == 2, res.output
    errors = [line for line in res.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and words in errors[0] and "Traceback" not in res.output
    assert not out.exists()
    assert bad.read_bytes() == before


def test_damaged_part_way_renders_the_readable_part_with_a_warning(tmp_path, media, logo_dir):
    whole = media / "faststart.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=s=320x180:r=25:d=4", "-c:v", "libx264", "-pix_fmt", "yuv420p",
           "-movflags", "+faststart", str(whole))
    data = whole.read_bytes()
    cut = media / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    res = runner.invoke(app, ["render", str(cut), "-d", "พิชัย", "-o", str(tmp_path), "--logo-dir", str(logo_dir)])
    assert res.exit_code == 0, res.output
    assert "damaged" in res.stderr


# ------------------------------------------------------------------ faults during a render

def _capture_ffmpeg(monkeypatch) -> list:
    """Keep a handle on the real ffmpeg process the runner starts (it still runs for real)."""
    started = []
    real = subprocess.Popen

    def popen(*args, **kwargs):
        proc = real(*args, **kwargs)
        started.append(proc)
        return proc

    monkeypatch.setattr(r.runner.subprocess, "Popen", popen)
    return started


def test_ffmpeg_killed_midway_leaves_nothing(tmp_path, media, logo_dir, monkeypatch):
    clip = make_clip(media / "long.mp4", seconds=20, size="640x360")
    existing = tmp_path / r.plan(r.Job(input=clip, district="พิชัย", out_dir=tmp_path,
                                       logo_dirs=(logo_dir,))).output.name
    existing.write_bytes(b"an earlier good render")
    plan = r.plan(r.Job(input=clip, district="พิชัย", out_dir=tmp_path, logo_dirs=(logo_dir,), force=True))
    started = _capture_ffmpeg(monkeypatch)

    def kill_once_started(seconds: float) -> None:
        if seconds > 0.5:
            started[-1].kill()

    with pytest.raises(RenderError) as info:
        r.render_with_facts(plan, progress=kill_once_started)
    assert "stopped" in info.value.message
    assert sorted(p.name for p in tmp_path.iterdir()) == [existing.name]
    assert existing.read_bytes() == b"an earlier good render"      # untouched


def test_output_folder_removed_midway(tmp_path, media, logo_dir):
    clip = make_clip(media / "long.mp4", seconds=20, size="640x360")
    out = tmp_path / "out"
    plan = r.plan(r.Job(input=clip, district="พิชัย", out_dir=out, logo_dirs=(logo_dir,)))

    def remove(seconds: float) -> None:
        if seconds > 0.5 and out.exists():
            shutil.rmtree(out)

    with pytest.raises(RenderError):
        r.render_with_facts(plan, progress=remove)
    assert not out.exists()


@posix_only                         # a tiny tmpfs by mount(8)
def test_disk_full_is_a_clear_error(tmp_path, clip3, logo_dir):
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(tiny)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("needs root to mount a tiny tmpfs (CI runs as root)")
    try:
        res = runner.invoke(app, ["render", str(clip3), "-d", "พิชัย", "-o", str(tiny), "--logo-dir", str(logo_dir)])
        assert res.exit_code == 1
        assert "disk is full" in res.stderr
        assert list(tiny.iterdir()) == []
    finally:
        subprocess.run(["umount", str(tiny)], check=False)


# ------------------------------------------------------------------ hostile values

@pytest.mark.parametrize("district", ["../พิชัย", "พิชัย/../../etc", "..\\x", "พิชัย:$(rm)"])
def test_district_cannot_escape_the_output_folder(tmp_path, clip3, district):
    res = runner.invoke(app, ["render", str(clip3), "-d", district, "-o", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert not (tmp_path / "out").exists()


def test_lao_and_template_values_cannot_change_the_graph(tmp_path, clip3, logo_dir):
    user = tmp_path / "p.toml"
    user.write_text('[preset]\nextends = "uttaradit"\n[naming]\ntemplate = "{district}/../../x{province}"\n',
                    encoding="utf-8")
    res = runner.invoke(app, ["render", str(clip3), "-d", "พิชัย", "-p", str(user), "-o", str(tmp_path / "o")])
    assert res.exit_code == 2 and "name template" in res.stderr   # refused when the preset is read
    plan = r.plan(r.Job(input=clip3, district="พิชัย", out_dir=tmp_path, lao="x';[0:v]drawbox=1:1 ;",
                        logo_dirs=(logo_dir,)))
    args = r.graph.build(r.graph_spec(plan, tmp_path / "o.mp4", 0, 0, None, ()), "ffmpeg")
    assert not any("drawbox" in a for a in args)
