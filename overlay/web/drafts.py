"""The clip page's draft: what the officer chose so far, kept on the server as it is chosen.

One draft per browser (a random id in the ``overlay_draft`` cookie), in the web database
(``overlay.web.db``, part ``clip_draft``): the uploaded clip's id, the part kept, the chapter
marks, the place, the อปท. name, the subtitle uploads and the cues typed in the editor, the
subtitle mode and the preset. A language switch, another page, a reload or a closed tab
lose nothing: the page asks for the draft when it opens (``GET /api/draft``), saves it as it
changes (``PUT``/``POST``) and forgets it on "start a new clip" (``DELETE``).

A draft names no path: only known fields, each checked (upload ids are the store's own
16-hex ids, times are digits and colons, names are short text without separators), the
whole body at most ``MAX_BYTES``. The last อปท. name typed for each district is kept apart
(``lao_names``): a new clip of the same district gets it again.
"""

from __future__ import annotations

import json
import math
import re
import secrets
import time
from pathlib import Path
from typing import Any, Mapping

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse

from overlay.i18n import _
from overlay.report.model import TOPICS
from overlay.web import db
from overlay.web.errors import TooLarge, WebError
from overlay.web.features import Feature
from overlay.web.jobstore import JobStore
from overlay.web.uploads import upload_json

router = APIRouter(prefix="/api")

PART = "clip_draft"
STEPS = (
    # 1: one draft per browser; the last อปท. name typed per district
    """
    CREATE TABLE clip_drafts (
        id TEXT PRIMARY KEY,             -- the browser's overlay_draft cookie
        updated REAL NOT NULL,
        body TEXT NOT NULL               -- JSON: the checked fields (clean_draft)
    );
    CREATE TABLE lao_names (
        province TEXT NOT NULL,
        district TEXT NOT NULL,
        name TEXT NOT NULL,
        updated REAL NOT NULL,
        PRIMARY KEY (province, district)
    );
    """,
)

COOKIE = "overlay_draft"
COOKIE_AGE = 365 * 24 * 3600
KEEP_SECONDS = 90 * 24 * 3600           # a draft nobody opened for three months goes
MAX_BYTES = 512 * 1024                  # a 5-minute clip's cues are a few kB
MAX_CUES = 2000
MAX_CUE_TEXT = 1000
MAX_TIME = 24 * 3600.0

LANGS = ("th", "en")
SUBS_MODES = ("burn", "embed", "both")
TOPIC_KEYS = tuple(key for key, _number in TOPICS)
FIELDS = ("clip", "start", "end", "chapters", "province", "district", "lao", "lao_typed",
          "subs", "subs_mode", "cues", "preset")

UPLOAD_ID = re.compile(r"[0-9a-f]{16}")
DRAFT_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
PRESET = re.compile(r"[A-Za-z0-9_-]{1,64}")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")       # typed text: no control characters
SEPARATOR = re.compile(r"[/\\]")                        # a place name: no path separators


class DraftRefused(WebError):
    status = 400


def _refuse(field: str) -> DraftRefused:
    return DraftRefused(_("The draft was not saved: its {field} is not something this page "
                          "makes.").format(field=field),
                        _("Reload the page; your last saved draft comes back."))


def _text(value: Any, field: str, limit: int, name: bool = False) -> str:
    if not isinstance(value, str) or len(value) > limit or CONTROL.search(value) \
            or (name and SEPARATOR.search(value)):
        raise _refuse(field)
    return value


def _seconds(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or not 0 <= value <= MAX_TIME:
        raise _refuse(field)
    return float(value)


def _upload_id(value: Any, field: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not UPLOAD_ID.fullmatch(value):
        raise _refuse(field)
    return value


def clean_draft(body: Any) -> dict[str, Any]:
    """The draft as stored: only the known fields, each checked; anything else refused."""
    if not isinstance(body, Mapping):
        raise _refuse("(body)")
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise _refuse(str(unknown[0])[:40])
    out: dict[str, Any] = {}
    if "clip" in body:
        out["clip"] = _upload_id(body["clip"], "clip")
    for key in ("start", "end"):              # as typed ("90", "1:30"): the render checks them
        if key in body and body[key] is not None:
            out[key] = _text(body[key], key, 32, name=True)
    if "chapters" in body and body["chapters"] is not None:
        marks = body["chapters"]
        if not isinstance(marks, Mapping) or set(marks) - set(TOPIC_KEYS):
            raise _refuse("chapters")
        out["chapters"] = {key: _seconds(marks[key], "chapters") for key in TOPIC_KEYS if key in marks}
    for key, limit in (("province", 100), ("district", 100), ("lao", 200)):
        if key in body and body[key] is not None:
            out[key] = _text(body[key], key, limit, name=key != "lao")
    if "lao_typed" in body:
        out["lao_typed"] = bool(body["lao_typed"])
    if "subs" in body and body["subs"] is not None:
        subs = body["subs"]
        if not isinstance(subs, Mapping) or set(subs) - set(LANGS):
            raise _refuse("subs")
        out["subs"] = {lang: _upload_id(subs[lang], "subs") for lang in LANGS if lang in subs}
    if "subs_mode" in body and body["subs_mode"] is not None:
        if body["subs_mode"] not in SUBS_MODES:
            raise _refuse("subs_mode")
        out["subs_mode"] = body["subs_mode"]
    if "cues" in body and body["cues"] is not None:
        out["cues"] = _clean_cues(body["cues"])
    if "preset" in body and body["preset"] not in (None, ""):
        if not isinstance(body["preset"], str) or not PRESET.fullmatch(body["preset"]):
            raise _refuse("preset")
        out["preset"] = body["preset"]
    return out


def _clean_cues(cues: Any) -> dict[str, list[dict[str, Any]]]:
    if not isinstance(cues, Mapping) or set(cues) - set(LANGS):
        raise _refuse("cues")
    out: dict[str, list[dict[str, Any]]] = {}
    for lang in LANGS:
        if lang not in cues or cues[lang] is None:
            continue
        lines = cues[lang]
        if not isinstance(lines, list) or len(lines) > MAX_CUES:
            raise _refuse("cues")
        kept = []
        for cue in lines:
            if not isinstance(cue, Mapping) or set(cue) - {"start", "end", "text"}:
                raise _refuse("cues")
            text = cue.get("text", "")
            if not isinstance(text, str) or len(text) > MAX_CUE_TEXT or "\x00" in text:
                raise _refuse("cues")
            end = cue.get("end")
            kept.append({"start": _seconds(cue.get("start", 0), "cues"),
                         "end": None if end is None else _seconds(end, "cues"),
                         "text": text})
        out[lang] = kept
    return out


class ClipDrafts:
    """The drafts and the remembered อปท. names; every method opens its own connection."""

    _migrated: set[Path] = set()

    def __init__(self, path: Path) -> None:
        self.path = path
        if path not in self._migrated:
            db.migrate(path, PART, STEPS)
            self._migrated.add(path)

    def get(self, draft_id: str) -> tuple[dict[str, Any], float] | None:
        with db.transaction(self.path) as conn:
            row = conn.execute("SELECT body, updated FROM clip_drafts WHERE id = ?",
                               (draft_id,)).fetchone()
        return (json.loads(row["body"]), float(row["updated"])) if row else None

    def save(self, draft_id: str, draft: Mapping[str, Any]) -> float:
        now = time.time()
        with db.transaction(self.path) as conn:
            conn.execute("INSERT INTO clip_drafts (id, updated, body) VALUES (?, ?, ?) "
                         "ON CONFLICT(id) DO UPDATE SET updated = excluded.updated, body = excluded.body",
                         (draft_id, now, json.dumps(draft, ensure_ascii=False)))
            conn.execute("DELETE FROM clip_drafts WHERE updated < ?", (now - KEEP_SECONDS,))
            province, district = draft.get("province"), draft.get("district")
            lao = str(draft.get("lao") or "").strip()
            if province and district and lao and draft.get("lao_typed"):
                conn.execute("INSERT INTO lao_names (province, district, name, updated) "
                             "VALUES (?, ?, ?, ?) ON CONFLICT(province, district) DO UPDATE "
                             "SET name = excluded.name, updated = excluded.updated",
                             (province, district, lao, now))
        return now

    def delete(self, draft_id: str) -> None:
        with db.transaction(self.path) as conn:
            conn.execute("DELETE FROM clip_drafts WHERE id = ?", (draft_id,))

    def uploads_in_use(self) -> set[str]:
        """Every upload id a draft still names (its clip, its subtitle files): kept when a
        History job that used them is deleted, so a draft never comes back without its clip."""
        with db.transaction(self.path) as conn:
            rows = conn.execute("SELECT body FROM clip_drafts").fetchall()
        used: set[str] = set()
        for row in rows:
            draft = json.loads(row["body"])
            used.update(str(v) for v in [draft.get("clip"), *(draft.get("subs") or {}).values()] if v)
        return used

    def lao_names(self) -> dict[str, str]:
        """``"province/district"`` → the name last typed for it."""
        with db.transaction(self.path) as conn:
            rows = conn.execute("SELECT province, district, name FROM lao_names "
                                "ORDER BY updated DESC LIMIT 2000").fetchall()
        return {f"{r['province']}/{r['district']}": r["name"] for r in rows}


def _drafts(request: Request) -> ClipDrafts:
    store: JobStore = request.app.state.store
    return ClipDrafts(Path(store.path))


def _browser(request: Request) -> tuple[str, bool]:
    """This browser's draft id, and whether it is new (then the answer sets the cookie)."""
    known = request.cookies.get(COOKIE) or ""
    if DRAFT_ID.fullmatch(known):
        return known, False
    return secrets.token_urlsafe(18), True


def _answer(request: Request, draft_id: str, new: bool, content: dict[str, Any]) -> JSONResponse:
    response = JSONResponse(content, headers={"Cache-Control": "no-store"})
    if new:
        response.set_cookie(COOKIE, draft_id, max_age=COOKIE_AGE, httponly=True, samesite="strict")
    return response


def _upload(store: JobStore, upload_id: str | None, kind: str) -> dict[str, Any] | None:
    """The upload as the page knows it after sending it; None when it is gone."""
    if not upload_id:
        return None
    record = store.get_upload(upload_id)
    if record is None or record.kind != kind or not Path(record.path).is_file():
        return None
    return upload_json(record)


@router.get("/draft")
def read_draft(request: Request) -> JSONResponse:
    """The draft with its uploads as the page needs them (those no longer here left out)."""
    draft_id, new = _browser(request)
    drafts = _drafts(request)
    found = None if new else drafts.get(draft_id)
    store: JobStore = request.app.state.store
    content: dict[str, Any] = {"draft": None, "saved": None, "clip": None,
                               "subs": {}, "lao_names": drafts.lao_names()}
    if found is not None:
        draft, saved = found
        content.update(draft=draft, saved=saved, clip=_upload(store, draft.get("clip"), "clip"),
                       subs={lang: up for lang, upload_id in (draft.get("subs") or {}).items()
                             if (up := _upload(store, upload_id, "subs")) is not None})
    return _answer(request, draft_id, new, content)


async def _save(request: Request) -> JSONResponse:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BYTES:
        raise _too_large()
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BYTES:
            raise _too_large()
    try:
        body = json.loads(raw.decode("utf-8")) if raw else {}
    except (UnicodeDecodeError, ValueError):
        raise _refuse("(body)") from None
    draft = clean_draft(body)
    draft_id, new = _browser(request)
    saved = _drafts(request).save(draft_id, draft)
    return _answer(request, draft_id, new, {"saved": saved})


def _too_large() -> TooLarge:
    return TooLarge(_("The draft is larger than {kb} kB, so it was not saved.").format(kb=MAX_BYTES >> 10),
                    _("Make the subtitles shorter, or start a new clip."))


@router.put("/draft")
async def put_draft(request: Request) -> JSONResponse:
    return await _save(request)


@router.post("/draft")
async def post_draft(request: Request) -> JSONResponse:
    """The same as PUT (a page being closed sends its last change this way)."""
    return await _save(request)


@router.delete("/draft")
def delete_draft(request: Request) -> JSONResponse:
    """Start a new clip: the draft goes (the uploads stay until their age limit; the อปท.
    names typed are kept for the next clip)."""
    draft_id, new = _browser(request)
    if not new:
        _drafts(request).delete(draft_id)
    return _answer(request, draft_id, new, {"deleted": True})


feature = Feature(router=router)
