"""The job page (its steps are sections, in order) and the language switch."""

from __future__ import annotations

import itertools
from typing import Callable

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse

from overlay import i18n
from overlay.i18n import _
from overlay.report.model import CHAPTER_TITLES, TOPICS
from overlay.timecode import THAI_DIGITS
from overlay.web.errors import NotFound
from overlay.web.features import Feature, NavItem, Section
from overlay.web.i18n import COOKIE, request_language, translator
from overlay.web.templating import render

router = APIRouter()


@router.get("/")
def job_page(request: Request):
    settings = request.app.state.settings
    lang = request_language(request)
    t = translator(lang)
    return render(request, "job.html", page="job", texts=page_texts(t),
                  output_dir=str(settings.output_dir), max_upload_mb=settings.max_upload >> 20,
                  chapter_topics=chapter_topics(lang), step=itertools.count(1).__next__)


def chapter_topics(lang: str) -> list[tuple[str, str, str]]:
    """(key, number, title) of the letter's content topics, from the report model, for the
    trim step's chapter buttons; the form's Thai numbers in Arabic digits on an English page."""
    return [(key, number if lang == "th" else number.translate(THAI_DIGITS), CHAPTER_TITLES[key])
            for key, number in TOPICS]


def page_texts(_: Callable[[str], str]) -> dict[str, str]:
    """Texts the page's script shows, in the request's language (named ``_`` for extraction)."""
    return {
        "sending": _("Sending the file… {percent}%"),
        "checking": _("Checking the clip…"),
        "length": _("Length"), "size": _("Size"), "picture": _("Picture"),
        "sound": _("Sound"), "yes": _("yes"), "no": _("no"),
        "no_changes": _("Nothing needs to be changed."),
        "proxy_making": _("Preparing the clip for the player… {percent}%"),
        "proxy_failed": _("The clip cannot be shown in the player: {error}"),
        "kept": _("Kept: {kept} (at most {limit})"),
        "kept_over": _("Kept: {kept}: longer than {limit}, so only the first {limit} will be used."),
        "outside": _("{time}: outside the part kept, so left out"),
        "no_match": _("No name matches \"{text}\". Check the spelling, or search in English."),
        "choose_district": _("Choose the district."),
        "replace": _("{name} already exists in the output folder. Replace it?"),
        "time_left": _("About {time} left"), "waiting": _("Waiting: {n} job(s) before this one"),
        "checking_output": _("Checking the result…"), "starting": _("Starting…"),
        "done": _("Done: the file follows the rules."),
        "not_compliant": _("Not ready to send: the file was written but does not follow every rule (see ✗)."),
        "cancelled": _("Cancelled: no file was written."),
        "saved_in": _("Saved in: {folder}"),
        "encoding": _("Encoding: {encoding}"), "cues": _("Cues read: {read}, shown: {shown}"),
        "breaks": _("Thai line breaks (| new line):"), "no_problems": _("No problems found."),
        "again": _("Run again"), "delete": _("Delete"), "download": _("Download"),
        "confirm_delete": _("Delete this job from the history? The uploaded clip is removed too; "
                            "the finished file is kept."),
        "status_queued": _("waiting"), "status_running": _("rendering"), "status_done": _("done"),
        "status_failed": _("failed"), "status_cancelled": _("cancelled"),
        "status_stopped": _("stopped (the program was closed)"),
        "no_jobs": _("No jobs yet."),
        "draft_saved": _("Draft saved: you can leave this page, nothing chosen here is lost."),
        "draft_saving": _("Saving the draft…"),
        "draft_failed": _("The draft could not be saved: {error}"),
        "confirm_new_clip": _("Start a new clip? The clip, the part kept, the topic marks, the "
                              "place and the subtitles chosen here are cleared."),
    }


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str | None = None):
    lang = i18n.normalise(code)
    if lang is None:
        raise NotFound(_("No messages in this language."), _("Choose th or en."))
    # The cookie is the choice for this browser: its later requests and the jobs they start
    # speak it (overlay.web.i18n); other browsers keep theirs. Back to the page it was chosen
    # on: the switch's link names it (the page sends no Referer), a path of this server only.
    back = request.headers.get("referer") or "/"
    target = back if back.startswith(str(request.base_url)) else "/"
    if next and next.startswith("/") and not next.startswith("//") and "\\" not in next:
        target = next
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, lang, max_age=10 * 365 * 24 * 3600, samesite="strict")
    return response


feature = Feature(
    router=router,
    nav=(NavItem("job", "/", lambda: _("Make the clip"), order=10),
         NavItem("history", "/#history", lambda: _("History"), order=20)),
    sections=tuple(Section("job", f"sections/{name}.html", order)
                   for name, order in (("clip", 10), ("trim", 20), ("where", 30), ("subs", 40),
                                       ("preview", 50), ("render", 60), ("history", 70))),
)
