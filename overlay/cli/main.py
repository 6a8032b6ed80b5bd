"""The ``overlay`` command: the app, and the one place where every command group is mounted.

Every command group is imported to build ``--help``, so the command modules import the
engine (numpy, Pillow, PyAV, the report's fpdf2 and python-docx) inside each command, not at
their top: `overlay --help` then imports typer and rich only (about 0.1 s of imports instead
of about 0.5 s; ``python -X importtime -m overlay --help``, benchmarks/house.py).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Optional

import typer

from overlay import __version__
from overlay.cli.common import out
from overlay.i18n import _

app = typer.Typer(
    help=_("Make a district's waste-bank clip follow the DLA's rules: logos top-right, "
           "subtitles, at most 5 minutes, YouTube encode, the mandated Thai file name."),
    no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)

# Every command group: (module with a typer ``app``, sub-command name or None to put its
# commands at the top level). A new front end adds ONE line here, in the order --help shows.
GROUPS: tuple[tuple[str, str | None], ...] = (
    ("overlay.cli.render", None),       # render, check, preview, demo
    ("overlay.cli.info", None),         # doctor, presets, name
    ("overlay.cli.subs", "subs"),       # subs check
    ("overlay.cli.report", "report"),   # report init, report build
    ("overlay.cli.batch", None),        # batch
    ("overlay.cli.audit", None),        # audit
    ("overlay.cli.logos", "logos"),     # logos list, add, remove, show
    ("overlay.cli.web", None),          # web: the whole job as a local page
)


def _version(value: bool) -> None:
    if value:
        out.print(f"overlay {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help=_("Show the version and exit.")),
          ffmpeg: Optional[Path] = typer.Option(
              None, "--ffmpeg", metavar="PATH",
              help=_("Use this ffmpeg instead of the bundled one (like OVERLAY_FFMPEG)."))) -> None:
    """overlay."""
    from overlay.tools import choose

    choose(ffmpeg)      # None: back to OVERLAY_FFMPEG or the bundled one, for every invocation


for module, name in GROUPS:
    app.add_typer(importlib.import_module(module).app, name=name)


def main() -> None:
    from overlay import signals

    signals.install()     # SIGTERM/SIGHUP: the same clean stop as Ctrl-C (exit 143/129)
    for stream in (sys.stdout, sys.stderr):
        # Windows consoles default to a code page that cannot print Thai.
        if hasattr(stream, "reconfigure") and (stream.encoding or "").lower() not in ("utf-8", "utf8"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    app()
