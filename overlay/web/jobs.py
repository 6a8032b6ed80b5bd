"""Jobs: one render at a time in a worker thread, a queue behind it, cancel, history.

A job is made from the same fields as a ``batch`` row (the clip and subtitle fields hold
upload ids) by the one set of field rules, ``overlay.jobfields.job_from_fields``; it is
planned once, at submit (an existing output is ``OutputExists``: a 409), and the worker runs
that plan through the one engine call, ``engine.run`` (one ffmpeg pass, then the receipt).
Progress comes from the engine's callback; Cancel makes the engine stop the runner, which
kills ffmpeg and drops its partial file, so nothing is left under any name.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping

from overlay import engine, i18n, render
from overlay.check import PLACEHOLDERS
from overlay.errors import OverlayError
from overlay.i18n import _
from overlay.jobfields import OPTIONAL, REQUIRED, Options, job_from_fields, text_fields
from overlay.receipt import Item, describe
from overlay.render import Job, Plan
from overlay.report.model import TOPICS, chapter_name, chapters_from, check_chapter
from overlay.timecode import format_time
from overlay.web import instance, limits
from overlay.web.errors import Conflict, NotFound, WebError, page_line, page_text
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
from overlay.web.page_words import page_warnings, plain_receipt
from overlay.web.report_drafts import job_report
from overlay.web.settings import WebSettings
from overlay.web.uploads import clean_old

log = logging.getLogger("overlay.web")

UPLOAD_FIELDS = {"input": "clip", "subs_th": "subs", "subs_en": "subs"}


def row_fields() -> tuple[str, ...]:
    """The fields of a batch row the page may set (a report file is the report form's job)."""
    return tuple(REQUIRED) + tuple(f for f in OPTIONAL if f != "report")


def job_fields(body: Mapping[str, Any]) -> tuple[dict[str, str], bool]:
    """(the job's fields, force) from a JSON body, by the batch row's rules
    (``jobfields.text_fields``); unknown fields are refused."""
    allowed = set(row_fields())
    unknown = sorted(set(body) - allowed - {"force", "names", "chapters"})
    if unknown:
        raise WebError(_("Unknown field(s): {names}.").format(names=", ".join(unknown)),
                       _("Use the fields of a batch row: {names}.").format(names=", ".join(sorted(allowed))))
    return text_fields(body, row_fields()), bool(body.get("force"))


def clean_chapters(value: Any) -> dict[str, int]:
    """The page's chapter marks: topic key → whole seconds of the output (the report model's
    ``TOPICS`` and ``check_chapter``). Not a batch field: the report form reads them later."""
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
            raise WebError(_("The chapter {name}: {reason}: {value!r}.").format(
                name=chapter_name(key), reason=reason, value=value.get(key)), None)
        if seconds is not None:
            marks[key] = seconds
    return marks


def chapter_warnings(marks: dict[str, int], length: float) -> list[str]:
    """What YouTube would make of the marks (``chapters_from``'s problems), as warnings: a
    mark never refuses a render. A mark past the clip's end is dropped from ``marks``."""
    warnings: list[str] = []
    for key, seconds in list(marks.items()):
        if seconds >= length:
            del marks[key]
            warnings.append(_("The chapter {name} starts at {time}, after the end of the clip "
                              "({length}); it is left out.").format(
                                  name=chapter_name(key), time=format_time(seconds),
                                  length=format_time(int(length))))
    return warnings + chapters_from(marks, chapter_name, length)[1]


def stored_fields(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The row fields (and force, chapters) of a stored job's settings, without its labels."""
    keep = set(row_fields()) | {"force", "chapters"}
    return {k: v for k, v in settings.items() if k in keep}


def build_job(fields: Mapping[str, Any], force: bool, store: JobStore, out_dir: Path) -> Job:
    """The engine's Job from the page's fields, whose file fields are upload ids."""
    def upload_file(name: str, upload_id: str) -> Path:
        upload = store.get_upload(upload_id)
        if upload is None or upload.kind != UPLOAD_FIELDS.get(name) or not Path(upload.path).is_file():
            raise NotFound(_("The file for {field} is no longer here (it was removed or "
                             "never sent).").format(field=name), _("Choose the file again."))
        return Path(upload.path)

    job = job_from_fields(fields, Options(out_dir=out_dir, force=force, preset_names_only=True),
                          upload_file)
    return replace(job, language=i18n.language())     # the request's: the job speaks it


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
        # One server per data folder: only the lock's holder may call the jobs of an earlier
        # server stopped (a second server would stop the first one's live jobs) and sweep
        # what a killed server left. AlreadyRunning when another live server holds it.
        self.claim = instance.claim(
            settings.data_dir, settings.host, settings.port,
            instance.address(settings.host, settings.port, settings.token) if settings.port else None)
        store.mark_interrupted()
        try:
            instance.sweep(settings.output_dir, settings.work_dir,
                           {u.id for u in store.uploads_before(float("inf"))})
        except OSError:
            log.exception("sweeping what an earlier server left")
        self._queue: collections.deque[str] = collections.deque()
        self._live: dict[str, Live] = {}
        self._cancel: dict[str, threading.Event] = {}
        self._plans: dict[str, Plan] = {}
        self._cv = threading.Condition()
        self._thread: threading.Thread | None = None
        self.stopping = False

    # ------------------------------------------------------------ the page's side

    def submit(self, body: Mapping[str, Any], names: Mapping[str, str] | None = None) -> JobRecord:
        values, force = job_fields(body)
        marks = clean_chapters(body.get("chapters"))
        self._room_in_queue()
        job = build_job(values, force, self.store, self.settings.output_dir)
        plan = render.plan(job)       # planned once: the worker renders this plan
        limits.require_space(plan.output.parent, render.estimate_bytes(plan),
                             self.settings.free_margin, _("this clip"))
        # The two warnings in the command line's words are said again by page_warnings, in
        # the page's; any other option a warning names becomes the page's field (page_text).
        own = {render.placeholder_warning(plan), render.lao_warning(plan)}
        warnings = page_warnings([page_text(w) for w in plan.warnings if w not in own],
                                 [ref.key for ref in plan.placeholders], plan.place.district,
                                 render.lao_warning(plan) not in plan.warnings) \
            + chapter_warnings(marks, plan.duration)
        with self._cv:
            if self.stopping:
                raise Conflict(_("overlay web is stopping."), None)
            self._room_in_queue()
            labels = dict(names or {})
            for name in UPLOAD_FIELDS:
                if name in values:
                    upload = self.store.get_upload(values[name])
                    labels[name] = upload.display_name if upload else values[name]
            chapters = {"chapters": marks} if marks else {}
            # The job speaks the language of the request that made it (warnings, errors).
            record = JobRecord(new_id(), {**values, "force": force, "names": labels,
                                          "file_name": plan.output.name, **chapters,
                                          "lang": i18n.language()},
                               warnings=warnings)
            self.store.add(record)
            self._live[record.id] = Live(total=plan.duration)
            self._plans[record.id] = plan
            self._cancel[record.id] = threading.Event()
            self._queue.append(record.id)
            self._ensure_worker()
            self._cv.notify_all()
        return record

    def _room_in_queue(self) -> None:
        if len(self._queue) >= self.settings.max_queued:
            raise limits.queue_full(self.settings.max_queued)

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
        if self._thread is None or not self._thread.is_alive():
            self.claim.release()       # the next server may start here

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
            record = self.store.get(job_id)
            try:
                with i18n.using(record.settings.get("lang") if record else None):
                    self._run(job_id)
            except Exception:
                log.exception("job %s", job_id)
                try:
                    self._finish(job_id, status=FAILED, error=_(
                        "Something went wrong while making this clip. Press Make the clip again; if it "
                        "happens again, send the last lines of the black window to IT staff."))
                except Exception:           # the database cannot write either (a full disk)
                    log.exception("recording job %s", job_id)
                    with self._cv:
                        self._live.pop(job_id, None)
                        self._cv.notify_all()
            self._tidy()

    def _tidy(self) -> None:
        """After each job: the age limit, so a server left running for weeks stays small."""
        try:
            clean_old(self.store, self.settings)
        except OSError:
            log.exception("cleaning the work folder")

    def _run(self, job_id: str) -> None:
        live, cancel = self._live[job_id], self._cancel[job_id]
        plan = self._plans.pop(job_id)
        record = self.store.get(job_id)
        assert record is not None
        self.store.update(job_id, status=RUNNING, started=time.time())
        warnings = list(record.warnings)
        live.total, live.phase, live.began = plan.duration, "rendering", time.time()

        def progress(seconds: float) -> None:
            live.done = min(seconds, live.total)

        def phase(name: str) -> None:
            live.phase = name

        try:
            # The disk may have filled while the job waited in the queue.
            limits.require_space(plan.output.parent, render.estimate_bytes(plan),
                                 self.settings.free_margin, _("this clip"))
            result = engine.run(plan, progress=progress, cancel=cancel.is_set, warn=warnings.append,
                                phase=phase)
        except engine.Cancelled:
            self._finish(job_id, status=STOPPED if self.stopping else CANCELLED, warnings=warnings)
            return
        except OverlayError as exc:
            self._finish(job_id, status=FAILED, error=page_line(exc), warnings=warnings)
            return
        assert result.receipt is not None
        items = [item.to_data() for item in result.receipt.items]    # worded when shown
        error = None if result.ok else _("The output was written but does not pass the check.")
        self._finish(job_id, status=DONE if result.ok else FAILED, output=str(result.output),
                     receipt=items, warnings=warnings, error=error)

    def _finish(self, job_id: str, status: str, **values: Any) -> None:
        self.store.update(job_id, status=status, finished=time.time(), **values)
        with self._cv:
            self._live.pop(job_id, None)
            self._cancel.pop(job_id, None)
            self._plans.pop(job_id, None)
            self._cv.notify_all()


def receipt_json(items: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """A stored receipt, worded in the language of this request (``receipt.describe``).
    A line stored as words by an older version is shown as it was stored."""
    if items is None:
        return None
    lang = i18n.language()
    return [page_hint(describe(Item.from_data(item), lang)) if "label" in item else item
            for item in items]


def job_json(record: JobRecord, manager: JobManager) -> dict[str, Any]:
    data = record.to_json()
    data["receipt"] = receipt_json(record.receipt)
    data["receipt_plain"] = plain_receipt(record.receipt, i18n.language())   # the page's lines
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


def page_hint(line: dict[str, Any]) -> dict[str, Any]:
    """A worded receipt line with its hint in the page's words: the logo slots, not the
    command line."""
    if line.get("key") == PLACEHOLDERS:
        line["hint"] = _("Drop the official file on each placeholder slot under Logos above, or use "
                         "\"Import a logo pack\" there with the pack from the provincial office; then "
                         "make the clip again.")
    return line
