"""The sound's level: the pure decision (table-tested), the receipt's loudness line, and real
renders of speech at very different levels, measured on the output with ebur128."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_graph import filter_graph, spec
from typer.testing import CliRunner

from overlay import graph
from overlay import loudness as ld
from overlay import render as r
from overlay.check import Item, Receipt, loudness_item
from overlay.cli import app
from overlay.tools import ffmpeg_exe

TARGET = ld.Target(-14.0, -1.0, 1.0)
NAME = "ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอพิชัยจังหวัดอุตรดิตถ์.mp4"


def m(integrated, true_peak, lra=8.0):
    return ld.Measured(integrated=integrated, true_peak=true_peak, lra=lra)


# ---------------------------------------------------------------- the decision, pure

@pytest.mark.parametrize(("source", "kind", "gain"), [
    (None, ld.DYNAMIC, 0.0),                      # not measured: one-pass loudnorm
    (m(None, -60.0), ld.LEAVE, 0.0),              # nothing above the −70 LUFS gate
    (m(-65.0, -50.0), ld.LEAVE, 0.0),             # noise: lifting it makes hiss loud
    (m(-30.0, -20.0), ld.GAIN, 16.0),             # peaks end at −4 dBTP: a plain gain
    (m(-14.0, -3.0), ld.GAIN, 0.0),               # already right
    (m(-5.0, 0.5), ld.GAIN, -9.0),                # loud and clipped: brought down
    (m(-30.0, -16.0), ld.LIMIT, 16.0),            # 0 dBTP after the gain: over the −1.5 ceiling
    (m(-30.0, -15.0), ld.LIMIT, 16.0),            # 2.5 dB over the ceiling: a limiter shaves it
    (m(-30.0, -14.0), ld.COMPRESS, 16.0),         # 3.5 dB over: too much for the limiter alone
    (m(-45.6, -23.2), ld.COMPRESS, 31.6),         # the district chief across the room
])
def test_decide(source, kind, gain):
    plan = ld.decide(source, TARGET)
    assert plan.kind == kind
    assert plan.gain == pytest.approx(gain)
    assert plan.settled == (kind != ld.COMPRESS)


def test_gain_is_chosen_exactly_up_to_the_ceiling():
    # True peak after the gain: −1.5 dBTP is the most a plain gain may give (target − headroom).
    assert ld.decide(m(-30.0, -17.5), TARGET).kind == ld.GAIN
    assert ld.decide(m(-30.0, -17.4), TARGET).kind == ld.LIMIT
    # More than LIMIT_AT_MOST dB to shave: compress first.
    assert ld.decide(m(-30.0, -17.5 + ld.LIMIT_AT_MOST), TARGET).kind == ld.LIMIT
    assert ld.decide(m(-30.0, -17.4 + ld.LIMIT_AT_MOST), TARGET).kind == ld.COMPRESS


def test_silence_floor_is_the_edge():
    assert ld.decide(m(ld.SILENCE_FLOOR, -40.0), TARGET).kind != ld.LEAVE
    assert ld.decide(m(ld.SILENCE_FLOOR - 0.1, -40.0), TARGET).kind == ld.LEAVE


def test_settle_makes_up_what_the_compressor_took():
    plan = ld.decide(m(-45.6, -23.2), TARGET)
    done = ld.settle(plan, m(-22.5, 2.0))
    assert done.settled and done.kind == ld.COMPRESS and done.makeup == pytest.approx(8.5)
    assert ld.settle(done, m(-30.0, 0.0)) is done                  # settled once only
    assert ld.settle(plan, None).kind == ld.LIMIT                  # nothing measured: shave


def test_make_up_gives_back_what_the_limiter_took_and_a_half():
    limit = ld.decide(m(-41.6, -27.0), TARGET)
    assert limit.kind == ld.LIMIT
    done = ld.make_up(limit, m(-15.4, -2.0))
    assert done.gain == pytest.approx(limit.gain + 1.4 * ld.MAKE_UP_FACTOR)
    compress = ld.settle(ld.decide(m(-45.6, -23.2), TARGET), m(-22.5, 2.0))
    done = ld.make_up(compress, m(-14.6, -2.0))
    assert done.gain == compress.gain and done.makeup == pytest.approx(8.5 + 0.9)
    assert ld.make_up(limit, m(-14.1, -2.0)) is limit                   # close enough
    assert ld.make_up(limit, m(-30.0, -2.0)).gain == limit.gain + ld.MAKE_UP_AT_MOST
    plain = ld.decide(m(-30.0, -20.0), TARGET)
    assert ld.make_up(plain, m(-15.0, -4.0)) is plain                  # no limiter, no loss


def names(plan, **kw):
    return [name for name, _options in plan.filters(**kw)]


def test_filters_of_each_plan():
    assert names(ld.decide(m(-30.0, -20.0), TARGET)) == ["volume"]
    assert names(ld.decide(m(-14.0, -3.0), TARGET)) == []          # no 0 dB volume filter
    assert names(ld.decide(m(-65.0, -50.0), TARGET)) == []
    assert names(ld.decide(m(-30.0, -15.0), TARGET)) == ["volume", "alimiter"]
    compress = ld.settle(ld.decide(m(-45.6, -23.2), TARGET), m(-22.5, 2.0))
    assert names(compress) == ["volume", "acompressor", "volume", "alimiter"]
    assert names(compress, upto_compressor=True) == ["volume", "acompressor"]
    assert names(ld.decide(None, TARGET)) == ["loudnorm", "aresample"]
    limiter = dict(compress.filters())["alimiter"]
    # A sample-peak ceiling 1 dB under the true-peak target: −2 dBFS.
    assert float(str(limiter["limit"])) == pytest.approx(10 ** (-2 / 20), abs=1e-4)
    volumes = [options["volume"] for name, options in compress.filters() if name == "volume"]
    assert volumes == ["31.60dB", "8.50dB"]                          # lift, then make-up


def test_target_comes_from_the_preset():
    from overlay.presets import load_preset

    target = ld.Target.of(load_preset("uttaradit").encode)
    assert (target.loudness, target.true_peak, target.tolerance) == (-14.0, -1.0, 1.0)
    assert target.met(-13.0) and target.met(-15.0) and not target.met(-15.1)


SUMMARY = """[Parsed_ebur128_0 @ 0x5] Summary:

  Integrated loudness:
    I:         -45.6 LUFS
    Threshold: -56.0 LUFS

  Loudness range:
    LRA:        15.7 LU
    Threshold: -66.1 LUFS
    LRA low:   -54.3 LUFS
    LRA high:  -38.6 LUFS

  True peak:
    Peak:      -23.2 dBFS
"""


def test_parse_summary():
    got = ld.parse_summary("noise before\n" + SUMMARY)
    assert got == ld.Measured(integrated=-45.6, true_peak=-23.2, lra=15.7, threshold=-56.0)
    silent = SUMMARY.replace("-45.6", "-70.0").replace("-23.2", "-inf")
    assert ld.parse_summary(silent) == ld.Measured(None, -math.inf, 15.7, -56.0)
    no_peak = SUMMARY.split("  True peak:")[0]
    assert ld.parse_summary(no_peak).true_peak == -math.inf
    assert ld.parse_summary("no summary at all") is None


def test_measuring_pass_reads_only_the_kept_sound():
    args = ld.measure_args("ffmpeg", Path("/clips/in.mp4"), 12.5, 60.0)
    assert args[args.index("-ss") + 1] == "12.500" and args[args.index("-t") + 1] == "60.000"
    assert args.index("-ss") < args.index("-i")                     # input side: no decode before
    assert "-vn" in args and args[args.index("-map") + 1] == "0:a:0"
    chain = args[args.index("-af") + 1]
    assert chain.startswith("aresample=out_sample_rate=48000,aformat=")
    assert chain.endswith("ebur128=framelog=quiet:peak=true")
    assert "-ss" not in ld.measure_args("ffmpeg", Path("/x.mp4"), 0.0, 5.0)


def test_graph_applies_the_plan_after_the_stereo_conversion():
    plan = ld.settle(ld.decide(m(-45.6, -23.2), TARGET), m(-22.5, 2.0))
    fg = filter_graph(graph.build(spec(audio_plan=plan), "ffmpeg"))
    assert "loudnorm" not in fg
    assert fg.index("channel_layouts=stereo") < fg.index("volume=volume=31.60dB") \
        < fg.index("acompressor=") < fg.index("alimiter=") < fg.index("ebur128") < fg.index("apad")
    leave = ld.decide(m(None, -80.0), TARGET)
    fg = filter_graph(graph.build(spec(audio_plan=leave), "ffmpeg"))
    assert "volume" not in fg and "loudnorm" not in fg and "alimiter" not in fg


# ---------------------------------------------------------------- the receipt's line, pure

def test_loudness_line_shows_the_input_level():
    plan = ld.decide(m(-45.6, -23.2), TARGET)
    item = loudness_item(-14.2, TARGET, rendered=True, audio_plan=plan)
    assert item.ok is True and not item.warning
    assert item.detail == "-45.6 → -14.2 LUFS (target -14 ± 1)"


def test_near_silence_is_a_warning_with_what_to_do():
    item = loudness_item(None, TARGET, rendered=True, audio_plan=ld.decide(m(None, -70.0), TARGET))
    assert item.ok is None and item.warning
    assert "nearly silent or only noise" in item.detail and "clip-on microphone" in item.hint
    item = loudness_item(-62.0, TARGET, rendered=True, audio_plan=ld.decide(m(-62.0, -50.0), TARGET))
    assert item.detail.startswith("-62.0 LUFS: nearly silent")


def test_a_miss_is_a_warning_for_our_render_and_a_failure_for_a_file_from_elsewhere():
    plan = ld.decide(m(-45.6, -23.2), TARGET)
    ours = loudness_item(-16.3, TARGET, rendered=True, audio_plan=plan)
    assert ours.ok is None and ours.warning and "closer to the speaker" in ours.hint
    theirs = loudness_item(-22.6, TARGET)
    assert theirs.ok is False and not theirs.warning and "overlay render" in theirs.hint
    assert theirs.detail == "-22.6 LUFS (target -14 ± 1)"
    assert loudness_item(-13.1, TARGET).ok is True


def test_warnings_do_not_fail_a_receipt():
    receipt = Receipt(Path("x.mp4"), (Item("a", True, ""), Item("b", None, "", warning=True)))
    assert receipt.ok and len(receipt.warnings) == 1 and not receipt.failures
    assert not Receipt(Path("x.mp4"), (Item("a", False, ""),)).ok


# ---------------------------------------------------------------- real audio, real renders

def ebur128(path: Path) -> tuple[float | None, float]:
    """(integrated LUFS or None, true peak dBTP) of a file's first audio stream: measured here
    with ffmpeg directly, not with the code under test."""
    done = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path), "-map",
                           "0:a:0", "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    tail = done.stderr[done.stderr.rfind("Integrated loudness:"):]
    i = float(re.search(r"I:\s+(-?[\d.]+) LUFS", tail).group(1))
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", tail).group(1)
    return (None if i <= -69.9 else i), float(peak)


def run_ff(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args],
                   check=True, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def speech(media) -> Path:
    """About 5 s of speech with a pause (espeak-ng), or tone bursts with pauses without it."""
    wav = media / "speech.wav"
    espeak = shutil.which("espeak-ng")
    if espeak:
        subprocess.run([espeak, "-v", "en", "-s", "150", "-w", str(wav),
                        "The waste bank was set up by the community. "
                        "Members bring their recyclables every month."],
                       check=True, stdin=subprocess.DEVNULL)
    else:
        # Voiced bursts, 1.1 s on, 0.5 s off: a 180 Hz buzz in syllables that start strong and
        # fade. Like espeak's voice, its peaks stand ~12 dB above its loudness and it sits near
        # -19 LUFS, so the chief's click below is ~18 dB above it and clipping keeps it loud.
        run_ff("-f", "lavfi", "-i", "aevalsrc='0.4*sin(2*PI*180*t)*exp(-8*mod(t,0.27))"
               "*gt(mod(t,1.6),0.5)':s=22050:d=5", str(wav))
    return wav


@pytest.fixture(scope="session")
def picture(media) -> Path:
    """A tiny silent test pattern that every sound is muxed with."""
    path = media / "picture.mp4"
    run_ff("-f", "lavfi", "-i", "testsrc=size=320x180:rate=10:duration=14",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path))
    return path


def at_level(sound: Path, picture: Path, out: Path, lufs: float, *, channels: int = 2,
             rate: int = 48000, clip: bool = False) -> Path:
    """``sound`` brought to ``lufs`` (as ebur128 measures the file), with ``channels`` and
    ``rate``, muxed with the picture. ``clip``: through 16-bit samples, so it clips hard."""
    layout = "mono" if channels == 1 else "stereo"
    staged = out.with_name(f"{out.stem}-staged.wav")
    fmt = "s16" if clip else "flt"
    run_ff("-i", str(sound), "-af", f"aresample={rate},aformat=channel_layouts={layout}",
           "-c:a", "pcm_f32le", str(staged))
    level, _peak = ebur128(staged)
    run_ff("-i", str(picture), "-i", str(staged), "-map", "0:v", "-map", "1:a", "-c:v", "copy",
           "-af", f"volume={lufs - level:.2f}dB,aformat=sample_fmts={fmt}",
           "-c:a", "aac", "-b:a", "128k", "-shortest", str(out))
    return out


def render_clip(clip: Path, out_dir: Path, logo_dir: Path) -> r.Rendered:
    plan = r.plan(r.Job(input=clip, district="พิชัย", out_dir=out_dir, logo_dirs=(logo_dir,),
                        quality="draft"))
    return r.render_with_facts(plan)


def assert_on_target(path: Path) -> None:
    lufs, peak = ebur128(path)
    assert lufs is not None and abs(lufs - TARGET.loudness) <= TARGET.tolerance, (path, lufs)
    assert peak <= TARGET.true_peak, (path, peak)


@pytest.mark.parametrize("lufs", [-45.0, -30.0, -14.0, -5.0])
@pytest.mark.parametrize(("channels", "rate"), [(1, 44100), (2, 48000)])
def test_speech_at_any_level_comes_out_at_the_target(tmp_path, speech, picture, logo_dir,
                                                     lufs, channels, rate):
    # Speech at −5 LUFS has peaks far above full scale: as in a real file, it is clipped,
    # and the clipping takes a few dB off its measured level.
    loud = lufs > -10
    clip = at_level(speech, picture, tmp_path / "in.mp4", lufs, channels=channels, rate=rate,
                    clip=loud)
    before, _peak = ebur128(clip)
    assert before is not None                                       # the input really is there
    assert before > -11 if loud else abs(before - lufs) < 1.5
    done = render_clip(clip, tmp_path / "out", logo_dir)
    assert done.audio is not None and done.audio.source is not None
    assert_on_target(done.path)
    assert done.loudness is not None and abs(done.loudness - ebur128(done.path)[0]) < 0.5


@pytest.fixture(scope="session")
def chief(media, speech, picture) -> Path:
    """Like the district chief across a room: sentences at very different levels, long
    pauses with room noise, a door-like click; −45.6 LUFS, peaks ~20 dB above it."""
    wav = media / "chief.wav"
    run_ff("-i", str(speech), "-filter_complex",
           "[0]aresample=48000,asplit=3[a][b][c];"
           "[a]apad=pad_dur=1.5[a1];[b]volume=-12dB,apad=pad_dur=1.5[b1];[c]volume=-6dB[c1];"
           "aevalsrc='0.9*sin(2*PI*3000*t)*exp(-t*200)':d=0.05:s=48000[k];"
           "[a1][k][b1][c1]concat=n=4:v=0:a=1,pan=stereo|c0=c0|c1=c0[s];"
           "anoisesrc=a=0.0003:c=pink:d=20:r=48000,pan=stereo|c0=c0|c1=c0[n];"
           "[s][n]amix=inputs=2:duration=first:normalize=0", str(wav))
    return at_level(wav, picture, media / "chief.mp4", -45.6)


def test_a_quiet_uneven_recording_reaches_the_target_and_render_exits_0(tmp_path, chief,
                                                                       logo_dir):
    before, peak = ebur128(chief)
    assert abs(before + 45.6) < 2 and peak - before > 15          # quiet, and peaky
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["render", str(chief), "-d", "พิชัย", "-o", str(out),
                                   "-q", "draft", "--logo-dir", str(logo_dir)])
    assert res.exit_code == 0, res.output
    assert re.search(r"loudness\s+-4\d\.\d → -1[345]\.\d LUFS \(target -14 ± 1\)", res.stderr)
    assert_on_target(out / NAME)


def test_a_near_silent_track_is_left_alone_with_a_warning(tmp_path, media, picture, logo_dir):
    hiss = media / "hiss.wav"
    run_ff("-f", "lavfi", "-i", "anoisesrc=a=0.05:c=pink:d=6:r=48000", str(hiss))
    clip = at_level(hiss, picture, tmp_path / "hiss.mp4", -70.0)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["render", str(clip), "-d", "พิชัย", "-o", str(out),
                                   "-q", "draft", "--logo-dir", str(logo_dir)])
    assert res.exit_code == 0, res.output
    assert "⚠" in res.stderr and "nearly silent or only noise" in res.stderr
    assert "clip-on microphone" in res.stderr and "warning" in res.stderr
    after, _peak = ebur128(out / NAME)
    assert after is None or after < -60                           # not pumped up

    # The batch report says the same: done, compliant, and what the tool could not do.
    from overlay import batch as b

    job = r.Job(input=clip, district="พิชัย", out_dir=tmp_path / "batch",
                logo_dirs=(logo_dir,), quality="draft")
    result = b.run_task(b.Task(row=2, job=job, key="k"))
    assert result.status == "done", result.error
    assert result.check.startswith("ok, with warnings:") and "nearly silent" in result.check


def test_a_loud_clipped_track_comes_down_without_new_clipping(tmp_path, speech, picture,
                                                               logo_dir):
    clip = at_level(speech, picture, tmp_path / "loud.mp4", -5.0, clip=True)
    before, peak = ebur128(clip)
    assert before is not None and before > -9 and peak > -0.5    # loud, and clipped
    done = render_clip(clip, tmp_path / "out", logo_dir)
    assert_on_target(done.path)


def test_check_of_a_file_from_elsewhere_still_fails_on_loudness(tmp_path, speech, picture,
                                                                logo_dir):
    clip = at_level(speech, picture, tmp_path / "quiet.mp4", -30.0)
    done = render_clip(clip, tmp_path / "out", logo_dir)
    # Someone else's file: the same picture, the sound turned down again after overlay.
    other = tmp_path / "elsewhere" / NAME
    other.parent.mkdir()
    run_ff("-i", str(done.path), "-map", "0", "-c:v", "copy", "-af", "volume=-15dB",
           "-c:a", "aac", "-movflags", "+faststart", str(other))
    res = CliRunner().invoke(app, ["check", str(other), "--logo-dir", str(logo_dir)])
    assert res.exit_code == 1
    assert "✗" in res.stdout and "overlay render" in res.stdout


class Stop(Exception):
    """What a front end's Cancel raises from the progress function."""


def test_cancel_stops_the_measuring_pass_and_leaves_nothing(clip3, logo_dir, tmp_path):
    plan = r.plan(r.Job(input=clip3, district="พิชัย", out_dir=tmp_path / "out",
                        logo_dirs=(logo_dir,), quality="draft"))
    seen: list[float] = []

    def cancel(seconds: float) -> None:
        seen.append(seconds)
        raise Stop

    # The measuring pass reports progress, so a Cancel takes effect before the render starts.
    with pytest.raises(Stop):
        r.audio_plan(plan, progress=cancel)
    with pytest.raises(Stop):
        r.render_with_facts(plan, progress=cancel)
    # audio_plan hands on the seconds read; render keeps its bar at 0 while it measures.
    assert len(seen) == 2 and seen[0] > 0 and seen[1] == 0.0
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
