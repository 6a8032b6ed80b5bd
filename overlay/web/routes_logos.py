"""The seven logo slots of the chosen district on the job page, over the user's logo library.

The same ``overlay.logolib`` as ``overlay logos``: a file dropped on a slot goes through the
checks of ``logos add`` and lands in the same library, so the CLI and the page agree.
"""

from __future__ import annotations

import io
import re
import secrets
import shutil
from pathlib import Path
from typing import Any

from fastapi import APIRouter, File, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from overlay import logolib
from overlay.i18n import _
from overlay.logos import load_logo, logo_label
from overlay.web.errors import NotFound, TooLarge
from overlay.web.features import Feature, Section
from overlay.web.i18n import request_language, translator
from overlay.web.thai_text import pieces

router = APIRouter(prefix="/api/logos")
NO_STORE = {"Cache-Control": "no-store"}
THUMB_HEIGHT = 96


def _target(province: str | None, district: str | None) -> logolib.Target:
    return logolib.target(None, province or None, district or None)


def _version(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return "0"
    return f"{stat.st_mtime_ns:x}-{stat.st_size:x}"


def listing(request: Request, t: logolib.Target) -> dict[str, Any]:
    """The slots as the page draws them: label, file, source, placeholder mark, thumbnail."""
    from urllib.parse import urlencode

    lang = request_language(request)
    place = {"province": t.province or "", "district": t.district.name if t.district else ""}
    slots: list[dict[str, Any]] = []
    versions = []
    for ref in logolib.slots(t):
        versions.append(_version(ref.path))
        query = urlencode({**place, "key": ref.key, "v": versions[-1]})
        slots.append({
            "key": ref.key, "label": logo_label(ref.key, heading=True, gettext=translator(lang)),
            "label_words": pieces(logo_label(ref.key, heading=True, gettext=translator(lang))),
            "placeholder": ref.placeholder,
            "source": ref.source, "source_label": logolib.describe_source(ref),   # engine language = the page's
            "file": ref.path.name, "thumb": f"/api/logos/thumb?{query}",
            "stored": ref.source == "library",
            "supplier": logolib.supplier(ref.key) if ref.placeholder else "",
        })
    return {
        **place, "label": t.label, "slots": slots,
        "placeholders": [s["key"] for s in slots if s["placeholder"]],
        "row": f"/api/logos/row.png?{urlencode({**place, 'v': '.'.join(versions)})}" if t.district else None,
    }


@router.get("")
def list_slots(request: Request, province: str | None = None, district: str | None = None) -> dict[str, Any]:
    return listing(request, _target(province, district))


@router.get("/thumb")
def thumbnail(key: str, province: str | None = None, district: str | None = None) -> Response:
    t = _target(province, district)
    refs = {ref.key: ref for ref in logolib.slots(t)}
    if key not in refs:
        logolib.store_path(t, key)      # says why: an unknown key, or no district given
        raise NotFound(_('Unknown logo "{key}".').format(key=key), None)
    image = load_logo(refs[key].path, THUMB_HEIGHT)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return Response(buffer.getvalue(), media_type="image/png", headers=NO_STORE)


@router.get("/row.png")
def row(province: str | None = None, district: str | None = None) -> Response:
    buffer = io.BytesIO()
    logolib.row_image(_target(province, district)).save(buffer, "PNG")
    return Response(buffer.getvalue(), media_type="image/png", headers=NO_STORE)


def _safe_name(name: str | None) -> str:
    """The uploaded file's own name, for messages and the library's record: never a path."""
    base = Path((name or "").replace("\\", "/")).name
    base = re.sub(r'[\x00-\x1f<>:"/\\|?*]+', "_", base).strip(" .")
    return base[:120] or "logo"


@router.get("/pack.zip")
def export_pack(province: str | None = None) -> Response:
    """The province's logo pack, as ``overlay logos export`` writes it, to download."""
    import tempfile

    t = _target(province, None)
    if not t.province:
        raise NotFound(_("Choose the province first."), None)
    with tempfile.TemporaryDirectory(prefix="overlay-pack-") as tmp:
        done = logolib.export_pack(t.province, Path(tmp) / "pack.zip")
        data = done.path.read_bytes()
    prov_dir = logolib.library_entry("province", done.province, None) or "province/"
    name = f"{prov_dir.split('/')[0]}-logos.zip"
    return Response(data, media_type="application/zip",
                    headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'})


async def _receive(file: UploadFile, path: Path, limit: int, too_large: TooLarge) -> None:
    """Stream an upload to ``path``, refused with ``too_large`` as soon as it passes ``limit`` bytes."""
    size = 0
    with path.open("wb") as out:
        while chunk := await file.read(1 << 20):
            size += len(chunk)
            if size > limit:
                raise too_large
            out.write(chunk)


@router.post("/pack")
async def import_pack(request: Request, file: UploadFile = File(...), province: str | None = None,
                      district: str | None = None) -> dict[str, Any]:
    """Store a logo pack dropped on the page: the checks of ``logos import``, all or nothing."""
    work = request.app.state.settings.work_dir / "logo-uploads" / secrets.token_hex(8)
    work.mkdir(parents=True, exist_ok=True)
    try:
        path = work / "pack.zip"
        await _receive(file, path, logolib.PACK_MAX_TOTAL, TooLarge(
            _("The file is larger than {mb} MB: it is not a logo pack.").format(mb=logolib.PACK_MAX_TOTAL // 2**20),
            _("Ask the provincial office for the pack again.")))
        done = await run_in_threadpool(logolib.import_pack, path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lang = request_language(request)
    label = translator(lang)
    words = {"new": label("new"), "replaced": label("replaced"), "unchanged": label("unchanged")}
    notes = [f"{words[change]}: {logo_label(entry.key, heading=True, gettext=label)}"
             + (f" อำเภอ{entry.district}" if entry.district else "")
             for entry, change in done.changes]
    summary = _("Logo pack of จังหวัด{p}: {new} new, {replaced} replaced, {same} unchanged.").format(
        p=done.province, new=len(done.of("new")), replaced=len(done.of("replaced")),
        same=len(done.of("unchanged")))
    return {**listing(request, _target(province or done.province, district)), "notes": [summary, *notes],
            "imported": {c: len(done.of(c)) for c in logolib.CHANGES}}


@router.post("/{key}")
async def add(request: Request, key: str, file: UploadFile = File(...), province: str | None = None,
              district: str | None = None, keep_background: bool = False) -> dict[str, Any]:
    """Store a dropped file in the slot ``key``: the checks and normalising of ``logos add``."""
    t = _target(province, district)
    logolib.store_path(t, key)          # unknown key or missing district: refused before reading
    work = request.app.state.settings.work_dir / "logo-uploads" / secrets.token_hex(8)
    work.mkdir(parents=True, exist_ok=True)
    try:
        path = work / _safe_name(file.filename)
        await _receive(file, path, logolib.MAX_BYTES, TooLarge(
            _("The file is larger than {mb} MB: it is not a logo file.").format(mb=logolib.MAX_BYTES // 2**20),
            _("Use the logo file itself, not a video or a print scan.")))
        added = await run_in_threadpool(logolib.add, t, key, path, keep_background=keep_background)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {**listing(request, t), "added": key, "notes": list(added.notes)}


@router.delete("/{key}")
def remove(request: Request, key: str, province: str | None = None,
           district: str | None = None) -> dict[str, Any]:
    t = _target(province, district)
    logolib.remove(t, key)
    return listing(request, t)


# Between "where" (30) and "subs" (40): the logos follow the district chosen just above.
feature = Feature(router=router, sections=(Section("job", "sections/logo_slots.html", order=35),))
