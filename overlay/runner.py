"""The only place that starts ffmpeg.

It runs an argument list (never a shell string), reads ``-progress`` from stdout for the
progress bar, keeps the tail of stderr for error messages, and makes the output appear
atomically: ffmpeg writes a temporary file in the output folder, renamed into place only
after success. Ctrl-C, a killed ffmpeg or a full disk leave no file under the final name.
"""

from __future__ import annotations

import collections
import os
import shlex
import subprocess
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence

from overlay.errors import RenderError
from overlay.files import replacing
from overlay.i18n import _

ProgressFn = Callable[[float], None]   # seconds of output written so far


def _parse_progress(line: str) -> float | None:
    key, _sep, value = line.strip().partition("=")
    if key in ("out_time_us", "out_time_ms") and value.isdigit():
        return int(value) / 1_000_000   # both are microseconds, despite the name
    return None


def run(args: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None,
        progress: ProgressFn | None = None) -> str:
    """Run ffmpeg; return its stderr. RenderError (keeping stderr) on any failure."""
    full_env = {**os.environ, **(env or {})}
    try:
        proc = subprocess.Popen(list(args), cwd=cwd, env=full_env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        raise RenderError(_("Could not start ffmpeg: {reason}.").format(reason=exc),
                          _("Run 'overlay doctor' to see which ffmpeg is used."),
                          command=list(args)) from exc
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
            seconds = _parse_progress(raw.decode("ascii", "replace"))
            if seconds is not None and progress is not None:
                progress(seconds)
        proc.wait()
    except BaseException:
        # Ctrl-C or any error in the caller's progress function: stop ffmpeg now.
        proc.kill()
        proc.wait()
        raise
    finally:
        reader.join(timeout=5)
    stderr = "\n".join(tail)
    if proc.returncode != 0:
        raise RenderError(explain_failure(stderr, proc.returncode),
                          _("ffmpeg's own words are shown above."),
                          stderr=stderr, command=list(args))
    return stderr


def explain_failure(stderr: str, returncode: int) -> str:
    """One plain sentence for the commonest causes; ffmpeg's own words otherwise."""
    low = stderr.lower()
    if "no space left on device" in low:
        return _("The disk is full: ffmpeg could not finish writing the clip.")
    if "permission denied" in low:
        return _("ffmpeg was not allowed to write or read a file (permission denied).")
    if returncode < 0 or returncode in (137, 143) or "received signal" in low:
        return _("ffmpeg was stopped before it finished (exit {code}).").format(code=returncode)
    last = [line for line in stderr.splitlines() if line.strip()][-1:] or [""]
    return _("ffmpeg failed (exit {code}): {line}").format(code=returncode, line=last[0].strip())


@contextmanager
def atomic_output(final: Path, force: bool) -> Iterator[Path]:
    """Yield a temp path; on success move it to ``final``; on any failure remove it."""
    from overlay.errors import UsageError

    if final.exists() and not force:
        raise UsageError(_("{path} already exists.").format(path=final),
                         _("Use --force to replace it, or choose another --out-dir."))
    with replacing(final) as temp:
        yield temp
        if not temp.is_file():
            raise RenderError(_("ffmpeg finished but wrote no file."),
                              _("Run 'overlay doctor' and try again."))


def describe(args: Sequence[str]) -> str:
    """The command as a copy-pasteable line, for --verbose and bug reports."""
    return shlex.join(str(a) for a in args)
