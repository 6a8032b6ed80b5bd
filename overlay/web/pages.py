"""The job page (its steps are sections, in order) and the language switch."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse

from overlay import i18n
from overlay.i18n import _
from overlay.web.errors import NotFound
from overlay.web.features import Feature, NavItem, Section
from overlay.web.i18n import COOKIE
from overlay.web.templating import render

router = APIRouter()


@router.get("/")
def job_page(request: Request):
    return render(request, "job.html", page="job")


@router.get("/lang/{code}")
def switch_language(request: Request, code: str):
    lang = i18n.normalise(code)
    if lang is None:
        raise NotFound(_("No messages in this language."), _("Choose th or en."))
    # One user, one machine: the engine's messages (warnings, errors) follow the page too.
    i18n.set_language(lang)
    back = request.headers.get("referer") or "/"
    target = back if back.startswith(str(request.base_url)) else "/"
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
