"""What only Windows shows, each at its seam, on any system: Windows' behaviour is faked where
Linux has none (a file another program holds open, the exit code of a killed child, a
case-insensitive file system, the path-length limit)."""

from __future__ import annotations

import os
from pathlib import Path, PosixPath, PurePath

import pytest
from typer.testing import CliRunner

from overlay import files, runner
from overlay.cli import app
from overlay.errors import OverlayError, UsageError

from conftest import make_clip

cli = CliRunner()
NAME = "ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอพิชัยจังหวัดอุตรดิตถ์.mp4"


def held_open(monkeypatch, victim: str) -> None:
    """Windows' os.replace / os.rename onto (or of) a file that a player, Word or Excel has open."""
    real_replace, real_rename = os.replace, os.rename

    def refuse(real):
        def call(src, dst, *args, **kwargs):
            if victim in (Path(src).name, Path(dst).name):
                raise PermissionError(13, "Access is denied", str(dst))
            return real(src, dst, *args, **kwargs)
        return call

    monkeypatch.setattr(os, "replace", refuse(real_replace))
    monkeypatch.setattr(os, "rename", refuse(real_rename))


# ---------------------------------------------------------------- 2. Windows kill codes

KILLED_TAIL = "Stream #0:1 -> #0:1 (aac (native) -> aac (native))\n    encoder         : Lavc63.1.102 aac"


@pytest.mark.parametrize("code", [1, 0xC000013A, 0x40010004, -1073741510])
def test_a_killed_ffmpeg_on_windows_is_said_to_be_stopped(code):
    said = runner.explain_failure(KILLED_TAIL, code, windows=True)
    assert said.startswith("ffmpeg was stopped before it finished"), said


def test_ffmpegs_own_exit_1_on_windows_is_still_its_failure():
    stderr = "Input #0, mov...\n[in#0 @ 0x1] Error opening input: Invalid data found\nConversion failed!"
    said = runner.explain_failure(stderr, 1, windows=True)
    assert said.startswith("ffmpeg failed (exit 1)") and "Conversion failed!" in said


def test_exit_1_on_posix_is_not_a_kill():
    assert runner.explain_failure(KILLED_TAIL, 1, windows=False).startswith("ffmpeg failed (exit 1)")
    assert runner.explain_failure(KILLED_TAIL, -9, windows=False).startswith("ffmpeg was stopped")

