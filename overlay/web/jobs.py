"""Jobs: one render at a time in a worker thread, a queue behind it, cancel, history.

A job is made from the same fields as a ``batch`` row (the clip and subtitle fields hold
upload ids) through ``overlay.batch.job_from_row``, then run exactly as ``overlay render``
runs it: ``plan`` → ``render_with_facts`` (one ffmpeg pass) → ``check_rendered``. Progress
comes from the engine's callback; Cancel raises from that callback, which makes the runner
kill ffmpeg and drop its partial file, so nothing is left under any name.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping

from overlay.errors import OverlayError, UsageError
from overlay.i18n import _
from overlay.web.errors import Conflict, NotFound, WebError
from overlay.web.jobstore import (
    ACTIVE,
    CANCELLED,
    DONE,
    FAILED,
    FINISHED,
    QUEUED,
    RUNNING,
    STOPPED,
    JobRecord,
    JobStore,
    new_id,
)
from overlay.web.report_drafts import job_report
from overlay.web.settings import WebSettings

log = logging.getLogger("overlay.web")

UPLOAD_FIELDS = {"input": "clip", "subs_th": "subs", "subs_en": "subs"}


def row_fields() -> tuple[str, ...]:
    """The fields of a batch row the page may set (a report file is the report form's job)."""
    from overlay.batch.manifest import OPTIONAL, REQUIRED

    return tuple(REQUIRED) + tuple(f for f in OPTIONAL if f != "report")


def clean_fields(body: Mapping[str, Any]) -> tuple[dict[str, str], bool]:
    """(row values as text, force) from a JSON body; unknown fields are refused."""
    allowed = set(row_fields())
    unknown = sorted(set(body) - allowed - {"force", "names", "chapters"})
    if unknown:
        raise WebError(_("Unknown field(s): {names}.").format(names=", ".join(unknown)),
                       _("Use the fields of a batch row: {names}.").format(names=", ".join(sorted(allowed))))
    values = {}
    for key in allowed:
        value = body.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise WebError(_('The field "{name}" must be text or a number.').format(name=key))
        values[key] = str(value).strip()
    return values, bool(body.get("force"))


def clean_chapters(value: Any) -> dict[str, int]:
    """The page's chapter marks: topic key → whole seconds of the output (the report model's
    ``TOPICS`` and ``check_chapter``). Not a batch field: the report form reads them later."""
    from overlay.report.model import TOPICS, check_chapter

    if value is None:
        return {}
    keys = [key for key, _n in TOPICS]
    if not isinstance(value, Mapping) or set(value) - set(keys):
        raise WebError(_('The field "chapters" must map topics ({names}) to start times.')
                       .format(names=", ".join(keys)), None)
    marks: dict[str, int] = {}
    for key in keys:
        seconds, reason = check_chapter(value.get(key))
        if reason is not None:
            raise WebError(_("chapters.{key}: {reason}: {value!r}.").format(
                key=key, reason=reason, value=value.get(key)), None)
        if seconds is not None:
            marks[key] = seconds
    return marks


def chapter_warnings(marks: dict[str, int], length: float) -> list[str]:
    """What YouTube would make of the marks (``chapters_from``'s problems), as warnings: a
    mark never refuses a render. A mark past the clip's end is dropped from ``marks``."""
    from overlay.report.model import chapters_from
    from overlay.timecode import format_time

    warnings: list[str] = []
    for key, seconds in list(marks.items()):
        if seconds >= length:
            del marks[key]
            warnings.append(_("chapters.{key} starts at {time}, after the end of the clip ({length}); "
                              "it is left out.").format(key=key, time=format_time(seconds),
                                                        length=format_time(int(length))))
    return warnings + chapters_from(marks)[1]


def stored_fields(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The row fields (and force, chapters) of a stored job's settings, without its labels."""
    keep = set(row_fields()) | {"force", "chapters"}
    return {k: v for k, v in settings.items() if k in keep}


def build_job(values: Mapping[str, str], force: bool, store: JobStore, out_dir: Path,
              work_dir: Path):
    """A render.Job from row values whose file fields are upload ids."""
    from overlay.batch import Options, Row, job_from_row

    row = dict(values)
    for name, kind in UPLOAD_FIELDS.items():
        if name in row:
            upload = store.get_upload(row[name])
            if upload is None or upload.kind != kind or not Path(upload.path).is_file():
                raise NotFound(_("The file for {field} is no longer here (it was removed or "
                                 "never sent).").format(field=name), _("Choose the file again."))
            row[name] = upload.path
    return job_from_row(Row(1, row), work_dir, Options(out_dir=out_dir, force=force))


def plan_or_conflict(job):
    """plan(job); an existing output without force is a 409 with the CLI's message."""
    from overlay.render import plan

    try:
        return plan(job)
    except UsageError as exc:
        if not job.force:
            try:
                forced = plan(replace(job, force=True))
            except OverlayError:
                raise exc from None
            if forced.output.exists():
                raise Conflict(exc.message, exc.hint) from None
        raise


class Cancelled(Exception):
    """Raised from the progress callback: the runner kills ffmpeg and removes its file."""


@dataclass
class Live:
    status: str = QUEUED
    done: float = 0.0
    total: float = 0.0
    phase: str = ""                    # planning, rendering, checking
    began: float | None = None         # when ffmpeg started, for the time left

    def progress(self) -> dict[str, Any]:
        fraction = min(1.0, self.done / self.total) if self.total else 0.0
        eta = None
        if self.began and fraction > 0.02:
            elapsed = time.time() - self.began
            eta = max(0.0, elapsed * (1 - fraction) / fraction)
        return {"done": self.done, "total": self.total, "fraction": fraction, "eta": eta,
                "phase": self.phase}


class JobManager:
    def __init__(self, store: JobStore, settings: WebSettings) -> None:
        self.store = store
        self.settings = settings
        self._queue: collections.deque[str] = collections.deque()
        self._live: dict[str, Live] = {}
        self._cancel: dict[str, threading.Event] = {}
        self._cv = threading.Condition()
        self._thread: threading.Thread | None = None
        self.stopping = False

    # ------------------------------------------------------------ the page's side

    def submit(self, body: Mapping[str, Any], names: Mapping[str, str] | None = None) -> JobRecord:
        values, force = clean_fields(body)
        marks = clean_chapters(body.get("chapters"))
        job = build_job(values, force, self.store, self.settings.output_dir, self.settings.work_dir)
        plan = plan_or_conflict(job)
        warnings = list(plan.warnings) + chapter_warnings(marks, plan.duration)
        with self._cv:
            if self.stopping:
                raise Conflict(_("overlay web is stopping."), None)
            labels = dict(names or {})
            for name in UPLOAD_FIELDS:
                if name in values:
                    upload = self.store.get_upload(values[name])
                    labels[name] = upload.display_name if upload else values[name]
            chapters = {"chapters": marks} if marks else {}
            record = JobRecord(new_id(), {**values, "force": force, "names": labels,
                                          "file_name": plan.output.name, **chapters},
                               warnings=warnings)
            self.store.add(record)
            self._live[record.id] = Live(total=plan.duration)
            self._cancel[record.id] = threading.Event()
            self._queue.append(record.id)
            self._ensure_worker()
            self._cv.notify_all()
        return record

    def again(self, job_id: str, force: bool | None = None) -> JobRecord:
        old = self.store.get(job_id)
        if old is None:
            raise NotFound(_("No job {id}.").format(id=job_id), None)
        body = stored_fields(old.settings)
        body["force"] = old.settings.get("force", False) if force is None else force
        return self.submit(body, old.settings.get("names"))

    def cancel(self, job_id: str) -> JobRecord:
        with self._cv:
            record = self.store.get(job_id)
            if record is None:
                raise NotFound(_("No job {id}.").format(id=job_id), None)
            if job_id in self._queue:
                self._queue.remove(job_id)
                self._finish(job_id, status=CANCELLED)
            elif job_id in self._cancel and self._live.get(job_id, Live()).status == RUNNING:
                self._cancel[job_id].set()
            else:
                raise Conflict(_("This job is not waiting or running ({status}).")
                               .format(status=record.status), None)
        return self.wait_not_running(job_id)

    def wait_not_running(self, job_id: str, timeout: float = 30.0) -> JobRecord:
        deadline = time.time() + timeout
        with self._cv:
            while job_id in self._live and self._live[job_id].status == RUNNING and time.time() < deadline:
                self._cv.wait(0.2)
        return self.store.get(job_id)   # type: ignore[return-value]

    def queue(self) -> list[str]:
        with self._cv:
            running = [j for j, live in self._live.items() if live.status == RUNNING]
            return running + list(self._queue)

    def snapshot(self, job_id: str) -> dict[str, Any]:
        with self._cv:
            live = self._live.get(job_id)
            position = self._queue.index(job_id) + 1 if job_id in self._queue else None
            if live is not None:
                return {"status": live.status, "progress": live.progress(), "position": position}
        record = self.store.get(job_id)
        if record is None:
            raise NotFound(_("No job {id}.").format(id=job_id), None)
        return {"status": record.status, "progress": None, "position": None}

    def stop(self, timeout: float = 30.0) -> None:
        """Ctrl-C: stop ffmpeg, leave nothing, mark what was waiting as stopped."""
        with self._cv:
            self.stopping = True
            while self._queue:
                self._finish(self._queue.popleft(), status=STOPPED)
            for event in self._cancel.values():
                event.set()
            self._cv.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    # ------------------------------------------------------------ the worker

    def _ensure_worker(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, name="overlay-render", daemon=True)
            self._thread.start()

    def _work(self) -> None:
        while True:
            with self._cv:
                while not self._queue and not self.stopping:
                    self._cv.wait()
                if self.stopping:
                    return
                job_id = self._queue.popleft()
                self._live[job_id].status = RUNNING
                self._cv.notify_all()
            try:
                self._run(job_id)
            except Exception:
                log.exception("job %s", job_id)
                self._finish(job_id, status=FAILED, error=_("Unexpected error; see the server's log."))
            self._tidy()

    def _tidy(self) -> None:
        """After each job: the age limit, so a server left running for weeks stays small."""
        from overlay.web.uploads import clean_old

        try:
            clean_old(self.store, self.settings)
        except OSError:
            log.exception("cleaning the work folder")

    def _run(self, job_id: str) -> None:
        from overlay.check import check_rendered
        from overlay.render import render_with_facts

        live, cancel = self._live[job_id], self._cancel[job_id]
        record = self.store.get(job_id)
        assert record is not None
        self.store.update(job_id, status=RUNNING, started=time.time())
        warnings = list(record.warnings)
        try:
            live.phase = "planning"
            values, force = clean_fields(stored_fields(record.settings))
            job = build_job(values, force, self.store, self.settings.output_dir, self.settings.work_dir)
            plan = plan_or_conflict(job)
            live.total, live.phase, live.began = plan.duration, "rendering", time.time()

            def progress(seconds: float) -> None:
                if cancel.is_set():
                    raise Cancelled
                live.done = min(seconds, live.total)

            done = render_with_facts(plan, progress=progress, warn=warnings.append)
            live.phase = "checking"
            receipt = check_rendered(plan, done.loudness, done.audio)
        except Cancelled:
            self._finish(job_id, status=STOPPED if self.stopping else CANCELLED, warnings=warnings)
            return
        except OverlayError as exc:
            self._finish(job_id, status=FAILED, error=exc.line(), warnings=warnings)
            return
        items = [{"name": i.name, "ok": i.ok, "detail": i.detail, "warning": i.warning,
                  "hint": page_hint(i), "key": i.key} for i in receipt.items]
        error = None if receipt.ok else _("The output was written but does not pass the check.")
        self._finish(job_id, status=DONE if receipt.ok else FAILED, output=str(done.path),
                     receipt=items, warnings=warnings, error=error)

    def _finish(self, job_id: str, status: str, **values: Any) -> None:
        self.store.update(job_id, status=status, finished=time.time(), **values)
        with self._cv:
            self._live.pop(job_id, None)
            self._cancel.pop(job_id, None)
            self._cv.notify_all()


def job_json(record: JobRecord, manager: JobManager) -> dict[str, Any]:
    data = record.to_json()
    snap = manager.snapshot(record.id) if record.status in ACTIVE else None
    if snap is not None:
        data["status"] = snap["status"]
    data["progress"] = snap["progress"] if snap else None
    data["position"] = snap["position"] if snap else None
    data["finished_ok"] = record.status == DONE
    data["download"] = f"/api/jobs/{record.id}/file" if record.output and record.status in (DONE, FAILED) else None
    data["output_folder"] = str(Path(record.output).parent) if record.output else None
    data["file_name"] = record.settings.get("file_name")
    data["active"] = data["status"] in ACTIVE
    data["final"] = data["status"] in FINISHED
    data["report"] = job_report(record.settings, manager.store.path)   # the district's report form
    return data


def page_hint(item: Any) -> str:
    """A receipt line's hint in the page's words: its logo slots, not the command line."""
    from overlay.check import PLACEHOLDERS

    if item.key == PLACEHOLDERS:
        return _("Drop the official file on each placeholder slot under Logos above, or use "
                 "\"Import a logo pack\" there with the pack from the provincial office; then "
                 "make the clip again.")
    return item.hint
