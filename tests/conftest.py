"""Shared fixtures: tiny real media made with the real ffmpeg, once per session."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from overlay import runner
from overlay.tools import ffmpeg_exe

# Tests assert on the English messages; a developer's Thai locale must not change them.
os.environ["OVERLAY_LANG"] = "en"
# Child Pythons write UTF-8 to pipes (Windows would use the ANSI code page, cp874 on Thai
# Windows); the tests decode what they read with encoding="utf-8", never the locale's.
os.environ["PYTHONUTF8"] = "1"

WINDOWS = os.name == "nt"
# POSIX signals sent to ourselves, /proc, mount, deleting a file that is still open: the
# suite runs on Windows too (README), these tests only where they mean something.
posix_only = pytest.mark.skipif(WINDOWS, reason="POSIX-only behaviour (signals, /proc, mount, "
                                                "deleting open files)")

LOGO_COLOUR = (230, 20, 30)     # a red no test pattern has in the top-right corner


@pytest.fixture(autouse=True)
def _user_data(tmp_path_factory, monkeypatch):
    """Per-user state (logo library, job history, drafts) never touches the real user's folder."""
    monkeypatch.setenv("OVERLAY_DATA_DIR", str(tmp_path_factory.mktemp("userdata")))


def make_clip(path: Path, *, seconds: float = 3.0, size: str = "320x180", rate: str = "25",
              audio: bool = True, vcodec: list[str] | None = None,
              extra_in: list[str] | None = None, extra_out: list[str] | None = None,
              source: str = "testsrc") -> Path:
    """A short test-pattern clip, made with an argument list like everything else."""
    args = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
            "-f", "lavfi", "-i", f"{source}{':' if '=' in source else '='}size={size}:rate={rate}:duration={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    args += extra_in or []
    args += vcodec or ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio:
        args += ["-c:a", "aac", "-shortest"]
    args += extra_out or []
    args.append(str(path))
    subprocess.run(args, check=True, stdin=subprocess.DEVNULL)
    return path


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def clip3(media) -> Path:
    """3 s, 320×180, 25 fps, with a tone."""
    return make_clip(media / "clip3.mp4")


@pytest.fixture(scope="session")
def logo_dir(tmp_path_factory) -> Path:
    """A --logo-dir in the shipped layout where every logo is one plain red square."""
    from overlay.presets import load_preset

    root = tmp_path_factory.mktemp("logos")
    preset = load_preset("uttaradit")
    entries = set(preset.logos.values())
    for district in preset.districts.values():
        entries.update(district.logos.values())
    for entry in entries:
        target = root / entry
        target.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGBA", (64, 64), (*LOGO_COLOUR, 255)).save(target)
    return root


def decode_frame(path: Path, at: float) -> np.ndarray:
    from overlay.check import frames_at

    return frames_at(path, [at])[0]


@pytest.fixture
def official_logos() -> Path:
    """The user's library filled with official (not placeholder) logos for every district of
    the letter's province: for tests of something else than the logos, whose renders must
    pass their receipt (a placeholder is a ✗). Each logo a plain red square, as ``logo_dir``."""
    from overlay import logolib
    from overlay.logos import UTTARADIT_DISTRICTS

    root = logolib.library_dir()
    entries = [f"{key}.png" for key in logolib.NATIONWIDE] + ["uttaradit/province.png"]
    entries += [f"uttaradit/{slug}/{key}.png" for slug in UTTARADIT_DISTRICTS for key in ("district", "lao")]
    for entry in entries:
        target = root / entry
        target.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGBA", (64, 64), (*LOGO_COLOUR, 255)).save(target)
    return root


def capture_popen(monkeypatch) -> list[list[str]]:
    """Record the argument lists the runner starts (the processes still run for real)."""
    started: list[list[str]] = []
    real = subprocess.Popen

    def popen(args, *a, **kw):
        started.append([str(x) for x in args])
        return real(args, *a, **kw)

    monkeypatch.setattr(runner.subprocess, "Popen", popen)
    return started
