"""The one engine call every front door makes: a job in, progress and cancel in, a typed
result out.

``run(job)`` plans the job (unless it is given a plan already made, so a front door that
showed the plan's warnings or sized a progress bar does not plan twice), measures the sound,
renders in one ffmpeg pass and checks the output. The CLI, the page and batch only turn
their options into a ``render.Job`` and the ``Result`` into what they show.

Errors are ``OverlayError`` kinds (``OutputExists`` for a file already there without
force); a cancel raises ``Cancelled`` from inside the render, after the runner has stopped
ffmpeg and removed its partial file.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from overlay import i18n
from overlay.check import Receipt, check_rendered
from overlay.loudness import AudioPlan
from overlay.render import Job, Plan, plan, render_with_facts
from overlay.runner import ProgressFn

WarnFn = Callable[[str], None]
CancelFn = Callable[[], bool]       # True: stop now


class Cancelled(Exception):
    """The front door's cancel said stop: ffmpeg was stopped, nothing was left behind."""


@dataclass(frozen=True)
class Result:
    """What one job made: the file, its receipt and every warning, the plan's first."""

    output: Path
    plan: Plan
    receipt: Receipt | None            # None when the check was not asked for
    warnings: tuple[str, ...]          # the plan's, then the render's (a damaged input's tail)
    loudness: float | None = None      # LUFS as encoded
    audio: AudioPlan | None = None     # how the level was set

    @property
    def ok(self) -> bool:
        """The receipt has no ✗ (an unchecked result counts as ok)."""
        return self.receipt is None or self.receipt.ok


def run(job: Job | Plan, *, progress: ProgressFn | None = None, cancel: CancelFn | None = None,
        warn: WarnFn | None = None, check: bool = True,
        phase: Callable[[str], None] | None = None) -> Result:
    """Plan (if needed), render and check one job.

    ``progress`` gets the seconds of output written; ``cancel`` is asked as often, and True
    stops the render (``Cancelled``). ``warn`` hears each render warning as it happens (the
    plan's are in ``plan.warnings``, for a front door to show before the render starts);
    all of them are in ``Result.warnings``. ``phase`` hears "rendering", then "checking".
    """
    language = job.job.language if isinstance(job, Plan) else job.language
    # A job that names its language speaks it (a page's job runs in a worker thread); else
    # the caller's (the request's, the command line's).
    with i18n.using(language) if language else contextlib.nullcontext():
        return _run(job, progress, cancel, warn, check, phase)


def _run(job: Job | Plan, progress: ProgressFn | None, cancel: CancelFn | None,
         warn: WarnFn | None, check: bool, phase: Callable[[str], None] | None) -> Result:
    planned = job if isinstance(job, Plan) else plan(job)
    warnings: list[str] = list(planned.warnings)

    def heard(line: str) -> None:
        warnings.append(line)
        if warn is not None:
            warn(line)

    def track(seconds: float) -> None:
        if cancel is not None and cancel():
            raise Cancelled
        if progress is not None:
            progress(seconds)

    if phase is not None:
        phase("rendering")
    done = render_with_facts(planned, progress=track, warn=heard)
    if phase is not None and check:
        phase("checking")
    receipt = check_rendered(planned, done.loudness, done.audio) if check else None
    return Result(done.path, planned, receipt, tuple(warnings), done.loudness, done.audio)
