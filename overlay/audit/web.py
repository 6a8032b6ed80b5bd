"""The page's "audit a folder" view: the table of ``overlay audit``, for a folder on this machine.

A feature of ``overlay web`` (listed once in ``overlay.web.app.FEATURES``). The engine is the
CLI's: the same rows, the same audit.csv/.json/.html, written into the web's output folder.
The folder is the server's (``overlay web --audit-dir``), never one a request names: a page
that could read any folder on disk would be a way to list the machine's files.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse

from overlay.errors import OverlayError
from overlay.i18n import _
from overlay.web.features import Feature, NavItem
from overlay.web.security import csp, inline_style_hashes
from overlay.web.templating import render

router = APIRouter()

# The texts of templates/audit.html, named here so that tools/update_catalogue.py finds them.
TEXTS = (_("Audit a folder"), _("Audit"),
         _("Every clip and report the districts sent, one row per district of the province."),
         _("Put the clips and reports the districts sent in this folder (any sub-folders), "
           "then press Audit:"),
         _("To audit another folder, start the page with: overlay web --audit-dir FOLDER"))


def _folder(request: Request) -> Path:
    folder = Path(request.app.state.settings.audit_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)   # so that the office can find it and fill it
    except OSError:
        pass                                        # _run says plainly that it is not a folder
    return folder


def folder_line(folder: Path) -> str | None:
    """One plain line when the folder is not there (or holds nothing yet); None when it has files."""
    try:
        if not folder.is_dir():
            return _("This folder does not exist, and it could not be made here: make it (or ask "
                     "whoever installed the program to), then press Audit.")
        if not any(folder.iterdir()):
            return _("This folder is empty: put the clips and reports the districts sent in it, "
                     "then press Audit.")
    except OSError:
        return _("This folder cannot be read: check that it exists and that you may open it.")
    return None


@router.get("/audit")
def audit_page(request: Request) -> HTMLResponse:
    folder = _folder(request)
    return render(request, "audit.html", page="audit", folder=str(folder), province="",
                  report=None, error=None, folder_line=folder_line(folder))


def _run(folder: Path, province: str, out_root: Path) -> tuple[str, list[Path]]:
    from overlay.audit.engine import run_audit
    from overlay.audit.writers import html_text, write_all
    from overlay.errors import UsageError
    from overlay.gazetteer import gazetteer
    from overlay.presets import choose_preset

    path = folder
    if not path.is_dir():
        raise UsageError(_("{path} is not a folder.").format(path=folder),
                         _("Give the folder that holds the districts' clips and reports."))
    preset = choose_preset(None, province.strip() or None)
    prov = gazetteer().province(province.strip() or preset.province or "")
    audit = run_audit(path, preset, prov, skip=(out_root,))
    written = write_all(audit, out_root / f"audit-{path.name or 'folder'}")
    return html_text(audit), written


@router.post("/audit")
async def audit_folder(request: Request, province: str = Form("")) -> HTMLResponse:
    out_root = Path(request.app.state.settings.output_dir)
    folder = _folder(request)
    try:
        report, written = await run_in_threadpool(_run, folder, province, out_root)
    except OverlayError as exc:
        return render(request, "audit.html", status_code=400, page="audit", folder=str(folder),
                      province=province, report=None, error=exc.line())
    response = render(request, "audit.html", page="audit", folder=str(folder), province=province,
                      report=report, written=[str(p) for p in written], error=None)
    # The report (drawn in the frame) is audit.html itself, whose one <style> must stay inline
    # for the file on disk: the page's policy allows exactly that style, by its hash.
    response.headers["Content-Security-Policy"] = csp(inline_style_hashes(report))
    return response


feature = Feature(
    router=router,
    nav=(NavItem("audit", "/audit", lambda: _("Audit a folder"), order=40),),
)
