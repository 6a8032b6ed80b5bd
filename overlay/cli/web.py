"""``overlay web``: start the local page, print its address, open the browser."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from overlay.cli.common import err, handled, out
from overlay.i18n import _

app = typer.Typer()


@app.command(help=_("Open the whole job as a page in your browser, on this computer only."))
@handled
def web(
    port: int = typer.Option(0, "--port", help=_("Port to listen on (default: a free one).")),
    host: str = typer.Option("127.0.0.1", "--host", help=_(
        "Address to listen on. Anything but 127.0.0.1 lets other machines try to connect.")),
    no_browser: bool = typer.Option(False, "--no-browser", help=_("Do not open the browser.")),
    out_dir: Optional[Path] = typer.Option(None, "--out-dir", "-o", help=_(
        "Folder for the finished clips (default: overlay in your Videos folder).")),
    max_upload_mb: Optional[int] = typer.Option(None, "--max-upload-mb", help=_(
        "Largest clip that may be uploaded, in MB.")),
    keep_days: Optional[float] = typer.Option(None, "--keep-days", help=_(
        "Remove uploads and previews older than this many days.")),
    audit_dir: Optional[Path] = typer.Option(None, "--audit-dir", help=_(
        "Folder the page's audit view reads: what the districts sent "
        "(default: overlay-received beside the output folder).")),
) -> None:
    """Open the whole job as a page in your browser, on this computer only."""
    import webbrowser

    from overlay.web.instance import AlreadyRunning, running
    from overlay.web.server import prepare, stop_on_hangup, url
    from overlay.web.settings import LOOPBACK_NAMES, WebSettings

    settings = WebSettings(host=host, port=port)
    if out_dir is not None:
        settings = replace(settings, output_dir=out_dir.expanduser().resolve())
    if max_upload_mb is not None:
        settings = replace(settings, max_upload=max_upload_mb * (1 << 20))
    if keep_days is not None:
        settings = replace(settings, keep_days=keep_days)
    if audit_dir is not None:
        settings = replace(settings, audit_dir=audit_dir.expanduser().resolve())
    if host.strip("[]") not in LOOPBACK_NAMES:
        err.print(f"[bold yellow]{escape(_('Warning'))}:[/] " + escape(_(
            "listening on {host}: other computers on the network can reach this page "
            "(they still need the token).").format(host=host)), markup=True)
    # One server per data folder: a second start (a second window, a double-clicked
    # shortcut) sends the user to the page already running, and leaves its jobs alone.
    owner = running(settings.data_dir)
    if owner is None:
        try:
            server, sock, settings = prepare(settings)
        except AlreadyRunning as exc:
            owner = exc.owner
    if owner is not None:
        _show_running(owner, open_browser=not no_browser)
        raise typer.Exit(0)
    address = url(settings)
    err.print(_("overlay web is running. Open this address (Ctrl-C stops it):"))
    out.print(address, markup=False, soft_wrap=True)
    if not no_browser:
        webbrowser.open(address)
    stop_on_hangup(server)
    try:
        server.run(sockets=[sock])      # Ctrl-C: uvicorn stops, the app's shutdown stops a render
    except KeyboardInterrupt:
        pass                            # uvicorn raises the signal again once it has stopped
    err.print(_("overlay web stopped."))
    # Like every command: 130 after Ctrl-C, 143 after SIGTERM, 129 after SIGHUP.
    raise typer.Exit(128 + server.stop_signal if server.stop_signal else 0)


def _show_running(owner, open_browser: bool) -> None:
    import webbrowser

    from overlay.web.instance import where

    err.print(_("overlay web is already running for this data folder, at {where}: use that page.")
              .format(where=where(owner)), markup=False, soft_wrap=True)
    if owner.address:
        out.print(owner.address, markup=False, soft_wrap=True)
        if open_browser:
            webbrowser.open(owner.address)


# Mounted at the top level by overlay.cli.main.GROUPS.
app = typer.Typer()
app.command(name="web", help=_("Open the whole job as a page in your browser, on this computer only."))(web)
