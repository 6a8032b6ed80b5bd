"""The JSON API under the page (usable from scripts): jobs, progress (SSE), files, previews."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Body, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, StreamingResponse

from overlay import __version__
from overlay.i18n import _
from overlay.presets import choose_preset
from overlay.render import plan
from overlay.render import preview as draw
from overlay.web.drafts import ClipDrafts
from overlay.web.errors import Conflict, NotFound
from overlay.web.features import Feature
from overlay.web.jobs import JobManager, build_job, job_fields, job_json
from overlay.web.jobstore import ACTIVE, FINISHED, JobRecord
from overlay.web.uploads import remove_upload

router = APIRouter(prefix="/api")


def _manager(request: Request) -> JobManager:
    return request.app.state.jobs


def _record(request: Request, job_id: str) -> JobRecord:
    record = request.app.state.store.get(job_id)
    if record is None:
        raise NotFound(_("No job {id}.").format(id=job_id), _("See the list of jobs."))
    return record


@router.get("/settings")
def settings(request: Request) -> dict[str, Any]:
    s = request.app.state.settings
    return {"output_dir": str(s.output_dir), "max_upload": s.max_upload, "keep_days": s.keep_days,
            "limit": choose_preset(None, None).max_duration, "version": __version__}


@router.post("/jobs", status_code=201)
def create_job(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    record = _manager(request).submit(body)
    return job_json(record, _manager(request))


@router.get("/jobs")
def list_jobs(request: Request, limit: int = 100) -> dict[str, Any]:
    manager = _manager(request)
    return {"jobs": [job_json(r, manager) for r in request.app.state.store.jobs(limit)],
            "queue": manager.queue()}


@router.get("/jobs/{job_id}")
def read_job(request: Request, job_id: str) -> dict[str, Any]:
    return job_json(_record(request, job_id), _manager(request))


@router.post("/jobs/{job_id}/cancel")
def cancel_job(request: Request, job_id: str) -> dict[str, Any]:
    return job_json(_manager(request).cancel(job_id), _manager(request))


@router.post("/jobs/{job_id}/again", status_code=201)
def run_again(request: Request, job_id: str, body: dict[str, Any] | None = Body(None)) -> dict[str, Any]:
    force = (body or {}).get("force")
    return job_json(_manager(request).again(job_id, None if force is None else bool(force)),
                    _manager(request))


@router.delete("/jobs/{job_id}")
def delete_job(request: Request, job_id: str) -> dict[str, Any]:
    """Forget a job and remove its uploads and intermediate files (not the finished clip)."""
    store = request.app.state.store
    record = _record(request, job_id)
    if record.status in ACTIVE:
        raise Conflict(_("This job is still waiting or running."), _("Cancel it first."))
    store.delete(job_id)
    still_used = {str(j.settings.get(k)) for j in store.jobs(limit=10_000)
                  for k in ("input", "subs_th", "subs_en") if j.settings.get(k)}
    still_used |= ClipDrafts(Path(store.path)).uploads_in_use()
    for key in ("input", "subs_th", "subs_en"):
        upload_id = record.settings.get(key)
        upload = store.get_upload(upload_id) if upload_id else None
        if upload is not None and upload.id not in still_used:
            remove_upload(store, upload, request.app.state.settings)
    return {"deleted": job_id}


@router.get("/jobs/{job_id}/file")
def download(request: Request, job_id: str) -> FileResponse:
    record = _record(request, job_id)
    if not record.output or not Path(record.output).is_file():
        raise NotFound(_("This job has no file to download."),
                       _("It did not finish, or the file was moved or deleted."))
    path = Path(record.output)
    return FileResponse(path, media_type="video/mp4", filename=path.name)


@router.get("/jobs/{job_id}/events")
async def events(request: Request, job_id: str) -> StreamingResponse:
    """Server-Sent Events: a ``progress`` event when something changes, ``end`` when finished."""
    manager = _manager(request)
    _record(request, job_id)

    async def stream():
        last = None
        while True:
            snap = await run_in_threadpool(manager.snapshot, job_id)
            if snap["status"] in FINISHED:
                record = await run_in_threadpool(_record, request, job_id)
                yield f"event: end\ndata: {json.dumps(job_json(record, manager), ensure_ascii=False)}\n\n"
                return
            if snap != last:
                yield f"event: progress\ndata: {json.dumps(snap)}\n\n"
                last = snap
            if manager.stopping or await request.is_disconnected():
                return
            await asyncio.sleep(0.25)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.get("/preview")
def preview(request: Request, at: float = 0.0) -> FileResponse:
    """One frame at ``at`` seconds of the original, drawn by the engine's ``preview``."""
    settings = request.app.state.settings
    query = {k: v for k, v in request.query_params.items() if k not in ("at", "token")}
    values, _force = job_fields(query)
    folder = settings.work_dir / "previews"
    planned = plan(build_job(values, True, request.app.state.store, folder))
    # The logos are part of the picture: a logo added to the library draws a new preview.
    logos = [[ref.key, str(ref.path), ref.path.stat().st_mtime_ns] for ref in planned.logos]
    key = hashlib.sha256(json.dumps([sorted(values.items()), round(at, 2), logos]).encode()).hexdigest()[:24]
    target = folder / f"{key}.png"
    if not target.is_file():
        draw(planned, max(0.0, at - planned.start), target)
    return FileResponse(target, media_type="image/png", headers={"Cache-Control": "no-store"})


feature = Feature(router=router)
