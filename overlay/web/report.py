"""The report form (แบบรายงาน) on the page: a place-holder view that issue 14 fills in."""

from __future__ import annotations

from fastapi import APIRouter, Request

from overlay.i18n import _
from overlay.web.features import Feature, NavItem, Section
from overlay.web.templating import render

router = APIRouter()


@router.get("/report")
def report_page(request: Request):
    return render(request, "report.html", page="report")


feature = Feature(
    router=router,
    nav=(NavItem("report", "/report", lambda: _("Report form"), order=30),),
    sections=(Section("report", "sections/report_form.html", 10),),
)
