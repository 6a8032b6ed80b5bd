#!/usr/bin/env python3
"""The same job done with MoviePy 2, for the benchmark only (run by benchmarks/run.py).

Logo row top-right for the whole clip, the Thai subtitles as TextClips in the shipped font,
trimmed to the limit, x264 with the same preset/crf/profile/GOP, AAC 192k 48 kHz.
MoviePy has no loudness normalisation, so it does less audio work than overlay.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("input", type=Path)
    p.add_argument("output", type=Path)
    p.add_argument("--logos", type=Path, required=True)
    p.add_argument("--x", type=int, required=True)
    p.add_argument("--y", type=int, required=True)
    p.add_argument("--srt", type=Path, required=True)
    p.add_argument("--limit", type=float, required=True)
    p.add_argument("--preset", default="veryfast")
    p.add_argument("--crf", type=int, default=21)
    p.add_argument("--font", type=Path, required=True)
    return p.parse_args()


def subtitle_clips(srt: Path, duration: float, frame_w: int, frame_h: int, font: Path):
    from moviepy import TextClip

    from overlay.subtitles import fit_window, layout_for, plain_text, read_srt

    layout = layout_for(frame_w, frame_h)
    cues, _dropped = fit_window(read_srt(srt).cues, 0.0, duration)
    clips = []
    for cue in cues:
        text = TextClip(font=str(font) if font.is_file() else None, text=plain_text(cue.text),
                        font_size=layout.font_th, color="white", stroke_color="black",
                        stroke_width=max(1, round(layout.outline)), method="caption",
                        size=(int(layout.max_text_w), None), text_align="center")
        clips.append(text.with_start(cue.start).with_end(cue.end)
                     .with_position(("center", frame_h - layout.margin_v - text.h)))
    return clips


def main() -> int:
    from moviepy import CompositeVideoClip, ImageClip, VideoFileClip

    a = parse_args()
    source = VideoFileClip(str(a.input))
    clip = source.subclipped(0, min(a.limit, source.duration))
    w, h = clip.size
    logos = ImageClip(str(a.logos)).with_position((a.x, a.y)).with_duration(clip.duration)
    subs = subtitle_clips(a.srt, clip.duration, w, h, a.font)
    final = CompositeVideoClip([clip, logos, *subs], size=(w, h)).with_duration(clip.duration)
    final.write_videofile(
        str(a.output), fps=clip.fps, codec="libx264", preset=a.preset,
        audio_codec="aac", audio_bitrate="192k", audio_fps=48000,
        ffmpeg_params=["-crf", str(a.crf), "-profile:v", "high", "-pix_fmt", "yuv420p",
                       "-g", str(round(clip.fps * 2)), "-bf", "2", "-movflags", "+faststart"],
        logger=None)
    source.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
