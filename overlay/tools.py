"""Which ffmpeg runs, and what it can do.

The ffmpeg bundled in the ``imageio-ffmpeg`` wheel is the one the project is tested with,
so it is used unless the user asks for another (README "Which ffmpeg"):

1. ``overlay --ffmpeg PATH …`` (the app's global option), else
2. the ``OVERLAY_FFMPEG`` environment variable, else
3. the bundled one.

An ``ffmpeg`` that merely happens to be on PATH is never picked: an office's old build
would break the render with ffmpeg's raw words. Whichever is used is proven by
``overlay.selftest`` before the first render. (``OVERLAY_NO_PATH_FFMPEG``, from the days
PATH won, is accepted and has nothing left to do.)
"""

from __future__ import annotations

import functools
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from overlay import runner
from overlay.errors import OverlayError, UsageError
from overlay.i18n import _

BUNDLED = "imageio-ffmpeg"
OPTION = "--ffmpeg"
ENV = "OVERLAY_FFMPEG"

_chosen: Path | None = None     # set by the app's --ffmpeg option for one invocation


@dataclass(frozen=True)
class FFmpeg:
    path: Path
    source: str  # "--ffmpeg", "OVERLAY_FFMPEG" or "imageio-ffmpeg"

    @property
    def bundled(self) -> bool:
        return self.source == BUNDLED


def choose(path: Path | None) -> None:
    """Use this ffmpeg (``--ffmpeg``) from now on; None goes back to the usual order."""
    global _chosen
    _chosen = Path(path) if path else None


def chosen() -> Path | None:
    """The ffmpeg given with --ffmpeg, if any (for worker processes to choose it too)."""
    return _chosen


def find_ffmpeg() -> FFmpeg:
    return _find(_chosen, os.environ.get(ENV) or None)


@functools.lru_cache(maxsize=None)
def _find(chosen: Path | None, env: str | None) -> FFmpeg:
    if chosen is not None:
        return FFmpeg(_usable(str(chosen), OPTION), OPTION)
    if env:
        return FFmpeg(_usable(env, ENV), ENV)
    return FFmpeg(bundled_path(), BUNDLED)


def _usable(given: str, source: str) -> Path:
    """The file the user named; a bare name such as ``ffmpeg`` is looked up on PATH."""
    path = Path(given).expanduser()
    if path.is_file():
        return path.resolve()
    found = shutil.which(given) if os.sep not in given and "/" not in given else None
    if found:
        return Path(found).resolve()
    raise UsageError(_("{source} points at {path}, which is not a file.")
                     .format(source=source, path=given), back_hint(source))


def back_hint(source: str) -> str:
    """How to go back to the bundled ffmpeg from the one chosen through ``source``."""
    if source == OPTION:
        return _("Leave out --ffmpeg to use the bundled ffmpeg.")
    if source == ENV:
        return _("Unset OVERLAY_FFMPEG to use the bundled ffmpeg.")
    return _("Reinstall it with 'pip install --force-reinstall imageio-ffmpeg'.")


def bundled_path() -> Path:
    """The binary inside the imageio-ffmpeg wheel, never its fallbacks (conda, PATH)."""
    try:
        from imageio_ffmpeg._definitions import FNAME_PER_PLATFORM, get_platform
        from imageio_ffmpeg._utils import _get_bin_dir

        path = Path(_get_bin_dir()) / FNAME_PER_PLATFORM.get(get_platform(), "")
        if path.is_file():
            return path
        reason = _("{path} is missing").format(path=path)
    except Exception as exc:  # the wheel is missing or its layout changed
        reason = f"{type(exc).__name__}: {exc}"
    raise OverlayError(_("The bundled ffmpeg was not found ({reason}).").format(reason=reason),
                       _("Reinstall it with 'pip install --force-reinstall imageio-ffmpeg', "
                         "or set OVERLAY_FFMPEG to an ffmpeg of your own."))


def ffmpeg_exe() -> str:
    return str(find_ffmpeg().path)


def ffmpeg_features() -> dict[str, Any]:
    """Version line, filters and encoders that matter to us, for ``doctor``."""
    return _features(ffmpeg_exe())


@functools.lru_cache(maxsize=None)
def _features(exe: str) -> dict[str, Any]:
    def run(*args: str) -> str:
        return runner.capture([exe, "-hide_banner", *args])

    version = (run("-version").splitlines() or ["?"])[0]
    filters = {line.split()[1] for line in run("-filters").splitlines()
               if len(line.split()) > 2 and line.startswith(" ")}
    encoders = {line.split()[1] for line in run("-encoders").splitlines()
                if len(line.split()) > 2 and line.startswith(" ")}
    return {"version": version, "filters": filters, "encoders": encoders}
