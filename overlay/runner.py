"""The only place that starts ffmpeg (or any other process: :func:`run_bounded`).

It runs an argument list (never a shell string), logs that exact list (``-v`` shows it),
reads ``-progress`` from stdout for the progress bar, keeps the tail of stderr for error
messages, and makes sure ffmpeg never outlives ``overlay``: stopped on Ctrl-C, SIGTERM or
any error in the caller, and tied to our process so that even a SIGKILL of ``overlay``
ends it (a parent-death signal on Linux, a kill-on-close job object on Windows).

Outputs appear atomically and exclusively: ffmpeg writes a temporary file in the output
folder, which takes the final name only after success, and never replaces a file there
without ``force`` — even one another render finished a moment before.
"""

from __future__ import annotations

import collections
import ctypes
import hashlib
import logging
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from overlay.errors import OutputExists, OverlayError, RenderError
from overlay.i18n import _
from overlay.winpaths import path_too_long, too_long_error

ProgressFn = Callable[[float], None]   # seconds of output written so far

log = logging.getLogger("overlay.ffmpeg")   # one INFO record per ffmpeg started: its argv


# ---------------------------------------------------------------- running

def describe(args: Sequence[str]) -> str:
    """The command as a copy-pasteable line for this platform's shell."""
    parts = [str(a) for a in args]
    return subprocess.list2cmdline(parts) if os.name == "nt" else shlex.join(parts)


def run(args: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None,
        progress: ProgressFn | None = None) -> str:
    """Run ffmpeg; return its stderr. RenderError (keeping stderr) on any failure."""
    def on_line(line: str) -> None:
        seconds = _parse_progress(line)
        if seconds is not None and progress is not None:
            progress(seconds)

    return _run(args, cwd=cwd, env=env, on_line=on_line)


def capture(args: Sequence[str], *, cwd: Path | None = None) -> str:
    """Run a short ffmpeg query (``-version``, ``-filters``…); return what it printed."""
    lines: list[str] = []
    stderr = _run(args, cwd=cwd, env=None, on_line=lines.append)
    return "\n".join(lines) + "\n" + stderr


def _parse_progress(line: str) -> float | None:
    key, _sep, value = line.strip().partition("=")
    if key in ("out_time_us", "out_time_ms") and value.isdigit():
        return int(value) / 1_000_000   # both are microseconds, despite the name
    return None


def _run(args: Sequence[str], *, cwd: Path | None, env: Mapping[str, str] | None,
         on_line: Callable[[str], None]) -> str:
    argv = [str(a) for a in args]
    proc = start(argv, cwd=cwd, env=env)
    tail: collections.deque[str] = collections.deque(maxlen=400)

    def drain_stderr() -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            tail.append(raw.decode("utf-8", "replace").rstrip())

    reader = threading.Thread(target=drain_stderr, daemon=True)
    reader.start()
    try:
        assert proc.stdout is not None
        for raw in proc.stdout:
            on_line(raw.decode("utf-8", "replace").rstrip("\r\n"))
        proc.wait()
    except BaseException:
        # Ctrl-C, SIGTERM/SIGHUP (overlay.signals) or an error in the caller's progress
        # function: stop ffmpeg now, so that it writes nothing more.
        proc.kill()
        proc.wait()
        raise
    finally:
        reader.join(timeout=5)
    stderr = "\n".join(tail)
    if proc.returncode != 0:
        raise RenderError(explain_failure(stderr, proc.returncode),
                          _("ffmpeg's own words are shown above."),
                          stderr=stderr, command=argv)
    return stderr


def start(argv: list[str], *, cwd: Path | None = None,
          env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start ffmpeg bound to our lifetime, after logging the exact argument list."""
    log.info("%s", describe(argv))
    full_env = {**os.environ, **(env or {})}
    extra: dict[str, Any] = {}
    if sys.platform.startswith("linux"):
        extra["preexec_fn"] = _die_with_parent(os.getpid(), _prctl())
    try:
        proc = subprocess.Popen(argv, cwd=cwd, env=full_env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, **extra)
    except OSError as exc:
        raise RenderError(_("Could not start ffmpeg: {reason}.").format(reason=exc),
                          _("Run 'overlay doctor' to see which ffmpeg is used."),
                          command=argv) from exc
    if os.name == "nt":
        _bind_to_job(proc)
    return proc


def explain_failure(stderr: str, returncode: int, *, windows: bool = os.name == "nt") -> str:
    """One plain sentence for the commonest causes; ffmpeg's own words otherwise."""
    low = stderr.lower()
    if "no space left on device" in low:
        return _("The disk is full: ffmpeg could not finish writing the clip.")
    if "permission denied" in low:
        return _("ffmpeg was not allowed to write or read a file (permission denied).")
    if was_killed(stderr, returncode, windows=windows):
        return _("ffmpeg was stopped before it finished (exit {code}).").format(code=returncode)
    last = [line for line in stderr.splitlines() if line.strip()][-1:] or [""]
    return _("ffmpeg failed (exit {code}): {line}").format(code=returncode, line=last[0].strip())


# Windows has no signals: a process ended from outside gets the exit code its killer chose.
# TerminateProcess (Task Manager, taskkill /F, Python's kill, a closing job object) gives 1,
# Ctrl-C or a closed console window STATUS_CONTROL_C_EXIT, a log-off DBG_TERMINATE_PROCESS.
WINDOWS_KILL_CODES = (0xC000013A, 0x40010004)
_FFMPEG_ERROR = re.compile(r"error|fail|invalid|unable|cannot|could not|not found|no such|unknown|"
                           r"unrecognized|denied|unsupported|does not|too many", re.I)


def was_killed(stderr: str, returncode: int, *, windows: bool = os.name == "nt") -> bool:
    """ffmpeg was stopped from outside rather than failing on its own."""
    if returncode < 0 or returncode in (137, 143) or "received signal" in stderr.lower():
        return True
    if not windows:
        return False
    if returncode in WINDOWS_KILL_CODES:
        return True
    # Exit 1 is also ffmpeg's own failure, which it always explains in its last lines; a
    # killed ffmpeg stops mid-log (typically "encoder : Lavc… aac") with no such line.
    last = [line for line in stderr.splitlines() if line.strip()][-5:]
    return returncode == 1 and bool(last) and not any(_FFMPEG_ERROR.search(line) for line in last)


# ---------------------------------------------------------------- a bounded child

@dataclass(frozen=True)
class Bounded:
    returncode: int
    stdout: bytes
    stderr: str          # its last few thousand characters
    timed_out: bool


def python_module(module: str) -> list[str]:
    """The argument list that runs ``module`` of this very package in a fresh Python (the
    same interpreter, the same overlay, whatever the working folder or PYTHONPATH)."""
    root = str(Path(__file__).resolve().parent.parent)
    code = (f"import runpy, sys; sys.path.insert(0, {root!r}); "
            f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)")
    return [sys.executable, "-c", code]


def run_bounded(argv: Sequence[str], *, stdin: bytes = b"", timeout: float = 20.0,
                memory: int | None = 3 * 1024 ** 3, cwd: Path | None = None) -> Bounded:
    """Run a child that may be handed hostile input (an SVG to draw): killed after
    ``timeout`` seconds; its address space capped at ``memory`` bytes (POSIX rlimit; a job
    object's process memory limit on Windows, best effort); tied to our lifetime as ffmpeg is.
    Never raises for what the child did: the caller reads the result."""
    argv = [str(a) for a in argv]
    log.debug("bounded: %s", describe(argv[:1] + argv[3:] if argv[1:2] == ["-c"] else argv))
    extra: dict[str, Any] = {}
    if os.name != "nt":
        extra["preexec_fn"] = _bounded_child(os.getpid(), _prctl() if sys.platform.startswith("linux")
                                             else None, memory)
    try:
        proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, **extra)
    except OSError as exc:
        return Bounded(-1, b"", str(exc), False)
    job = _memory_job(proc, memory) if os.name == "nt" else None
    try:
        try:
            out, err = proc.communicate(stdin, timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            timed_out = True
        except BaseException:
            proc.kill()
            proc.wait()
            raise
    finally:
        if job is not None:
            job[0].CloseHandle(job[1])
    return Bounded(proc.returncode, out, err[-4000:].decode("utf-8", "replace"), timed_out)


def _bounded_child(parent: int, prctl: Callable[..., int] | None,
                   memory: int | None) -> Callable[[], None]:
    """What the child runs between fork and exec: nothing that imports or allocates much
    (another thread may hold the import lock at fork time), so ``resource`` is imported here."""
    import resource  # POSIX only: imported in the call, never at the top, so Windows never looks

    die = _die_with_parent(parent, prctl)
    setrlimit, limit_as = resource.setrlimit, resource.RLIMIT_AS

    def in_child() -> None:
        if prctl is not None:
            die()
        if memory:
            setrlimit(limit_as, (memory, memory))
    return in_child


JOB_OBJECT_LIMIT_PROCESS_MEMORY = 0x100


def _memory_job(proc: subprocess.Popen[bytes], memory: int | None, api: Any = None) -> tuple[Any, Any] | None:
    """Windows: a job of its own for the child, killing it on close and capping its memory."""
    try:
        api = api or _job.get("api") or _kernel32()
        job = api.CreateJobObjectW(None, None)
        if not job:
            return None
        info = ExtendedLimits()
        info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | (
            JOB_OBJECT_LIMIT_PROCESS_MEMORY if memory else 0)
        info.ProcessMemoryLimit = memory or 0
        if not (api.SetInformationJobObject(job, JOB_OBJECT_EXTENDED_LIMIT_INFORMATION,
                                            ctypes.byref(info), ctypes.sizeof(info))
                and assign_to_job(api, job, int(proc._handle))):  # type: ignore[attr-defined]
            api.CloseHandle(job)
            return None
        return api, job
    except (OSError, AttributeError, ValueError) as exc:
        log.debug("no memory limit for a bounded child: %s", exc)
        return None


# ---------------------------------------------------------------- never outlive overlay

PR_SET_PDEATHSIG = 1


def _prctl() -> Callable[..., int] | None:
    """libc's prctl, looked up in the parent: the child between fork and exec does little."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def _die_with_parent(parent: int, prctl: Callable[..., int] | None) -> Callable[[], None]:
    """Linux: the kernel kills the child when the parent dies, even by SIGKILL."""
    def in_child() -> None:
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))
        if os.getppid() != parent:      # the parent died before prctl took hold
            os._exit(1)
    return in_child


JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000
JOB_OBJECT_EXTENDED_LIMIT_INFORMATION = 9


class _BasicLimits(ctypes.Structure):
    _fields_ = [("PerProcessUserTimeLimit", ctypes.c_int64),
                ("PerJobUserTimeLimit", ctypes.c_int64),
                ("LimitFlags", ctypes.c_uint32),
                ("MinimumWorkingSetSize", ctypes.c_size_t),
                ("MaximumWorkingSetSize", ctypes.c_size_t),
                ("ActiveProcessLimit", ctypes.c_uint32),
                ("Affinity", ctypes.c_size_t),
                ("PriorityClass", ctypes.c_uint32),
                ("SchedulingClass", ctypes.c_uint32)]


class _IoCounters(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in (
        "ReadOperationCount", "WriteOperationCount", "OtherOperationCount",
        "ReadTransferCount", "WriteTransferCount", "OtherTransferCount")]


class ExtendedLimits(ctypes.Structure):
    """JOBOBJECT_EXTENDED_LIMIT_INFORMATION."""

    _fields_ = [("BasicLimitInformation", _BasicLimits),
                ("IoInfo", _IoCounters),
                ("ProcessMemoryLimit", ctypes.c_size_t),
                ("JobMemoryLimit", ctypes.c_size_t),
                ("PeakProcessMemoryUsed", ctypes.c_size_t),
                ("PeakJobMemoryUsed", ctypes.c_size_t)]


def kill_on_close_job(api: Any) -> Any:
    """A Windows job object that kills its processes when its last handle closes.

    We keep the one handle for our whole life: when ``overlay`` ends, however it ends,
    Windows closes it and every ffmpeg in the job goes too. ``api`` is kernel32 (a seam
    for tests).
    """
    job = api.CreateJobObjectW(None, None)
    if not job:
        raise OSError("CreateJobObjectW failed")
    info = ExtendedLimits()
    info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
    if not api.SetInformationJobObject(job, JOB_OBJECT_EXTENDED_LIMIT_INFORMATION,
                                       ctypes.byref(info), ctypes.sizeof(info)):
        api.CloseHandle(job)
        raise OSError("SetInformationJobObject failed")
    return job


def assign_to_job(api: Any, job: Any, process_handle: int) -> bool:
    return bool(api.AssignProcessToJobObject(job, process_handle))


_job: dict[str, Any] = {}


def _kernel32() -> Any:
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)   # type: ignore[attr-defined]
    kernel32.CreateJobObjectW.restype = ctypes.c_void_p
    kernel32.CreateJobObjectW.argtypes = [ctypes.c_void_p, ctypes.c_wchar_p]
    kernel32.SetInformationJobObject.argtypes = [ctypes.c_void_p, ctypes.c_int,
                                                 ctypes.c_void_p, ctypes.c_uint32]
    kernel32.AssignProcessToJobObject.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    kernel32.CloseHandle.argtypes = [ctypes.c_void_p]
    return kernel32


def _bind_to_job(proc: subprocess.Popen[bytes], api: Any = None) -> None:
    """Windows: put ffmpeg in our kill-on-close job; best effort (an old system may refuse)."""
    try:
        api = api or _job.get("api") or _kernel32()
        if "handle" not in _job:
            _job.update(api=api, handle=kill_on_close_job(api))
        if not assign_to_job(api, _job["handle"], int(proc._handle)):  # type: ignore[attr-defined]
            log.debug("AssignProcessToJobObject failed for pid %s", proc.pid)
    except (OSError, AttributeError, ValueError) as exc:
        log.debug("no job object for ffmpeg: %s", exc)


# ---------------------------------------------------------------- atomic, exclusive output

PARTIAL = ".overlay-partial-"
STALE_AFTER = 24 * 3600      # seconds without a write: no live render is that quiet
_PARTIAL_NAME = re.compile(re.escape(PARTIAL) + r"(?:([0-9a-f]{6})-(\d+)-)?[0-9a-f]+")


def _host_tag() -> str:
    return hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]


def temp_output_path(final: Path) -> Path:
    """A hidden sibling of ``final``: same folder (so the rename is atomic), plain name,
    carrying its owner (machine and process) so a crashed render's file can be told apart."""
    return final.with_name(f"{PARTIAL}{_host_tag()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
                           f"{final.suffix}")


def pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":
        try:
            return _windows_pid_alive(pid)
        except (OSError, AttributeError, ValueError):
            return True         # cannot tell: treat it as live, never remove its file
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:      # someone else's process: alive
        return True
    except OSError:
        return True
    return True


def _windows_pid_alive(pid: int) -> bool:
    # os.kill(pid, 0) on Windows would terminate the process: ask OpenProcess instead.
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)   # type: ignore[attr-defined]
    kernel32.OpenProcess.restype = ctypes.c_void_p
    handle = kernel32.OpenProcess(0x1000, False, pid)   # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.get_last_error() == 5  # type: ignore[attr-defined]   # access denied: it exists
    try:
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(ctypes.c_void_p(handle), ctypes.byref(code))
        return code.value == 259                         # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(ctypes.c_void_p(handle))


def is_stale_partial(path: Path, now: float | None = None) -> bool:
    """A leftover of a crashed render: its process (on this machine) is gone, or it has not
    been written for longer than any render takes. Never the file of a live render."""
    found = _PARTIAL_NAME.match(path.name)
    if not found:
        return False
    try:
        age = (now if now is not None else time.time()) - path.stat().st_mtime
    except OSError:
        return False
    if age > STALE_AFTER:
        return True
    host, pid = found.group(1), found.group(2)
    return host == _host_tag() and pid is not None and not pid_alive(int(pid))


def sweep_stale_partials(folder: Path) -> list[Path]:
    """Remove what crashed renders left in ``folder``; return what was removed."""
    removed: list[Path] = []
    try:
        candidates = [p for p in Path(folder).iterdir() if p.name.startswith(PARTIAL)]
    except OSError:
        return removed
    now = time.time()
    for path in candidates:
        if is_stale_partial(path, now):
            try:
                path.unlink()
                removed.append(path)
            except OSError:
                pass
    return removed


def exists_error(final: Path) -> OutputExists:
    return OutputExists(_("{path} already exists.").format(path=final),
                        _("Use --force to replace it, or choose another --out-dir."), path=final)


@contextmanager
def atomic_output(final: Path, force: bool) -> Iterator[Path]:
    """Yield a temp path; on success give it the name ``final``; on any failure remove it."""
    if final.exists() and not force:
        raise exists_error(final)
    if path_too_long(final):
        raise too_long_error(final)
    sweep_stale_partials(final.parent)
    temp = temp_output_path(final)
    try:
        yield temp
        if not temp.is_file():
            raise RenderError(_("ffmpeg finished but wrote no file."),
                              _("Run 'overlay doctor' and try again."))
        publish(temp, final, force)
    finally:
        temp.unlink(missing_ok=True)


def in_use_error(final: Path) -> OverlayError:
    return OverlayError(
        _("{path} cannot be replaced: another program has it open, or it is read-only.").format(path=final),
        _("Close it (a video player, Word, Excel…) and try again; the old file is kept."))


def replace(temp: Path, final: Path) -> None:
    """``os.replace``; Windows refuses it while another program holds ``final`` open (WinError
    5 or 32): then one line naming the file, and ``final`` stays as it was."""
    try:
        os.replace(temp, final)
    except PermissionError as exc:
        raise in_use_error(final) from exc


def publish(temp: Path, final: Path, force: bool) -> None:
    """Give ``temp`` the name ``final`` in one step. Without ``force`` the step is
    exclusive: of two renders finishing together, exactly one wins, the other is told
    the file already exists (a check-then-rename would let the second replace the first)."""
    if force:
        replace(temp, final)
        return
    try:
        os.link(temp, final)        # fails if ``final`` exists, atomically
        return
    except FileExistsError:
        raise exists_error(final) from None
    except OSError:
        pass                        # no hard links here (FAT, exFAT, some network drives)
    try:
        fd = os.open(final, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        raise exists_error(final) from None
    os.close(fd)
    try:
        os.replace(temp, final)     # over our own empty reservation
    except BaseException:
        final.unlink(missing_ok=True)
        raise
