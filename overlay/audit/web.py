"""The page's "audit a folder" view: the table of ``overlay audit``, for a folder on this machine.

A feature of ``overlay web`` (listed once in ``overlay.web.app.FEATURES``). The engine is the
CLI's: the same rows, the same audit.csv/.json/.html, written into the web's output folder.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse

from overlay.errors import OverlayError
from overlay.i18n import _
from overlay.web.features import Feature, NavItem
from overlay.web.templating import render

router = APIRouter()

# The texts of templates/audit.html, named here so that tools/update_catalogue.py finds them.
TEXTS = (_("Audit a folder"), _("Audit"),
         _("Every clip and report the districts sent, one row per district of the province."))


@router.get("/audit")
def audit_page(request: Request) -> HTMLResponse:
    return render(request, "audit.html", page="audit", folder="", province="", report=None,
                  error=None)


def _run(folder: str, province: str, out_root: Path) -> tuple[str, list[Path]]:
    from overlay.audit.engine import run_audit
    from overlay.audit.writers import html_text, write_all
    from overlay.errors import UsageError
    from overlay.gazetteer import gazetteer
    from overlay.render import choose_preset

    path = Path(folder.strip()).expanduser()
    if not folder.strip() or not path.is_dir():
        raise UsageError(_("{path} is not a folder.").format(path=folder),
                         _("Give the folder that holds the districts' clips and reports."))
    preset = choose_preset(None, province.strip() or None)
    prov = gazetteer().province(province.strip() or preset.province or "")
    audit = run_audit(path, preset, prov, skip=(out_root,))
    written = write_all(audit, out_root / f"audit-{path.name or 'folder'}")
    return html_text(audit), written


@router.post("/audit")
async def audit_folder(request: Request, folder: str = Form(""),
                       province: str = Form("")) -> HTMLResponse:
    out_root = Path(request.app.state.settings.output_dir)
    try:
        report, written = await run_in_threadpool(_run, folder, province, out_root)
    except OverlayError as exc:
        return render(request, "audit.html", status_code=400, page="audit", folder=folder,
                      province=province, report=None, error=exc.line())
    return render(request, "audit.html", page="audit", folder=folder, province=province,
                  report=report, written=[str(p) for p in written], error=None)


feature = Feature(
    router=router,
    nav=(NavItem("audit", "/audit", lambda: _("Audit a folder"), order=40),),
)
