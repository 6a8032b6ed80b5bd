"""Which ffmpeg runs, and what it can do.

Order of precedence (README "Which ffmpeg"): the ``OVERLAY_FFMPEG`` environment variable,
then an ``ffmpeg`` on PATH, then the one bundled in the ``imageio-ffmpeg`` wheel.
``OVERLAY_NO_PATH_FFMPEG=1`` skips PATH (useful when the system ffmpeg lacks libass).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from overlay.errors import OverlayError
from overlay.i18n import _


@dataclass(frozen=True)
class FFmpeg:
    path: Path
    source: str  # "OVERLAY_FFMPEG", "PATH" or "imageio-ffmpeg"


@functools.lru_cache(maxsize=None)
def find_ffmpeg() -> FFmpeg:
    env = os.environ.get("OVERLAY_FFMPEG")
    if env:
        path = Path(env)
        if not path.is_file():
            raise OverlayError(
                _("OVERLAY_FFMPEG points at {path}, which is not a file.").format(path=path),
                _("Fix the path or unset OVERLAY_FFMPEG to use the bundled ffmpeg."))
        return FFmpeg(path, "OVERLAY_FFMPEG")
    if os.environ.get("OVERLAY_NO_PATH_FFMPEG") != "1":
        on_path = shutil.which("ffmpeg")
        if on_path:
            return FFmpeg(Path(on_path), "PATH")
    try:
        import imageio_ffmpeg

        return FFmpeg(Path(imageio_ffmpeg.get_ffmpeg_exe()), "imageio-ffmpeg")
    except Exception as exc:  # the wheel raises RuntimeError when its binary is missing
        raise OverlayError(
            _("No ffmpeg was found ({reason}).").format(reason=exc),
            _("Reinstall with 'pip install --force-reinstall imageio-ffmpeg' or set OVERLAY_FFMPEG."),
        ) from exc


def ffmpeg_exe() -> str:
    return str(find_ffmpeg().path)


@functools.lru_cache(maxsize=None)
def ffmpeg_features() -> dict[str, Any]:
    """Version line, filters and encoders that matter to us, for ``doctor`` and early checks."""
    exe = ffmpeg_exe()

    def run(*args: str) -> str:
        done = subprocess.run([exe, "-hide_banner", *args], capture_output=True, text=True,
                              encoding="utf-8", errors="replace", stdin=subprocess.DEVNULL)
        return done.stdout + done.stderr

    version = (run("-version").splitlines() or ["?"])[0]
    filters = {line.split()[1] for line in run("-filters").splitlines()
               if len(line.split()) > 2 and line.startswith(" ")}
    encoders = {line.split()[1] for line in run("-encoders").splitlines()
                if len(line.split()) > 2 and line.startswith(" ")}
    return {"version": version, "filters": filters, "encoders": encoders}
