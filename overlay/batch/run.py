"""The work of one job (``run_task``), and many of them in a process pool or on Dask."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from overlay import __version__, engine, render, signals, tools
from overlay.batch.prepare import Entry
from overlay.batch.records import record_path, write_record
from overlay.batch.status import Status
from overlay.check import Receipt
from overlay.errors import OverlayError, RenderError, UsageError
from overlay.i18n import _
from overlay.render import Job
from overlay.report import build_report
from overlay.runner import ProgressFn

if TYPE_CHECKING:
    from distributed import Client


@dataclass(frozen=True)
class Task:
    """Plain data for one job, sent to a pool process or a Dask worker."""
    row: int
    job: Job
    key: str
    check: bool = True
    report: Path | None = None


@dataclass(frozen=True)
class JobResult:
    row: int
    status: Status                       # DONE or FAILED
    output: Path | None = None
    duration: float | None = None
    check: str = ""                      # "ok", "ok, with warnings: …", "not ready to send: …", or ""
    error: str = ""
    elapsed: float = 0.0
    report_files: tuple[Path, ...] = ()
    warnings: tuple[str, ...] = ()


def run_task(task: Task, progress: ProgressFn | None = None) -> JobResult:
    """Plan, render, check, build the report, record the key. Never raises for a failure:
    one bad clip must not stop a province's batch, nor take a Dask worker down."""
    began = time.monotonic()
    output: Path | None = None
    duration: float | None = None
    check = ""
    try:
        p = render.plan(task.job)
        output, duration = p.output, p.duration
        result = engine.run(p, progress=progress, check=task.check)
        problems: list[str] = []
        if result.receipt is not None:
            check, failed = _summary(result.receipt)
            if failed:
                problems.append(_("the output does not pass the check ({items})").format(items=failed))
        files, report_error = _build_report(task.report, p.output)
        if report_error:
            problems.append(_("the report could not be made: {why}").format(why=report_error))
        write_record(p.output, {"key": task.key, "complete": not problems, "row": task.row,
                                "duration": p.duration, "check": check,
                                "rendered": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                "overlay": __version__})
        return JobResult(task.row, Status.FAILED if problems else Status.DONE, p.output, p.duration, check,
                         "; ".join(problems), time.monotonic() - began, files, result.warnings)
    except RenderError as exc:
        # The hint speaks of ffmpeg's lines "shown above": in a batch they go to a log file.
        error = exc.message + _log_stderr(output, exc.stderr)
    except OverlayError as exc:
        error = exc.line()
    except Exception as exc:  # a bug of ours: still one line, and the batch goes on
        error = f"{type(exc).__name__}: {exc}"
    return JobResult(task.row, Status.FAILED, output, duration, check, " ".join(error.split()),
                     time.monotonic() - began)


def _log_stderr(output: Path | None, stderr: str) -> str:
    """Keep ffmpeg's report beside the records; return the words that point to it."""
    if output is None or not stderr:
        return ""
    log = record_path(output).with_suffix(".log")
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(stderr, encoding="utf-8")
    except OSError:
        return ""
    return " " + _("(ffmpeg's report: {log})").format(log=log)


def _summary(receipt: Receipt) -> tuple[str, str]:
    """The record's check cell, and the failed items ("" when none)."""
    if receipt.ok and receipt.warnings:
        # Compliant, but the report names what the tool could not do (a near-silent sound).
        noted = ", ".join(f"{item.name}: {item.detail}" for item in receipt.warnings)
        return _("ok, with warnings: {items}").format(items=noted), ""
    if receipt.ok:
        return "ok", ""
    failed = ", ".join(f"{item.name}: {item.detail}" for item in receipt.failures)
    fixes = " ".join(item.hint for item in receipt.failures if item.hint)
    check = _("not ready to send: {items}").format(items=failed)
    return (f"{check}. {fixes}" if fixes else check), failed


def _build_report(data: Path | None, clip: Path) -> tuple[tuple[Path, ...], str]:
    """The district's report beside its clip, when the row names one."""
    if data is None:
        return (), ""

    try:
        # force: the clip was just rendered again, so its report must follow it.
        return tuple(build_report(data, clip.parent, clip=clip, force=True)), ""
    except OverlayError as exc:
        return (), exc.line()


class QueueProgress:
    """Progress callback for a pool process: (row, seconds) into a queue the parent drains,
    at most a few times a second so the queue stays cheap."""

    def __init__(self, queue, row: int, every: float = 0.25) -> None:
        self.queue, self.row, self.every, self.last = queue, row, every, 0.0

    def __call__(self, seconds_done: float) -> None:
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            self.queue.put((self.row, seconds_done))


_pool_state: dict[str, Any] = {}     # in a pool process: the progress queue, the stop flag


def _pool_init(updates, stop, ffmpeg: Path | None = None) -> None:
    """Pool processes leave Ctrl-C to the parent and to ffmpeg, which gets it from the
    terminal too, stops, and lets run_task remove its partial file and return."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signals.install()     # SIGTERM from the parent (overlay.signals): stop ffmpeg, clean up
    tools.choose(ffmpeg)  # the parent's --ffmpeg (a spawned process does not inherit it)
    _pool_state.update(updates=updates, stop=stop)


def _pool_task(task: Task) -> JobResult:
    if _pool_state["stop"].is_set():      # queued before Ctrl-C: do not start it
        return JobResult(task.row, Status.FAILED, error=_("stopped before it started"))
    updates = _pool_state["updates"]
    try:
        return run_task(task, QueueProgress(updates, task.row) if updates is not None else None)
    except KeyboardInterrupt:     # SIGTERM passed on by the parent: ffmpeg is already stopped
        return JobResult(task.row, Status.FAILED, error=_("stopped"))


# ---------------------------------------------------------------- running many

DoneFn = Callable[[JobResult], None]
RowProgressFn = Callable[[int, float], None]     # row, seconds of its output written


def tasks_for(entries: Iterable[Entry], check: bool = True) -> list[Task]:
    return [Task(e.row.number, e.job, e.key, check, e.report)
            for e in entries if e.status == Status.READY and e.job is not None and e.key]


def execute(tasks: Sequence[Task], *, workers: int = 1, scheduler: str | None = None,
            on_done: DoneFn | None = None, on_progress: RowProgressFn | None = None) -> list[JobResult]:
    """Run every task; results in completion order. Ctrl-C stops what is running; what
    finished is recorded, so the next run picks up from there."""
    if not tasks:
        return []
    if not scheduler:
        from overlay.selftest import require

        require()     # one clear line for an unfit ffmpeg, not one per row
    if scheduler:
        return _execute_dask(tasks, scheduler, on_done)
    return _execute_local(tasks, workers, on_done, on_progress)


def _execute_local(tasks: Sequence[Task], workers: int, on_done: DoneFn | None,
                   on_progress: RowProgressFn | None) -> list[JobResult]:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    results: list[JobResult] = []
    context = multiprocessing.get_context()
    updates = context.Queue() if on_progress else None
    stop = context.Event()
    pool = ProcessPoolExecutor(max_workers=max(1, min(workers, len(tasks))),
                               initializer=_pool_init,
                               initargs=(updates, stop, tools.chosen()))
    pending = {pool.submit(_pool_task, task): task for task in tasks}

    def collect(future) -> None:
        task = pending.pop(future)
        try:
            result = future.result()
        except Exception as exc:   # the pool process itself died (e.g. OOM-killed)
            result = JobResult(task.row, Status.FAILED, error=_("the worker stopped: {why}")
                               .format(why=f"{type(exc).__name__}: {exc}"))
        results.append(result)
        if on_done:
            on_done(result)

    try:
        while pending:
            finished, _still = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            _drain(updates, on_progress)
            for future in finished:
                collect(future)
    except BaseException as exc:
        # Ctrl-C: start nothing new, and let the running jobs clean up after their (also
        # interrupted) ffmpeg, so no partial file is left; report what did finish.
        stop.set()
        _pass_on_stop(exc, multiprocessing.active_children())
        pool.shutdown(wait=True, cancel_futures=True)
        for future in [f for f in pending if f.done() and not f.cancelled()]:
            collect(future)
        raise
    finally:
        pool.shutdown(wait=True)
        if updates is not None:
            updates.close()
    return results


def _pass_on_stop(exc: BaseException, workers) -> None:
    """A SIGTERM/SIGHUP reached only us (Ctrl-C reaches every process of the terminal):
    pass it on, so the workers stop their ffmpeg now instead of finishing their clips."""
    signum = getattr(exc, "signum", None)
    if signum is None:
        return
    for worker in workers:
        try:
            os.kill(worker.pid, int(signum))
        except OSError:
            pass


def _drain(updates, on_progress: RowProgressFn | None) -> None:
    import queue

    if updates is None or on_progress is None:
        return
    while True:
        try:
            row, done = updates.get_nowait()
        except (queue.Empty, OSError, ValueError):
            return
        on_progress(row, done)


def dask_client(address: str) -> Client:
    """A client for an existing Dask scheduler; the extra is optional, so import it late."""
    try:
        from distributed import Client
    except ImportError:
        raise UsageError(_("--scheduler needs the Dask distributed package."),
                         _("Install it with: pip install 'overlay[dask]'")) from None
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise UsageError(_("Cannot reach the Dask scheduler at {address}: {why}.")
                         .format(address=address, why=exc),
                         _("Start it with 'dask scheduler' and check the address.")) from None


def _execute_dask(tasks: Sequence[Task], address: str, on_done: DoneFn | None) -> list[JobResult]:
    from distributed import as_completed

    results: list[JobResult] = []
    with dask_client(address) as client:
        # pure=False: a rerun of the same task must run again, not reuse a cached result.
        futures = {client.submit(run_task, task, pure=False, key=f"overlay-row-{task.row}-"
                                 f"{task.key[:12]}-{os.getpid()}-{time.monotonic_ns()}"): task
                   for task in tasks}
        try:
            for future in as_completed(futures):
                task = futures[future]
                try:
                    result = future.result()
                except Exception as exc:   # the worker died or could not unpickle the task
                    result = JobResult(task.row, Status.FAILED, error=_("the Dask worker failed: {why}")
                                       .format(why=f"{type(exc).__name__}: {exc}"))
                results.append(result)
                if on_done:
                    on_done(result)
        except BaseException:
            client.cancel(list(futures))
            raise
    return results
