"""The page's resource limits, each refused with one plain line: free disk space (before an
upload and before a render), the length of the queue, a stalled upload.

``free_bytes`` is the one place that asks the disk; tests replace it to fake a full disk.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from overlay.i18n import _
from overlay.web.errors import WebError

MIB = 1 << 20


class NoSpace(WebError):
    status = 507             # Insufficient Storage


class TooMany(WebError):
    status = 429


class Stalled(WebError):
    status = 408


def free_bytes(path: Path) -> int:
    """Free bytes on the disk that holds ``path`` (or its nearest existing folder)."""
    here = Path(path)
    while not here.exists() and here.parent != here:
        here = here.parent
    return shutil.disk_usage(here).free


def size_text(count: int) -> str:
    if count >= 1 << 30:
        return _("{n:.1f} GB").format(n=count / (1 << 30))
    return _("{n:.0f} MB").format(n=max(1, round(count / MIB)))


def require_space(path: Path, needed: int, margin: int, what: str) -> None:
    """NoSpace unless the disk of ``path`` keeps ``margin`` bytes free after ``needed`` more."""
    try:
        free = free_bytes(path)
    except OSError:
        return                # cannot tell: the write itself will say
    if free - needed < margin:
        raise no_space(what, needed, free)


def no_space(what: str, needed: int, free: int) -> NoSpace:
    return NoSpace(_("The computer's disk is too full for {what}: about {need} is needed and {free} "
                     "is free.").format(what=what, need=size_text(needed), free=size_text(max(0, free))),
                   _("Delete clips you no longer need from the output folder (or empty the recycle "
                     "bin), then try again."))


def still_room(path: Path, margin: int, what: str) -> None:
    """During a write: NoSpace once the free space falls below ``margin``."""
    try:
        free = free_bytes(path)
    except OSError:
        return
    if free < margin:
        raise no_space(what, margin - free, free)


def queue_full(limit: int) -> TooMany:
    return TooMany(_("{n} clips are already waiting to be made.").format(n=limit),
                   _("Wait until some of them are finished, then add this one again."))


def stalled(seconds: float) -> Stalled:
    return Stalled(_("The file stopped arriving: nothing came for {s:.0f} seconds.").format(s=seconds),
                   _("Check the connection or the file, then choose it again."))
