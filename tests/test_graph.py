"""The graph builder is pure: a spec in, an argument list out."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from overlay import graph
from overlay.loudness import measured_loudness
from overlay.presets import EncodeProfile
from overlay.presets import base as base_preset
from overlay.probe import VideoInfo


def video(**kw) -> VideoInfo:
    base = dict(codec="h264", width=1920, height=1080, sar=Fraction(1), rotation=0, fps=Fraction(30),
                variable_fps=False, pix_fmt="yuv420p", bit_depth=8, hdr=None, interlaced=False, start=0.0)
    return VideoInfo(**{**base, **kw})


def spec(**kw) -> graph.GraphSpec:
    enc = base_preset().encode
    base = dict(input=Path("/clips/in.mp4"), start=0.0, duration=300.0, cut=False, fade=0.5,
                video=video(), has_audio=True, width=1920, height=1080, fps=Fraction(30),
                logo_png="logos.png", logo_x=1000, logo_y=54, output=Path("/out/x.mp4"),
                encode=EncodeProfile("veryfast", 21), loudness=enc.loudness, true_peak=enc.true_peak,
                audio_bitrate=enc.audio_bitrate, audio_rate=enc.audio_rate)
    return graph.GraphSpec(**{**base, **kw})


def filter_graph(args: list[str]) -> str:
    return args[args.index("-filter_complex") + 1]


@pytest.mark.parametrize(("w", "h", "limit", "expected"), [
    (1920, 1080, 1920, (1920, 1080)),
    (3840, 2160, 1920, (1920, 1080)),     # 4K scaled down
    (1080, 1920, 1920, (1080, 1920)),     # portrait kept
    (2160, 3840, 1920, (1080, 1920)),
    (640, 360, 1920, (640, 360)),         # never upscaled
    (321, 181, 1920, (320, 180)),         # odd → even, never up
    (853, 480, 1920, (852, 480)),
])
def test_output_size(w, h, limit, expected):
    assert graph.output_size(w, h, limit) == expected


@pytest.mark.parametrize(("fps", "nominal", "expected"), [
    (Fraction(2987, 100), Fraction(30), Fraction(30)),       # phone VFR: its nominal rate
    (Fraction(90, 7), Fraction(30), Fraction(30)),           # many dropped frames
    (Fraction(2987, 100), Fraction(600), Fraction(30000, 1001)),  # nominal is a timebase: snap the average up
    (Fraction(1790, 100), None, Fraction(24000, 1001)),
])
def test_output_fps_variable(fps, nominal, expected):
    assert graph.output_fps(video(fps=fps, variable_fps=True, nominal_fps=nominal), 60) == expected


@pytest.mark.parametrize(("fps", "vfr", "expected"), [
    (Fraction(30), False, Fraction(30)),
    (Fraction(30000, 1001), False, Fraction(30000, 1001)),
    (Fraction(120), False, Fraction(60)),               # slow-motion capped, cadence kept
    (Fraction(240), False, Fraction(60)),
    (Fraction(25), False, Fraction(25)),
    (Fraction(15), False, Fraction(15)),                # not forced up to a standard rate
])
def test_output_fps(fps, vfr, expected):
    assert graph.output_fps(video(fps=fps, variable_fps=vfr), 60) == expected


def test_input_side_limit_and_protected_paths():
    args = graph.build(spec(start=12.5, duration=300), "ffmpeg")
    i = args.index("file:/clips/in.mp4")
    assert args[i - 1] == "-i"
    before = args[:i]
    assert before[before.index("-t") + 1] == "300.000"       # -t before -i: decoding stops at the cut
    assert before[before.index("-ss") + 1] == "12.500"
    assert args[-1] == "file:/out/x.mp4"
    assert args[1:3] == ["-hide_banner", "-nostdin"]


def test_scale_comes_before_overlay_and_no_rescale_after():
    fg = filter_graph(graph.build(spec(), "ffmpeg"))
    assert fg.index("scale=") < fg.index("overlay=")
    assert fg.count("scale=") == 1
    assert "eof_action=repeat" in fg
    assert "subtitles" not in fg and "fade" not in fg     # no subtitles, no cut


def test_fade_only_when_cut_and_under_the_logos():
    fg = filter_graph(graph.build(spec(cut=True, duration=300), "ffmpeg"))
    assert "fade=duration=0.500:start_time=299.500:type=out" in fg
    assert "afade=" in fg
    assert fg.index("fade=") < fg.index("overlay=")


def test_youtube_encode_settings():
    args = graph.build(spec(), "ffmpeg")
    pairs = dict(zip(args, args[1:]))
    assert pairs["-c:v"] == "libx264" and pairs["-profile:v"] == "high"
    assert pairs["-pix_fmt"] == "yuv420p" and pairs["-preset"] == "veryfast" and pairs["-crf"] == "21"
    assert pairs["-c:a"] == "aac" and pairs["-ar"] == "48000" and pairs["-ac"] == "2"
    assert pairs["-movflags"] == "+faststart"
    assert "loudnorm=i=-14.0" in filter_graph(args)


def test_no_audio_gets_a_silent_track():
    args = graph.build(spec(has_audio=False), "ffmpeg")
    assert "anullsrc=r=48000:cl=stereo" in args
    assert "loudnorm" not in filter_graph(args)


def test_subtitles_use_plain_relative_names():
    fg = filter_graph(graph.build(spec(ass="subs.ass"), "ffmpeg"))
    assert "subtitles=filename=subs.ass:fontsdir=fonts" in fg
    assert fg.index("overlay=") < fg.index("subtitles=")


def test_no_shortest_with_embedded_tracks():
    # ffmpeg 9 hangs on -shortest with a subtitle input; -t ends the clip instead.
    assert "-shortest" in graph.build(spec(), "ffmpeg")
    tracks = (graph.SubTrack(Path("/w/th.srt"), "tha", "ไทย"),)
    args = graph.build(spec(embed=tracks), "ffmpeg")
    assert "-shortest" not in args and args[args.index("-t", args.index("-map")) + 1] == "300.000"


def test_embedded_tracks_are_tagged():
    tracks = (graph.SubTrack(Path("/w/th.srt"), "tha", "ไทย"), graph.SubTrack(Path("/w/en.srt"), "eng", "English"))
    args = graph.build(spec(embed=tracks), "ffmpeg")
    assert args[args.index("-c:s") + 1] == "mov_text"
    joined = " ".join(args)
    assert "-metadata:s:s:0 language=tha -metadata:s:s:0 title=ไทย" in joined
    assert "-metadata:s:s:1 language=eng" in joined


@pytest.mark.parametrize(("kw", "needle"), [
    ({"video": video(interlaced=True)}, "bwdif="),
    ({"video": video(hdr="hlg", bit_depth=10, pix_fmt="yuv420p10le")}, "tonemap=desat=0:tonemap=hable"),
])
def test_normalisation_filters(kw, needle):
    assert needle in filter_graph(graph.build(spec(**kw), "ffmpeg"))


def test_preview_is_one_frame_without_audio():
    args = graph.build(spec(frame_only=True, output=Path("/o/f.png")), "ffmpeg")
    assert "-vframes" in args and "-c:a" not in args and args[-1] == "file:/o/f.png"


def test_thread_cap_for_parallel_jobs():
    assert "-threads" not in graph.build(spec(), "ffmpeg")
    args = graph.build(spec(threads=1), "ffmpeg")
    assert args[args.index("-threads") + 1] == "1"
    assert args[args.index("-filter_complex_threads") + 1] == "1"
    assert args.index("-filter_complex_threads") < args.index("-i")      # a global option


def test_sound_has_its_own_demuxer_and_is_measured_in_the_same_pass():
    args = graph.build(spec(start=5.0), "ffmpeg")
    inputs = [i for i, a in enumerate(args) if a == "-i"]
    assert [args[i + 1] for i in inputs] == ["file:/clips/in.mp4", "logos.png", "file:/clips/in.mp4"]
    # The same window on both openings of the file, so picture and sound stay in step.
    for i in (inputs[0], inputs[2]):
        before = args[i - 8:i]
        assert before[before.index("-ss") + 1] == "5.000" and before[before.index("-t") + 1] == "300.000"
    assert "-vn" in args[inputs[1]:inputs[2]]
    fg = filter_graph(args)
    assert "[2:a]" in fg and "[0:a]" not in fg
    assert fg.index("loudnorm") < fg.index("ebur128") < fg.index("apad")


def test_measured_loudness_reads_the_summary():
    report = "  Integrated loudness:\n    I:         -14.2 LUFS\n    Threshold: -24.3 LUFS\n"
    assert measured_loudness(report) == -14.2
    assert measured_loudness("    I:         -inf LUFS\n") is None
    assert measured_loudness("nothing") is None
