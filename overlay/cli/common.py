"""What every command shares: the two consoles and the one way errors reach the user.

Exit codes: 0 done, 1 a render or check failed, 2 bad input or usage, 130 stopped (Ctrl-C),
143 stopped by SIGTERM, 129 by SIGHUP (overlay.signals).
"""

from __future__ import annotations

import functools
import os
import re
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from overlay.errors import OverlayError, RenderError
from overlay.i18n import _

# Verbatim by default: no markup, no emoji codes, no highlighting. Commands, paths, user text
# and ffmpeg's words print exactly as they are (rich would turn "-map 0:a:0" into an emoji and
# eat "[bold]" in a file name). A line of our own that wants colour says markup=True and
# escapes whatever it interpolates from outside, or uses style=.
err = Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)
out = Console(highlight=False, soft_wrap=True, markup=False, emoji=False)


@contextmanager
def user_errors() -> Iterator[None]:
    """OverlayError → 'Error: …' and its exit code; never a traceback for the user."""
    try:
        yield
    except OverlayError as exc:
        if isinstance(exc, RenderError) and exc.stderr:
            for line in ffmpeg_error_lines(exc.stderr):
                err.print(line, style="dim", markup=False)
        err.print(f"[bold red]{_('Error')}:[/] {escape(exc.line())}", markup=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt as exc:
        from overlay.signals import exit_code

        err.print(_("Stopped. Nothing was written under the final name."))
        raise typer.Exit(exit_code(exc)) from None
    except (typer.Exit, typer.Abort, typer.BadParameter, SystemExit):
        raise       # typer's own: --help, usage errors (exit 2), explicit exit codes
    except Exception as exc:  # a bug of ours: still one line, details on request
        if os.environ.get("OVERLAY_DEBUG"):
            raise
        err.print(f"[bold red]{_('Error')}:[/] {_('unexpected problem')}: "
                  f"{type(exc).__name__}: {escape(str(exc))}. "
                  + _("Run again with OVERLAY_DEBUG=1 and report the output."), markup=True)
        raise typer.Exit(1) from None


_ERRORISH = re.compile(r"error|fail|invalid|denied|no space|not found|unable|cannot|could not", re.I)


def ffmpeg_error_lines(stderr: str, most: int = 5) -> list[str]:
    """The lines of ffmpeg's report that explain a failure, not its encoding statistics."""
    return [line for line in stderr.splitlines() if _ERRORISH.search(line)][-most:]


F = TypeVar("F", bound=Callable[..., Any])


def handled(fn: F) -> F:
    """Every command is wrapped in this: the same errors, exit codes and Ctrl-C everywhere."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with user_errors():
            return fn(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


def progress_bar(label: str, total: float) -> tuple[Progress, Callable[[float], None]]:
    """A bar of seconds written, on a terminal (or OVERLAY_PROGRESS=1), and what moves it."""
    progress = Progress(TextColumn("{task.description}", markup=False), BarColumn(), TaskProgressColumn(),
                        TimeRemainingColumn(), console=err, transient=True,
                        disable=not err.is_terminal and not os.environ.get("OVERLAY_PROGRESS"))
    task = progress.add_task(label, total=total)
    return progress, (lambda seconds: progress.update(task, completed=min(seconds, total)))


def print_warnings(warnings: Iterable[str], label: str | None = None) -> None:
    for line in warnings:
        err.print(f"[yellow]{escape(label or _('Warning'))}:[/] {escape(line)}", markup=True)
