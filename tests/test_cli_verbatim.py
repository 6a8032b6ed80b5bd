"""The CLI prints commands, paths and user text verbatim (issue 24, point 9).

rich reads "[…]" as markup and ":a:" as an emoji code; a printed command that differs from
the one run cannot be copied and pasted. These run the real command in a child process (the
real consoles, the real ffmpeg) on a tiny clip whose name carries both.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from overlay import runner
from overlay.cli import app

from conftest import capture_popen, make_clip

# A file name cannot hold "/": the folder "[red]x[" and the file "red] …" make the path read
# "…/[red]x[/red] :a: [bold]b.mp4".
ODD = Path("[red]x[", "red] :a: [bold]b.mp4")


def overlay(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, OVERLAY_LANG="en", COLUMNS="400")
    return subprocess.run([sys.executable, "-m", "overlay", *map(str, args)], capture_output=True,
                          text=True, encoding="utf-8", env=env, stdin=subprocess.DEVNULL, timeout=300)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, logo_dir) -> tuple[Path, subprocess.CompletedProcess[str]]:
    root = tmp_path_factory.mktemp("verbatim")
    (root / ODD).parent.mkdir()
    clip = make_clip(root / ODD, seconds=2.0)
    assert "[red]x[/red] :a: [bold]b.mp4" in str(clip)
    done = overlay("render", clip, "-d", "พิชัย", "--preset", "uttaradit", "--logo-dir", logo_dir,
                   "-o", root / "out", "-v")
    assert done.returncode == 0, done.stderr
    return clip, done


@pytest.mark.skipif(os.name == "nt", reason="the printed command is in POSIX shell quoting here")
def test_render_v_prints_the_argv_that_runs(rendered):
    clip, done = rendered
    assert "🅰" not in done.stderr
    commands = [shlex.split(line) for line in done.stderr.splitlines() if "ffmpeg" in line and " -i " in line]
    assert commands, done.stderr
    # The loudness pass maps the first audio stream: printed as it is run, not as an emoji.
    assert any(["-map", "0:a:0"] == argv[i:i + 2] for argv in commands for i in range(len(argv))), \
        done.stderr
    # The input's name (markup and an emoji code in it) survives the print, quoting included.
    inputs = [argv[argv.index("-i") + 1] for argv in commands]
    assert f"file:{clip.resolve()}" in inputs, done.stderr
    assert all(Path(argv[0]).name.startswith("ffmpeg") for argv in commands)


def test_a_file_name_with_markup_prints_as_it_is(rendered, tmp_path, logo_dir):
    clip, done = rendered
    output = Path(done.stdout.strip())
    assert output.is_file(), done.stdout
    odd = tmp_path / "[red]x[bold] :a: copy.mp4"
    shutil.copy(output, odd)
    checked = overlay("check", odd, "--preset", "uttaradit", "--logo-dir", logo_dir)
    assert checked.returncode == 1, checked.stderr          # the name is not the mandated one
    assert odd.name in checked.stdout.splitlines()[0], checked.stdout
    assert "🅰" not in checked.stdout + checked.stderr


def test_every_command_run_is_printed_as_run(rendered, tmp_path, logo_dir, monkeypatch):
    """In-process, with the argument lists recorded where the runner starts them: each one's
    copy-pasteable line (runner.describe) is a line of -v's output, character for character."""
    clip, _done = rendered
    started = capture_popen(monkeypatch)
    res = CliRunner().invoke(app, ["render", str(clip), "-d", "พิชัย", "--preset", "uttaradit",
                                   "--logo-dir", str(logo_dir), "-o", str(tmp_path), "-v"])
    assert res.exit_code == 0, res.output
    commands = [argv for argv in started if f"file:{clip.resolve()}" in argv]
    assert any("0:a:0" in argv for argv in commands), commands        # the loudness pass
    lines = res.stderr.splitlines()
    for argv in commands:
        assert runner.describe(argv) in lines, (runner.describe(argv), res.stderr)
