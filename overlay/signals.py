"""SIGTERM and SIGHUP stop ``overlay`` the way Ctrl-C does.

A service manager, a Dask nanny, a scheduler or the web page's Cancel sends SIGTERM; a
closed terminal sends SIGHUP. Python's default for both is to die on the spot, leaving
ffmpeg encoding and its partial file behind. Here they raise ``Stopped`` — a
``KeyboardInterrupt`` — so the one clean path runs: the runner stops ffmpeg, the partial
file is removed, and the CLI exits with 128 + the signal's number (143, 129).

``install()`` is for the main thread of a front end (the CLI's entry point, the web
server); the engine itself never installs handlers.
"""

from __future__ import annotations

import signal
from types import FrameType

HANDLED = ("SIGTERM", "SIGHUP")      # SIGHUP does not exist on Windows: looked up by name


class Stopped(KeyboardInterrupt):
    """Raised in the main thread when a stop signal arrives."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.exit_code = 128 + signum


def handled_signals() -> list[int]:
    return [int(getattr(signal, name)) for name in HANDLED if hasattr(signal, name)]


def _stop(signum: int, frame: FrameType | None) -> None:
    # Once: a second signal (a service manager repeating itself) must not cut the
    # clean-up short. A SIGKILL still ends everything, and ffmpeg with us (runner).
    for other in handled_signals():
        signal.signal(other, signal.SIG_IGN)
    raise Stopped(signum)


def install() -> None:
    """Turn SIGTERM/SIGHUP into ``Stopped`` in this (main) thread."""
    for signum in handled_signals():
        signal.signal(signum, _stop)


def exit_code(exc: BaseException) -> int:
    """The exit code for a stop: 143 for SIGTERM, 129 for SIGHUP, 130 for Ctrl-C."""
    return int(getattr(exc, "exit_code", 130))
