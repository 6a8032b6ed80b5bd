"""Many clips from one manifest: read, check every row first, render in parallel, report.

The pipeline, each step callable without the CLI:

    read_manifest → prepare (plan every row, content keys, duplicates) → execute → write_reports

A row that cannot be rendered is marked *invalid* with its reason and left out; the others
still render. A finished job leaves a small record (its content key) in ``.overlay-batch/``
inside the output folder, so a rerun skips what is unchanged and an interrupted run finishes
only what is left. ``execute`` runs jobs in a local process pool, or on an existing Dask
cluster when given a scheduler address; either way each job is ``run_task``: a top-level
function from plain data to a plain ``JobResult`` that never raises for a render failure.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import os
import time
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping, Sequence

from overlay import __version__
from overlay.errors import OverlayError, RenderError, UsageError
from overlay.i18n import _
from overlay.render import Job, Plan, seconds

REQUIRED = ("input", "district")
OPTIONAL = ("preset", "province", "lao", "subs_th", "subs_en", "subs_mode", "start", "end",
            "quality", "max_duration", "subs_encoding", "report")
PATH_FIELDS = ("input", "subs_th", "subs_en", "report")
RECORDS_DIR = ".overlay-batch"          # one small JSON per output: no shared file to race on
REPORT_JSON = "batch-report.json"
REPORT_CSV = "batch-report.csv"
MIB = 1 << 20

# Statuses a job ends with (and what --dry-run says it would do).
DONE, SKIPPED, FAILED, INVALID = "done", "skipped", "failed", "invalid"
READY = "ready"                          # valid, to be rendered


# ---------------------------------------------------------------- manifest

@dataclass(frozen=True)
class Row:
    number: int                          # as Excel shows it (header = 1); TOML: job 1, 2, …
    values: Mapping[str, str]            # column → text, stripped, empty cells left out


@dataclass(frozen=True)
class Manifest:
    path: Path
    rows: tuple[Row, ...]
    warnings: tuple[str, ...] = ()

    @property
    def folder(self) -> Path:
        return self.path.resolve().parent


def decode_manifest(data: bytes) -> str:
    """Text as Excel saves it: UTF-8 with BOM, plain UTF-8, else the Thai code page cp874."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # cp874 maps nearly every byte, so it goes last: it would "succeed" on anything.
        return data.decode("cp874", errors="replace")


def read_manifest(path: Path) -> Manifest:
    """CSV (any Excel encoding) or TOML; a file that cannot be used at all is a UsageError."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(_("The manifest {path} does not exist.").format(path=path),
                         _("Give a .csv or .toml file listing the clips.")) from None
    except OSError as exc:
        raise UsageError(_("Cannot read the manifest {path}: {reason}.")
                         .format(path=path, reason=exc.strerror or exc)) from None
    if path.suffix.lower() == ".toml":
        return _read_toml(path, decode_manifest(data))
    return _read_csv(path, decode_manifest(data))


def _column(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def _unknown_columns(names: Iterable[str]) -> list[str]:
    known = (*REQUIRED, *OPTIONAL)
    out = []
    for name in names:
        if name and name not in known:
            near = difflib.get_close_matches(name, known, n=1)
            out.append(_('Column "{name}" is not used{hint}.').format(
                name=name, hint=_(' (did you mean "{near}"?)').format(near=near[0]) if near else ""))
    return out


def _read_csv(path: Path, text: str) -> Manifest:
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    header = [_column(h) for h in next(reader, [])]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise UsageError(_("The manifest {path} has no column {cols}.")
                         .format(path=path.name, cols=", ".join(f'"{m}"' for m in missing)),
                         _("The first row must name the columns: input, district, and optionally "
                           "{optional}.").format(optional=", ".join(OPTIONAL)))
    rows = []
    # csv.reader yields [] for a blank line, so enumerate keeps Excel's row numbers.
    for number, cells in enumerate(reader, start=2):
        values = {name: cell.strip() for name, cell in zip(header, cells)
                  if name and cell.strip()}
        if values:
            rows.append(Row(number, MappingProxyType(values)))
    return Manifest(path, tuple(rows), tuple(_unknown_columns(header)))


def _read_toml(path: Path, text: str) -> Manifest:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(_("The manifest {path} is not valid TOML: {reason}.")
                         .format(path=path.name, reason=exc), _("Fix the line it names.")) from None
    defaults = raw.get("defaults", {})
    jobs = raw.get("job", [])
    if not isinstance(jobs, list) or not isinstance(defaults, dict):
        raise UsageError(_("The manifest {path} needs [[job]] tables (and optionally [defaults]).")
                         .format(path=path.name))
    rows, names = [], set(defaults)
    for number, table in enumerate(jobs, start=1):
        merged = {**defaults, **table}
        names.update(table)
        values = {_column(k): str(v).strip() for k, v in merged.items() if str(v).strip()}
        rows.append(Row(number, MappingProxyType(values)))
    return Manifest(path, tuple(rows), tuple(_unknown_columns(sorted(names))))


# ---------------------------------------------------------------- rows → jobs

@dataclass(frozen=True)
class Options:
    """Settings for the whole batch; a row's own cell beats the matching option."""
    out_dir: Path
    preset: str | None = None
    province: str | None = None
    quality: str | None = None
    max_duration: float | None = None
    subs_mode: str = "burn"
    logo_dirs: tuple[Path, ...] = ()
    force: bool = False
    check: bool = True
    require_official_logos: bool = False
    threads: int | None = None           # x264 threads per job, when render.Job accepts it


def _path(value: str | None, base: Path) -> Path | None:
    if not value:
        return None
    path = Path(value).expanduser()
    # Absolute paths: the same on every Dask worker that mounts the shared folder.
    return path if path.is_absolute() else (base / path).resolve()


def _float(value: str | None, column: str) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise UsageError(_('{column} "{value}" is not a number.').format(column=column, value=value),
                         _("Write seconds, e.g. 120.")) from None


def job_from_row(row: Row, base: Path, options: Options) -> Job:
    v = row.values
    if not v.get("input"):
        raise UsageError(_("No input file."), _('Fill in the "input" column.'))
    if not v.get("district"):
        raise UsageError(_("No district."), _('Fill in the "district" column.'))
    job = Job(input=_path(v["input"], base), district=v["district"],
              out_dir=Path(options.out_dir).resolve(), preset=v.get("preset") or options.preset,
              province=v.get("province") or options.province, lao=v.get("lao"),
              start=seconds(v.get("start")) or 0.0, end=seconds(v.get("end")),
              max_duration=_float(v.get("max_duration"), "max_duration") or options.max_duration,
              quality=v.get("quality") or options.quality,
              subs_th=_path(v.get("subs_th"), base), subs_en=_path(v.get("subs_en"), base),
              subs_mode=v.get("subs_mode") or options.subs_mode,
              subs_encoding=v.get("subs_encoding"),
              logo_dirs=tuple(Path(d).resolve() for d in options.logo_dirs), force=options.force,
              require_official_logos=options.require_official_logos)
    if options.threads and "threads" in {f.name for f in fields(Job)}:
        job = replace(job, threads=options.threads)      # type: ignore[call-arg]
    return job


def default_workers(cores: int | None = None) -> int:
    """Half the cores: x264 already uses several threads per clip, and one job per core
    would leave each encoder fighting the others for the same cores and memory bandwidth."""
    cores = cores or _cores()
    return max(1, cores // 2)


def threads_per_job(workers: int, cores: int | None = None) -> int:
    return max(1, (cores or _cores()) // max(1, workers))


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))      # honours taskset and container CPU limits
    except AttributeError:
        return os.cpu_count() or 1


# ---------------------------------------------------------------- content key

def file_fingerprint(path: Path) -> dict[str, Any]:
    """Size, mtime and a hash of the first and last MiB: cheap on a 2 GB clip, and any
    re-export changes at least one of them."""
    stat = Path(path).stat()
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        digest.update(fh.read(MIB))
        if stat.st_size > 2 * MIB:
            fh.seek(-MIB, os.SEEK_END)
            digest.update(fh.read(MIB))
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "head_tail": digest.hexdigest()}


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _plain(value: Any) -> Any:
    """JSON-able form of settings: dataclasses, mappings, paths, fractions."""
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (Path, Fraction)):
        return str(value)
    return value


def content_key(p: Plan, report: Path | None = None) -> str:
    """Everything the output depends on, hashed: a different key means render again."""
    job, preset = p.job, p.preset
    settings = {f.name: _plain(getattr(preset, f.name)) for f in fields(preset)
                if f.name not in ("districts", "search_dirs", "logos")}
    parts = {
        "overlay": __version__,
        "input": file_fingerprint(job.input),
        "subtitles": {lang: file_hash(path) for lang, path in
                      (("th", job.subs_th), ("en", job.subs_en)) if path},
        "report": file_hash(report) if report else None,
        "preset": settings,
        "profile": _plain(preset.encode.profile(job.quality)),
        "place": _plain(p.place),
        "lao": p.district.lao,
        "window": [p.start, p.duration, p.cut],
        "frame": [p.width, p.height, str(p.fps)],
        "subs": [job.subs_mode, job.subs_encoding, job.strict_subs],
        "logos": [[ref.key, file_hash(ref.path)] for ref in p.logos],
    }
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_path(output: Path) -> Path:
    return output.parent / RECORDS_DIR / f"{output.name}.json"


def read_record(output: Path) -> dict[str, Any] | None:
    try:
        return json.loads(record_path(output).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_record(output: Path, record: Mapping[str, Any]) -> None:
    path = record_path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.part")
    temp.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(temp, path)          # a reader never sees half a record


# ---------------------------------------------------------------- check every row first

@dataclass(frozen=True)
class Entry:
    """One manifest row after validation: what will happen to it, and why."""
    row: Row
    status: str                      # READY, SKIPPED or INVALID
    job: Job | None = None
    output: Path | None = None
    duration: float | None = None
    start: float = 0.0
    cut: bool = False
    source_duration: float | None = None
    key: str | None = None
    report: Path | None = None
    reason: str = ""                 # INVALID: the problem; otherwise a note (re-render, skip)
    warnings: tuple[str, ...] = ()


def _validate_report(data: Path) -> None:
    """A report data file with a mistake is found now, not after its clip has rendered."""
    try:
        from overlay.report import load
    except ImportError:          # the report package is optional: the clip still renders
        return
    load(data)


def prepare_row(row: Row, base: Path, options: Options) -> Entry:
    """Plan one row (probe, names, logos, subtitles) and decide: render, skip or invalid."""
    from overlay import render

    try:
        job = job_from_row(row, base, options)
        report = _path(row.values.get("report"), base)
        if report is not None and not report.is_file():
            raise UsageError(_("The report data file {path} does not exist.").format(path=report),
                             _('Fix the "report" column or leave it empty.'))
        if report is not None:
            _validate_report(report)
        # Plan as if forced: whether an existing output may be replaced is decided below.
        p = render.plan(replace(job, force=True))
        key = content_key(p, report)
    except OverlayError as exc:
        return Entry(row, INVALID, reason=exc.line())
    except OSError as exc:           # a file vanished or is unreadable while hashing
        return Entry(row, INVALID, reason=f"{exc.strerror or exc}: {exc.filename}")
    entry = Entry(row, READY, job=job, output=p.output, duration=p.duration, start=p.start,
                  cut=p.cut, source_duration=p.info.duration, key=key, report=report,
                  warnings=p.warnings)
    if not p.output.exists() or options.force:
        return entry
    record = read_record(p.output)
    if record is None:
        return replace(entry, status=INVALID, reason=_(
            "{path} already exists and was not made by a batch in this folder. "
            "Use --force to replace it, or choose another --out-dir.").format(path=p.output.name))
    if record.get("key") == key and record.get("complete"):
        return replace(entry, status=SKIPPED, reason=_("unchanged since the last run"))
    why = (_("the last run left it failing its check or without its report")
           if record.get("key") == key
           else _("its input or settings changed"))
    return replace(entry, job=replace(job, force=True),
                   reason=_("re-rendered: {why}").format(why=why))


def mark_duplicates(entries: Sequence[Entry]) -> list[Entry]:
    """Rows that would write the same file are all invalid: which one is meant is unclear."""
    by_output: dict[str, list[int]] = {}
    for entry in entries:
        if entry.output is not None and entry.status != INVALID:
            by_output.setdefault(os.path.normcase(str(entry.output)), []).append(entry.row.number)
    out = []
    for entry in entries:
        rows = by_output.get(os.path.normcase(str(entry.output)), []) if entry.output else []
        if len(rows) > 1 and entry.status != INVALID:
            others = ", ".join(str(n) for n in rows if n != entry.row.number)
            entry = replace(entry, status=INVALID, reason=_(
                "writes the same file as row {others}: {name}").format(
                others=others, name=entry.output.name))
        out.append(entry)
    return out


def prepare(manifest: Manifest, options: Options) -> list[Entry]:
    entries = [prepare_row(row, manifest.folder, options) for row in manifest.rows]
    return mark_duplicates(entries)


# ---------------------------------------------------------------- the work of one job

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
    status: str                          # DONE or FAILED
    output: Path | None = None
    duration: float | None = None
    check: str = ""                      # "ok", "not compliant: …", or "" when not checked
    error: str = ""
    elapsed: float = 0.0
    report_files: tuple[Path, ...] = ()
    warnings: tuple[str, ...] = ()


def run_task(task: Task, progress: Callable[[float], None] | None = None) -> JobResult:
    """Plan, render, check, build the report, record the key. Never raises for a failure:
    one bad clip must not stop a province's batch, nor take a Dask worker down."""
    from overlay import render

    began = time.monotonic()
    output: Path | None = None
    duration: float | None = None
    check = ""
    try:
        p = render.plan(task.job)
        output, duration = p.output, p.duration
        done = render.render_with_facts(p, progress=progress)
        problems: list[str] = []
        if task.check:
            check, failed = _check(p, done.loudness)
            if failed:
                problems.append(_("the output does not pass the check ({items})").format(items=failed))
        files, report_error = _build_report(task.report, p.output)
        if report_error:
            problems.append(_("the report could not be made: {why}").format(why=report_error))
        write_record(p.output, {"key": task.key, "complete": not problems, "row": task.row,
                                "duration": p.duration, "check": check,
                                "rendered": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                "overlay": __version__})
        return JobResult(task.row, FAILED if problems else DONE, p.output, p.duration, check,
                         "; ".join(problems), time.monotonic() - began, files, p.warnings)
    except RenderError as exc:
        # The hint speaks of ffmpeg's lines "shown above": in a batch they go to a log file.
        error = exc.message + _log_stderr(output, exc.stderr)
    except OverlayError as exc:
        error = exc.line()
    except Exception as exc:  # a bug of ours: still one line, and the batch goes on
        error = f"{type(exc).__name__}: {exc}"
    return JobResult(task.row, FAILED, output, duration, check, " ".join(error.split()),
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


def _check(p: Plan, loudness: float | None) -> tuple[str, str]:
    from overlay.check import check_rendered

    receipt = check_rendered(p, loudness)
    if receipt.ok:
        return "ok", ""
    failed = ", ".join(f"{item.name}: {item.detail}" for item in receipt.failures)
    return _("not compliant: {items}").format(items=failed), failed


def _build_report(data: Path | None, clip: Path) -> tuple[tuple[Path, ...], str]:
    """The district's report beside its clip, when the row names one and the package exists."""
    if data is None:
        return (), ""
    try:
        from overlay.report import build_report
    except ImportError:
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

    from overlay import signals, tools

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signals.install()     # SIGTERM from the parent (overlay.signals): stop ffmpeg, clean up
    tools.choose(ffmpeg)  # the parent's --ffmpeg (a spawned process does not inherit it)
    _pool_state.update(updates=updates, stop=stop)


def _pool_task(task: Task) -> JobResult:
    if _pool_state["stop"].is_set():      # queued before Ctrl-C: do not start it
        return JobResult(task.row, FAILED, error=_("stopped before it started"))
    updates = _pool_state["updates"]
    try:
        return run_task(task, QueueProgress(updates, task.row) if updates is not None else None)
    except KeyboardInterrupt:     # SIGTERM passed on by the parent: ffmpeg is already stopped
        return JobResult(task.row, FAILED, error=_("stopped"))


# ---------------------------------------------------------------- running many

DoneFn = Callable[[JobResult], None]
ProgressFn = Callable[[int, float], None]     # row, seconds of its output written


def tasks_for(entries: Iterable[Entry], check: bool = True) -> list[Task]:
    return [Task(e.row.number, e.job, e.key, check, e.report)
            for e in entries if e.status == READY and e.job is not None and e.key]


def execute(tasks: Sequence[Task], *, workers: int = 1, scheduler: str | None = None,
            on_done: DoneFn | None = None, on_progress: ProgressFn | None = None) -> list[JobResult]:
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
                   on_progress: ProgressFn | None) -> list[JobResult]:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    from overlay import tools

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
            result = JobResult(task.row, FAILED, error=_("the worker stopped: {why}")
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


def _drain(updates, on_progress: ProgressFn | None) -> None:
    import queue

    if updates is None or on_progress is None:
        return
    while True:
        try:
            row, done = updates.get_nowait()
        except (queue.Empty, OSError, ValueError):
            return
        on_progress(row, done)


def dask_client(address: str):
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
                    result = JobResult(task.row, FAILED, error=_("the Dask worker failed: {why}")
                                       .format(why=f"{type(exc).__name__}: {exc}"))
                results.append(result)
                if on_done:
                    on_done(result)
        except BaseException:
            client.cancel(list(futures))
            raise
    return results


# ---------------------------------------------------------------- reports

@dataclass(frozen=True)
class Outcome:
    """One row of the batch report: the manifest row, and what became of it."""
    row: int
    input: str
    district: str
    status: str
    output: str = ""
    duration: float | None = None
    check: str = ""
    error: str = ""
    note: str = ""
    elapsed: float | None = None
    reports: str = ""                    # the report form's files written beside the clip
    fields: Mapping[str, str] = field(default_factory=dict)


def outcomes(entries: Sequence[Entry], results: Iterable[JobResult]) -> list[Outcome]:
    """Entries and results joined by row, in manifest order; a ready row with no result
    was stopped before it finished."""
    by_row = {r.row: r for r in results}
    out = []
    for e in entries:
        base = Outcome(row=e.row.number, input=e.row.values.get("input", ""),
                       district=e.row.values.get("district", ""), status=e.status,
                       output=e.output.name if e.output else "", duration=e.duration,
                       fields=dict(e.row.values))
        if e.status == INVALID:
            out.append(replace(base, error=e.reason))
        elif e.status == SKIPPED:
            record = read_record(e.output) or {}
            out.append(replace(base, check=str(record.get("check", "")), note=e.reason))
        elif e.row.number in by_row:
            r = by_row[e.row.number]
            out.append(replace(base, status=r.status, check=r.check, error=r.error,
                               note=e.reason, elapsed=round(r.elapsed, 2),
                               reports="; ".join(p.name for p in r.report_files)))
        else:
            out.append(replace(base, status=FAILED, error=_("stopped before it finished")))
    return out


def summary(rows: Iterable[Outcome]) -> dict[str, int]:
    counts = {DONE: 0, SKIPPED: 0, FAILED: 0, INVALID: 0}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


def exit_code(rows: Iterable[Outcome]) -> int:
    return 1 if any(r.status in (FAILED, INVALID) for r in rows) else 0


CSV_COLUMNS = ("row", "input", "district", "status", "output", "duration", "check", "error",
               "note", "elapsed", "reports")


def write_reports(out_dir: Path, manifest: Path, rows: Sequence[Outcome]) -> tuple[Path, Path]:
    """batch-report.json and batch-report.csv (UTF-8 with BOM: Excel then shows Thai)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = {"manifest": str(manifest), "overlay": __version__,
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "summary": summary(rows), "jobs": [_plain(r) for r in rows]}
    json_path, csv_path = out_dir / REPORT_JSON, out_dir / REPORT_CSV
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow(["" if getattr(r, c) is None else getattr(r, c) for c in CSV_COLUMNS])
    csv_path.write_text(buffer.getvalue(), encoding="utf-8-sig", newline="")
    return json_path, csv_path
