"""What YouTube asks of the file, fixed by its upload recommendations rather than by a
province: one table that ``graph.py`` writes and ``check.py`` checks, so what is written
is exactly what is checked. What an office may change (CRF, speed, loudness, size, rate)
is in the presets' ``[encode]`` table instead."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Delivery:
    container: str           # ffmpeg's muxer, and the file's extension
    video_encoder: str
    video_codec: str         # as a decoder names it
    video_profile: str
    pix_fmt: str
    colour: str              # primaries, transfer and matrix, as ffmpeg names them
    colour_code: int         # the same, as the number the stream carries (ITU-T H.273)
    colour_label: str
    colour_range: str
    audio_codec: str
    audio_channels: int
    movflags: str            # +faststart: the index before the media, playback starts at once


YOUTUBE = Delivery(container="mp4", video_encoder="libx264", video_codec="h264",
                   video_profile="high", pix_fmt="yuv420p", colour="bt709", colour_code=1,
                   colour_label="BT.709", colour_range="tv", audio_codec="aac", audio_channels=2,
                   movflags="+faststart")
