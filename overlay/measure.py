"""Reading a finished file: where its index sits, frames at given times, how well a region
matches the logo row. Shared by the receipt (``check``) and ffmpeg's self-test (``selftest``).
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any, Sequence

import av
import numpy as np
from PIL import Image, ImageFilter

from overlay.errors import InputError
from overlay.i18n import _


def faststart(path: Path) -> bool:
    """True when the index (moov) comes before the media (mdat): playback starts at once."""
    with open(path, "rb") as fh:
        while True:
            header = fh.read(8)
            if len(header) < 8:
                return False
            size, kind = struct.unpack(">I4s", header)
            if kind == b"moov":
                return True
            if kind == b"mdat":
                return False
            if size == 1:
                size = struct.unpack(">Q", fh.read(8))[0] - 8
            elif size == 0:
                return False
            fh.seek(size - 8, 1)


def frames_at(path: Path, times: list[float], *, keyframes: bool = False) -> list[np.ndarray]:
    """RGB frames nearest to each time (seconds); the last frame for a time past the end.

    ``keyframes``: the keyframe at or before each time will do (one frame decoded, not a GOP).
    """
    with av.open(str(path)) as container:
        return frames_in(container, times, keyframes=keyframes)


def frames_in(container: Any, times: Sequence[float], *, keyframes: bool = False) -> list[np.ndarray]:
    """:func:`frames_at` from a container the caller has open already (``probe.probing``)."""
    out: list[np.ndarray] = []
    stream = container.streams.video[0]
    if not stream.codec_context.is_open:  # a probe has decoded its first frame already
        stream.thread_type = "AUTO"      # frame threads: the end of a GOP decodes faster
    for t in times:
        container.seek(int(max(0.0, t) * 1_000_000), any_frame=False, backward=True)
        chosen = None
        for frame in container.decode(stream):
            chosen = frame
            if keyframes or (frame.time is not None and frame.time >= t):
                break
        if chosen is None:
            raise InputError(_("No picture could be decoded near {t:.1f} s.").format(t=t))
        out.append(chosen.to_ndarray(format="rgb24"))
    return out


def logo_match(frame: np.ndarray, row_rgba: np.ndarray, x: int, y: int) -> float:
    """Mean difference (0–255) between the frame and the logo row where the row is opaque.

    Both are blurred first (as PyAV's tests compare images): x264 at small sizes smears the
    fine print of a logo, which is compression, not a missing logo.
    """
    h, w = row_rgba.shape[:2]
    region = frame[y:y + h, x:x + w]
    if region.shape[:2] != (h, w):
        return 255.0
    mask = row_rgba[..., 3] > 250
    if mask.sum() < 4:        # a logo with soft edges only (a thin strip at a small size)
        mask = row_rgba[..., 3] > 128
    if not mask.any():
        return 255.0
    radius = max(1.0, h / 40)
    blur = ImageFilter.GaussianBlur(radius)
    seen = np.asarray(Image.fromarray(np.ascontiguousarray(region)).filter(blur), dtype=np.float32)
    want = np.asarray(Image.fromarray(np.ascontiguousarray(row_rgba[..., :3])).filter(blur),
                      dtype=np.float32)
    return float(np.abs(seen[mask] - want[mask]).mean())
