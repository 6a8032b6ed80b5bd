"""Clips and subtitle files sent by the page: streamed to disk, probed, proxied for the player.

No request names a path: an upload lives in ``<work>/uploads/<id>/<safe name>``, where the
id is generated and the safe name is derived from the user's file name (kept whole only as
display text). The clip is checked by probing, never by its extension.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import threading
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse

from overlay import graph, runner
from overlay.errors import InputError, OverlayError
from overlay.i18n import _
from overlay.presets import choose_preset
from overlay.probe import MediaInfo, probe, require_video
from overlay.render import seconds
from overlay.subtitles import check_srt, read_srt
from overlay.timecode import format_time
from overlay.tools import ffmpeg_exe
from overlay.web import limits
from overlay.web.errors import NotFound, TooLarge, WebError
from overlay.web.features import Feature
from overlay.web.jobstore import ACTIVE, JobStore, Upload, new_id
from overlay.web.settings import WebSettings

router = APIRouter(prefix="/api")

KINDS = ("clip", "subs")
SUBS_LIMIT = 16 << 20                   # a 5-minute SRT is a few kB; 16 MB is plainly not one
PROXY_SHORT_SIDE = 360
WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)
UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')

# What Chromium, Edge and Firefox play in a <video> without help. Anything else gets a proxy.
BROWSER_VIDEO = {"h264", "vp8", "vp9", "av1"}
BROWSER_AUDIO = {"aac", "mp3", "opus", "vorbis", "flac"}
BROWSER_PIXELS = {"yuv420p", "yuvj420p"}
BROWSER_CONTAINERS = ("mp4", "mov", "webm", "matroska")
BROWSER_MAX_PIXELS = 1920 * 1088
BROWSER_MAX_BITRATE = 40e6           # above this a 4K phone clip stutters on an office laptop


def safe_name(display: str, default: str = "clip") -> str:
    """A harmless file name made from the user's: no separators, controls, dots in front,
    Windows device names or excess length. The original stays display text only."""
    name = unicodedata.normalize("NFC", display).replace("\\", "/").rsplit("/", 1)[-1]
    name = UNSAFE.sub("_", name).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot or not re.fullmatch(r"[A-Za-z0-9]{1,5}", ext):
        stem, ext = name, ""
    stem = stem[:80].strip(" .") or default
    if WINDOWS_RESERVED.match(stem):
        stem = f"_{stem}"
    return f"{stem}.{ext.lower()}" if ext else stem


def display_name(request: Request) -> str:
    raw = request.query_params.get("name") or unquote(request.headers.get("x-file-name", ""))
    text = "".join(ch for ch in raw if unicodedata.category(ch) != "Cc")
    return text[:300] or "clip"


# ---------------------------------------------------------------- probe facts

def playable_in_browser(info: MediaInfo) -> bool:
    video = info.video
    if video is None:
        return False
    audio_ok = info.audio is None or info.audio.codec in BROWSER_AUDIO
    w, h = video.display_size
    size = info.path.stat().st_size if info.path.exists() else 0
    rate = size * 8 / info.duration if info.duration > 0 else 0
    return (any(c in info.format.split(",") for c in BROWSER_CONTAINERS)
            and video.codec in BROWSER_VIDEO and video.pix_fmt in BROWSER_PIXELS
            and not video.interlaced and video.hdr is None and audio_ok
            and (w * h <= BROWSER_MAX_PIXELS or rate <= BROWSER_MAX_BITRATE))


def clip_facts(info: MediaInfo, size: int) -> dict[str, Any]:
    """What the page shows after the upload: the facts and what the render will change."""
    video = require_video(info)
    preset = choose_preset(None, None)
    w, h = video.display_size
    out_w, out_h = graph.output_size(w, h, preset.encode.max_long_side)
    changes = []
    if info.duration > preset.max_duration:
        changes.append(_("The clip is {total} long: only {limit} can be kept. Choose the part "
                         "to keep below; otherwise the first {limit} are used.")
                       .format(total=format_time(info.duration), limit=format_time(preset.max_duration)))
    if video.rotation:
        changes.append(_("The clip was filmed turned; it will be turned upright."))
    if (out_w, out_h) != (w, h):
        changes.append(_("The picture will be made smaller, to {w}×{h}.").format(w=out_w, h=out_h))
    if info.audio is None:
        changes.append(_("The clip has no sound: the result will be silent."))
    if video.hdr:
        changes.append(_("HDR colours will be converted to normal colours."))
    if video.interlaced:
        changes.append(_("Interlaced video will be made progressive."))
    return {
        "duration": info.duration, "duration_text": format_time(info.duration), "size": size,
        "width": w, "height": h,
        "orientation": "portrait" if h > w else "landscape",
        "orientation_text": _("portrait") if h > w else _("landscape"),
        "sound": info.audio is not None, "codec": video.codec, "limit": preset.max_duration,
        "changes": changes, "playable": playable_in_browser(info),
    }


# ---------------------------------------------------------------- proxies

def proxy_args(src: Path, dst: Path, info: MediaInfo) -> list[str]:
    """A small H.264 copy for the player, on the original's time line (no cut, no shift)."""
    video = require_video(info)
    w, h = video.display_size
    scale = f"scale=-2:{PROXY_SHORT_SIDE}" if w >= h else f"scale={PROXY_SHORT_SIDE}:-2"
    filters = (["yadif"] if video.interlaced else []) + [scale, "format=yuv420p"]
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-nostats", "-progress", "pipe:1",
            "-i", f"file:{src}", "-map", "0:v:0", "-map", "0:a:0?", "-vf", ",".join(filters),
            "-c:v", "libx264", "-preset", "ultrafast", "-tune", "fastdecode", "-crf", "30",
            "-g", "25", "-c:a", "aac", "-b:a", "64k", "-ac", "2", "-movflags", "+faststart",
            "-f", "mp4", f"file:{dst}"]
    return args


@dataclass
class ProxyState:
    state: str = "waiting"          # waiting, making, ready, failed
    done: float = 0.0               # fraction
    error: str | None = None


class _Stopped(Exception):
    pass


class Proxies:
    """Makes proxies one at a time in the background; the page polls their state."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="overlay-proxy")
        self._states: dict[str, ProxyState] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def state(self, upload: Upload) -> ProxyState | None:
        with self._lock:
            known = self._states.get(upload.id)
        if known is None and proxy_path(upload).is_file():
            return ProxyState("ready", 1.0)
        return known

    def request(self, upload: Upload, info: MediaInfo) -> ProxyState:
        with self._lock:
            current = self._states.get(upload.id)
            if current is not None and current.state != "failed":
                return current
            state = self._states[upload.id] = ProxyState()
        self._pool.submit(self._make, upload, info, state)
        return state

    def _make(self, upload: Upload, info: MediaInfo, state: ProxyState) -> None:
        state.state = "making"

        def progress(seconds: float) -> None:
            if self._stop.is_set():
                raise _Stopped
            state.done = min(1.0, seconds / info.duration) if info.duration else 0.0

        try:
            target = proxy_path(upload)
            target.parent.mkdir(parents=True, exist_ok=True)
            with runner.atomic_output(target, force=True) as temp:
                runner.run(proxy_args(Path(upload.path), temp, info), progress=progress)
            state.state, state.done = "ready", 1.0
        except _Stopped:
            state.state = "failed"
        except OverlayError as exc:
            state.state, state.error = "failed", exc.message
        except Exception as exc:
            state.state, state.error = "failed", str(exc)

    def cancel(self) -> None:
        """Stop the proxy being made (its partial file goes) and make no more."""
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=True, cancel_futures=True)


def proxy_path(upload: Upload) -> Path:
    return Path(upload.path).parent / "proxy" / "player.mp4"


# ---------------------------------------------------------------- storage

def uploads_dir(settings: WebSettings) -> Path:
    return settings.work_dir / "uploads"


def remove_upload(store: JobStore, upload: Upload, settings: WebSettings) -> None:
    folder = Path(upload.path).parent
    if folder.parent == uploads_dir(settings):          # never anything outside our own folder
        shutil.rmtree(folder, ignore_errors=True)
    store.delete_upload(upload.id)


def used_by_active_jobs(store: JobStore) -> set[str]:
    ids: set[str] = set()
    for job in store.jobs(limit=10_000):
        if job.status in ACTIVE:
            ids.update(str(job.settings.get(k)) for k in ("input", "subs_th", "subs_en")
                       if job.settings.get(k))
    return ids


def clean_old(store: JobStore, settings: WebSettings, now: float | None = None) -> int:
    """Remove uploads (and their proxies) older than the age limit, unless a job waits for them;
    and previews older than a day. Returns how many uploads went."""
    now = now or time.time()
    busy = used_by_active_jobs(store)
    gone = 0
    for upload in store.uploads_before(now - settings.keep_days * 86400):
        if upload.id not in busy:
            remove_upload(store, upload, settings)
            gone += 1
    previews = settings.work_dir / "previews"
    if previews.is_dir():
        for png in previews.glob("*.png"):
            if png.stat().st_mtime < now - 86400:
                png.unlink(missing_ok=True)
    # Folders left by a crash between writing and recording: not in the database, old.
    root = uploads_dir(settings)
    if root.is_dir():
        for folder in root.iterdir():
            if folder.is_dir() and store.get_upload(folder.name) is None \
                    and folder.stat().st_mtime < now - 3600:
                shutil.rmtree(folder, ignore_errors=True)
    return gone


def get_upload(request: Request, upload_id: str, kind: str | None = None) -> Upload:
    upload = request.app.state.store.get_upload(upload_id)
    if upload is None or (kind and upload.kind != kind) or not Path(upload.path).is_file():
        raise NotFound(_("This file is no longer here (it was removed or never sent)."),
                       _("Choose the file again."))
    return upload


# ---------------------------------------------------------------- routes

@router.post("/uploads", status_code=201)
async def upload(request: Request, kind: str = "clip") -> dict[str, Any]:
    """The request body is the file itself (streamed to disk in chunks); ``?name=`` its name."""
    if kind not in KINDS:
        raise WebError(_('Unknown kind of file "{kind}".').format(kind=kind), _("Use clip or subs."))
    settings: WebSettings = request.app.state.settings
    store: JobStore = request.app.state.store
    limit = settings.max_upload if kind == "clip" else SUBS_LIMIT
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit, kind)
    what = _("this clip") if kind == "clip" else _("this subtitle file")
    if declared and declared.isdigit():
        limits.require_space(settings.work_dir, int(declared), settings.free_margin, what)
    display = display_name(request)
    upload_id = new_id()
    folder = uploads_dir(settings) / upload_id
    folder.mkdir(parents=True)
    path = folder / safe_name(display, "clip" if kind == "clip" else "subtitles")
    # Written under an owner-tagged partial name, renamed when whole: a killed server's
    # half upload is told apart and swept at the next start (instance.sweep).
    partial = runner.temp_output_path(path)
    size, checked = 0, -CHECK_EVERY          # the first chunk is checked too
    try:
        with open(partial, "wb") as fh:
            async for chunk in _idle_limited(request, settings.upload_idle):
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit, kind)
                if size - checked >= CHECK_EVERY:        # the disk fills while it streams
                    checked = size
                    limits.still_room(folder, settings.free_margin, what)
                fh.write(chunk)
        os.replace(partial, path)
        if size == 0:
            raise InputError(_("The file {name} is empty (0 bytes).").format(name=display),
                             _("Choose the file again."))
        record = Upload(upload_id, kind, display, str(path), size)
        info, probed = await run_in_threadpool(_check, record)
        record.info = info
        store.add_upload(record)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)     # a refused or broken upload leaves nothing
        raise
    result = upload_json(record)
    if probed is not None and not info["playable"]:
        request.app.state.proxies.request(record, probed)
        result["proxy"] = _proxy_json(request.app.state.proxies.state(record))
    return result


CHECK_EVERY = 8 << 20           # bytes between free-space checks while an upload streams


async def _idle_limited(request: Request, idle: float):
    """The body's chunks; Stalled (408) when none comes for ``idle`` seconds."""
    chunks = request.stream().__aiter__()
    while True:
        try:
            chunk = await asyncio.wait_for(chunks.__anext__(), idle)
        except StopAsyncIteration:
            return
        except asyncio.TimeoutError:
            raise limits.stalled(idle) from None
        yield chunk


def _too_large(limit: int, kind: str = "clip") -> TooLarge:
    if kind != "clip":
        return TooLarge(_("The file is larger than {mb} MB: it is not a subtitle file.")
                        .format(mb=limit >> 20), _("Choose the .srt file of the clip."))
    return TooLarge(_("The file is larger than the limit of {mb} MB.").format(mb=limit >> 20),
                    _("Trim or compress the clip first (a 5-minute clip from a phone fits)."))


def _check(upload: Upload) -> tuple[dict[str, Any], MediaInfo | None]:
    """Probe a clip (the CLI's own checks and messages) or read a subtitle file."""
    path = Path(upload.path)
    if upload.kind == "clip":
        info = probe(path)
        return clip_facts(info, upload.size), info

    sub = read_srt(path)
    return {"cues": len(sub.cues), "encoding": sub.encoding}, None


def upload_json(upload: Upload) -> dict[str, Any]:
    return {"id": upload.id, "kind": upload.kind, "name": upload.display_name, "size": upload.size,
            "created": upload.created, "info": upload.info}


def _proxy_json(state: ProxyState | None) -> dict[str, Any] | None:
    return None if state is None else {"state": state.state, "done": state.done,
                                       "error": state.error}


@router.get("/uploads/{upload_id}")
def read_upload(request: Request, upload_id: str) -> dict[str, Any]:
    record = get_upload(request, upload_id)
    result = upload_json(record)
    if record.kind == "clip":
        result["proxy"] = _proxy_json(request.app.state.proxies.state(record))
    return result


@router.post("/uploads/{upload_id}/proxy")
def make_proxy(request: Request, upload_id: str) -> dict[str, Any]:
    """Ask for a player copy (the page does when the browser cannot play the original)."""
    record = get_upload(request, upload_id, "clip")
    state = request.app.state.proxies.request(record, probe(Path(record.path)))
    return {"proxy": _proxy_json(state)}


@router.get("/uploads/{upload_id}/original")
def original(request: Request, upload_id: str) -> FileResponse:
    record = get_upload(request, upload_id, "clip")
    return FileResponse(record.path, media_type="video/mp4")     # byte ranges: the player seeks


@router.get("/uploads/{upload_id}/player")
def player(request: Request, upload_id: str) -> FileResponse:
    record = get_upload(request, upload_id, "clip")
    path = proxy_path(record)
    if not path.is_file():
        raise NotFound(_("The player copy is not ready yet."), _("Wait for its progress bar."))
    return FileResponse(path, media_type="video/mp4")


@router.get("/uploads/{upload_id}/subs-check")
def subs_check(request: Request, upload_id: str, start: str | None = None, end: str | None = None,
               clip: str | None = None, encoding: str | None = None) -> dict[str, Any]:
    """What ``overlay subs check`` finds, for the window and frame size the render will use."""
    record = get_upload(request, upload_id, "subs")
    limit = choose_preset(None, None).max_duration
    begin = seconds(start) or 0.0
    stop = seconds(end)
    duration = min(limit, stop - begin) if stop is not None and stop > begin else limit
    frame_w, frame_h = 1920, 1080
    if clip:
        info = get_upload(request, clip, "clip").info or {}
        if info.get("width"):
            preset = choose_preset(None, None)
            frame_w, frame_h = graph.output_size(info["width"], info["height"],
                                                 preset.encode.max_long_side)
    report = check_srt(Path(record.path), encoding=encoding or None, start=begin,
                       duration=duration, frame_w=frame_w, frame_h=frame_h)
    return {"name": record.display_name, "encoding": report.encoding,
            "cues_read": report.cues_read, "cues_shown": report.cues_shown,
            "dropped": report.dropped, "read_problems": list(report.read_problems),
            "warnings": list(report.warnings), "changes_output": report.changes_output,
            "breaks": [{"index": b.index, "line": b.line, "shown": b.shown()} for b in report.breaks]}


feature = Feature(router=router)
