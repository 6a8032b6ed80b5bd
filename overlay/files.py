"""Writing a file so that no reader, and no crash, ever sees half of it under its real name.

The one write-then-rename is ``runner.atomic_output`` (a temporary file beside the final one,
tagged with its owner so a crashed run's leftovers are swept, renamed in one step); these are
its forms for everything that is not an ffmpeg output: reports, records, SRT files, logos.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from overlay.i18n import _


@contextmanager
def replacing(final: Path) -> Iterator[Path]:
    """Yield a temporary path; on success it replaces ``final``; on any failure it is removed."""
    from overlay.runner import atomic_output

    with atomic_output(Path(final), force=True) as temp:
        yield temp


def write_atomic(path: Path, data: bytes | str) -> Path:
    """Write ``data`` (text as UTF-8, newlines as given) to ``path``, all or nothing."""
    with replacing(path) as temp:
        temp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# ---------------------------------------------------------------- TOML and Windows paths

_ESCAPE_ERROR = re.compile(r"hex value|unescaped '\\'|escape", re.I)
_QUOTED_BACKSLASH = re.compile(r'"[^"\n]*\\[^"\n]*"')


def toml_backslash_hint(exc: Exception, text: str) -> str | None:
    """A Windows path in double quotes is a TOML escape (``"C:\\Users"`` reads ``\\U`` as a
    hex escape): say how to write it, instead of only "Invalid hex value"."""
    if not _ESCAPE_ERROR.search(str(exc)) or not _QUOTED_BACKSLASH.search(text):
        return None
    return _("A Windows path in double quotes is read as escapes: write it in single quotes "
             "('C:\\งาน\\clip.mp4') or with / (\"C:/งาน/clip.mp4\").")
