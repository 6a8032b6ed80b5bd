"""Issue 10: the right ffmpeg everywhere, no orphaned ffmpeg, no silent overwrite, the real
command in -v. Renders are real; the foreign ffmpeg is Debian's (installed by .ci/run)."""

from __future__ import annotations

import ast
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from overlay import runner, selftest, signals, tools
from overlay.cli import app
from overlay.errors import UsageError

from conftest import capture_popen, make_clip, posix_only

cli = CliRunner()
NAME = "ธนาคารขยะต้นแบบระดับอำเภอ (Best Practice) อำเภอพิชัยจังหวัดอุตรดิตถ์.mp4"
ROOT = Path(__file__).resolve().parents[1]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="parent-death signals and /proc are Linux's")


def foreign() -> Path:
    """An ffmpeg that is not the bundled one (Debian's on CI), or skip with the reason."""
    bundled = tools.bundled_path().resolve()
    for candidate in ("/usr/bin/ffmpeg", shutil.which("ffmpeg")):
        if candidate and Path(candidate).is_file() and Path(candidate).resolve() != bundled:
            return Path(candidate)
    pytest.skip("no foreign ffmpeg on this machine (.ci/run installs Debian's)")


def srt(path: Path) -> Path:
    path.write_text("1\n00:00:00,200 --> 00:00:02,500\nทดสอบ ภาษาไทย\n", encoding="utf-8")
    return path


# ------------------------------------------------------------------ 1. the right ffmpeg

def test_an_ffmpeg_on_path_is_never_used(tmp_path, clip3, logo_dir, monkeypatch):
    old = foreign()
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "ffmpeg").symlink_to(old)
    monkeypatch.setenv("PATH", f"{shim}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("OVERLAY_FFMPEG", raising=False)
    monkeypatch.delenv("OVERLAY_NO_PATH_FFMPEG", raising=False)
    assert shutil.which("ffmpeg") == str(shim / "ffmpeg")
    started = capture_popen(monkeypatch)

    res = cli.invoke(app, ["render", str(clip3), "-d", "พิชัย", "-o", str(tmp_path / "o"),
                           "--logo-dir", str(logo_dir), "--subs-th", str(srt(tmp_path / "th.srt")),
                           "--subs-mode", "both"])
    assert res.exit_code == 0, res.output
    assert "Compliant." in res.stderr
    assert started and {Path(argv[0]).resolve() for argv in started} == {tools.bundled_path().resolve()}
    assert tools.find_ffmpeg().bundled


def test_the_bundled_ffmpeg_passes_the_selftest_and_the_verdict_is_cached(monkeypatch):
    ff = tools.find_ffmpeg()
    assert ff.bundled
    monkeypatch.setattr(selftest, "_memo", {})
    first = selftest.verdict(ff)
    assert first.ok and first.subtitles, first
    assert (Path(os.environ["OVERLAY_DATA_DIR"]) / selftest.CACHE_FILE).is_file()

    # Cached on disk: a new process (an empty memo) does not run ffmpeg again.
    monkeypatch.setattr(selftest, "_memo", {})
    monkeypatch.setattr(selftest, "run_selftest", lambda exe: pytest.fail("ran again"))
    assert selftest.verdict(ff).ok


def test_cache_key_follows_the_binary(tmp_path):
    exe = tmp_path / "ffmpeg"
    exe.write_bytes(b"x" * 10)
    key = selftest.cache_key(tools.FFmpeg(exe, "OVERLAY_FFMPEG"))
    os.utime(exe, (1_000_000, 1_000_000))
    assert selftest.cache_key(tools.FFmpeg(exe, "OVERLAY_FFMPEG")) != key
    exe.write_bytes(b"x" * 11)
    assert str(exe) in (selftest.cache_key(tools.FFmpeg(exe, "OVERLAY_FFMPEG")) or "")


def test_diagnose_names_what_is_missing():
    stderr = ("[ebur128 @ 0x5612691bdd80] Error setting option framelog to value quiet.\n"
              "[Parsed_ebur128_10 @ 0x56] Error applying options to the filter.\n"
              "Error initializing complex filters.\nInvalid argument")
    assert selftest.diagnose(stderr) == "its ebur128 filter has no framelog option"
    assert selftest.diagnose("No such filter: 'loudnorm'") == "it has no loudnorm filter"
    assert selftest.diagnose("Unknown encoder 'libx264'") == "it has no libx264 encoder"
    assert selftest.diagnose("something odd\n") == "ffmpeg said: something odd"


def _foreign_fails_selftest(path: Path) -> None:
    if selftest.verdict(tools.FFmpeg(path, "OVERLAY_FFMPEG")).ok:
        pytest.skip(f"{path} passes the self-test: it is not an old ffmpeg")


@pytest.mark.parametrize("how", ["env", "option"])
def test_an_unfit_chosen_ffmpeg_is_one_clear_line(tmp_path, clip3, logo_dir, monkeypatch, how):
    old = foreign()
    _foreign_fails_selftest(old)
    args = ["render", str(clip3), "-d", "พิชัย", "-o", str(tmp_path), "--logo-dir", str(logo_dir)]
    if how == "env":
        monkeypatch.setenv("OVERLAY_FFMPEG", str(old))
    else:
        args = ["--ffmpeg", str(old), *args]
    res = cli.invoke(app, args)
    assert res.exit_code == 2, res.output
    errors = [line for line in res.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "Traceback" not in res.output
    assert "cannot make the clip" in errors[0] and str(old) in errors[0]
    assert "framelog" in errors[0]            # Debian 12's 5.1: what exactly is missing
    back = "Unset OVERLAY_FFMPEG" if how == "env" else "Leave out --ffmpeg"
    assert back in errors[0]
    assert list(tmp_path.iterdir()) == []
    # The option lasts one invocation: the next one is back on the bundled ffmpeg.
    assert cli.invoke(app, ["doctor"]).exit_code == (1 if how == "env" else 0)


def test_doctor_shows_the_selftest_of_an_unfit_ffmpeg(monkeypatch):
    old = foreign()
    _foreign_fails_selftest(old)
    monkeypatch.setenv("OVERLAY_FFMPEG", str(old))
    res = cli.invoke(app, ["doctor"])
    assert res.exit_code == 1
    assert "self-test failed" in res.stdout and "Unset OVERLAY_FFMPEG" in res.stdout
    monkeypatch.delenv("OVERLAY_FFMPEG")
    good = cli.invoke(app, ["doctor"])
    assert good.exit_code == 0 and "self-test" in good.stdout and "not used" in good.stdout


def test_overlay_ffmpeg_that_is_not_a_file(monkeypatch, tmp_path, clip3):
    monkeypatch.setenv("OVERLAY_FFMPEG", str(tmp_path / "nope"))
    res = cli.invoke(app, ["render", str(clip3), "-d", "พิชัย", "-o", str(tmp_path)])
    assert res.exit_code == 2 and "not a file" in res.stderr and "Unset OVERLAY_FFMPEG" in res.stderr


def test_only_the_runner_starts_processes():
    """check, tools, doctor, demo…: every ffmpeg goes through runner (same stop and errors)."""
    offenders = []
    for path in (ROOT / "overlay").rglob("*.py"):
        if path.name == "runner.py" and path.parent.name == "overlay":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if "subprocess" in names:
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


# ------------------------------------------------------------------ 2. no orphaned ffmpeg

def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for(predicate, timeout: float = 120.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _start_long_render(tmp_path: Path, media: Path, logo_dir: Path):
    clip = make_clip(media / "long-for-signals.mp4", seconds=30, size="640x360")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "overlay", "render", str(clip), "-d", "พิชัย",
                             "-o", str(out), "--logo-dir", str(logo_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def encoding() -> bool:
        return any(p.name.startswith(".overlay-partial-") and p.stat().st_size > 0
                   for p in out.glob(".overlay-partial-*")) if out.is_dir() else False

    assert _wait_for(encoding), "the render never started writing"
    ffmpegs = [pid for pid in _children(proc.pid)
               if "ffmpeg" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")]
    assert ffmpegs, "no ffmpeg child found"
    return proc, out, ffmpegs


def _cleanup(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


@linux_only
@pytest.mark.parametrize("signame, code", [("SIGTERM", 143), ("SIGHUP", 129)])   # by name: Windows has no SIGHUP
def test_sigterm_and_sighup_stop_ffmpeg_and_leave_nothing(tmp_path, media, logo_dir, signame, code):
    proc, out, ffmpegs = _start_long_render(tmp_path, media, logo_dir)
    try:
        proc.send_signal(getattr(signal, signame))
        _stdout, stderr = proc.communicate(timeout=60)
        assert proc.returncode == code, stderr.decode()
        assert "Stopped" in stderr.decode() and "Traceback" not in stderr.decode()
        assert not any(_alive(pid) for pid in ffmpegs)
        assert not out.exists()      # no partial file; the folder it made is gone too
    finally:
        _cleanup([proc.pid, *ffmpegs])


@linux_only
def test_sigkill_of_overlay_takes_ffmpeg_along_and_the_next_run_sweeps(tmp_path, media, clip3,
                                                                        logo_dir):
    proc, out, ffmpegs = _start_long_render(tmp_path, media, logo_dir)
    try:
        proc.kill()
        proc.wait(timeout=30)
        assert _wait_for(lambda: not any(_alive(pid) for pid in ffmpegs), timeout=30), \
            "ffmpeg outlived a SIGKILLed overlay"
        left = list(out.glob(".overlay-partial-*"))
        assert left      # nobody could clean up after a SIGKILL …
        res = cli.invoke(app, ["render", str(clip3), "-d", "ตรอน", "-o", str(out),
                               "--logo-dir", str(logo_dir)])
        assert res.exit_code == 0, res.output
        assert not any(p.exists() for p in left)   # … so the next run into the folder does
    finally:
        _cleanup([proc.pid, *ffmpegs])


@linux_only
def test_sigterm_stops_a_batch_and_its_workers_ffmpeg(tmp_path, media, logo_dir):
    clip = make_clip(media / "long-for-signals.mp4", seconds=30, size="640x360")
    manifest = tmp_path / "jobs.csv"
    manifest.write_text(f"input,district\n{clip},ตรอน\n{clip},ลับแล\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "overlay", "batch", str(manifest), "-o", str(out),
                             "-j", "2", "--logo-dir", str(logo_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    ffmpegs: list[int] = []

    def both_encoding() -> bool:
        return len([p for p in out.glob(".overlay-partial-*") if p.stat().st_size > 0]) == 2 \
            if out.is_dir() else False

    try:
        assert _wait_for(both_encoding), "the batch never started writing"
        workers = _children(proc.pid)
        ffmpegs = [pid for w in workers for pid in _children(w)]
        assert len(ffmpegs) == 2
        proc.send_signal(signal.SIGTERM)
        _stdout, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 143, stderr.decode()
        assert _wait_for(lambda: not any(_alive(pid) for pid in ffmpegs), timeout=10)
        assert list(out.glob(".overlay-partial-*")) == []
        assert list(out.glob("*.mp4")) == []     # stopped, not left to finish their clips
    finally:
        _cleanup([proc.pid, *ffmpegs])


def test_stale_partials_are_swept_but_never_a_live_one(tmp_path):
    final = tmp_path / "clip.mp4"
    mine = runner.temp_output_path(final)
    mine.write_bytes(b"live")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone = tmp_path / mine.name.replace(f"-{os.getpid()}-", f"-{dead.pid}-")
    gone.write_bytes(b"crashed")
    elsewhere = tmp_path / ".overlay-partial-abcdef-1-0123abcd.mp4"    # another machine's
    elsewhere.write_bytes(b"maybe live on a share")
    old = tmp_path / ".overlay-partial-0123456789ab.mp4"              # the old naming
    old.write_bytes(b"old")
    ancient = tmp_path / ".overlay-partial-abcdef-2-0123abcd.mp4"
    ancient.write_bytes(b"ancient")
    days_ago = time.time() - 3 * 86400
    os.utime(ancient, (days_ago, days_ago))
    unrelated = tmp_path / "notes.txt"
    unrelated.write_text("keep")

    removed = runner.sweep_stale_partials(tmp_path)
    assert sorted(p.name for p in removed) == sorted([gone.name, ancient.name])
    assert mine.exists() and elsewhere.exists() and old.exists() and unrelated.exists()


@posix_only       # os.kill(getpid(), SIGTERM) on Windows ends the process: pytest itself
def test_stop_signals_raise_stopped_with_their_exit_code():
    saved = {s: signal.getsignal(s) for s in signals.handled_signals()}
    try:
        signals.install()
        with pytest.raises(signals.Stopped) as info:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)
        assert info.value.exit_code == 143 and isinstance(info.value, KeyboardInterrupt)
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)


def test_stopped_maps_to_its_exit_code():
    import typer

    from overlay.cli.common import user_errors

    with pytest.raises(typer.Exit) as info:
        with user_errors():
            raise signals.Stopped(int(signal.SIGTERM))
    assert info.value.exit_code == 143


class FakeKernel32:
    """The Windows calls behind the job-object seam, recorded."""

    def __init__(self, fail: str = "") -> None:
        self.calls: list[tuple] = []
        self.fail = fail

    def CreateJobObjectW(self, attrs, name):
        self.calls.append(("create", attrs, name))
        return 0 if self.fail == "create" else 4242

    def SetInformationJobObject(self, job, kind, info, size):
        limits = ctypes.cast(info, ctypes.POINTER(runner.ExtendedLimits)).contents
        self.calls.append(("set", job, kind, limits.BasicLimitInformation.LimitFlags, size))
        return 1

    def AssignProcessToJobObject(self, job, process):
        self.calls.append(("assign", job, process))
        return 1

    def CloseHandle(self, handle):
        self.calls.append(("close", handle))
        return 1


def test_windows_job_object_kills_ffmpeg_with_overlay(monkeypatch):
    api = FakeKernel32()
    monkeypatch.setattr(runner, "_job", {})

    class Proc:
        pid, _handle = 7, 99

    runner._bind_to_job(Proc(), api)       # type: ignore[arg-type]
    runner._bind_to_job(Proc(), api)       # type: ignore[arg-type]   one job for all
    assert api.calls[0] == ("create", None, None)
    assert api.calls[1] == ("set", 4242, 9, 0x2000, ctypes.sizeof(runner.ExtendedLimits))
    assert api.calls[2:] == [("assign", 4242, 99), ("assign", 4242, 99)]


def test_windows_job_object_failure_is_not_fatal(monkeypatch):
    monkeypatch.setattr(runner, "_job", {})

    class Proc:
        pid, _handle = 7, 99

    runner._bind_to_job(Proc(), FakeKernel32(fail="create"))     # type: ignore[arg-type]
    with pytest.raises(OSError):
        runner.kill_on_close_job(FakeKernel32(fail="create"))


# ------------------------------------------------------------------ 3. no silent overwrite

def test_a_file_that_appears_during_the_render_is_never_replaced(tmp_path):
    final = tmp_path / "clip.mp4"
    with pytest.raises(UsageError, match="already exists"):
        with runner.atomic_output(final, force=False) as temp:
            temp.write_bytes(b"mine")
            final.write_bytes(b"the other render's")      # it finished first
    assert final.read_bytes() == b"the other render's"
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]


@pytest.mark.parametrize("other_first", [False, True])
def test_without_hard_links_the_final_name_is_reserved_exclusively(tmp_path, monkeypatch,
                                                                   other_first):
    def no_links(src, dst):
        raise PermissionError(1, "Operation not permitted")     # FAT, exFAT, some shares

    monkeypatch.setattr(runner.os, "link", no_links)
    final = tmp_path / "clip.mp4"
    if other_first:
        with pytest.raises(UsageError, match="already exists"):
            with runner.atomic_output(final, force=False) as temp:
                temp.write_bytes(b"mine")
                final.write_bytes(b"theirs")
        assert final.read_bytes() == b"theirs"
    else:
        with runner.atomic_output(final, force=False) as temp:
            temp.write_bytes(b"mine")
        assert final.read_bytes() == b"mine"
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]


def test_force_still_replaces(tmp_path):
    final = tmp_path / "clip.mp4"
    final.write_bytes(b"old")
    with runner.atomic_output(final, force=True) as temp:
        temp.write_bytes(b"new")
    assert final.read_bytes() == b"new"


def test_two_renders_of_the_same_job_one_wins(tmp_path, media, logo_dir):
    from overlay.check import check_file
    from overlay.presets import load_preset

    clip = make_clip(media / "race.mp4", seconds=8, size="320x180")
    out = tmp_path / "out"
    out.mkdir()
    args = [sys.executable, "-m", "overlay", "render", str(clip), "-d", "พิชัย", "-o", str(out),
            "--logo-dir", str(logo_dir), "-q", "draft"]
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read().decode()) for p in procs]   # type: ignore[union-attr]
    codes = sorted(code for code, _err in results)
    assert codes == [0, 2], results
    loser = next(text for code, text in results if code == 2)
    assert "already exists" in loser and "Compliant" not in loser
    assert sorted(p.name for p in out.iterdir()) == [NAME]
    assert check_file(out / NAME, load_preset("uttaradit"), logo_dirs=(logo_dir,)).ok


# ------------------------------------------------------------------ 4. the real command in -v

def test_verbose_prints_exactly_the_command_started(tmp_path, clip3, logo_dir, monkeypatch):
    started = capture_popen(monkeypatch)
    res = cli.invoke(app, ["render", str(clip3), "-d", "พิชัย", "-o", str(tmp_path), "-v",
                           "--logo-dir", str(logo_dir), "--subs-th", str(srt(tmp_path / "th.srt")),
                           "--subs-mode", "both"])
    assert res.exit_code == 0, res.output
    # the render (the measuring pass before it also reports progress, but draws no picture)
    render = next(argv for argv in started if "-progress" in argv and "-filter_complex" in argv)
    assert runner.describe(render) in res.stderr.splitlines()
    graph = render[render.index("-filter_complex") + 1]
    assert "overlay=" in graph and "x=0:y=0" not in graph      # the real position
    assert "mov_text" in render and any(a.endswith("th.srt") for a in render)   # the track
