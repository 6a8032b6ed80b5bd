"""What every command shares: the two consoles and the one way errors reach the user.

Exit codes: 0 done, 1 a render or check failed, 2 bad input or usage, 130 stopped (Ctrl-C),
143 stopped by SIGTERM, 129 by SIGHUP (overlay.signals).
"""

from __future__ import annotations

import functools
import os
import re
from contextlib import contextmanager
from typing import Iterator

import typer
from rich.console import Console

from overlay.errors import OverlayError, RenderError
from overlay.i18n import _

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


@contextmanager
def user_errors() -> Iterator[None]:
    """OverlayError → 'Error: …' and its exit code; never a traceback for the user."""
    try:
        yield
    except OverlayError as exc:
        if isinstance(exc, RenderError) and exc.stderr:
            for line in ffmpeg_error_lines(exc.stderr):
                err.print(line, style="dim", markup=False)
        err.print(f"[bold red]{_('Error')}:[/] {exc.line()}", markup=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt as exc:
        from overlay.signals import exit_code

        err.print(_("Stopped. Nothing was written under the final name."))
        raise typer.Exit(exit_code(exc)) from None
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except Exception as exc:  # a bug of ours: still one line, details on request
        if os.environ.get("OVERLAY_DEBUG"):
            raise
        err.print(f"[bold red]{_('Error')}:[/] {_('unexpected problem')}: "
                  f"{type(exc).__name__}: {exc}. "
                  + _("Run again with OVERLAY_DEBUG=1 and report the output."), markup=True)
        raise typer.Exit(1) from None


_ERRORISH = re.compile(r"error|fail|invalid|denied|no space|not found|unable|cannot|could not", re.I)


def ffmpeg_error_lines(stderr: str, most: int = 5) -> list[str]:
    """The lines of ffmpeg's report that explain a failure, not its encoding statistics."""
    return [line for line in stderr.splitlines() if _ERRORISH.search(line)][-most:]


def handled(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with user_errors():
            return fn(*args, **kwargs)
    return wrapper


