"""The report form (แบบรายงาน) on the page, one per district, next to the clip it reports on.

The form, its questions, their order, every rule, the data file and the documents are
``overlay.report``'s (``model.FORM``/``check_answer``/``validate``, ``template.render_template``,
``build.build_report``): this module stores drafts, asks the engine, and serves files.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import quote

from fastapi import APIRouter, Body, Request
from starlette.responses import FileResponse, Response

from overlay.errors import OverlayError
from overlay.i18n import _
from overlay.naming import check_names, parse_clip_name
from overlay.presets import choose_preset
from overlay.report.build import build_report, outputs, write_atomic
from overlay.report.model import (
    CHAPTER_TITLES,
    FILE_STEM,
    FORM,
    PLACE,
    TOPICS,
    ReportError,
    all_items,
    answer_of,
    chapter_name,
    chapters_from,
    check_answer,
    check_chapter,
    load,
    validate,
)
from overlay.report.template import render_template
from overlay.timecode import format_time
from overlay.web.errors import Conflict, NotFound, TooLarge, WebError
from overlay.web.features import Feature, NavItem, Section
from overlay.web.i18n import request_language, translator
from overlay.web.report_drafts import Draft, DraftStore, clean_answers, digest, report_href
from overlay.web.templating import render

router = APIRouter()      # the engine's reasons speak the request's language (web.i18n)
MAX_DATA_FILE = 1 << 20          # a filled form is a few kB
KINDS = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "pdf": "application/pdf", "youtube": "text/plain; charset=utf-8"}


# ---------------------------------------------------------------- helpers

def _drafts(request: Request) -> DraftStore:
    state = request.app.state
    if getattr(state, "report_drafts", None) is None:
        state.report_drafts = DraftStore(state.settings.db_path)
    return state.report_drafts


def _place(province: str, district: str) -> tuple[str, str]:
    """The gazetteer's spelling (the draft's key and the documents' names)."""
    place = check_names(district, province)
    return place.province, place.district


def _latest_job(request: Request, province: str, district: str):
    """The newest job whose clip is this district's (its mandated name says so)."""
    for record in request.app.state.store.jobs(limit=1000):
        if parse_clip_name(str(record.settings.get("file_name") or "")) == (district, province):
            return record
    return None


def prefill(request: Request, province: str, district: str) -> dict[str, Any]:
    """A new draft: the place, the organisation from the district's job (else the preset,
    when confirmed there) and the chapter times the job marked, if any."""
    answers: dict[str, Any] = {"part1": {"province": province, "district": district},
                               "report": {"digits": "thai"}}
    job = _latest_job(request, province, district)
    settings = job.settings if job else {}
    lao = str(settings.get("lao") or "").strip()
    if not lao:
        entry = choose_preset(None, province).district(district)
        lao = entry.lao if entry.lao_confirmed else ""
    if lao:
        answers["part1"]["lao"] = lao
    marks = settings.get("chapters")
    if isinstance(marks, Mapping):
        # the clip page marks whole seconds; the form shows them as YouTube writes them
        answers["chapters"] = {k: format_time(v) if isinstance(v, int) and not isinstance(v, bool) else v
                               for k, _n in TOPICS if (v := marks.get(k)) not in (None, "")}
    return clean_answers(answers)


def check(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Per-field reasons (the engine's ``check_answer``/``check_chapter``), the rest, complete."""
    fields: dict[str, str] = {}
    for item in all_items():
        if item in PLACE:
            continue
        _value, reason = check_answer(item, answer_of(answers, item))
        if reason is not None:
            fields[item.field] = reason
    starts: dict[str, int] = {}
    marks = answers.get("chapters") or {}
    for key, _n in TOPICS:
        seconds, reason = check_chapter(marks.get(key))
        if reason is not None:
            fields[f"chapters.{key}"] = reason
        elif seconds is not None:
            starts[key] = seconds
    general = list(chapters_from(starts, chapter_name)[1])
    try:
        validate(answers)
        complete = True
    except ReportError as exc:
        complete = False
        if not fields and not general:       # a rule with no field of its own: say it anyway
            general = list(exc.problems)
    return {"fields": fields, "general": general, "complete": complete}


def _draft(request: Request, province: str, district: str) -> Draft:
    found = _drafts(request).get(province, district)
    if found is not None:
        return found
    answers = prefill(request, province, district)
    return Draft(province, district, answers, complete=check(answers)["complete"])


def state(request: Request, draft: Draft) -> dict[str, Any]:
    """Everything the page shows: answers, problems, status, the documents made."""
    base = f"/api/report/{quote(draft.province, safe='')}/{quote(draft.district, safe='')}"
    documents = draft.documents()
    youtube = documents.get("youtube")
    return {
        "province": draft.province, "district": draft.district, "answers": draft.answers,
        "problems": check(draft.answers), "status": draft.status(),
        "documents": {kind: {"name": path.name, "href": f"{base}/files/{kind}"}
                      for kind, path in documents.items()},
        "youtube_text": youtube.read_text(encoding="utf-8") if youtube else None,
        "preview": f"{base}/page1.png?v={draft.made['digest']}" if "pdf" in documents and draft.made
        else None,
        "export": f"{base}/export", "api": base, "href": report_href(draft.province, draft.district),
    }


def _save(request: Request, draft: Draft, answers: Mapping[str, Any]) -> Draft:
    clean = clean_answers(answers)
    clean["part1"].update(province=draft.province, district=draft.district)   # the address names them
    draft.answers = clean
    draft.complete = check(clean)["complete"]
    return _drafts(request).save(draft)


# ---------------------------------------------------------------- pages

def page_texts(_: Callable[[str], str]) -> dict[str, str]:
    """What report.js says, in the page's language."""
    return {"saving": _("Saving…"), "saved": _("Saved."), "unsaved": _("Not saved: {error}"),
            "complete": _("Complete: every required answer is there."),
            "incomplete": _("{n} answer(s) missing or to correct."),
            "making": _("Making the documents…"), "made": _("The documents are made."),
            "outdated": _("the answers changed since: make them again."),
            "replace": _("Replace them?"), "copied": _("Copied."), "imported": _("Imported."),
            "chapters_block": _("The documents are not made yet: the YouTube chapters need a "
                                "change (see the list under the chapters), or leave all of "
                                "them empty.")}


@router.get("/report")
def report_page(request: Request):
    return render(request, "report.html", page="report", form=None, drafts=_drafts(request).all())


@router.get("/report/{province}/{district}")
def district_report_page(request: Request, province: str, district: str):
    province, district = _place(province, district)
    draft = _draft(request, province, district)
    return render(request, "report.html", page="report", form=FORM, report=state(request, draft),
                  drafts=_drafts(request).all(), topics=TOPICS, chapter_titles=CHAPTER_TITLES,
                  texts=page_texts(translator(request_language(request))))


# ---------------------------------------------------------------- API

@router.get("/api/report/status")
def statuses(request: Request, province: str | None = None, district: str | None = None) -> dict[str, Any]:
    """Where each district's report stands (the job list's column); one district if named."""
    if province and district:
        province, district = _place(province, district)
        return _draft(request, province, district).status()
    return {"reports": [d.status() for d in _drafts(request).all()]}


@router.get("/api/report/{province}/{district}")
def read_report(request: Request, province: str, district: str) -> dict[str, Any]:
    province, district = _place(province, district)
    return state(request, _draft(request, province, district))


@router.put("/api/report/{province}/{district}")
def save_report(request: Request, province: str, district: str,
                body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    """Save the draft as typed (the page sends it a moment after each change) and check it."""
    province, district = _place(province, district)
    answers = body.get("answers", body)
    if not isinstance(answers, Mapping):
        raise WebError(_("The answers must be the data file's tables."), None)
    return state(request, _save(request, _draft(request, province, district), answers))


@router.post("/api/report/{province}/{district}/import")
async def import_report(request: Request, province: str, district: str) -> dict[str, Any]:
    """Replace the draft with a data file from ``overlay report init`` (the request body)."""
    from starlette.concurrency import run_in_threadpool

    province, district = _place(province, district)
    raw = await request.body()
    if len(raw) > MAX_DATA_FILE:
        raise TooLarge(_("This file is too large for a report data file."),
                       _("Choose the .toml file written by 'overlay report init'."))
    try:
        answers = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise WebError(_("This file is not UTF-8 text."), _("Save it as UTF-8 text.")) from exc
    except tomllib.TOMLDecodeError as exc:
        raise WebError(_("This file is not valid TOML: {reason}.").format(reason=exc),
                       _('Check the quotes: text goes in "…" or """…""" for several lines.')) from exc
    part1 = answers["part1"] if isinstance(answers.get("part1"), Mapping) else {}
    named = (str(part1.get("province") or province), str(part1.get("district") or district))
    try:
        named = _place(*named)
    except OverlayError:
        pass               # a misspelt place in the file: the comparison below refuses it
    if named != (province, district):
        raise Conflict(_("This file is the report of อำเภอ{district}จังหวัด{province}.").format(
            district=named[1], province=named[0]),
            _("Open that district's report, or choose this district's file."))

    def save() -> dict[str, Any]:
        return state(request, _save(request, _draft(request, province, district), answers))
    return await run_in_threadpool(save)


@router.get("/api/report/{province}/{district}/export")
def export_report(request: Request, province: str, district: str) -> Response:
    """The draft as the data file ``report init`` writes (for ``report build`` or another PC)."""
    province, district = _place(province, district)
    draft = _draft(request, province, district)
    text = render_template(province, district, answers=draft.answers)
    name = FILE_STEM.format(district=district, province=province) + ".toml"
    return Response(text.encode("utf-8"), media_type="application/toml; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@router.post("/api/report/{province}/{district}/make")
def make_documents(request: Request, province: str, district: str,
                   body: dict[str, Any] | None = Body(None)) -> dict[str, Any]:
    """The DOCX, the PDF and the YouTube text, by ``report build``, beside the clips."""
    province, district = _place(province, district)
    draft = _draft(request, province, district)
    if body and isinstance(body.get("answers"), Mapping):
        draft = _save(request, draft, body["answers"])
    settings = request.app.state.settings
    work = settings.work_dir / "reports"
    work.mkdir(parents=True, exist_ok=True)
    data = work / f"{digest(draft.answers)}.toml"
    write_atomic(data, render_template(province, district, answers=draft.answers).encode("utf-8"))
    report = load(data)                                  # the CLI's message if anything is wrong
    out = settings.output_dir
    ours = {str(p) for p in draft.documents().values()}
    foreign = [p for p in outputs(report, out).values() if p.exists() and str(p) not in ours]
    if foreign and not (body or {}).get("force"):
        raise Conflict(_("{names} already exist(s) in {folder}.").format(
            names=", ".join(p.name for p in foreign), folder=out),
            _("Confirm to replace them."))
    job = _latest_job(request, province, district)
    clip = Path(job.output) if job and job.output and Path(job.output).is_file() else None
    paths = build_report(data, out, clip=clip, force=True)
    draft.made = {"files": dict(zip(("docx", "pdf", "youtube"), map(str, paths), strict=True)),
                  "digest": digest(draft.answers)}
    draft = _drafts(request).save(draft)
    return state(request, draft)


def _document(request: Request, province: str, district: str, kind: str) -> Path:
    province, district = _place(province, district)
    path = _draft(request, province, district).documents().get(kind)
    if path is None:
        raise NotFound(_("This document has not been made yet."), _("Press Make the documents."))
    return path


@router.get("/api/report/{province}/{district}/files/{kind}")
def download(request: Request, province: str, district: str, kind: str) -> FileResponse:
    if kind not in KINDS:
        raise NotFound(_("No such document."), None)
    path = _document(request, province, district, kind)
    return FileResponse(path, media_type=KINDS[kind], filename=path.name)


@router.get("/api/report/{province}/{district}/page1.png")
def first_page(request: Request, province: str, district: str) -> Response:
    """The PDF's first page as an image, drawn by pdfium: what the province will see."""
    import io

    import pypdfium2 as pdfium  # deferred: ~0.13 s at every page start, for the form's preview only

    path = _document(request, province, district, "pdf")
    pdf = pdfium.PdfDocument(str(path))
    try:
        image = pdf[0].render(scale=110 / 72).to_pil()
    finally:
        pdf.close()
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return Response(buffer.getvalue(), media_type="image/png", headers={"Cache-Control": "no-store"})


feature = Feature(
    router=router,
    nav=(NavItem("report", "/report", lambda: _("Report form"), order=30),),
    sections=(Section("report", "sections/report_form.html", 10),),
)
